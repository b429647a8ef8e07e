using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;

namespace FaceVector.Core.Models;

/// <summary>Failure to fetch a model pack, with advice for machines without internet.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Downloads an official insightface pack, checks the zip's sha256 before opening it, and unpacks its ONNX files
/// into <c>DIR/&lt;pack&gt;/</c>. Nothing is unpacked from a file that does not match.
/// </summary>
public sealed class ModelPackDownloader(HttpClient http)
{
    public async Task<IReadOnlyList<string>> PullAsync(ModelPack pack, string directory, IProgress<(long Done, long? Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        string zipPath = Path.Combine(directory, pack.Name + ".zip.part");
        try
        {
            await DownloadAsync(pack.Url, zipPath, progress, cancellationToken).ConfigureAwait(false);
            string actual = await Sha256Async(zipPath, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(actual, pack.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelDownloadException($"{pack.Url}: sha256 mismatch: expected {pack.Sha256}, got {actual}. The file was deleted and nothing was installed.");
            }

            return Extract(zipPath, Path.Combine(directory, pack.Name));
        }
        finally
        {
            File.Delete(zipPath);
        }
    }

    /// <summary>Unpacks the .onnx members flat into <paramref name="target"/>, refusing paths that escape it.</summary>
    public static IReadOnlyList<string> Extract(string zipPath, string target)
    {
        Directory.CreateDirectory(target);
        var written = new List<string>();
        using ZipArchive archive = ZipFile.OpenRead(zipPath);
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            if (!entry.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // Flatten: only the file name is kept, so no entry can write outside the target.
            string destination = Path.Combine(target, Path.GetFileName(entry.Name));
            entry.ExtractToFile(destination, overwrite: true);
            written.Add(destination);
        }

        return written;
    }

    private async Task DownloadAsync(Uri url, string path, IProgress<(long, long?)>? progress, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ModelDownloadException(
                $"Cannot download {url}: {ex.Message}. This machine may have no internet. Download the pack elsewhere, unzip it into a folder, " +
                $"and point FaceVector at it with --models DIR or {ModelDirectory.EnvironmentVariable}=DIR.", ex);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ModelDownloadException($"Cannot download {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            long? total = response.Content.Headers.ContentLength;
            await using Stream source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using FileStream target = File.Create(path);
            var buffer = new byte[1 << 16];
            long done = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                done += read;
                progress?.Report((done, total));
            }
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
