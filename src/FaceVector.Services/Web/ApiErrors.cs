using FaceVector.Services.Interceptors;
using FaceVector.Services.Search;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using GrpcCode = Grpc.Core.StatusCode;

namespace FaceVector.Services.Web;

/// <summary>The body of every error answer of the web API.</summary>
public sealed record ApiError(string Error);

/// <summary>A request the web API refuses, with the HTTP status and a message naming the problem.</summary>
public sealed class WebApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// Turns what the endpoints (and the gRPC service code they call) throw into HTTP answers in one place: domain
/// exceptions go through the gRPC mapping first, so an error reads the same over both APIs.
/// </summary>
internal sealed class ApiErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (WebApiException ex)
        {
            return Error(ex.StatusCode, ex.Message);
        }
        catch (RpcException ex)
        {
            return FromStatus(ex.Status);
        }
        catch (Exception ex) when (ExceptionMappingInterceptor.Map(ex, new InProcessCallContext(context.HttpContext, "web")) is { } status
            && status.StatusCode != GrpcCode.Internal)
        {
            return FromStatus(status);
        }
    }

    public static IResult Error(int statusCode, string message) => Results.Json(new ApiError(message), statusCode: statusCode);

    private static IResult FromStatus(Status status) => Error(HttpStatus(status), status.Detail);

    private static int HttpStatus(Status status) => status.StatusCode switch
    {
        // "No face" is a photo the server understood but cannot use: 422, not a missing resource.
        GrpcCode.NotFound when status.Detail == FaceSearchService.NoFaceMessage => StatusCodes.Status422UnprocessableEntity,
        GrpcCode.InvalidArgument or GrpcCode.OutOfRange => StatusCodes.Status400BadRequest,
        GrpcCode.NotFound => StatusCodes.Status404NotFound,
        GrpcCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        GrpcCode.PermissionDenied => StatusCodes.Status403Forbidden,
        GrpcCode.FailedPrecondition => StatusCodes.Status409Conflict,
        GrpcCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        GrpcCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        GrpcCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        GrpcCode.Cancelled => 499,
        _ => StatusCodes.Status500InternalServerError,
    };
}
