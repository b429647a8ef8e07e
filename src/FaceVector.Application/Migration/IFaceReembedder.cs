using FaceVector.Index;

namespace FaceVector.Application.Migration;

/// <summary>
/// The new recognizer, as a migration needs it: embeds the faces of a photo at the places already stored for them
/// (stored landmarks when there are five; else the face is detected again and matched to its stored box,
/// <see cref="FaceBoxMatch"/>).
/// Called from several threads at once.
/// </summary>
public interface IFaceReembedder
{
    /// <summary>Identity of the new recognizer: the new collection's model.</summary>
    string ModelId { get; }

    int Dimension { get; }

    /// <summary>One vector per face, in order; null for a face that could not be found again in the photo.</summary>
    /// <param name="path">The photo, for errors.</param>
    /// <param name="bytes">The photo's bytes (already checked against the stored hash).</param>
    /// <param name="faces">The stored faces of this photo.</param>
    Task<IReadOnlyList<float[]?>> EmbedAsync(string path, byte[] bytes, IReadOnlyList<FacePayload> faces, CancellationToken cancellationToken);
}
