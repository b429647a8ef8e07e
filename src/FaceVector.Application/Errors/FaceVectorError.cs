using FaceVector.Core.Imaging;
using FaceVector.Index;

namespace FaceVector.Application.Errors;

/// <summary>What kind of failure an error is; each host maps it to its own status (gRPC code, HTTP status, exit code).</summary>
public enum ErrorCode
{
    /// <summary>A request field is wrong; <see cref="FaceVectorError.Field"/> names it.</summary>
    InvalidArgument,
    /// <summary>The probe image is readable but has no usable face.</summary>
    NoFace,
    NotFound,
    /// <summary>The store holds another model's vectors, or the collection is missing.</summary>
    FailedPrecondition,
    Unavailable,
    ResourceExhausted,
    Cancelled,
    Internal,
}

/// <summary>
/// An error as every API reports it: a code, a stable machine-readable reason (gRPC <c>ErrorInfo.reason</c>, the
/// problem+json <c>type</c> suffix), a message for people, and the request field at fault when there is one.
/// </summary>
public sealed record FaceVectorError(ErrorCode Code, string Reason, string Message, string? Field = null)
{
    /// <summary>The ErrorInfo domain of FaceVector's errors.</summary>
    public const string Domain = "facevector.dev";

    /// <summary>Longest message an API sends back (gRPC status detail, problem+json detail).</summary>
    public const int MaxMessageLength = 400;

    /// <summary>
    /// A message cut to <see cref="MaxMessageLength"/> characters, keeping its start and its end (where the reason
    /// usually is): the last guard against echoing unbounded input, applied where errors leave a server.
    /// </summary>
    public static string Bounded(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        const string Cut = " [...] ";
        int keep = (MaxMessageLength - Cut.Length) / 2;
        return message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, keep), Cut, message.AsSpan(message.Length - keep));
    }

    /// <summary>
    /// The one classification of exceptions into errors: typed exceptions only, never message text. Null for
    /// anything unexpected (a bug: the host logs it and answers "internal error").
    /// </summary>
    public static FaceVectorError? Of(Exception exception) => exception switch
    {
        FaceVectorException e => e.Error,
        // The source is a caller-given name for uploaded bytes: quoted, so a long one is not echoed whole.
        ImageLoadException e => new(ErrorCode.InvalidArgument, "IMAGE_UNUSABLE",
            e.Source.Length <= FaceVectorException.MaxQuotedLength ? e.Message : FaceVectorException.Quote(e.Source) + e.Message[e.Source.Length..], "image"),
        ModelMismatchException e => new(ErrorCode.FailedPrecondition, "MODEL_MISMATCH", e.Message),
        CollectionNotFoundException e => new(ErrorCode.FailedPrecondition, "NO_COLLECTION", e.Message),
        // The index's own guards (vector size, zero vectors) throw ArgumentException: a request the store cannot take.
        ArgumentException e => new(ErrorCode.InvalidArgument, "INVALID_ARGUMENT", e.Message),
        _ => null,
    };
}

/// <summary>A failure the caller can act on, carrying its <see cref="FaceVectorError"/>.</summary>
public sealed class FaceVectorException(FaceVectorError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public FaceVectorError Error { get; } = error;

    /// <summary>Longest piece of caller input quoted back in a message: errors never echo unbounded input.</summary>
    public const int MaxQuotedLength = 64;

    public static FaceVectorException InvalidArgument(string field, string description) =>
        new(new FaceVectorError(ErrorCode.InvalidArgument, "INVALID_ARGUMENT", $"{field}: {description}", field));

    public static FaceVectorException NoFace(string image, float minFaceSize) =>
        new(new FaceVectorError(ErrorCode.NoFace, "NO_FACE",
            $"no face of at least {minFaceSize:0} px found in the probe image {Quote(image)} (try a larger or less tightly cropped photo)", "image"));

    public static FaceVectorException NotFound(string field, string description) =>
        new(new FaceVectorError(ErrorCode.NotFound, "NOT_FOUND", description, field));

    public static FaceVectorException Unavailable(string description, Exception? inner = null) =>
        new(new FaceVectorError(ErrorCode.Unavailable, "UNAVAILABLE", description), inner);

    public static FaceVectorException ResourceExhausted(string description) =>
        new(new FaceVectorError(ErrorCode.ResourceExhausted, "RESOURCE_EXHAUSTED", description));

    /// <summary>Caller input for a message, cut to <see cref="MaxQuotedLength"/> characters.</summary>
    public static string Quote(string? value) =>
        value is null ? "''" : value.Length <= MaxQuotedLength ? $"'{value}'" : $"'{value[..MaxQuotedLength]}...' ({value.Length} characters)";
}
