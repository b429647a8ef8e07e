namespace FaceVector.Deploy.Tests;

/// <summary>
/// The search and ingest hosts load no model: their published folders must carry neither ONNX Runtime nor ImageSharp
/// (those belong to the embedding host and the CLI). Each host is published once per run, into a temporary folder.
/// </summary>
public sealed class PublishedHostsTests
{
    [Theory]
    [InlineData("src/FaceVector.Search")]
    [InlineData("src/FaceVector.Ingest")]
    public async Task Host_publishes_without_onnx_runtime_or_imagesharp(string project)
    {
        string output = Path.Combine(Path.GetTempPath(), $"facevector-publish-{Path.GetFileName(project)}-{Guid.NewGuid():N}");
        try
        {
            ProgramRun run = await ChildProcess.RunAsync("dotnet",
                ["publish", project, "-c", "Release", "-o", output, "-p:UseAppHost=false", "-nologo", "-clp:ErrorsOnly"], TimeSpan.FromMinutes(10));
            run.AssertSucceeded($"dotnet publish {project}");
            string[] files = [.. Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f))];
            Assert.Contains($"{Path.GetFileName(project)}.dll", files); // the publish really happened
            Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith("libonnxruntime", StringComparison.Ordinal)
                || Path.GetFileName(f).StartsWith("onnxruntime", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(files, f => Path.GetFileName(f) is "SixLabors.ImageSharp.dll" or "Microsoft.ML.OnnxRuntime.dll" or "FaceVector.Core.dll");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
