using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace FaceVector.Services.Hosting;

/// <summary>Client side of grpc.health.v1: waits for SERVING, tolerating a server that is not listening yet.</summary>
public static class HealthProbe
{
    public static async Task WaitServingAsync(GrpcChannel channel, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var health = new Health.HealthClient(channel);
        DateTime until = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < until)
        {
            try
            {
                HealthCheckResponse response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }

                last = response.Status.ToString();
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                last = ex.Status.Detail;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{channel.Target}: not SERVING after {timeout.TotalSeconds:0} s ({last})");
    }
}
