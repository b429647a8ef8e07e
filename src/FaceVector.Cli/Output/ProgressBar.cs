using System.Diagnostics;

namespace FaceVector.Cli.Output;

/// <summary>
/// A one-line progress bar on stderr: count, rate, ETA and errors. Silent when stderr is redirected (logs and
/// pipes get no control characters) or when the work is too short to need one.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    private readonly string _label;
    private int? _total;
    private readonly bool _enabled;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _lastDraw;
    private int _done;
    private int _errors;
    private long _items;
    private string _itemName = "faces";

    public ProgressBar(string label, int? total, bool enabled = true)
    {
        _label = label;
        _total = total;
        _enabled = enabled && !Console.IsErrorRedirected;
    }

    /// <summary>Sets the total once it is known (after a folder scan).</summary>
    public void SetTotal(int total)
    {
        lock (_lock)
        {
            _total = total;
        }
    }

    /// <summary>Records one finished unit, with how many items (faces) it produced and whether it failed.</summary>
    public void Advance(int items = 0, bool error = false, string itemName = "faces")
    {
        lock (_lock)
        {
            _done++;
            _items += items;
            _itemName = itemName;
            if (error)
            {
                _errors++;
            }

            // Redraw at most ten times a second, and only after the first half second.
            long now = _clock.ElapsedMilliseconds;
            if (_enabled && now > 500 && now - _lastDraw >= 100)
            {
                _lastDraw = now;
                Draw(now);
            }
        }
    }

    private void Draw(long elapsedMs)
    {
        double seconds = Math.Max(elapsedMs / 1000.0, 1e-3);
        double rate = _done / seconds;
        string counts = _total is int t ? $"{_done}/{t}" : $"{_done}";
        string bar = string.Empty;
        string eta = string.Empty;
        if (_total is int total && total > 0)
        {
            const int width = 24;
            int filled = (int)Math.Round(width * Math.Min(1.0, (double)_done / total));
            bar = "[" + new string('#', filled) + new string('.', width - filled) + "] ";
            double remaining = rate > 0 ? (total - _done) / rate : 0;
            eta = $" ETA {TimeSpan.FromSeconds(Math.Round(remaining)):mm\\:ss}";
        }

        string line = $"\r{_label} {bar}{counts} {rate:0.0}/s {_items / seconds:0.0} {_itemName}/s{eta} errors {_errors}";
        Console.Error.Write(line.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 100, 120)));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_enabled && _lastDraw > 0)
            {
                Draw(_clock.ElapsedMilliseconds);
                Console.Error.WriteLine();
            }
        }
    }
}
