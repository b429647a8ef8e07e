using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using FaceVector.Application.Errors;
using FaceVector.Client;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FaceVector.Services.Hosting;

/// <summary>
/// gRPC message framing that grpc-dotnet refuses with a plain exception, which it reports as UNKNOWN ("Exception was
/// thrown by handler"): a compression flag other than 0 or 1, a length prefix of 2 GiB or more. For unary calls the
/// middleware reads the first frame header before grpc-dotnet does (nothing consumed) and answers such a frame itself
/// as INVALID_ARGUMENT; inside streams <see cref="Interceptors.ExceptionMappingInterceptor"/> maps the same refusals
/// (<see cref="FromReader"/>).
/// </summary>
public static class GrpcFrameGuard
{
    private const int HeaderLength = 5;

    public static IApplicationBuilder UseGrpcFrameGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { Method.Type: MethodType.Unary }
            && await BadHeaderAsync(http) is { } refusal)
        {
            // A trailers-only answer, as grpc-dotnet writes an error before any message.
            Status status = GrpcErrors.ToRpcStatus(refusal).ToRpcException().Status;
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.Headers["grpc-message"] = Uri.EscapeDataString(status.Detail);
            http.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(GrpcErrors.ToRpcStatus(refusal).ToByteArray());
            return;
        }

        await next(http);
    });

    /// <summary>The refusal for an exception grpc-dotnet's message reader threw on broken framing; null for any other.</summary>
    public static FaceVectorError? FromReader(Exception exception) =>
        exception.TargetSite?.DeclaringType?.Assembly != typeof(GrpcServiceOptions).Assembly ? null
        : exception switch
        {
            InvalidDataException => Malformed($"a malformed gRPC frame ({exception.Message})"),
            IOException => Malformed($"a gRPC frame longer than any message ({exception.Message})"),
            _ => null,
        };

    private static async Task<FaceVectorError?> BadHeaderAsync(HttpContext http)
    {
        ReadResult read = await http.Request.BodyReader.ReadAtLeastAsync(HeaderLength, http.RequestAborted);
        ReadOnlySequence<byte> buffer = read.Buffer;
        try
        {
            if (buffer.Length < HeaderLength)
            {
                return null; // grpc-dotnet answers a short body ("Incomplete message")
            }

            Span<byte> header = stackalloc byte[HeaderLength];
            buffer.Slice(0, HeaderLength).CopyTo(header);
            if (header[0] > 1)
            {
                return Malformed($"a malformed gRPC frame (compression flag {header[0]}; 0 or 1 expected)");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            return length > int.MaxValue ? Malformed($"a gRPC frame of {length:N0} bytes, longer than any message") : null;
        }
        finally
        {
            // Nothing consumed or examined: grpc-dotnet reads the same bytes next.
            http.Request.BodyReader.AdvanceTo(buffer.Start);
        }
    }

    private static FaceVectorError Malformed(string what) =>
        new(ErrorCode.InvalidArgument, "MALFORMED_MESSAGE", $"request: {what}", "request");
}
