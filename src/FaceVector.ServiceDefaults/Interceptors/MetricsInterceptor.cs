using System.Diagnostics;
using FaceVector.Services.Telemetry;
using Grpc.Core;

namespace FaceVector.Services.Interceptors;

/// <summary>Counts every call and records its latency, tagged with method and final status code.</summary>
public sealed class MetricsInterceptor(FaceVectorMetrics metrics) : ServerCallInterceptor
{
    protected override async Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next)
    {
        long start = Stopwatch.GetTimestamp();
        StatusCode code = StatusCode.OK;
        try
        {
            return await next();
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            throw;
        }
        catch (Exception)
        {
            // A call the client cancelled counts as CANCELLED whatever was thrown, like the mapping says.
            code = context.CancellationToken.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unknown;
            throw;
        }
        finally
        {
            var tags = new TagList { { "rpc.method", context.Method }, { "rpc.grpc.status_code", code.ToString() } };
            metrics.Requests.Add(1, tags);
            metrics.Duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
        }
    }
}
