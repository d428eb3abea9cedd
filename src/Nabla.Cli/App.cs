using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>The <c>nabla</c> command line: train, eval, predict, gradcheck, fetch, experiment.</summary>
public static class App
{
    /// <summary>Every subcommand, in the order help lists them.</summary>
    private static readonly Func<TextWriter, Command>[] Commands =
        [TrainCommand.Create, EvalCommand.Create, PredictCommand.Create, GradCheckCommand.Create, FetchCommand.Create, ExperimentCommand.Create, GraphCommand.Create, ExportCommand.Create];

    /// <summary>
    /// The command tree. The root is named <c>nabla</c> whatever the process is called (<c>dotnet Nabla.Cli.dll</c>,
    /// the tool's shim, <c>dnx</c>), so help shows the command users type.
    /// </summary>
    public static Command CreateRoot(TextWriter @out)
    {
        // Not a RootCommand: its name is the process's, fixed at start-up.
        var root = new Command("nabla", "nabla — Deep Learning from Scratch in C#: train, evaluate and inspect the book's networks.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        foreach (var create in Commands) root.Subcommands.Add(create(@out));
        return root;
    }

    /// <summary>Parses and runs a command; returns the exit code. Errors are one line each on <paramref name="err"/>, never a stack trace.</summary>
    public static int Run(string[] args, TextWriter @out, TextWriter err)
    {
        var root = CreateRoot(@out);
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (InvalidOperationException e)
        {
            // A validator that reads a value which failed to parse throws out of Parse; the message names the option.
            err.WriteLine($"nabla: {e.Message}");
            return 2;
        }
        var problems = ParseProblems.Describe(parse);
        if (problems.Count > 0)
        {
            string help = string.Join(' ', ["nabla", .. CommandPath(parse.CommandResult), "--help"]);
            foreach (var p in problems) err.WriteLine($"nabla: {p.TrimEnd('.')} (see '{help}').");
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

    private static IEnumerable<string> CommandPath(CommandResult command)
    {
        var names = new Stack<string>();
        for (SymbolResult? r = command; r is CommandResult c && c.Parent is not null; r = r.Parent) names.Push(c.Command.Name);
        return names;
    }

    private static bool IsUserError(Exception e) =>
        e is CliException or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException
            or FormatException or TrainingDivergedException or InvalidOperationException or NotSupportedException;
}
