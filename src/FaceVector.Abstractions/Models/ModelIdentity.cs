using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace FaceVector.Core.Models;

/// <summary>
/// Names a model by its file name and the first 12 hex digits of its sha256, e.g. <c>w600k_mbf_int8@7caa7fb0ad6c</c>:
/// two files with the same name but different weights never share a collection.
/// </summary>
public static class ModelIdentity
{
    private static readonly ConcurrentDictionary<(string Path, DateTime Modified, long Length), string> Sha256Cache = new();

    public static string Of(string modelPath) =>
        $"{Path.GetFileNameWithoutExtension(modelPath)}@{Sha256(modelPath)[..12]}";

    /// <summary>Lower-case hex sha256 of a file, cached by path, time and size.</summary>
    public static string Sha256(string path)
    {
        var info = new FileInfo(path);
        return Sha256Cache.GetOrAdd((info.FullName, info.LastWriteTimeUtc, info.Length), static key =>
        {
            using FileStream stream = File.OpenRead(key.Path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
    }
}
