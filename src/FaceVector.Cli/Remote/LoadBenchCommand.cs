using System.CommandLine;
using System.Globalization;
using FaceVector.Cli.Commands;
using FaceVector.Services.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace FaceVector.Cli.Remote;

/// <summary><c>facevector bench load</c>: concurrent Search calls against a loopback server for a bounded time.</summary>
internal static class LoadBenchCommand
{
    public static Command Build()
    {
        var remote = new RemoteOptions();
        remote.Server.Required = false;
        var query = new Option<FileInfo>("--query", "-q") { Description = "Probe photo sent with every Search call", Required = true };
        var clients = new Option<int>("--clients", "-c") { Description = $"Concurrent clients (1..{LoadBenchmark.MaxClients})", DefaultValueFactory = _ => 4 };
        var seconds = new Option<double>("--seconds") { Description = "How long to run", DefaultValueFactory = _ => 60 };
        var top = new Option<int>("--top", "-n") { Description = "top_k of each Search", DefaultValueFactory = _ => 10 };
        var inProcess = new Option<bool>("--in-process") { Description = "Start 'serve' in this process on a free loopback port and sample its working set" };
        var db = new Option<string?>("--db") { Description = "With --in-process: the store to search (default: a new, temporary one)" };
        var models = new ModelOptions();
        var command = new Command("load", "N concurrent clients call Search for S seconds (loopback servers only): throughput, p50/p95/p99 latency, errors by status code.")
        {
            query, clients, seconds, top, inProcess, db,
        };
        remote.AddTo(command);
        models.AddTo(command);
        command.Validators.Add(r =>
        {
            if ((r.GetResult(remote.Server) is null) == !r.GetValue(inProcess))
            {
                r.AddError("give either --server URL or --in-process");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            string probe = parse.GetValue(query)!.FullName;
            // The in-process server never touches the user's store unless --db names one.
            string? scratch = parse.GetValue(inProcess) && parse.GetValue(db) is null ? Directory.CreateTempSubdirectory("facevector-bench-").FullName : null;
            WebApplication? server = null;
            try
            {
                if (parse.GetValue(inProcess))
                {
                    Dictionary<string, string?> settings = ServeCommand.Settings(parse, models, store: null);
                    // A log line per request would flood the console and cost the measurement time.
                    settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning";
                    settings["FaceVector:Index:DbPath"] = Path.GetFullPath(parse.GetValue(db) ?? Path.Combine(scratch!, "faces.db"));
                    server = await ServeCommand.StartAsync(settings, 0, ct);
                }

                Uri uri = server is null ? remote.ServerUri(parse) : new Uri(server.Urls.Single());
                if (server is not null)
                {
                    // Models load in the background: measure the service, not its start.
                    using GrpcChannel channel = RemoteOptions.Channel(uri);
                    await HealthProbe.WaitServingAsync(channel, TimeSpan.FromMinutes(2), ct);
                }

                var options = new LoadBenchmarkOptions(uri, await File.ReadAllBytesAsync(probe, ct), probe, parse.GetValue(clients),
                    TimeSpan.FromSeconds(parse.GetValue(seconds)), remote.Key(parse), parse.GetValue(top));
                Console.Error.WriteLine($"facevector: {options.Clients} client(s) x {options.Duration.TotalSeconds:0.#} s against {uri}{(server is null ? string.Empty : " (in-process)")}");
                LoadBenchmarkResult result;
                try
                {
                    result = await LoadBenchmark.RunAsync(options, server is null ? null : () => Environment.WorkingSet, ct);
                }
                catch (ArgumentException ex)
                {
                    throw new CliException(ex.Message);
                }

                Print(result);
                return result.Unexpected == 0 ? 0 : RemoteErrors.ServiceError;
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }

                if (scratch is not null)
                {
                    Directory.Delete(scratch, recursive: true);
                }
            }
        });
        return command;
    }

    private static void Print(LoadBenchmarkResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "requests {0}  ok {1}  in {2:0.0} s  throughput {3:0.00} req/s", r.Requests, r.Ok, r.Elapsed.TotalSeconds, r.Throughput));
        Console.WriteLine(string.Format(inv, "latency ms (answered)  p50 {0:0.0}  p95 {1:0.0}  p99 {2:0.0}", r.P50Ms, r.P95Ms, r.P99Ms));
        Console.WriteLine("by status: " + string.Join("  ", r.ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")));
        if (r.PeakWorkingSetBytes is { } peak)
        {
            Console.WriteLine(string.Format(inv, "peak working set (server and clients, one process) {0:0.0} MiB", peak / (1024.0 * 1024.0)));
        }

        if (r.Unexpected > 0)
        {
            Console.WriteLine($"{r.Unexpected} call(s) were neither answered nor refused with {StatusCode.ResourceExhausted}");
        }
    }
}
