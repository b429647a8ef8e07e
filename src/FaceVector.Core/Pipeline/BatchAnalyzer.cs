using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FaceVector.Core.Imaging;

namespace FaceVector.Core.Pipeline;

/// <summary>
/// Analyses many files with one image per worker: decoding of one image overlaps inference of another, and each
/// model run uses one thread, which on small models beats intra-op threading. With a batch-invariant recognizer
/// the faces of the photos in flight are embedded together in batches. One bad file yields an error result and
/// never stops the batch.
/// </summary>
public sealed class BatchAnalyzer(FaceAnalyzer analyzer, int parallelism = 0)
{
    public int Parallelism { get; } = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    /// <summary>
    /// Faces per recognizer run when the faces of several photos in flight are embedded together; 0 embeds each
    /// photo's faces on its own worker. Only used when the recognizer is batch-invariant.
    /// </summary>
    public int CrossPhotoBatch { get; init; } = 4;

    /// <summary>Results in completion order.</summary>
    public IAsyncEnumerable<ImageResult> AnalyzeAsync(IEnumerable<string> files, bool embed = true, CancellationToken cancellationToken = default) =>
        embed && CrossPhotoBatch > 1 && analyzer.EmbeddingBatchSize > 1
            ? AnalyzeBatchedAsync(files, cancellationToken)
            : AnalyzePerPhotoAsync(files, embed, cancellationToken);

    private async IAsyncEnumerable<ImageResult> AnalyzePerPhotoAsync(IEnumerable<string> files, bool embed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Bounded, so a slow consumer (a database writer) holds the workers back instead of buffering everything.
        var results = Channel.CreateBounded<ImageResult>(new BoundedChannelOptions(Parallelism * 4) { SingleReader = true });
        Task producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (file, ct) =>
                {
                    ImageResult result = AnalyzeOne(file, embed);
                    await results.Writer.WriteAsync(result, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                results.Writer.Complete();
            }
            catch (Exception ex)
            {
                results.Writer.Complete(ex);
            }
        }, cancellationToken);

        await foreach (ImageResult result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }

        await producer.ConfigureAwait(false);
    }

    /// <summary>
    /// Two stages: one worker per core decodes, detects and aligns; embedders take every photo that is ready (up to
    /// <see cref="CrossPhotoBatch"/> faces) and run their faces as one batch. The workers keep every core busy while
    /// the recognizer runs fewer, larger batches.
    /// </summary>
    private async IAsyncEnumerable<ImageResult> AnalyzeBatchedAsync(IEnumerable<string> files, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var results = Channel.CreateBounded<ImageResult>(new BoundedChannelOptions(Parallelism * 4) { SingleReader = true });
        var prepared = Channel.CreateBounded<PreparedImage>(new BoundedChannelOptions(Parallelism * 2));
        int embedders = Math.Max(1, Parallelism / 2);
        Task producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (file, ct) =>
                {
                    PreparedImage? ready = null;
                    ImageResult? failed = Guard(file, () =>
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        LoadedImage loaded = analyzer.Loader.Load(file);
                        ready = analyzer.Prepare(loaded, file, embed: true, Stopwatch.GetElapsedTime(t0));
                        return null;
                    });
                    if (failed is not null)
                    {
                        await results.Writer.WriteAsync(failed, ct).ConfigureAwait(false);
                    }
                    else if (ready!.Aligned is null)
                    {
                        using (ready)
                        {
                            await results.Writer.WriteAsync(new ImageResult(file, ready.Complete(null, TimeSpan.Zero), null), ct).ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        await prepared.Writer.WriteAsync(ready, ct).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
                prepared.Writer.Complete();
            }
            catch (Exception ex)
            {
                prepared.Writer.Complete(ex);
            }
        }, cancellationToken);

        Task[] embedding = [.. Enumerable.Range(0, embedders).Select(_ => Task.Run(() => EmbedLoopAsync(prepared.Reader, results.Writer, cancellationToken), cancellationToken))];
        Task done = Task.Run(async () =>
        {
            try
            {
                await producer.ConfigureAwait(false);
                await Task.WhenAll(embedding).ConfigureAwait(false);
                results.Writer.Complete();
            }
            catch (Exception ex)
            {
                results.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        await foreach (ImageResult result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }

        await done.ConfigureAwait(false);
    }

    private async Task EmbedLoopAsync(ChannelReader<PreparedImage> prepared, ChannelWriter<ImageResult> results, CancellationToken cancellationToken)
    {
        var batch = new List<PreparedImage>();
        while (await prepared.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            int faces = 0;
            while (faces < CrossPhotoBatch && prepared.TryRead(out PreparedImage? p))
            {
                batch.Add(p);
                faces += p.Aligned!.Count;
            }

            if (batch.Count == 0)
            {
                continue;
            }

            IReadOnlyList<ImageResult> done;
            try
            {
                done = [.. analyzer.EmbedBatch(batch).Select(f => new ImageResult(f.Path, f, null))];
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                done = [.. batch.Select(p => new ImageResult(p.Source, null, $"{p.Source}: {ex.GetType().Name}: {ex.Message}"))];
            }
            finally
            {
                foreach (PreparedImage p in batch)
                {
                    p.Dispose();
                }

                batch.Clear();
            }

            foreach (ImageResult r in done)
            {
                await results.WriteAsync(r, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One file, never throwing for bad input: failures become <see cref="ImageResult.Error"/>.</summary>
    public ImageResult AnalyzeOne(string file, bool embed = true) =>
        Guard(file, () => new ImageResult(file, analyzer.Analyze(file, embed), null))!;

    /// <summary>Runs <paramref name="work"/> for a file; what goes wrong with that file becomes its error result.</summary>
    private static ImageResult? Guard(string file, Func<ImageResult?> work)
    {
        try
        {
            return work();
        }
        catch (ImageLoadException ex) when (ex.Failure == ImageLoadFailure.NotAnImage && !ImageFileEnumerator.HasImageExtension(file))
        {
            // A text file or a .DS_Store in a photo folder is not an error worth reporting.
            return new ImageResult(file, null, ex.Message, Skipped: true);
        }
        catch (ImageLoadException ex)
        {
            return new ImageResult(file, null, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // Anything else the decoder or the models throw for this one file is still this file's problem.
            return new ImageResult(file, null, $"{file}: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
