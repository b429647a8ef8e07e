using System.IO.Compression;
using FaceVector.Core.Models;

namespace FaceVector.Core.Tests;

public sealed class ModelTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("fv-models-").FullName;

    [Fact]
    public void Command_line_beats_environment_beats_cache()
    {
        string? saved = Environment.GetEnvironmentVariable(ModelDirectory.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ModelDirectory.EnvironmentVariable, "/env/models");
            Assert.Equal("/cli/models", ModelDirectory.Resolve("/cli/models").Path);
            Assert.Equal("/env/models", ModelDirectory.Resolve(null).Path);
            Environment.SetEnvironmentVariable(ModelDirectory.EnvironmentVariable, null);
            Assert.Equal(ModelDirectory.DefaultCache(), ModelDirectory.Resolve(null).Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelDirectory.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void Shared_model_files_match_the_catalog_sha256()
    {
        foreach (string file in TestModels.Directory.Files())
        {
            KnownModel? known = ModelCatalog.Find(file);
            Assert.NotNull(known);
            Assert.Equal(known.Sha256, ModelIdentity.Sha256(file));
        }
    }

    [Fact]
    public void Model_identity_names_file_and_hash()
    {
        string id = ModelIdentity.Of(Path.Combine(TestData.ModelsPath, "w600k_mbf_int8.onnx"));
        Assert.Equal("w600k_mbf_int8@7caa7fb0ad6c", id);
    }

    [Fact]
    public void Missing_model_explains_where_to_put_it()
    {
        var dir = new ModelDirectory(_temp, "test");
        var ex = Assert.Throws<ModelNotFoundException>(() => dir.Locate("w600k_mbf_int8.onnx"));
        Assert.Contains("FACEVECTOR_MODELS", ex.Message);
        Assert.Contains("models pull", ex.Message);
    }

    [Fact]
    public void Pack_extraction_keeps_only_onnx_files_inside_the_target()
    {
        string zip = Path.Combine(_temp, "pack.zip");
        using (ZipArchive archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(archive.CreateEntry("buffalo_x/det.onnx").Open()))
            {
                w.Write("model");
            }

            using (var w = new StreamWriter(archive.CreateEntry("../../evil.onnx").Open()))
            {
                w.Write("escape attempt");
            }

            using (var w = new StreamWriter(archive.CreateEntry("readme.txt").Open()))
            {
                w.Write("text");
            }
        }

        string target = Path.Combine(_temp, "out");
        IReadOnlyList<string> files = ModelPackDownloader.Extract(zip, target);
        Assert.All(files, f => Assert.StartsWith(target, f, StringComparison.Ordinal));
        Assert.Equal(["det.onnx", "evil.onnx"], files.Select(Path.GetFileName).Order());
        Assert.False(File.Exists(Path.Combine(_temp, "evil.onnx")));
    }

    [Fact]
    public async Task Download_with_a_wrong_sha256_installs_nothing()
    {
        byte[] notThePack = "not the pack"u8.ToArray();
        using var http = new HttpClient(new BytesHandler(notThePack));
        var pack = ModelCatalog.FindPack("buffalo_s")!;
        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => new ModelPackDownloader(http).PullAsync(pack, _temp));
        Assert.Contains("sha256 mismatch", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp, "buffalo_s")));
        Assert.Empty(Directory.EnumerateFiles(_temp));
    }

    [Fact]
    public async Task No_internet_gives_advice()
    {
        using var http = new HttpClient(new FailingHandler());
        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => new ModelPackDownloader(http).PullAsync(ModelCatalog.FindPack("buffalo_l")!, _temp));
        Assert.Contains("--models", ex.Message);
    }

    [Fact]
    public void Unknown_recognizers_fall_back_to_the_tutorial_threshold()
    {
        Assert.Equal(0.5f, ModelCatalog.RecommendedThreshold("my_own_arcface.onnx"));
        Assert.Equal(0.5f, ModelCatalog.RecommendedThreshold("w600k_r50.onnx"));
        Assert.True(ModelCatalog.RecommendedThreshold(ModelCatalog.DefaultRecognizer) < 0.5f);
    }

    // The network is not reachable from CI: these handlers stand in for the web server only.
    private sealed class BytesHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
    }

    private sealed class FailingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("Name or service not known");
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);
}
