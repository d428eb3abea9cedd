using System.CommandLine;
using System.CommandLine.Help;
using Nabla.Cli;

namespace Nabla.Tests.Cli;

/// <summary>
/// Walks every option of every command in <see cref="App.CreateRoot"/> (so commands added later are covered
/// without listing them here) and gives each a value of the wrong type, a value out of range, and the option
/// twice: each must get exactly one line on stderr naming the option, a non-zero exit and no stack trace.
/// Every case is first checked to fail parsing, so no command's action ever runs here.
/// </summary>
public class EveryFlagTests
{
    /// <summary>One case: the command line, the option it is about, and what kind of bad input it is.</summary>
    public sealed record Case(string[] Args, string Option, string Kind)
    {
        public override string ToString() => $"{Kind}: nabla {string.Join(' ', Args)}";
    }

    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var c in Commands(sub, [.. path, sub.Name])) yield return c;
    }

    private static IEnumerable<Option> OwnOptions(Command c) => c.Options.Where(o => o is not (HelpOption or VersionOption));

    /// <summary>True when <see cref="App.Run"/> would run the command's action (no problem found).</summary>
    private static bool ParsesCleanly(string[] args) => ParseProblems.Describe(App.CreateRoot(TextWriter.Null).Parse(args)).Count == 0;

    /// <summary>
    /// A command line that runs <paramref name="command"/> with only its required options and arguments, each
    /// given the first of a few plausible values that parses; null when none does.
    /// </summary>
    private static string[]? Baseline(string[] path, Command command, Option? except = null)
    {
        string[] candidates = ["mnist", "1", "x.npz", "x.png", "x.onnx", "x.svg", "x.dot", "x", "0"];
        var args = new List<string>(path);
        foreach (var a in command.Arguments)
        {
            string? ok = candidates.FirstOrDefault(v => ParsesCleanly([.. args, v, .. RequiredOptionsSomehow(command)]));
            if (ok is null) return null;
            args.Add(ok);
        }
        // The required options' values are chosen together (a command such as export needs --model and --out at
        // once, so neither parses alone): the first combination of candidates under which the whole line parses.
        var required = OwnOptions(command).Where(o => o.Required && o != except).ToList();
        foreach (var values in Combinations(candidates, required.Count(o => o.ValueType != typeof(bool))))
        {
            var line = new List<string>(args);
            int next = 0;
            foreach (var o in required) line.AddRange(o.ValueType == typeof(bool) ? [o.Name] : [o.Name, values[next++]]);
            if (except is not null || ParsesCleanly([.. line])) return [.. line];
        }
        return null;
    }

    private static IEnumerable<string[]> Combinations(string[] candidates, int count)
    {
        if (count == 0) { yield return []; yield break; }
        foreach (var first in candidates)
            foreach (var rest in Combinations(candidates, count - 1)) yield return [first, .. rest];
    }

    // While the arguments are chosen, required options get a placeholder so their absence is not the only error.
    private static string[] RequiredOptionsSomehow(Command command) =>
        [.. OwnOptions(command).Where(o => o.Required).SelectMany(o => o.ValueType == typeof(bool) ? new[] { o.Name } : [o.Name, "x.npz"])];

    /// <summary>A value that parses for <paramref name="o"/>, to repeat it with.</summary>
    private static string[] SomeValue(Option o)
    {
        if (o.ValueType == typeof(bool)) return [];
        if (o.HasDefaultValue && o.GetDefaultValue() is { } d) return [Convert.ToString(d, System.Globalization.CultureInfo.InvariantCulture)!];
        var t = Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType;
        return [t == typeof(int) || t == typeof(double) || t == typeof(float) ? "1" : "x"];
    }

    public static IEnumerable<object[]> Cases()
    {
        var root = App.CreateRoot(TextWriter.Null);
        foreach (var (path, command) in Commands(root, []))
        {
            var options = OwnOptions(command).ToList();
            if (options.Count == 0) continue;
            var baseline = Baseline(path, command) ?? throw new InvalidOperationException($"no plausible command line parses for 'nabla {string.Join(' ', path)}'");
            foreach (var o in options)
            {
                var line = o.Required ? Baseline(path, command, except: o)! : baseline; // the option once, with the bad value only
                var t = Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType;
                string[] wrongType = t == typeof(int) ? ["abc", "1.5", "99999999999", ""]
                    : t == typeof(double) || t == typeof(float) ? ["abc", "1,5", "0x10", ""]
                    : t == typeof(bool) ? ["abc", "2"]
                    : [];
                foreach (var v in wrongType) yield return [new Case([.. line, o.Name, v], o.Name, "wrong type")];
                if (t == typeof(bool)) yield return [new Case([.. line, $"{o.Name}=abc"], o.Name, "wrong type")];
                // No option of this tool means anything by a non-finite number.
                if (t == typeof(double) || t == typeof(float))
                    foreach (var v in new[] { "NaN", "Infinity", "-Infinity", "1e999" }) yield return [new Case([.. line, o.Name, v], o.Name, "out of range")];
                if (o.Arity.MaximumNumberOfValues <= 1)
                    yield return [new Case([.. line, o.Name, .. SomeValue(o), o.Name, .. SomeValue(o)], o.Name, "repeated")];
                if (o.Arity.MinimumNumberOfValues > 0) yield return [new Case([.. line, o.Name], o.Name, "missing value")];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryBadValueIsOneLineNamingTheOption(Case c)
    {
        Assert.False(ParsesCleanly(c.Args), $"'{string.Join(' ', c.Args)}' parses: {c.Option} accepts a {c.Kind} value");
        AssertOneLineNaming(c.Args, c.Option);
    }

    /// <summary>
    /// Out of range for options whose range the tool knows: whenever the parser refuses a number or a word, it
    /// is one line naming the option. The values a command must refuse are pinned in <see cref="CliTests"/>.
    /// </summary>
    [Fact]
    public void EveryRefusedValueIsOneLineNamingTheOption()
    {
        var root = App.CreateRoot(TextWriter.Null);
        int refused = 0;
        foreach (var (path, command) in Commands(root, []))
        {
            var options = OwnOptions(command).ToList();
            if (options.Count == 0) continue;
            var baseline = Baseline(path, command)!;
            foreach (var o in options)
            {
                var line = o.Required ? Baseline(path, command, except: o)! : baseline;
                var t = Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType;
                string[] values = t == typeof(int) ? ["0", "-1", "-2147483648"] : t == typeof(double) ? ["0", "-1", "-1e-300", "1"] : t == typeof(string) ? ["no-such-value", "0", ""] : [];
                foreach (var v in values)
                {
                    string[] args = [.. line, o.Name, v];
                    if (ParsesCleanly(args)) continue;
                    refused++;
                    AssertOneLineNaming(args, o.Name);
                }
            }
        }
        Assert.True(refused > 20, $"only {refused} values refused"); // the walk reached the commands
    }

    [Theory]
    [InlineData("fetch", "cifar")]
    [InlineData("fetch", "mnist", "mnist")]
    public void BadArgumentsAreOneLine(params string[] args)
    {
        Assert.False(ParsesCleanly(args));
        var o = new StringWriter(); var e = new StringWriter();
        int code = App.Run(args, o, e);
        Assert.Equal(2, code);
        Assert.Single(e.ToString().TrimEnd().Split('\n'));
    }

    [Fact]
    public void HelpNamesTheCommandNabla()
    {
        var o = new StringWriter();
        Assert.Equal(0, App.Run(["--help"], o, TextWriter.Null));
        Assert.Contains("nabla [command] [options]", o.ToString());
        var t = new StringWriter();
        Assert.Equal(0, App.Run(["train", "--help"], t, TextWriter.Null));
        Assert.Contains("nabla train [options]", t.ToString());
    }

    private static void AssertOneLineNaming(string[] args, string option)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = App.Run(args, o, e);
        string err = e.ToString();
        Assert.True(code != 0, $"exit 0 for: nabla {string.Join(' ', args)}");
        var lines = err.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, $"nabla {string.Join(' ', args)} printed {lines.Length} lines:\n{err}");
        Assert.Contains(option, lines[0]);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("", o.ToString());
    }
}
