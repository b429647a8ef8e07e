using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceVector.Index.Embedded;

/// <summary>How payload fields and vectors are written into SQLite columns: JSON for the small lists, raw float32 for vectors.</summary>
internal static class PayloadCodec
{
    public static string Box(FaceBox box) => Floats([box.X1, box.Y1, box.X2, box.Y2]);

    public static FaceBox Box(string json)
    {
        var v = JsonSerializer.Deserialize(json, PayloadJsonContext.Default.SingleArray) ?? [];
        return v.Length == 4 ? new FaceBox(v[0], v[1], v[2], v[3]) : throw new InvalidDataException($"A face box needs 4 numbers, found '{json}'.");
    }

    public static string Floats(IReadOnlyList<float> values) =>
        JsonSerializer.Serialize(values as float[] ?? [.. values], PayloadJsonContext.Default.SingleArray);

    public static float[] Floats(string json) => JsonSerializer.Deserialize(json, PayloadJsonContext.Default.SingleArray) ?? [];

    public static string Tags(IReadOnlyDictionary<string, string> tags) =>
        JsonSerializer.Serialize(tags as Dictionary<string, string> ?? new Dictionary<string, string>(tags), PayloadJsonContext.Default.DictionaryStringString);

    public static Dictionary<string, string> Tags(string json) =>
        json == "{}" ? [] : JsonSerializer.Deserialize(json, PayloadJsonContext.Default.DictionaryStringString) ?? [];

    public static string Timestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Timestamp(string value) => DateTimeOffset.ParseExact(value, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static byte[] Vector(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static float[] Vector(byte[] blob) => MemoryMarshal.Cast<byte, float>(blob).ToArray();

    /// <summary>Big-endian bytes sort like the Guid's text, so SQLite's ORDER BY id pages in a readable order.</summary>
    public static byte[] Id(Guid id) => id.ToByteArray(bigEndian: true);

    public static Guid Id(byte[] blob) => new(blob, bigEndian: true);
}

[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;
