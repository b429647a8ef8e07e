namespace FaceVector.Core.Imaging;

/// <summary>
/// Memory for decoded pixels, shared by every decode in the process: a decode first takes its estimated bytes from
/// the budget and gives them back when done. A decode that does not fit now waits (in arrival order of wake-up, not
/// strictly FIFO) until others finish; one that could never fit is refused at once. So N concurrent huge images cost
/// about the budget, not N times an image (the per-image pixel limit alone bounds one image, not the process).
/// </summary>
public sealed class DecodeBudget
{
    /// <summary>
    /// Bytes held per decoded pixel while an image is decoded and analysed: the RGBA decode buffer (4), its RGB copy
    /// (3), a rotated copy for EXIF orientation or the detector's padded copy (4), decoder and resize scratch. 16
    /// matches what was measured (six 49-megapixel PNGs peaked at 4.7 GB without a budget: ~16 bytes per pixel).
    /// </summary>
    public const long BytesPerPixel = 16;

    /// <summary>Default budget: 1 GiB, enough for one image at the default limit of 50 megapixels (800 MB).</summary>
    public const long DefaultCapacityBytes = 1L << 30;

    /// <summary>Environment variable that sets the process budget in bytes.</summary>
    public const string EnvironmentVariable = "FACEVECTOR_DECODE_BUDGET_BYTES";

    // A plain object: System.Threading.Lock has no Wait/Pulse.
    private readonly object _lock = new();
    private long _used;

    public DecodeBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    /// <summary>The one budget of this process (FACEVECTOR_DECODE_BUDGET_BYTES, else 1 GiB).</summary>
    public static DecodeBudget Process { get; } = new(
        long.TryParse(Environment.GetEnvironmentVariable(EnvironmentVariable), out long bytes) && bytes > 0 ? bytes : DefaultCapacityBytes);

    public long CapacityBytes { get; }

    /// <summary>Bytes taken by decodes in progress.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Peak of <see cref="UsedBytes"/> since start, for tests and benchmarks.</summary>
    public long PeakBytes { get; private set; }

    public static long CostOf(long pixels) => pixels * BytesPerPixel;

    /// <summary>
    /// Takes the bytes to decode <paramref name="pixels"/> pixels, waiting while others hold the budget; dispose the
    /// lease to give them back. Throws <see cref="ImageLoadException"/> (too large) when they could never fit.
    /// </summary>
    public IDisposable Acquire(long pixels, string source, CancellationToken cancellationToken = default)
    {
        long bytes = CostOf(pixels);
        if (bytes > CapacityBytes)
        {
            throw new ImageLoadException(source, ImageLoadFailure.TooLarge,
                $"decoding {pixels / 1e6:0.#} megapixels needs about {bytes >> 20:N0} MiB, more than the process decode budget of {CapacityBytes >> 20:N0} MiB ({EnvironmentVariable})");
        }

        lock (_lock)
        {
            while (_used + bytes > CapacityBytes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Woken by a release; the timeout only lets cancellation be noticed.
                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(200));
            }

            _used += bytes;
            PeakBytes = Math.Max(PeakBytes, _used);
        }

        return new Lease(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
            Monitor.PulseAll(_lock);
        }
    }

    private sealed class Lease(DecodeBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
