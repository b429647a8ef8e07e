using System.CommandLine;
using System.Text.Json;
using FaceVector.Cli.Eval;
using FaceVector.Cli.Output;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation;
using FaceVector.Evaluation.Datasets;
using FaceVector.Evaluation.Lfw;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector eval</c>: accuracy of the models on labelled photos. Three modes: <c>--dataset DIR</c> (all pairs and
/// leave-one-out identification of a labelled folder), <c>--pairs FILE --images DIR</c> (the LFW pair protocol) and
/// <c>--make-pairs OUT --images DIR</c> (turn a labelled folder into such a benchmark).
/// </summary>
internal static class EvalCommand
{
    private const int MinFolds = 2;

    public static Command Build()
    {
        var models = new ModelOptions();
        var dataset = new Option<DirectoryInfo?>("--dataset") { Description = "Labelled folder: DIR/<identity>/<image>; folders starting with _ hold distractors (_noface: images without faces)" };
        var pairs = new Option<FileInfo?>("--pairs") { Description = "LFW-format pairs file to run (with --images)" };
        var makePairs = new Option<DirectoryInfo?>("--make-pairs") { Description = "Write OUT/pairs.txt and OUT/lfw/<name>/<name>_0001.jpg links from the labelled folder --images" };
        var images = new Option<DirectoryInfo?>("--images") { Description = "With --pairs: the folder holding <name>/<name>_0001.jpg (LFW's lfw/); with --make-pairs: the labelled folder" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (keys: docs/evaluation.md)" };
        var report = new Option<FileInfo?>("--report") { Description = "Write a self-contained HTML report (charts, worst errors with thumbnails)" };
        var targetFmr = new Option<double>("--target-fmr") { Description = "False match rate the recommended threshold is chosen for", DefaultValueFactory = _ => 1e-3 };
        var threshold = new Option<float?>("--threshold") { Description = "Open-set threshold for --dataset (default: the recognizer's recommended threshold)" };
        var folds = new Option<int?>("--folds") { Description = "--make-pairs: folds to generate (default 2). --pairs: merge the file's folds round-robin into this many (default: the file's, 10 for LFW)" };
        var pairsPerFold = new Option<int?>("--pairs-per-fold") { Description = "--make-pairs: same-person (and as many different-person) pairs per fold (default: the most every fold can supply, at most 300)" };
        var seed = new Option<ulong>("--seed") { Description = "--make-pairs: random seed; the same seed and photos give the same pairs", DefaultValueFactory = _ => 1 };
        var exclude = new Option<string[]>("--exclude") { Description = "--dataset: leave out these first-level folders (repeatable), e.g. a distractor folder that shows the labelled people", AllowMultipleArgumentsPerToken = true };
        var worst = new Option<int>("--worst") { Description = "Worst pairs listed by --pairs", DefaultValueFactory = _ => 10 };
        worst.Validators.Add(r => Check(r.GetValueOrDefault<int>() >= 0, r, "--worst must be 0 or more"));
        targetFmr.Validators.Add(r => Check(r.GetValueOrDefault<double>() is > 0 and < 1, r, "--target-fmr must be between 0 and 1"));
        var command = new Command("eval", "Measure accuracy on labelled photos: a labelled folder (--dataset), an LFW-style pairs file (--pairs), or make such a pairs file (--make-pairs).")
        {
            dataset, pairs, makePairs, images, json, report, targetFmr, threshold, folds, pairsPerFold, seed, exclude, worst,
        };
        models.AddTo(command);
        command.Validators.Add(r =>
        {
            int modes = new[] { r.GetValue(dataset) is not null, r.GetValue(pairs) is not null, r.GetValue(makePairs) is not null }.Count(m => m);
            if (modes != 1)
            {
                r.AddError("give exactly one of --dataset DIR, --pairs FILE or --make-pairs OUT");
            }
            else if (r.GetValue(dataset) is null && r.GetValue(images) is null)
            {
                r.AddError("--pairs and --make-pairs need --images DIR");
            }

            if (r.GetValue(folds) is < MinFolds || r.GetValue(pairsPerFold) is < 1)
            {
                r.AddError($"--folds must be {MinFolds} or more (each fold's threshold comes from the others), --pairs-per-fold 1 or more");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var output = new EvalOutput(parse.GetValue(json), parse.GetValue(report)?.FullName);
            if (parse.GetValue(makePairs) is { } outDir)
            {
                return MakePairs(ExistingFolder(parse.GetValue(images)!, "--images"), outDir.FullName, parse.GetValue(folds) ?? 2, parse.GetValue(pairsPerFold), parse.GetValue(seed), output.AsJson);
            }

            // Inputs are checked (in argument order) before the models load: a typo should not cost a model load.
            FaceAnalyzerOptions analyzerOptions = models.ToAnalyzerOptions(parse);
            int parallelism = parse.GetValue(models.Threads);
            if (parse.GetValue(dataset) is { } dir)
            {
                var options = new DatasetEvaluationOptions(parse.GetValue(targetFmr), parse.GetValue(threshold));
                return await DatasetAsync(analyzerOptions, ExistingFolder(dir, "--dataset"), parse.GetValue(exclude) ?? [], options, parallelism, output, ct);
            }

            return await PairsAsync(analyzerOptions, ReadPairs(parse.GetValue(pairs)!.FullName, parse.GetValue(folds)), ExistingFolder(parse.GetValue(images)!, "--images"), parse.GetValue(worst), parallelism, output, ct);
        });
        return command;
    }

    /// <summary>Open-set rates default to the recognizer's recommended threshold, the one <c>search</c> uses.</summary>
    private static async Task<int> DatasetAsync(FaceAnalyzerOptions analyzerOptions, string root, string[] excluded, DatasetEvaluationOptions options, int parallelism, EvalOutput output, CancellationToken ct)
    {
        using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(analyzerOptions);
        LabelledFolderEmbeddings embedded;
        using (var bar = new EmbeddingProgressBar())
        {
            embedded = await LabelledFolder.EmbedAsync(analyzer, root, excluded, parallelism, bar, ct);
        }

        options = options with { OpenSetThreshold = options.OpenSetThreshold ?? analyzer.RecommendedThreshold };
        output.Dataset(analyzer, embedded, DatasetEvaluator.Evaluate(embedded.Embeddings, options));
        return 0;
    }

    private static async Task<int> PairsAsync(FaceAnalyzerOptions analyzerOptions, LfwPairList list, string root, int worst, int parallelism, EvalOutput output, CancellationToken ct)
    {
        using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(analyzerOptions);
        PairImages embeddings;
        using (var bar = new EmbeddingProgressBar())
        {
            embeddings = await PairImages.EmbedAsync(analyzer, list.Pairs.SelectMany(p => new[] { p.PathA(root), p.PathB(root) }), parallelism, bar, ct);
        }

        if (embeddings.Unreadable.Count > 0)
        {
            Console.Error.WriteLine($"facevector: warning: {embeddings.Unreadable.Count} image(s) missing or unreadable, their pairs count as no-face (first: {embeddings.Unreadable[0]})");
        }

        output.Pairs(analyzer, embeddings, PairBenchmark.Evaluate(list, root, p => embeddings.Embeddings[p], worst));
        return 0;
    }

    private static int MakePairs(string imagesRoot, string outDir, int folds, int? pairsPerFold, ulong seed, bool json)
    {
        MadePairs made;
        try
        {
            made = PairListMaker.Make(imagesRoot, outDir, folds, pairsPerFold, seed);
        }
        catch (ArgumentException ex)
        {
            // The library names the problem; the flag it came from is the CLI's to say.
            throw new CliException($"--make-pairs: {ex.Message}");
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { made.PairsFile, made.ImagesFolder, made.List.FoldCount, made.List.PairsPerFold, PairCount = made.List.Pairs.Count, made.Identities, made.Images, made.Copied }, Json.SnakeCase));
        }
        else
        {
            Console.WriteLine($"wrote {made.PairsFile}: {made.List.FoldCount} folds x ({made.List.PairsPerFold} same + {made.List.PairsPerFold} different) pairs from {made.Images} images of {made.Identities} identities");
            Console.WriteLine($"wrote {made.ImagesFolder}: {(made.Copied ? "copies" : "links")} named <name>/<name>_0001.jpg (see {PairListMaker.MappingFileName})");
            Console.WriteLine($"run: facevector eval --pairs {made.PairsFile} --images {made.ImagesFolder}");
        }

        return 0;
    }

    /// <summary>Parses the pairs file; <paramref name="folds"/> merges its folds round-robin (unions of identity-disjoint folds stay disjoint).</summary>
    private static LfwPairList ReadPairs(string path, int? folds)
    {
        LfwPairList list;
        try
        {
            list = LfwPairFile.Parse(File.ReadAllText(path));
        }
        catch (PairListFormatException ex)
        {
            throw new CliException($"{path}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--pairs: cannot read {path}: {ex.Message}");
        }

        if (list.FoldCount < MinFolds)
        {
            throw new CliException($"{path}: {list.FoldCount} fold; k-fold accuracy needs {MinFolds} or more (a development list like pairsDevTrain.txt is not a test protocol)");
        }

        if (folds is null || folds == list.FoldCount)
        {
            return list;
        }

        return folds < list.FoldCount
            ? list with { FoldCount = folds.Value, Pairs = [.. list.Pairs.Select(p => p with { Fold = p.Fold % folds.Value })] }
            : throw new CliException($"--folds {folds}: the pairs file has only {list.FoldCount} folds to merge");
    }

    private static void Check(bool valid, System.CommandLine.Parsing.OptionResult result, string error)
    {
        if (!valid)
        {
            result.AddError(error);
        }
    }

    private static string ExistingFolder(DirectoryInfo dir, string option) =>
        dir.Exists ? dir.FullName : throw new CliException($"{option}: folder not found: {dir.FullName}");
}
