using System.Net;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>Hosts the Qdrant TEST DOUBLE on 127.0.0.1, a free port, HTTP/2 without TLS (h2c): real sockets, real gRPC framing.</summary>
public sealed class QdrantDoubleServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    /// <summary>The double's state: fault plan, indexed marks, the requests it received.</summary>
    public QdrantTestDouble Double => _app!.Services.GetRequiredService<QdrantTestDouble>();

    /// <summary>An address on 127.0.0.1 where nothing listens: a Qdrant node that is down (connection refused).</summary>
    public static Uri DeadAddress()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = true);
        builder.Services.AddSingleton<QdrantTestDouble>(); // one instance holds the state for every call
        _app = builder.Build();
        _app.MapGrpcService<QdrantTestDouble>();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Address = new Uri(address);
    }

    /// <summary>A client on a fresh channel to the double, as an adapter under test would use it.</summary>
    public QdrantGrpcClient CreateClient() => new(GrpcChannel.ForAddress(Address));

    /// <summary>A client whose calls pass through <paramref name="interceptor"/> first (fault injection, call inspection).</summary>
    public QdrantGrpcClient CreateClient(Interceptor interceptor) => new(GrpcChannel.ForAddress(Address).Intercept(interceptor));

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
