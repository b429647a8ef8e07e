using FaceVector.Application.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FaceVector.Services.Web;

/// <summary>A request the web API refuses, with the HTTP status and a message naming the problem.</summary>
public sealed class WebApiException(int statusCode, string message, string? field = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Field { get; } = field;
}

/// <summary>
/// Turns what the endpoints throw into problem+json answers (RFC 9457) in one place: typed errors
/// (<see cref="FaceVectorError.Of"/>) get their status, reason (<c>type</c>) and field, exactly as gRPC reports them.
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
            return Problem(ex.StatusCode, "INVALID_REQUEST", ex.Message, ex.Field);
        }
        catch (Exception ex) when (FaceVectorError.Of(ex) is { } error)
        {
            return Problem(HttpStatus(error.Code), error.Reason, error.Message, error.Field);
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Problem(499, "CANCELLED", "request cancelled", null);
        }
    }

    /// <summary>A problem+json answer; <c>error</c> repeats the detail for the page's script.</summary>
    public static IResult Problem(int statusCode, string reason, string message, string? field)
    {
        message = FaceVectorError.Bounded(message);
        var problem = new ProblemDetails
        {
            Status = statusCode,
            Type = $"https://{FaceVectorError.Domain}/errors/{reason.ToLowerInvariant()}",
            Title = reason,
            Detail = message,
        };
        problem.Extensions["error"] = message;
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return Results.Problem(problem);
    }

    public static int HttpStatus(ErrorCode code) => code switch
    {
        // "No face" is a photo the server understood but cannot use: 422, not a missing resource.
        ErrorCode.NoFace => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorCode.NotFound => StatusCodes.Status404NotFound,
        ErrorCode.FailedPrecondition => StatusCodes.Status409Conflict,
        ErrorCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        ErrorCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.Cancelled => 499,
        _ => StatusCodes.Status500InternalServerError,
    };
}
