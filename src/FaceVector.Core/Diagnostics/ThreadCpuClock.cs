using System.Runtime.InteropServices;

namespace FaceVector.Core.Diagnostics;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID), a vDSO call). Model runs use one
/// intra-op thread, which is the calling thread, so the difference around a run is the CPU the run took, unaffected
/// by other processes taking the core away (which wall time is not). Zero where the clock is unavailable.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    private static readonly bool Available = OperatingSystem.IsLinux() && Probe();

    /// <summary>Nanoseconds of CPU used by this thread so far, or 0.</summary>
    public static long Nanoseconds()
    {
        if (!Available)
        {
            return 0;
        }

        return clock_gettime(ClockThreadCpuTimeId, out TimeSpec t) == 0 ? (t.Seconds * 1_000_000_000L) + t.Nanoseconds : 0;
    }

    private static bool Probe()
    {
        try
        {
            return clock_gettime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
