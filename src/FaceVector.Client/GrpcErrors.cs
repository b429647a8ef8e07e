using FaceVector.Application.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using RpcStatus = Google.Rpc.Status;

namespace FaceVector.Client;

/// <summary>
/// FaceVector errors on the wire: a <c>google.rpc.Status</c> in the <c>grpc-status-details-bin</c> trailer with an
/// <c>ErrorInfo</c> (domain, reason) and, for a bad field, a <c>BadRequest</c> naming it. The server builds it from a
/// <see cref="FaceVectorError"/>; a client turns it back into the same error, so nobody matches message text.
/// </summary>
public static class GrpcErrors
{
    public static StatusCode ToStatusCode(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        // A photo without a usable face: NOT_FOUND (no face to search for); ErrorInfo.reason NO_FACE tells it apart.
        ErrorCode.NoFace => StatusCode.NotFound,
        ErrorCode.NotFound => StatusCode.NotFound,
        ErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorCode.Unavailable => StatusCode.Unavailable,
        ErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        ErrorCode.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    public static RpcStatus ToRpcStatus(FaceVectorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = FaceVectorError.Bounded(error.Message);
        var status = new RpcStatus { Code = (int)ToStatusCode(error.Code), Message = message };
        var info = new ErrorInfo { Domain = FaceVectorError.Domain, Reason = error.Reason };
        info.Metadata["code"] = error.Code.ToString();
        status.Details.Add(Any.Pack(info));
        if (error.Field is not null)
        {
            var bad = new BadRequest();
            bad.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = FaceVectorError.Bounded(error.Field), Description = message });
            status.Details.Add(Any.Pack(bad));
        }

        return status;
    }

    public static RpcException ToRpcException(FaceVectorError error) => ToRpcStatus(error).ToRpcException();

    /// <summary>The error a call failed with: from its rich details when the server sent them, else from the status code.</summary>
    public static FaceVectorError ToError(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        RpcStatus? status = exception.GetRpcStatus();
        ErrorInfo? info = status?.GetDetail<ErrorInfo>();
        BadRequest? bad = status?.GetDetail<BadRequest>();
        string? field = bad?.FieldViolations.FirstOrDefault()?.Field;
        if (info is not null && info.Domain == FaceVectorError.Domain && info.Metadata.TryGetValue("code", out string? name)
            && System.Enum.TryParse(name, out ErrorCode code))
        {
            return new FaceVectorError(code, info!.Reason, exception.Status.Detail, field);
        }

        ErrorCode fallback = exception.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.OutOfRange => ErrorCode.InvalidArgument,
            StatusCode.NotFound => ErrorCode.NotFound,
            StatusCode.FailedPrecondition => ErrorCode.FailedPrecondition,
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => ErrorCode.Unavailable,
            StatusCode.ResourceExhausted => ErrorCode.ResourceExhausted,
            StatusCode.Cancelled => ErrorCode.Cancelled,
            _ => ErrorCode.Internal,
        };
        return new FaceVectorError(fallback, exception.StatusCode.ToString().ToUpperInvariant(), exception.Status.Detail, field);
    }

    /// <summary>The call's error as a <see cref="FaceVectorException"/>; <paramref name="service"/> prefixes unavailability messages.</summary>
    public static FaceVectorException ToException(RpcException exception, string service)
    {
        FaceVectorError error = ToError(exception);
        if (error.Code == ErrorCode.Unavailable)
        {
            error = error with { Message = $"{service} unavailable: {error.Message}" };
        }

        return new FaceVectorException(error, exception);
    }
}
