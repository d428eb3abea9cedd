using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>Draws the trainer's progress: a bar with loss, speed and ETA, and the book's per-epoch accuracy lines.</summary>
internal static class ConsoleProgress
{
    /// <summary>Trains, drawing the bar (when <paramref name="showBar"/> and the console is interactive) and the epoch lines; speeds in images/s count <paramref name="batchSize"/> images an iteration.</summary>
    public static TrainingHistory Run(Trainer<float> trainer, TextWriter @out, bool showBar, int batchSize, Timings? timings = null)
    {
        bool interactive = showBar && ReferenceEquals(@out, Console.Out) && AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (!interactive)
            return trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
            {
                timings?.Progress(p);
                if (p.Epoch is { } e) @out.WriteLine(EpochLine(e, batchSize));
            }));

        TrainingHistory? history = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: 1);
                history = trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
                {
                    timings?.Progress(p);
                    if (p.Epoch is { } e) AnsiConsole.WriteLine(EpochLine(e, batchSize));
                    double itPerSec = p.Iteration / Math.Max(p.Elapsed.TotalSeconds, 1e-9);
                    task.MaxValue = p.TotalIterations;
                    task.Value = p.Iteration;
                    task.Description = $"iter {p.Iteration}/{p.TotalIterations} loss {p.Loss:F4} {itPerSec:F0} it/s {itPerSec * batchSize:F0} images/s";
                }));
            });
        return history!;
    }

    /// <summary>
    /// The book prints "train acc, test acc | 0.9042, 0.9075" each epoch; after it, where the run stands and its speed so
    /// far in images/s (the evaluations' time included).
    /// </summary>
    public static string EpochLine(EpochMetrics e, int batchSize) =>
        $"train acc, test acc | {e.TrainAccuracy:F4}, {e.TestAccuracy:F4}   (epoch {e.Epoch}, iteration {e.Iteration}, loss {e.Loss:F4}, {e.Elapsed.TotalSeconds:F1} s, " +
        $"{(double)e.Iteration * batchSize / Math.Max(e.Elapsed.TotalSeconds, 1e-9):F0} images/s)";
}
