using System.Text.Json;
using System.Text.Json.Nodes;
using FaceVector.Cli.Output;
using FaceVector.Core.Detection;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation;
using FaceVector.Evaluation.Datasets;
using FaceVector.Evaluation.Html;

namespace FaceVector.Cli.Eval;

/// <summary>Where <c>eval</c> results go: text or one JSON document on stdout, and optionally the HTML report.</summary>
internal sealed record EvalOutput(bool AsJson, string? ReportPath)
{
    public void Dataset(FaceAnalyzer analyzer, LabelledFolderEmbeddings embedded, DatasetEvaluationResult result)
    {
        if (AsJson)
        {
            JsonObject json = WithModels(EvaluationJson.Serialize(result.Report), analyzer);
            json["detection"] = JsonSerializer.SerializeToNode(embedded.Detection, Json.SnakeCase);
            Console.WriteLine(json.ToJsonString(EvaluationJson.Options));
        }
        else
        {
            EvalText.Dataset(analyzer, embedded.Detection, result.Report);
        }

        HtmlReportContent content = HtmlReportWriter.ForDataset(result);
        WriteReport(analyzer, content with { Summary = [.. ModelRows(analyzer), .. content.Summary, .. EvalText.DetectionRows(embedded.Detection)] }, embedded.FaceBoxes);
    }

    public void Pairs(FaceAnalyzer analyzer, PairImages images, PairBenchmarkResult result)
    {
        if (AsJson)
        {
            JsonObject json = WithModels(EvaluationJson.Serialize(result.Report), analyzer);
            json["no_face_images"] = new JsonArray([.. images.WithoutFace.Select(p => JsonValue.Create(p))]);
            json["unreadable_images"] = new JsonArray([.. images.Unreadable.Select(p => JsonValue.Create(p))]);
            Console.WriteLine(json.ToJsonString(EvaluationJson.Options));
        }
        else
        {
            EvalText.Pairs(analyzer, images, result.Report);
        }

        HtmlReportContent content = HtmlReportWriter.ForBenchmark(result);
        WriteReport(analyzer, content with { Summary = [.. ModelRows(analyzer), .. content.Summary] }, images.FaceBoxes);
    }

    /// <summary>The evaluation report with the model identities first: numbers mean nothing without them.</summary>
    private static JsonObject WithModels(string reportJson, FaceAnalyzer analyzer)
    {
        JsonObject json = JsonNode.Parse(reportJson)!.AsObject();
        json.Insert(0, "model", analyzer.ModelId);
        json.Insert(1, "detector", ModelIdentity.Of(analyzer.DetectorPath));
        return json;
    }

    private static KeyValuePair<string, string>[] ModelRows(FaceAnalyzer analyzer) =>
        [new("Recognizer", analyzer.ModelId), new("Detector", ModelIdentity.Of(analyzer.DetectorPath))];

    private void WriteReport(FaceAnalyzer analyzer, HtmlReportContent content, IReadOnlyDictionary<string, BoundingBox> faceBoxes)
    {
        if (ReportPath is null)
        {
            return;
        }

        var thumbnails = new Thumbnails(analyzer.Loader, faceBoxes);
        using (var writer = new StreamWriter(ReportPath))
        {
            HtmlReportWriter.Write(writer, content, thumbnails.DataUri);
        }

        Console.Error.WriteLine($"wrote {ReportPath}");
    }
}
