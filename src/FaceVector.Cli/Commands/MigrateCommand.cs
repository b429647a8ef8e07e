using System.CommandLine;
using System.Globalization;
using FaceVector.Application.Errors;
using FaceVector.Application.Migration;
using FaceVector.Cli.Output;
using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Cli.Commands;

/// <summary><c>migrate</c>: re-embed a collection with another recognizer, then switch its name over (docs/migration.md).</summary>
internal static class MigrateCommand
{
    public static Command Build()
    {
        var models = new ModelOptions();
        var store = new StoreOptions();
        var toRecognizer = new Option<string?>("--to-recognizer") { Description = "The new recognizer: file name in the model directory, or a path" };
        var batch = new Option<int>("--batch") { Description = "Faces re-embedded per write (a killed run loses at most one batch)", DefaultValueFactory = _ => 64 };
        var dropOld = new Option<bool>("--drop-old") { Description = "Drop the old collection right after the switch (default: keep it until 'migrate --finish')" };
        var finish = new Option<bool>("--finish") { Description = "Drop the old collection of a switched migration (no recognizer needed)" };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON document" };
        var command = new Command("migrate",
            "Re-embed every face of a collection with a new recognizer into a new collection while the old one keeps answering, then switch the collection name to it (resumable: run it again after a crash).")
        {
            toRecognizer, batch, dropOld, finish, json,
        };
        models.AddTo(command);
        store.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetValue(finish) == (r.GetValue(toRecognizer) is not null))
            {
                r.AddError("give --to-recognizer FILE (migrate) or --finish (drop the old collection of a finished migration)");
            }

            if (r.GetValue(models.Recognizer) is not null)
            {
                r.AddError("--recognizer: migrate takes the new recognizer as --to-recognizer FILE");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(batch) < 1)
            {
                return CliErrors.Fail($"--batch must be at least 1 (it is {parse.GetValue(batch)})");
            }

            FaceIndexOptions indexOptions = store.ToIndexOptions(parse);
            await using var catalog = FaceIndexFactory.OpenCatalog(indexOptions);
            var migration = new ModelMigration(catalog, new MigrationOptions
            {
                BatchSize = parse.GetValue(batch),
                Parallelism = parse.GetValue(models.Threads),
                DropOld = parse.GetValue(dropOld),
            }, log: m => Console.Error.WriteLine(m));
            MigrationReport report;
            try
            {
                if (parse.GetValue(finish))
                {
                    report = await migration.FinishAsync(indexOptions.Collection, ct);
                }
                else
                {
                    using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(models.ToAnalyzerOptions(parse) with { Recognizer = parse.GetValue(toRecognizer), MinFaceSize = 0 });
                    using var bar = new ProgressBar("migrating", null);
                    MigrationProgress last = new(0, 0, 0, 0);
                    var progress = new SyncProgress<MigrationProgress>(p =>
                    {
                        if (p.PhotosDone == 0)
                        {
                            // A pass starts (the first, or a catch-up of photos written meanwhile).
                            bar.SetTotal(p.Photos);
                            last = p;
                            return;
                        }

                        int photos = p.PhotosDone - last.PhotosDone, faces = (int)(p.FacesWritten - last.FacesWritten), failed = p.PhotosFailed - last.PhotosFailed;
                        for (int i = 0; i < photos; i++)
                        {
                            bar.Advance(i == 0 ? faces : 0, i < failed);
                        }

                        last = p;
                    });
                    report = await migration.RunAsync(indexOptions.Collection, new AnalyzerReembedder(analyzer), progress, ct);
                }
            }
            catch (FaceVectorException ex)
            {
                return CliErrors.Fail($"migrate: {ex.Message}");
            }
            catch (ModelMismatchException ex)
            {
                return CliErrors.Fail($"migrate: {ex.Message}");
            }

            if (parse.GetValue(json))
            {
                Json.Write(report);
            }
            else
            {
                Print(report);
            }

            return 0;
        });
        return command;
    }

    private static void Print(MigrationReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"migrate: collection '{r.Alias}' in {r.Store}: {r.FromModel} -> {r.ToModel}");
        if (!r.AlreadySwitched)
        {
            Console.WriteLine(string.Format(inv, "{0} faces in the old collection; {1} re-embedded now, {2} already done by an earlier run, {3} removed (deleted from the source meanwhile); {4:0.0} s re-embedding ({5:0.0} faces/s)",
                r.SourceFaces, r.Reembedded, r.AlreadyDone, r.Removed, r.EmbedTime.TotalSeconds, r.FacesPerSecond));
        }

        if (r.FacesLeftOut > 0)
        {
            Console.WriteLine($"{r.FacesLeftOut} face(s) left out (kept only in the old collection): {r.MissingPhotos.Count} photo(s) gone, {r.ChangedPhotos.Count} changed, {r.UnreadablePhotos.Count} unreadable, {r.FacesNotFoundAgain} face(s) not found again");
            foreach (string p in r.MissingPhotos)
            {
                Console.WriteLine($"  gone: {p}");
            }

            foreach (string p in r.ChangedPhotos)
            {
                Console.WriteLine($"  changed (hash differs): {p}");
            }

            foreach (string p in r.UnreadablePhotos)
            {
                Console.WriteLine($"  unreadable: {p}");
            }
        }

        Console.WriteLine(r.AlreadySwitched
            ? $"already switched: '{r.Alias}' stands for '{r.Target}' ({r.TargetFaces} faces)"
            : $"switched: '{r.Alias}' now stands for '{r.Target}' ({r.TargetFaces} faces); every reader uses it from its next request");
        Console.WriteLine(r.OldKeptAs is { } kept
            ? $"old collection kept as '{kept}' in {r.Store}; drop it with: facevector migrate --finish (same store flags)"
            : r.OldDropped ? "old collection dropped" : "no old collection left");
    }
}
