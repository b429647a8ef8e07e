using FaceVector.Application.Errors;
using FaceVector.Index;

namespace FaceVector.Application.Search;

/// <summary>How an API names the search fields in its errors (gRPC and JSON use the proto names; forms their own).</summary>
public sealed record SearchFieldNames(
    string TopK = "top_k",
    string Threshold = "score_threshold",
    string FaceIndex = "face_index",
    string Selection = "face_selection",
    string Image = "image",
    string Name = "name",
    string Embedding = "embedding.values",
    string EmbeddingModel = "embedding.model_id",
    string Filter = "filter")
{
    public static SearchFieldNames Proto { get; } = new();
}

/// <summary>
/// Request validation, defined once for every API: bad values are refused with the field's name (never silently
/// replaced), and messages never echo unbounded input.
/// </summary>
public static class SearchRules
{
    /// <summary>Longest probe name, image path or tag accepted.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>Most tags in one filter.</summary>
    public const int MaxFilterTags = 64;

    public static void Validate(SearchParameters parameters, SearchFieldNames names)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(names);
        if (parameters.TopK is < 0 and var k)
        {
            throw FaceVectorException.InvalidArgument(names.TopK, $"must be 0 (the default) or more, not {k}");
        }

        if (parameters.Threshold is { } t && !(float.IsFinite(t) && t is >= -1 and <= 1))
        {
            throw FaceVectorException.InvalidArgument(names.Threshold, "must be a cosine similarity from -1 to 1");
        }

        if (parameters.FaceIndex is < 0 and var f)
        {
            throw FaceVectorException.InvalidArgument(names.FaceIndex, $"must be 0 or more, not {f}");
        }

        if (!Enum.IsDefined(parameters.Selection))
        {
            throw FaceVectorException.InvalidArgument(names.Selection, $"unknown value {(int)parameters.Selection}: use largest or all");
        }

        ValidateFilter(parameters.Filter, names.Filter);
    }

    /// <summary>The top-N a search uses: the default for null or 0, clamped to the maximum.</summary>
    public static int EffectiveTopK(int? requested, SearchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return requested is null or 0 ? settings.DefaultTopK : Math.Min(requested.Value, settings.MaxTopK);
    }

    public static void ValidateFilter(FaceFilter? filter, string field)
    {
        if (filter is null)
        {
            return;
        }

        foreach ((string name, string? value) in new[] { ("image_path", filter.ImagePath), ("image_path_prefix", filter.ImagePathPrefix), ("image_hash", filter.ImageHash) })
        {
            if (value is { Length: > MaxTextLength })
            {
                throw FaceVectorException.InvalidArgument($"{field}.{name}", $"longer than {MaxTextLength} characters");
            }
        }

        if (filter.Tags.Count > MaxFilterTags)
        {
            throw FaceVectorException.InvalidArgument($"{field}.tags", $"{filter.Tags.Count} tags; at most {MaxFilterTags}");
        }

        if (filter.Tags.Any(t => t.Key.Length > MaxTextLength || t.Value.Length > MaxTextLength))
        {
            throw FaceVectorException.InvalidArgument($"{field}.tags", $"a key or value is longer than {MaxTextLength} characters");
        }
    }

    public static void ValidateImage(ImageProbe probe, SearchFieldNames names)
    {
        if (probe.Bytes.IsEmpty)
        {
            throw FaceVectorException.InvalidArgument(names.Image, "is empty: send the probe photo's bytes");
        }

        if (probe.Name.Length > MaxTextLength)
        {
            throw FaceVectorException.InvalidArgument(names.Name, $"longer than {MaxTextLength} characters");
        }
    }

    public static float[] ValidateVector(VectorProbe probe, EmbedderModel model, SearchFieldNames names)
    {
        if (string.IsNullOrWhiteSpace(probe.ModelId))
        {
            throw FaceVectorException.InvalidArgument(names.EmbeddingModel, $"required: the model that made the embedding (this server runs {model.ModelId})");
        }

        if (probe.ModelId.Length > MaxTextLength)
        {
            throw FaceVectorException.InvalidArgument(names.EmbeddingModel, $"longer than {MaxTextLength} characters");
        }

        if (probe.Vector.Count != model.Dimension)
        {
            throw FaceVectorException.InvalidArgument(names.Embedding, $"has {probe.Vector.Count} values; model {model.ModelId} makes {model.Dimension}");
        }

        float[] vector = [.. probe.Vector];
        if (!vector.All(float.IsFinite))
        {
            throw FaceVectorException.InvalidArgument(names.Embedding, "holds a value that is not a finite number");
        }

        return vector;
    }
}
