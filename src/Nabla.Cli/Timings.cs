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
    public void Progress(TrainingProgress p)
    {
        long now = Stopwatch.GetTimestamp();
        if (p.Epoch is not null) { _accuracyPasses += Stopwatch.GetElapsedTime(_lastIteration, now).TotalSeconds; _passes++; }
        _lastIteration = now;
    }

    public void Report(TextWriter err)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = _parts.Select(p => p.Part == "loop"
            ? string.Create(inv, $"loop {p.Seconds:F3} s (of which {_passes} accuracy passes {_accuracyPasses:F3} s)")
            : string.Create(inv, $"{p.Part} {p.Seconds:F3} s"));
        err.WriteLine(string.Create(inv, $"timings ({NativeVariant.Describe()}): {string.Join(", ", parts)}; process total {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds:F3} s"));
    }
}
