namespace FaceVector.Core.Imaging;

/// <summary>Why an image could not be used.</summary>
public enum ImageLoadFailure
{
    /// <summary>The file could not be read (missing, permissions, I/O error).</summary>
    Unreadable,
    /// <summary>The file has no bytes.</summary>
    Empty,
    /// <summary>The bytes are not in any supported image format (whatever the extension says).</summary>
    NotAnImage,
    /// <summary>The declared size is over the configured pixel limit; nothing was decoded.</summary>
    TooLarge,
    /// <summary>The format was recognised but the data is damaged or unsupported.</summary>
    Corrupt,
}

/// <summary>A typed image failure that names the file and the reason.</summary>
public sealed class ImageLoadException : Exception
{
    public ImageLoadException(string source, ImageLoadFailure failure, string reason, Exception? inner = null)
        : base($"{source}: {Describe(failure)}: {reason}", inner)
    {
        Source = source;
        Failure = failure;
        Reason = reason;
    }

    /// <summary>The file path (or a caller-given name for in-memory bytes).</summary>
    public new string Source { get; }

    public ImageLoadFailure Failure { get; }

    public string Reason { get; }

    private static string Describe(ImageLoadFailure failure) => failure switch
    {
        ImageLoadFailure.Unreadable => "cannot read file",
        ImageLoadFailure.Empty => "empty file",
        ImageLoadFailure.NotAnImage => "not an image",
        ImageLoadFailure.TooLarge => "image too large",
        ImageLoadFailure.Corrupt => "corrupt image",
        _ => failure.ToString(),
    };
}
