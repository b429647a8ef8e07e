using FaceVector.Index;
using FaceVector.Index.Embedded;

// Usage: FaceVector.Index.CrashWriter <db-file> <batches> <batch-size> [batches-this-run]
// Upserts batches 0..batches-1 of deterministic faces, each tagged with its batch number, starting at the first
// incomplete batch (so a rerun resumes), and prints "batch N" after each commit. The crash test kills it at random moments.
// With batches-this-run it stops after that many and waits to be killed, so that a busy machine (a slow parent)
// cannot let one run write everything before the kill lands.
if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("usage: FaceVector.Index.CrashWriter <db-file> <batches> <batch-size> [batches-this-run]");
    return 2;
}
var (path, batches, batchSize) = (args[0], int.Parse(args[1]), int.Parse(args[2]));
var quota = args.Length == 4 ? int.Parse(args[3]) : int.MaxValue;
await using var index = new SqliteFaceIndex(path);
await index.EnsureCollectionAsync(CrashBatches.Spec);
var resumeAt = 0;
while (resumeAt < batches && await index.CountAsync(CrashBatches.Filter(resumeAt)) == batchSize) resumeAt++;
Console.WriteLine("ready"); // from here on every moment is a write in progress or between two commits
for (var batch = resumeAt; batch < batches; batch++)
{
    if (batch - resumeAt == quota)
    {
        Console.WriteLine("paused");
        await Task.Delay(Timeout.Infinite);
    }
    await index.UpsertAsync(CrashBatches.Faces(batch, batchSize));
    Console.WriteLine($"batch {batch}");
}
Console.WriteLine("done");
return 0;

/// <summary>The faces of each batch: the same on every run, so a resumed run must end equal to an uninterrupted one.</summary>
internal static class CrashBatches
{
    public const string Model = "crash-test@1";
    public static readonly CollectionSpec Spec = new(512, Model);

    public static FaceFilter Filter(int batch) => new() { Tags = new Dictionary<string, string> { ["batch"] = $"{batch}" } };

    public static List<FacePoint> Faces(int batch, int size) =>
    [
        .. Enumerable.Range(0, size).Select(i =>
        {
            var random = new Random(batch * 100_003 + i);
            var hash = $"{batch:D4}{i:D4}".PadLeft(64, '0');
            var payload = new FacePayload
            {
                ImagePath = $"/crash/{batch}/{i}.jpg",
                ImageHash = hash,
                FaceIndex = 0,
                Box = new FaceBox(i, i, i + 50, i + 60),
                DetectionScore = 0.9f,
                Keypoints = [.. Enumerable.Range(0, 10).Select(k => (float)k)],
                ModelId = Model,
                IngestedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(batch),
                Tags = new Dictionary<string, string> { ["batch"] = $"{batch}" },
            };
            return new FacePoint(FacePointId.For(hash, 0, Model), payload, [.. Enumerable.Range(0, 512).Select(_ => (float)random.NextDouble() - 0.5f)]);
        }),
    ];
}
