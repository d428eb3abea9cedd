using System.CommandLine;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>The <c>nabla</c> command line: train, eval, predict, gradcheck, fetch.</summary>
public static class App
{
    /// <summary>Every subcommand, in the order help lists them.</summary>
    private static readonly Func<TextWriter, Command>[] Commands =
        [TrainCommand.Create, EvalCommand.Create, PredictCommand.Create, GradCheckCommand.Create, FetchCommand.Create, ExperimentCommand.Create, GraphCommand.Create, ExportCommand.Create];

    /// <summary>Parses and runs a command; returns the exit code. Errors are one line on <paramref name="err"/>, never a stack trace.</summary>
    public static int Run(string[] args, TextWriter @out, TextWriter err)
    {
        var root = new RootCommand("nabla — Deep Learning from Scratch in C#: train, evaluate and inspect the book's networks.");
        foreach (var create in Commands) root.Subcommands.Add(create(@out));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) err.WriteLine($"nabla: {e.Message}");
            err.WriteLine("Run 'nabla --help' for usage.");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = @out, Error = err, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            err.WriteLine($"nabla: {e.Message}");
            return e is CliException c ? c.ExitCode : 1;
        }
        catch (OperationCanceledException)
        {
            err.WriteLine("nabla: cancelled.");
            return 130;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is CliException or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException
            or FormatException or TrainingDivergedException or InvalidOperationException or NotSupportedException;
}
