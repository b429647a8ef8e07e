using System.CommandLine;
using FaceVector.Core.Models;
using FaceVector.Core.Models.Graph;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector models list|pull</c>.</summary>
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

        var models = new Command("models", "List or download face models.") { list, pull };
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
