using System.Net;
using FaceVector.Services.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Security;

/// <summary>
/// Refuses to run a server without a key on anything but loopback: once Kestrel has bound its addresses (the only
/// moment they are all known, URLs and ports from any source), a non-loopback one without a configured key stops
/// the start with an error, unless <see cref="ServerOptions.AllowAnonymous"/> says anonymous access is wanted.
/// Until that check has passed every request is refused, so nothing is answered in between.
/// </summary>
public sealed class ExposureGuard(IServer server, ApiKeyCheck keys, IOptions<ServerOptions> options) : IHostedLifecycleService
{
    private volatile bool _checked;

    public bool Checked => _checked;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        ICollection<string> addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        string? exposed = addresses.FirstOrDefault(a => !IsLoopback(a));
        if (exposed is not null && !keys.Required && !options.Value.AllowAnonymous)
        {
            throw new InvalidOperationException(
                $"refusing to serve {exposed} without an API key: anyone who can reach it could search and delete faces. " +
                "Set FACEVECTOR_API_KEY (or FACEVECTOR_API_KEY_FILE) and FACEVECTOR_ADMIN_KEY, listen on 127.0.0.1 only, " +
                "or set FaceVector:Server:AllowAnonymous=true if anonymous access is really wanted.");
        }

        _checked = true;
        return Task.CompletedTask;
    }

    /// <summary>True for a bound address on a loopback interface (<c>localhost</c>, 127.x, ::1).</summary>
    public static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Middleware: 503 for every request until the exposure check has passed.</summary>
    public static IApplicationBuilder UseExposureGate(IApplicationBuilder app, ExposureGuard guard) => app.Use(async (http, next) =>
    {
        if (!guard.Checked)
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        await next(http);
    });

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
