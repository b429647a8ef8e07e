using System.CommandLine;
using System.Globalization;
using FaceVector.Core.Models;
using FaceVector.Evaluation;
using FaceVector.People;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector bench people</c>: clustering time at 100k synthetic faces and the incremental cost per added photo.</summary>
internal static class PeopleBenchCommand
{
    public static Command Build()
    {
        var faces = new Option<int>("--faces") { Description = "Synthetic faces", DefaultValueFactory = _ => 100_000 };
        var perIdentity = new Option<int>("--faces-per-identity") { Description = "Mean faces per identity", DefaultValueFactory = _ => 10 };
        var command = new Command("people", "Time to group 100k synthetic faces into people on the embedded store (batched kNN graph against one search per face, measured in the same run) and the incremental cost per added photo.") { faces, perIdentity };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(faces) < 100 || parse.GetValue(perIdentity) < 1)
            {
                return CliErrors.Fail("--faces must be 100 or more and --faces-per-identity 1 or more");
            }

            var threshold = ModelCatalog.RecommendedThreshold(ModelCatalog.DefaultRecognizer);
            var r = await PeopleBenchmark.RunAsync(parse.GetValue(faces), parse.GetValue(perIdentity), threshold, Path.GetTempPath(), m => Console.Error.WriteLine(m), ct);
            var scores = ClusterMetrics.Score<int, long>(r.Labels);
            var inv = CultureInfo.InvariantCulture;
            var oneByOne = r.SearchPerFace * r.Faces;
            Console.WriteLine(string.Format(inv, "{0} synthetic faces, {1} identities, {2} neighbours, link threshold {3:0.##} ({4} cores)", r.Faces, r.Identities, r.Neighbours, r.Threshold, Environment.ProcessorCount));
            Console.WriteLine(string.Format(inv, "baseline  one exact search per face: {0:0.00} ms/face -> {1:0.0} s for the graph", r.SearchPerFace.TotalMilliseconds, oneByOne.TotalSeconds));
            Console.WriteLine(string.Format(inv, "kNN graph batched in the store:      {0:0.0} s ({1:0.0}x faster), recall of the exact neighbours {2:0.000}", r.Graph.TotalSeconds, oneByOne / r.Graph, r.GraphRecall));
            Console.WriteLine(string.Format(inv, "full clustering (list, graph, cluster, write): {0:0.0} s, {1} people; pairwise F {2:0.0000}, BCubed F {3:0.0000}", r.FullCluster.TotalSeconds, r.People, scores.Pairwise.F, scores.BCubed.F));
            Console.WriteLine(string.Format(inv, "incremental (ingest hook), 1 photo added:   {0:0.00} s (fixed cost: reading the people's assignments)", r.IncrementalOne.TotalSeconds));
            Console.WriteLine(string.Format(inv, "incremental (ingest hook), {0} photos added: {1:0.00} s -> {2:0.0} ms per added photo ({3:0.0}x one search)", r.ManyPhotos, r.IncrementalMany.TotalSeconds, r.PerAddedPhoto.TotalMilliseconds, r.PerAddedPhoto / r.SearchPerFace));
            Console.WriteLine(string.Format(inv, "catch-up run with nothing new (people cluster: lists the index): {0:0.00} s", r.CatchUp.TotalSeconds));
            return 0;
        });
        return command;
    }
}
