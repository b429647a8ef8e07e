using FaceVector.Core.Fuzzing;
using FaceVector.Services.Fuzzing;
using Xunit.Abstractions;

namespace FaceVector.Services.Tests;

/// <summary>
/// The gRPC request parsers under the seeded mutation fuzzer: every mutated encoding of a real request is parsed or
/// refused with InvalidProtocolBufferException, never anything else. 10 s here; longer with FACEVECTOR_FUZZ_SECONDS
/// or <c>facevector bench fuzz --target requests --seconds N</c>.
/// </summary>
public sealed class RequestFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_requests_are_parsed_or_refused_never_crash()
    {
        byte[] photo = File.ReadAllBytes(TestData.AwkwardFile("tiny_20x20.png"));
        var fuzzer = new MutationFuzzer(RequestFuzzTargets.Seeds(photo), randomSeed: 7);
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("FACEVECTOR_FUZZ_SECONDS"), out int s) && s > 0 ? s : 10;
        FuzzResult result = fuzzer.Run(RequestFuzzTargets.Parse, TimeSpan.FromSeconds(seconds));
        output.WriteLine($"{result.Inputs:N0} inputs in {result.Elapsed.TotalSeconds:0.0} s: {result.Accepted:N0} parsed, {result.Refused:N0} refused, {result.Crashes.Count} crashes");
        Assert.True(result.Crashes.Count == 0, string.Join("\n", result.Crashes.Select(c => $"{c.Seed} #{c.Iteration}: {c.Exception}")));
        Assert.True(result.Inputs > 1000);
        Assert.True(result.Refused > 0 && result.Accepted > 0);
    }
}
