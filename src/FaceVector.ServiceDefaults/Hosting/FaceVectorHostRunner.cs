using FaceVector.Services.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceVector.Services.Hosting;

/// <summary>A server that refused to start for a reason its operator must fix (a setting); the message names it.</summary>
public sealed class ServerStartRefusedException(string message) : Exception(message);

/// <summary>
/// Starting and running a FaceVector host so that a refusal to start (<see cref="ExposureGuard"/>: listening beyond
/// loopback without a key) is one line on stderr and exit code 2, not an unhandled exception with a stack trace.
/// </summary>
public static class FaceVectorHostRunner
{
    /// <summary>Exit code of a host that refused to start: a setting is wrong.</summary>
    public const int RefusedExitCode = 2;

    /// <summary>Starts the host; throws <see cref="ServerStartRefusedException"/> (the host stopped) if it refused to serve.</summary>
    public static async Task StartCheckedAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync(cancellationToken);
        if (app.Services.GetService<ExposureGuard>()?.Refusal is { } refusal)
        {
            await app.StopAsync(CancellationToken.None);
            throw new ServerStartRefusedException(refusal);
        }
    }

    /// <summary>The host's whole life for a Program.cs: 0 after a normal shutdown, 2 with one line if it refused to start.</summary>
    public static async Task<int> RunCheckedAsync(this WebApplication app, string name)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using (app)
        {
            try
            {
                await app.StartCheckedAsync();
            }
            catch (ServerStartRefusedException ex)
            {
                await Console.Error.WriteLineAsync($"{name}: {ex.Message}");
                return RefusedExitCode;
            }

            await app.WaitForShutdownAsync();
            return 0;
        }
    }
}
