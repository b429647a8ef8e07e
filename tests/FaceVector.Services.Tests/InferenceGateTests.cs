using FaceVector.Application.Errors;
using System.Diagnostics.Metrics;
using FaceVector.Services.Configuration;
using FaceVector.Services.Embedding;
using FaceVector.Services.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Tests;

public sealed class InferenceGateTests
{
    private static InferenceGate Gate(int concurrency, int queue)
    {
        IMeterFactory meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new InferenceGate(Options.Create(new InferenceOptions { MaxConcurrency = concurrency, MaxQueue = queue }), new FaceVectorMetrics(meters));
    }

    [Fact]
    public async Task Admits_n_running_and_q_waiting_then_refuses_at_once()
    {
        using InferenceGate gate = Gate(2, 1);
        IDisposable a = await gate.EnterAsync(default);
        IDisposable b = await gate.EnterAsync(default);
        Task<IDisposable> waiting = gate.EnterAsync(default).AsTask();

        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, gate.Waiting);
        var ex = await Assert.ThrowsAsync<FaceVectorException>(() => gate.EnterAsync(default).AsTask());
        Assert.Equal(ErrorCode.ResourceExhausted, ex.Error.Code); // RESOURCE_EXHAUSTED over gRPC, 429 over HTTP

        a.Dispose();
        a.Dispose(); // a second dispose frees nothing more
        (await waiting).Dispose();
        b.Dispose();
        Assert.Equal(0, gate.Waiting);
        (await gate.EnterAsync(default)).Dispose();
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue()
    {
        using InferenceGate gate = Gate(1, 1);
        using IDisposable running = await gate.EnterAsync(default);
        using var cts = new CancellationTokenSource();
        Task<IDisposable> waiting = gate.EnterAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, gate.Waiting);
    }
}
