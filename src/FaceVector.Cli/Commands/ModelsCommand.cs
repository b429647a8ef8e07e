using System.CommandLine;
using FaceVector.Core.Models;
using FaceVector.Core.Models.Graph;
using FaceAnalyzerDefaults = FaceVector.Core.Pipeline.FaceAnalyzerOptions;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector models list|check|pull</c>.</summary>
internal static class ModelsCommand
{
    public static Command Build()
    {
        var dirOption = new Option<string?>("--models") { Description = "Model directory", Recursive = true };
        var list = new Command("list", "Show each model file: sha256, role, licence, and which are in use by default.");
        list.SetAction(parse =>
        {
            ModelDirectory dir = ModelDirectory.Resolve(parse.GetValue(dirOption));
            Console.WriteLine($"model directory: {dir.Path} (from {dir.Origin})");
            Console.WriteLine($"ONNX Runtime providers available: {string.Join(", ", Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders())}");
            List<string> files = [.. dir.Files()];
            if (files.Count == 0)
            {
                Console.WriteLine("no .onnx files here: run 'facevector models pull buffalo_s' (needs internet) or point --models / FACEVECTOR_MODELS at a folder with the models");
            }

            foreach (string file in files)
            {
                string sha = ModelIdentity.Sha256(file);
                KnownModel? known = ModelCatalog.Find(file);
                string check = known?.Sha256 is null ? "sha256 not pinned" : string.Equals(known.Sha256, sha, StringComparison.OrdinalIgnoreCase) ? "sha256 ok" : "SHA256 MISMATCH";
                string threshold = known?.RecommendedThreshold is float t ? $", threshold {t:0.00}" : string.Empty;
                Console.WriteLine($"{Path.GetRelativePath(dir.Path, file)}");
                Console.WriteLine($"  sha256  {sha} ({check})");
                Console.WriteLine($"  role    {known?.Role.ToString() ?? "unknown"}{threshold}: {known?.Description ?? "not in FaceVector's catalog"}");
                Console.WriteLine($"  licence {known?.Licence ?? "unknown: check the model's source"}");
                Console.WriteLine($"  rewrites {DescribeRewrites(file)}");
            }

            Console.WriteLine($"default detector: {ModelCatalog.DefaultDetector}; default recognizer: {ModelCatalog.DefaultRecognizer}");
            return 0;
        });

        var pack = new Argument<string>("PACK") { Description = "buffalo_s (default), buffalo_sc, buffalo_m or buffalo_l", DefaultValueFactory = _ => "buffalo_s" };
        var pull = new Command("pull", "Download an official insightface pack, verify its sha256 and unpack it into the model directory.") { pack };
        pull.SetAction(async (parse, ct) =>
        {
            ModelPack? p = ModelCatalog.FindPack(parse.GetValue(pack)!);
            if (p is null)
            {
                return CliErrors.Fail($"unknown pack '{parse.GetValue(pack)}'; known: {string.Join(", ", ModelCatalog.Packs.Select(x => x.Name))}");
            }

            ModelDirectory dir = ModelDirectory.Resolve(parse.GetValue(dirOption));
            Console.Error.WriteLine($"downloading {p.Url} (~{p.ApproximateBytes / 1e6:0} MB) into {dir.Path}");
            Console.Error.WriteLine($"licence: {ModelCatalog.InsightFaceLicence}");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            try
            {
                IReadOnlyList<string> files = await new ModelPackDownloader(http).PullAsync(p, dir.Path, cancellationToken: ct);
                Console.WriteLine($"sha256 verified; unpacked {files.Count} files into {Path.Combine(dir.Path, p.Name)}");
                Console.WriteLine($"use them with --detector {p.Detector} --recognizer {p.Recognizer}");
                return 0;
            }
            catch (ModelDownloadException ex)
            {
                return CliErrors.Fail(ex.Message, CliErrors.ModelError);
            }
        });

        var check = new Command("check", "Check, offline, that the model directory holds the detector and recognizer the services load by default (flat or pack layout), each matching its pinned sha256. Exit 0 ok, 3 missing, 2 sha256 mismatch.");
        check.SetAction(parse =>
        {
            ModelDirectory dir = ModelDirectory.Resolve(parse.GetValue(dirOption));
            var found = new List<string>();
            foreach ((string role, IReadOnlyList<string> candidates) in new[] { ("detector", FaceAnalyzerDefaults.DefaultDetectors), ("recognizer", FaceAnalyzerDefaults.DefaultRecognizers) })
            {
                string path;
                try
                {
                    path = dir.LocateFirst(candidates);
                }
                catch (ModelNotFoundException)
                {
                    return CliErrors.Fail($"no {role} in {dir.Path} (looked for {string.Join(", ", candidates)}, directly or one folder down)", CliErrors.ModelError);
                }

                string sha = ModelIdentity.Sha256(path);
                KnownModel? known = ModelCatalog.Find(path);
                if (known?.Sha256 is { } pinned && !string.Equals(pinned, sha, StringComparison.OrdinalIgnoreCase))
                {
                    // A damaged or different file: downloading over it would hide the problem, so stop here.
                    return CliErrors.Fail($"{path}: sha256 {sha} does not match the pinned {pinned}; replace the file or remove it to download it again");
                }

                found.Add($"{role} {Path.GetRelativePath(dir.Path, path)} ({(known?.Sha256 is null ? "sha256 not pinned" : "sha256 ok")})");
            }

            Console.WriteLine($"models present in {dir.Path}: {string.Join("; ", found)}");
            return 0;
        });

        var models = new Command("models", "List, check or download face models.") { list, check, pull };
        models.Add(dirOption);
        return models;
    }

    /// <summary>The load-time graph rewrites for a model, each checked against the original graph as at load.</summary>
    private static string DescribeRewrites(string file)
    {
        try
        {
            if (ModelRewriter.Inspect(file).Count == 0)
            {
                return "none apply";
            }

            var quiet = OnnxSessionFactory.Warning;
            OnnxSessionFactory.Warning = _ => { };
            try
            {
                OpenedSession opened = OnnxSessionFactory.Open(file, OnnxRuntimeOptions.Default);
                opened.Session.Dispose();
                return string.Join("; ", opened.Rewrites);
            }
            finally
            {
                OnnxSessionFactory.Warning = quiet;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return "cannot be read: " + ex.Message.Split('\n')[0];
        }
    }
}
