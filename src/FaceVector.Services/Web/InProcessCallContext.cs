using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace FaceVector.Services.Web;

/// <summary>
/// Lets an HTTP request call the gRPC service classes in-process, so the web API runs the very same search code:
/// the request's cancellation, no deadline of its own, no headers (the web API checks the key itself).
/// </summary>
internal sealed class InProcessCallContext(HttpContext http, string method) : ServerCallContext
{
    protected override string MethodCore => method;

    protected override string HostCore => http.Request.Host.Value ?? string.Empty;

    protected override string PeerCore => $"web:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => http.RequestAborted;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("in-process web calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
