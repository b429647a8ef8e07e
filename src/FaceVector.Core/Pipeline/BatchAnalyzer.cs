using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FaceVector.Core.Imaging;

namespace FaceVector.Core.Pipeline;

/// <summary>
/// Analyses many files with one image per worker: decoding of one image overlaps inference of another, and each
/// model run uses one thread, which on small models beats intra-op threading. One bad file yields an error
/// result and never stops the batch.
/// </summary>
public sealed class BatchAnalyzer(FaceAnalyzer analyzer, int parallelism = 0)
{
    public int Parallelism { get; } = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    /// <summary>Results in completion order.</summary>
    public async IAsyncEnumerable<ImageResult> AnalyzeAsync(IEnumerable<string> files, bool embed = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
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

    /// <summary>One file, never throwing for bad input: failures become <see cref="ImageResult.Error"/>.</summary>
    public ImageResult AnalyzeOne(string file, bool embed = true)
    {
        try
        {
            return new ImageResult(file, analyzer.Analyze(file, embed), null);
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
