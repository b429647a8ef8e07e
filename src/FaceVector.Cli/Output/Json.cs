using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceVector.Core.Detection;

namespace FaceVector.Cli.Output;

/// <summary>JSON output settings shared by every command (camelCase keys, numbers as numbers).</summary>
internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static JsonSerializerOptions Compact { get; } = new(Options) { WriteIndented = false };

    /// <summary>snake_case, for keys that sit beside FaceVector.Evaluation's snake_case reports.</summary>
    public static JsonSerializerOptions SnakeCase { get; } = new(Options) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Write<T>(T value, bool indented = true) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(value, indented ? Options : Compact));

    /// <summary>Boxes as [x1, y1, x2, y2] rounded to 0.01 px: finer digits are noise.</summary>
    public static float[] Box(BoundingBox b) => [R(b.X1), R(b.Y1), R(b.X2), R(b.Y2)];

    public static float[] Points(IReadOnlyList<float> values) => [.. values.Select(R)];

    private static float R(float v) => MathF.Round(v, 2);
}
