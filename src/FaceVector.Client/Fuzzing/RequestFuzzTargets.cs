using FaceVector.Grpc.V1;
using Google.Protobuf;

namespace FaceVector.Services.Fuzzing;

/// <summary>
/// The gRPC request parsers as fuzz targets: seeds are encodings of real requests of every method (with an image,
/// an embedding, filters, tags, streaming chunks); an input is parsed by every request parser, which must either
/// accept it or refuse it with <see cref="InvalidProtocolBufferException"/> (what the server turns into an error
/// answer), never throw anything else. Used by the fuzz test and <c>facevector bench fuzz</c>.
/// </summary>
public static class RequestFuzzTargets
{
    private static readonly MessageParser[] Parsers =
    [
        ImageRequest.Parser, ImageChunk.Parser, ModelInfoRequest.Parser,
        SearchRequest.Parser, SearchChunk.Parser, SearchByFaceRequest.Parser, DeleteImagesRequest.Parser, StatsRequest.Parser,
    ];

    /// <summary>Encoded requests to mutate; <paramref name="photo"/> is put in the image fields (a small one keeps inputs fast).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(byte[] photo)
    {
        ByteString image = ByteString.CopyFrom(photo);
        var filter = new PayloadFilter { ImagePath = "/photos/a.jpg", ImagePathPrefix = "/photos/", ImageHash = new string('a', 64) };
        filter.Tags.Add("who", "obama");
        var embedding = new ProbeEmbedding { ModelId = "w600k_mbf_int8@7caa7fb0ad6c" };
        embedding.Values.AddRange(Enumerable.Range(0, 512).Select(i => MathF.Sin(i)));
        return
        [
            ("ImageRequest", new ImageRequest { Image = image, Name = "photo.jpg" }.ToByteArray()),
            ("ImageChunk.metadata", new ImageChunk { Metadata = new ImageMetadata { Name = "photo.jpg", TotalBytes = photo.Length, Embed = true } }.ToByteArray()),
            ("ImageChunk.data", new ImageChunk { Data = image }.ToByteArray()),
            ("SearchRequest.image", new SearchRequest { Image = image, Name = "probe.jpg", TopK = 10, ScoreThreshold = 0.33f, FaceIndex = 0, Filter = filter }.ToByteArray()),
            ("SearchRequest.embedding", new SearchRequest { Embedding = embedding, TopK = 5, FaceSelection = ProbeFaceSelection.All }.ToByteArray()),
            ("SearchChunk.request", new SearchChunk { Request = new SearchRequest { Name = "probe.jpg", TopK = 3 } }.ToByteArray()),
            ("SearchByFaceRequest", new SearchByFaceRequest { PointId = Guid.NewGuid().ToString(), TopK = 7, ScoreThreshold = 0.5f, Filter = filter }.ToByteArray()),
            ("DeleteImagesRequest", new DeleteImagesRequest { Filter = filter }.ToByteArray()),
        ];
    }

    /// <summary>Parses <paramref name="bytes"/> with every request parser: true if any accepted, false if all refused.</summary>
    public static bool Parse(byte[] bytes)
    {
        bool any = false;
        foreach (MessageParser parser in Parsers)
        {
            try
            {
                IMessage message = parser.ParseFrom(bytes);
                // Re-encoding what was accepted must work too (the server echoes parts of requests in replies).
                _ = message.ToByteArray();
                any = true;
            }
            catch (InvalidProtocolBufferException)
            {
                // The documented refusal.
            }
        }

        return any;
    }
}
