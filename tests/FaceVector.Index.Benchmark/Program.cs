using FaceVector.Benchmarks;

// Usage: dotnet run -c Release --project tests/FaceVector.Index.Benchmark -- [--million] [--queries N] [--no-load]
var options = new VectorSearchBenchmarkOptions();
for (var i = 0; i < args.Length; i++)
{
    options = args[i] switch
    {
        "--million" => options with { IncludeMillion = true },
        "--queries" => options with { Queries = int.Parse(args[++i]) },
        "--no-load" => options with { LoadRows = 0 },
        var other => throw new ArgumentException($"unknown argument {other}"),
    };
}
var result = await new VectorSearchBenchmark(options).RunAsync(new Progress<string>(line => Console.Error.WriteLine($"  {line}")));
Console.WriteLine(result.ToTable());
