using FaceVector.Core.Imaging;
using FaceVector.Index;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FaceVector.Services.Interceptors;

/// <summary>
/// Turns domain exceptions into gRPC status codes in one place, so that handlers throw what they mean and a bad
/// request never surfaces as UNKNOWN (or takes the service down).
/// </summary>
public sealed partial class ExceptionMappingInterceptor(ILogger<ExceptionMappingInterceptor> logger) : ServerCallInterceptor
{
    protected override async Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next)
    {
        try
        {
            return await next();
        }
        catch (Exception ex) when (ex is not RpcException && Map(ex, context) is { } status)
        {
            if (status.StatusCode == StatusCode.Internal)
            {
                LogUnexpected(logger, ex, context.Method);
            }
            else if (status.StatusCode == StatusCode.Cancelled)
            {
                // The client went away: routine, not a server fault.
                LogCancelled(logger, context.Method);
            }

            throw new RpcException(status);
        }
    }

    internal static Status? Map(Exception ex, ServerCallContext context) => ex switch
    {
        // Whatever a cancelled call's code threw (OperationCanceledException, an IOException from a reset stream),
        // the cause is the client's cancellation.
        _ when context.CancellationToken.IsCancellationRequested => new Status(StatusCode.Cancelled, "call cancelled"),
        ImageLoadException e => new Status(StatusCode.InvalidArgument, e.Message),
        ModelMismatchException e => new Status(StatusCode.FailedPrecondition, e.Message),
        CollectionNotFoundException e => new Status(StatusCode.FailedPrecondition, e.Message),
        ArgumentException e => new Status(StatusCode.InvalidArgument, e.Message),
        _ => new Status(StatusCode.Internal, "internal error (see the server log)"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} cancelled by the client")]
    private static partial void LogCancelled(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in {Method}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method);
}
