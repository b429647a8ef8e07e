using System.CommandLine;
using System.Text.Json;
using FaceVector.Cli.Output;
using FaceVector.Core.Alignment;
using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector detect</c> and <c>facevector embed</c>: the raw numbers, so other tools can check them.</summary>
internal static class AnalyzeCommands
{
    public static Command BuildDetect()
    {
        var models = new ModelOptions();
        var file = new Argument<FileInfo>("FILE") { Description = "Image file" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var crops = new Option<DirectoryInfo?>("--save-crops") { Description = "Write each face's aligned 112x112 crop (what the recognizer sees) as PNG into this folder" };
        var command = new Command("detect", "Detect faces: box, score and the five keypoints.") { file, json, crops };
        models.AddTo(command);
        command.SetAction(parse =>
        {
            using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(models.ToAnalyzerOptions(parse));
            ImageResult result = new BatchAnalyzer(analyzer, 1).AnalyzeOne(parse.GetValue(file)!.FullName, embed: false);
            if (parse.GetValue(crops) is { } dir && result.Faces is { } found)
            {
                SaveCrops(analyzer, found, dir.FullName);
            }

            return Print(result, parse.GetValue(json), withEmbedding: false);
        });
        return command;
    }

    public static Command BuildEmbed()
    {
        var models = new ModelOptions();
        var paths = new Argument<string[]>("PATH") { Description = "Image files and folders (folders are walked recursively)", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (one image) or one JSON line per image" };
        var jsonl = new Option<bool>("--jsonl") { Description = "Stream one JSON line per image as it completes" };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the JSON lines to this file instead of standard output" };
        var face = new Option<FaceSelection>("--face") { Description = "Which faces to keep: all, largest, center (box centre nearest the image centre) or best (highest score)", DefaultValueFactory = _ => FaceSelection.All };
        var command = new Command("embed", "Embed faces: box, score, keypoints and the L2-normalised embedding of each face.") { paths, json, jsonl, output, face };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(models.ToAnalyzerOptions(parse));
            string[] inputs = parse.GetValue(paths)!;
            FaceSelection selection = parse.GetValue(face);
            bool single = inputs.Length == 1 && File.Exists(inputs[0]) && !parse.GetValue(jsonl) && parse.GetValue(output) is null;
            if (single)
            {
                ImageResult one = new BatchAnalyzer(analyzer, 1).AnalyzeOne(Path.GetFullPath(inputs[0]));
                return Print(Select(one, selection), parse.GetValue(json) || !parse.GetValue(jsonl), withEmbedding: true);
            }

            List<string> files = [.. inputs.SelectMany(p => ImageFileEnumerator.Enumerate(Path.GetFullPath(p)))];
            FileInfo? outFile = parse.GetValue(output);
            await using TextWriter writer = outFile is null ? Console.Out : new StreamWriter(outFile.FullName);
            int failed = 0;
            using (var bar = new ProgressBar("embedding", files.Count))
            {
                await foreach (ImageResult result in new BatchAnalyzer(analyzer, parse.GetValue(models.Threads)).AnalyzeAsync(files, cancellationToken: ct))
                {
                    ImageResult selected = Select(result, selection);
                    await writer.WriteLineAsync(JsonSerializer.Serialize(ToJson(selected, withEmbedding: true), Json.Compact));
                    failed += selected.Faces is null ? 1 : 0;
                    bar.Advance(selected.Faces?.Faces.Count ?? 0, selected.Faces is null);
                }
            }

            Console.Error.WriteLine($"{files.Count} files, {failed} without result");
            return 0;
        });
        return command;
    }

    internal static int Print(ImageResult result, bool json, bool withEmbedding)
    {
        if (json)
        {
            Json.Write(ToJson(result, withEmbedding));
            return result.Faces is null ? CliErrors.InputError : 0;
        }

        if (result.Faces is null)
        {
            return CliErrors.Fail(result.Error ?? "failed");
        }

        ImageFaces f = result.Faces;
        Console.WriteLine($"{f.Path}: {f.Width}x{f.Height} {f.Format}, {f.Faces.Count} face(s){(f.Retried ? " (found after padding)" : string.Empty)}");
        foreach (Face face in f.Faces)
        {
            Console.WriteLine($"  face {face.Index}: score {face.Score:0.000} box {SearchCommand.Box(face.Box)} keypoints {string.Join(' ', face.Keypoints.Select(k => k.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}");
            if (withEmbedding && face.Embedding is { } e)
            {
                Console.WriteLine($"    embedding[{e.Length}] {string.Join(' ', e.Take(6).Select(v => v.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)))} ...");
            }
        }

        return 0;
    }

    private static void SaveCrops(FaceAnalyzer analyzer, ImageFaces found, string dir)
    {
        Directory.CreateDirectory(dir);
        RgbImage image = analyzer.Loader.Load(found.Path).Image;
        foreach (Face face in found.Faces)
        {
            RgbImage crop = FaceAligner.WarpToImage(image, FaceAligner.Estimate(face.Keypoints));
            string name = $"{Path.GetFileNameWithoutExtension(found.Path)}_face{face.Index}.png";
            RgbImageWriter.Save(crop, Path.Combine(dir, name));
            Console.Error.WriteLine($"wrote {Path.Combine(dir, name)}");
        }
    }

    internal static ImageJson ToJson(ImageResult result, bool withEmbedding) => new(
        result.Path,
        result.Faces?.Width,
        result.Faces?.Height,
        result.Faces is null ? null : [.. result.Faces.Faces.Select(f => new FaceJson(Json.Box(f.Box), MathF.Round(f.Score, 5), Json.Points(f.Keypoints), withEmbedding ? f.Embedding : null))],
        result.Error);

    /// <summary>Keeps the faces <paramref name="selection"/> asks for.</summary>
    internal static ImageResult Select(ImageResult result, FaceSelection selection)
    {
        if (result.Faces is not { } f || selection == FaceSelection.All || f.Faces.Count <= 1)
        {
            return result;
        }

        Face pick = selection switch
        {
            FaceSelection.Largest => f.Largest!,
            FaceSelection.Best => f.Faces.MaxBy(x => x.Score)!,
            _ => f.Centermost!,
        };
        return result with { Faces = f with { Faces = [pick] } };
    }
}

public enum FaceSelection
{
    All,
    Largest,
    Center,
    Best,
}

/// <summary>JSON of one image: <c>{"path", "faces": [{"bbox", "score", "keypoints", "embedding"}], "error"}</c>.</summary>
internal sealed record ImageJson(string Path, int? Width, int? Height, IReadOnlyList<FaceJson>? Faces, string? Error);

internal sealed record FaceJson(float[] Bbox, float Score, float[] Keypoints, float[]? Embedding);
