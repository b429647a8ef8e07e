using FaceVector.Application.Search;

namespace FaceVector.Services.Web;

/// <summary>A face in a photo: its index (as Detect numbers it), box <c>[x1,y1,x2,y2]</c> in upright pixels, detector score.</summary>
public sealed record FaceJson(int Index, float[] Box, float Score);

/// <summary>Answer of <c>POST /api/detect</c>: the upright size of the photo, its faces, and the largest one's index.</summary>
public sealed record DetectResponse(string Name, int Width, int Height, int Largest, IReadOnlyList<FaceJson> Faces);

/// <summary>An indexed face that matched, with URLs of its image's thumbnail and full photo.</summary>
/// <param name="ImageWidth">Upright width of the matched image (0 when it can no longer be read), for drawing the box on the thumbnail.</param>
public sealed record MatchJson(
    string PointId, string ImagePath, float Score, float[] Box, int FaceIndex, int ImageWidth, int ImageHeight, string Thumbnail, string Image);

/// <summary>Answer of <c>POST /api/search</c>: the probe face used, the threshold applied, the matches best first.</summary>
public sealed record SearchResponse(string Name, FaceJson Probe, float Threshold, string ModelId, IReadOnlyList<MatchJson> Matches);

/// <summary>Answer of <c>GET /api/stats</c>.</summary>
public sealed record StatsResponse(long Faces, long Images, string Collection, string ModelId, ModelJson Model);

/// <summary>The models the server runs; <see cref="RecommendedThreshold"/> is the search page's default.</summary>
public sealed record ModelJson(string ModelId, int Dimension, string Detector, string Recognizer, string ExecutionProvider, float RecommendedThreshold)
{
    public static ModelJson From(EmbedderModel m) => new(m.ModelId, m.Dimension, m.Detector, m.Recognizer, m.ExecutionProvider, m.RecommendedThreshold);
}

/// <summary>Answer of <c>DELETE /api/images</c>: faces deleted, photos they were in, photos the journal forgot.</summary>
public sealed record DeleteResponse(long Deleted, int Images, int JournalForgot);
