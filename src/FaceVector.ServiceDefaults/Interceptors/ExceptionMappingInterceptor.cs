using FaceVector.Application.Errors;
using FaceVector.Client;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FaceVector.Services.Interceptors;

/// <summary>
/// Turns exceptions into gRPC statuses in one place: typed errors (<see cref="FaceVectorError.Of"/>) travel with
/// rich details (google.rpc.Status: ErrorInfo, BadRequest); anything else is a logged INTERNAL, never UNKNOWN, and a
/// bad request never takes the service down.
/// </summary>
public sealed partial class ExceptionMappingInterceptor(ILogger<ExceptionMappingInterceptor> logger) : ServerCallInterceptor
{
    protected override async Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next)
    {
        try
        {
            return await next();
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // Whatever a cancelled call's code threw (OperationCanceledException, an IOException from a reset
            // stream), the cause is the client's cancellation: routine, logged as such, counted as CANCELLED.
            if (context.CancellationToken.IsCancellationRequested)
            {
                LogCancelled(logger, context.Method);
                throw new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            }

            FaceVectorError? error = FaceVectorError.Of(ex) ?? Hosting.GrpcFrameGuard.FromReader(ex);

            if (error is null)
            {
                LogUnexpected(logger, ex, context.Method);
                throw new RpcException(new Status(StatusCode.Internal, "internal error (see the server log)"));
            }

            throw GrpcErrors.ToRpcException(error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} cancelled by the client")]
    private static partial void LogCancelled(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in {Method}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method);
}
