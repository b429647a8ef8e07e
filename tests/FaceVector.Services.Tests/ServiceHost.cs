using FaceVector.Services.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FaceVector.Services.Tests;

/// <summary>
/// A FaceVector host on a real loopback socket (Kestrel, h2c), started in-process like the real executables, and a
/// channel to it.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    public const string ApiKey = "test-key-0123456789";

    public const string AdminKey = "test-admin-key-9876543210";

    private readonly WebApplication _app;

    private ServiceHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }

    public int Port => Address.Port;

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a host on <paramref name="port"/> (0: a free one) with the test's models and API key.</summary>
    public static async Task<ServiceHost> StartAsync(FaceVectorRoles roles, IReadOnlyDictionary<string, string?> settings, int port = 0)
    {
        var all = new Dictionary<string, string?>
        {
            ["FaceVector:Models:Directory"] = TestData.ModelsPath,
            ["FaceVector:Server:ApiKey"] = ApiKey,
            ["FaceVector:Server:AdminKey"] = AdminKey,
        };
        foreach ((string key, string? value) in settings)
        {
            all[key] = value;
        }

        WebApplication app = FaceVectorHost.Build(roles, [], builder =>
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new ServiceHost(app, new Uri(app.Urls.Single()));
    }

    public static Metadata KeyHeaders => new() { { "x-api-key", ApiKey } };

    public static Metadata AdminHeaders => new() { { "x-api-key", AdminKey } };

    /// <summary>Waits until the standard health service says SERVING (models loaded, dependencies reachable).</summary>
    public Task WaitServingAsync(TimeSpan timeout) => HealthProbe.WaitServingAsync(Channel, timeout);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
