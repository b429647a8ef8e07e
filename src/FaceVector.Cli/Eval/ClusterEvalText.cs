using System.Globalization;
using System.Text.Json;
using FaceVector.Cli.Output;
using FaceVector.Evaluation;

namespace FaceVector.Cli.Eval;

/// <summary>Prints <c>eval --clusters</c> results as text or one JSON document.</summary>
internal static class ClusterEvalText
{
    public static void Print(IReadOnlyList<ClusterEvalRun> runs, string model, float threshold, ClusterEvalOptions options, int photos, int faces, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                Model = model,
                Threshold = threshold,
                Method = options.Method.ToString(),
                options.Neighbours,
                Photos = photos,
                Faces = faces,
                Runs = runs.Select(r => new
                {
                    r.Name,
                    r.Scores.Items,
                    r.Scores.Identities,
                    r.People,
                    r.Scores.Unassigned,
                    Pairwise = new { r.Scores.Pairwise.Precision, r.Scores.Pairwise.Recall, r.Scores.Pairwise.F },
                    BCubed = new { r.Scores.BCubed.Precision, r.Scores.BCubed.Recall, r.Scores.BCubed.F },
                    r.Seconds,
                    r.NamedPeople,
                    r.NamesLost,
                }),
            }, Json.SnakeCase));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "model {0}  link threshold {1:0.###}  method {2}  neighbours {3}", model, threshold, options.Method, options.Neighbours));
        Console.WriteLine(string.Format(inv, "{0} labelled photos, {1} faces indexed (one labelled face per photo: nearest the centre; others clustered, not scored)", photos, faces));
        Console.WriteLine("run                                        people  unassigned  pairwise P     R      F   bcubed P     R      F   seconds");
        foreach (var r in runs)
        {
            Console.WriteLine(string.Format(inv, "{0,-42} {1,6} {2,11} {3,11:0.0000} {4,6:0.0000} {5,6:0.0000} {6,10:0.0000} {7,6:0.0000} {8,6:0.0000} {9,9:0.00}",
                r.Name, r.People, r.Scores.Unassigned, r.Scores.Pairwise.Precision, r.Scores.Pairwise.Recall, r.Scores.Pairwise.F,
                r.Scores.BCubed.Precision, r.Scores.BCubed.Recall, r.Scores.BCubed.F, r.Seconds));
            if (r.NamedPeople is int named)
            {
                Console.WriteLine(string.Format(inv, "{0,-42} {1} named people before this run, {2} lost their name{3}", string.Empty, named, r.NamesLost?.Count ?? 0,
                    r.NamesLost is { Count: > 0 } lost ? ": ids " + string.Join(", ", lost) : string.Empty));
            }
        }
    }
}
