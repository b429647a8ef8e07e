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
/// the host, unless <see cref="ServerOptions.AllowAnonymous"/> says anonymous access is wanted. Until that check has
/// passed every request is refused, so nothing is answered in between. The refusal is not thrown (the host would log
/// it with a stack trace): <see cref="FaceVectorHostRunner"/> reports it as one line and exit code 2.
/// </summary>
public sealed class ExposureGuard(IServer server, ApiKeyCheck keys, IOptions<ServerOptions> options, IHostApplicationLifetime lifetime) : IHostedLifecycleService
{
    private volatile bool _checked;

    public bool Checked => _checked;

    /// <summary>Why the server refused to start (it then stops at once); null when it did not.</summary>
    public string? Refusal { get; private set; }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        ICollection<string> addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        string? exposed = addresses.FirstOrDefault(a => !IsLoopback(a));
        if (exposed is not null && !keys.Required && !options.Value.AllowAnonymous)
        {
            Refusal = $"refusing to serve {exposed} without an API key (anyone who can reach it could search and delete faces): " +
                "set FACEVECTOR_API_KEY or FACEVECTOR_API_KEY_FILE (and FACEVECTOR_ADMIN_KEY for deleting), listen on 127.0.0.1 only, " +
                "or set FaceVector__Server__AllowAnonymous=true if anonymous access is really wanted";
            lifetime.StopApplication();
            return Task.CompletedTask;
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
