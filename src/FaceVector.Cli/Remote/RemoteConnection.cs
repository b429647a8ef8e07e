using System.Net;
using System.CommandLine;
using FaceVector.Cli.Commands;
using Grpc.Core;
using Grpc.Net.Client;

namespace FaceVector.Cli.Remote;

/// <summary><c>--server</c> and <c>--api-key</c>, shared by the commands that talk to a FaceVector server.</summary>
internal sealed class RemoteOptions
{
    public const string ApiKeyVariable = "FACEVECTOR_API_KEY";

    public Option<string> Server { get; } = new("--server", "-s") { Description = "Server address, e.g. http://127.0.0.1:50051 (h2c) or https://host:443", Required = true };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"API key (default: ${ApiKeyVariable})" };

    public void AddTo(Command command)
    {
        command.Add(Server);
        command.Add(ApiKey);
    }

    public Uri ServerUri(ParseResult parse)
    {
        string server = parse.GetValue(Server)!;
        return Uri.TryCreate(server, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--server: '{server}' is not an http:// or https:// address");
    }

    public string? Key(ParseResult parse) => parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);

    public static GrpcChannel Channel(Uri server) => GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 });

    public static Metadata Headers(string? apiKey) => string.IsNullOrEmpty(apiKey) ? [] : new Metadata { { "x-api-key", apiKey } };

    public static bool IsLoopback(Uri server) =>
        server.IsLoopback || (IPAddress.TryParse(server.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));
}

/// <summary>Exit codes and messages for failed remote calls.</summary>
internal static class RemoteErrors
{
    /// <summary>The server refused or could not be reached (other than for bad input).</summary>
    public const int ServiceError = 4;

    public static CliException ToCliException(RpcException ex, Uri server) => new(
        $"{server}: {ex.StatusCode}: {ex.Status.Detail}",
        ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound ? CliErrors.InputError : ServiceError);
}
