using System.Diagnostics;

namespace Nabla.Bench;

/// <summary>Plain timing helpers: warm up, repeat, report the median.</summary>
internal static class Timing
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times, then times <paramref name="reps"/> runs; returns seconds per run (median) and all samples.</summary>
    public static (double Median, double[] Samples) Measure(Action action, int reps, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) action();
        var samples = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            samples[i] = sw.Elapsed.TotalSeconds;
        }
        return (Median(samples), samples);
    }

    public static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Peak working set of this process so far, in MB.</summary>
    public static double PeakMemoryMb() => Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
}
