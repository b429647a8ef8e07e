using System.Diagnostics;
using FaceVector.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace FaceVector.Core.Tests.Security;

/// <summary>
/// The process decode budget: six concurrent 49-megapixel PNGs (a few tens of KB each) queue behind the budget
/// instead of being decoded all at once (which peaked at 4.7 GB); an image that could never fit is refused.
/// </summary>
public sealed class DecodeBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Six_concurrent_49_megapixel_pngs_stay_within_the_budget()
    {
        byte[] png = FlatPng(7000, 7000);
        Assert.True(png.Length < 1 << 20, $"{png.Length} bytes");
        var budget = new DecodeBudget(1L << 30);
        var loader = new ImageLoader(new ImageLoaderOptions(Budget: budget));
        long baseline = Memory(), peak = baseline;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Memory());
                await Task.Delay(20);
            }
        });

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
        {
            LoadedImage loaded = loader.Decode(png, $"huge-{i}.png");
            Assert.Equal(7000, loaded.Image.Width);
        })));
        sampling.Cancel();
        await sampler;

        output.WriteLine($"six 49 MP PNGs ({png.Length:N0} bytes each): budget peak {budget.PeakBytes >> 20} MiB of {budget.CapacityBytes >> 20} MiB, " +
            $"process memory {baseline >> 20} MiB before, peak {peak >> 20} MiB, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(budget.PeakBytes <= budget.CapacityBytes);
        Assert.Equal(0, budget.UsedBytes);
        // One decode at a time (784 MB of budget each): far below the 4.7 GB of six at once.
        Assert.True(peak - baseline < 2_500L << 20, $"process memory grew by {(peak - baseline) >> 20} MiB");
    }

    [Fact]
    public void An_image_that_can_never_fit_the_budget_is_refused_before_decoding()
    {
        byte[] png = FlatPng(3000, 3000);
        var loader = new ImageLoader(new ImageLoaderOptions(Budget: new DecodeBudget(64L << 20)));
        var ex = Assert.Throws<ImageLoadException>(() => loader.Decode(png, "big.png"));
        Assert.Equal(ImageLoadFailure.TooLarge, ex.Failure);
        Assert.Contains("decode budget", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_waiting_decode_starts_when_the_budget_is_given_back()
    {
        var budget = new DecodeBudget(1000 * DecodeBudget.BytesPerPixel);
        IDisposable first = budget.Acquire(800, "a");
        Task second = Task.Run(() => budget.Acquire(800, "b").Dispose());
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        first.Dispose();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, budget.UsedBytes);
    }

    private static byte[] FlatPng(int width, int height)
    {
        using var image = new Image<L8>(width, height, new L8(128));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static long Memory()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
