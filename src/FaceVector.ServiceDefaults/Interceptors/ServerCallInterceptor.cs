using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FaceVector.Services.Interceptors;

/// <summary>
/// A server interceptor written once for every call shape: subclasses implement <see cref="HandleAsync{T}"/> around
/// the continuation, whether the call is unary or streaming.
/// </summary>
public abstract class ServerCallInterceptor : Interceptor
{
    protected abstract Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        HandleAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        HandleAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        HandleAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        HandleAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });
}
