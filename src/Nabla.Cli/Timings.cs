using System.Diagnostics;
using System.Globalization;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// Where a whole <c>nabla train</c> process spends its time, when the environment variable NABLA_TIMINGS is 1:
/// process start to the command's action (runtime start-up, JIT, parsing), data load, index build, the training
/// loop and the accuracy passes inside it, the final accuracy. Printed as one line on stderr at the end, naming the build
/// that ran (<see cref="NativeVariant.Describe"/>).
/// </summary>
internal sealed class Timings
{
    private readonly List<(string Part, double Seconds)> _parts = [];
    private long _last = Stopwatch.GetTimestamp();
    private double _accuracyPasses;
    private int _passes;
    private bool _overlapped;
    private long _lastIteration;

    public static Timings? FromEnvironment() => Environment.GetEnvironmentVariable("NABLA_TIMINGS") == "1" ? new Timings() : null;

    /// <summary>Ends the part named <paramref name="part"/> now; "start" measures from the process's start.</summary>
    public void Mark(string part)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = part == "start"
            ? (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds
            : Stopwatch.GetElapsedTime(_last, now).TotalSeconds;
        _parts.Add((part == "start" ? "process start to command" : part, seconds));
        _last = now;
        _lastIteration = now;
    }

    /// <summary>Called with every progress report (every iteration while timing): an epoch report's gap from the previous report is that epoch's accuracy pass (plus one step).</summary>
    /// <remarks>An accuracy pass measured on another core while training went on (<see cref="EpochMetrics.Overlapped"/>) counts its own time instead.</remarks>
    public void Progress(TrainingProgress p)
    {
        long now = Stopwatch.GetTimestamp();
        if (p.Epoch is { } e)
        {
            _accuracyPasses += e.Overlapped ? e.EvaluationTime.TotalSeconds : Stopwatch.GetElapsedTime(_lastIteration, now).TotalSeconds;
            _overlapped |= e.Overlapped;
            _passes++;
        }
        _lastIteration = now;
    }

    public void Report(TextWriter err)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = _parts.Select(p => p.Part == "loop"
            ? string.Create(inv, $"loop {p.Seconds:F3} s ({(_overlapped ? "alongside it" : "of which")} {_passes} accuracy passes {_accuracyPasses:F3} s{(_overlapped ? " on another core" : "")})")
            : string.Create(inv, $"{p.Part} {p.Seconds:F3} s"));
        err.WriteLine(string.Create(inv, $"timings ({NativeVariant.Describe()}): {string.Join(", ", parts)}; process total {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds:F3} s"));
    }
}
