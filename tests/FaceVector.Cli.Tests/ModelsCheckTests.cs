namespace FaceVector.Cli.Tests;

/// <summary><c>facevector models check</c>: what compose's models step runs before it would download anything.</summary>
public sealed class ModelsCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-models-check-").FullName;

    private static Task<CliRun> CheckAsync(string dir) => FaceVectorProcess.RunAsync(["models", "check", "--models", dir]);

    [Fact]
    public async Task A_flat_folder_with_the_pinned_models_passes()
    {
        CliRun run = await CheckAsync(TestData.ModelsPath);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("detector scrfd_det_500m.onnx (sha256 ok)", run.Stdout);
        Assert.Contains("recognizer w600k_mbf_dq.onnx (sha256 ok)", run.Stdout);
    }

    [Fact]
    public async Task A_pack_layout_passes_an_empty_folder_is_missing_and_a_damaged_file_is_refused()
    {
        string pack = Path.Combine(_dir, "buffalo_s");
        Directory.CreateDirectory(pack);
        Assert.Equal(3, (await CheckAsync(_dir)).ExitCode); // nothing there: compose then pulls

        File.Copy(Path.Combine(TestData.ModelsPath, "scrfd_det_500m.onnx"), Path.Combine(pack, "det_500m.onnx"));
        File.Copy(Path.Combine(TestData.ModelsPath, "w600k_mbf_int8.onnx"), Path.Combine(pack, "w600k_mbf_int8.onnx"));
        CliRun ok = await CheckAsync(_dir);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("detector buffalo_s/det_500m.onnx (sha256 ok)", ok.Stdout);
        Assert.Contains("recognizer buffalo_s/w600k_mbf_int8.onnx (sha256 ok)", ok.Stdout); // dq is absent from packs: the fallback

        await using (FileStream f = File.OpenWrite(Path.Combine(pack, "det_500m.onnx")))
        {
            f.Seek(1000, SeekOrigin.Begin);
            f.WriteByte(0x42); // one changed byte
        }

        CliRun damaged = await CheckAsync(_dir);
        Assert.Equal(2, damaged.ExitCode); // not "missing": a download must not paper over it
        Assert.Contains("does not match the pinned", damaged.Stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
