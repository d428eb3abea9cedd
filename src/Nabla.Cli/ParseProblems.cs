using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Nabla.Cli;

/// <summary>
/// Turns a parse result's errors into one line per problem, each naming the option it is about: a value
/// of the wrong type, a value a check refused, an option given twice, a value after a switch.
/// </summary>
internal static class ParseProblems
{
    public static List<string> Describe(ParseResult parse)
    {
        var lines = new List<string>();
        var reported = new HashSet<Symbol>();
        foreach (var r in OptionResults(parse.RootCommandResult))
        {
            // The parser accepts a switch given twice and reports a valued option given twice in its own words; say both the same way.
            if (r.IdentifierTokenCount > 1 && r.Option.Arity.MaximumNumberOfValues <= 1 && reported.Add(r.Option))
                lines.Add($"{r.Option.Name}: given {r.IdentifierTokenCount} times; give it once.");
        }
        foreach (var r in OptionResults(parse.RootCommandResult))
        {
            // Stricter than the parser: it reads "1,5" as 15 (a thousands separator), which a user meant as 1.5.
            if (!r.Implicit && r.Tokens.Select(t => TypeProblem(r.Option.ValueType, t.Value)).FirstOrDefault(p => p is not null) is { } what && reported.Add(r.Option))
                lines.Add($"{r.Option.Name}: {what}");
        }
        foreach (var e in parse.Errors)
        {
            switch (e.SymbolResult)
            {
                case OptionResult o when reported.Add(o.Option):
                    lines.Add(OptionProblem(o.Option, o.Tokens, e.Message));
                    break;
                case ArgumentResult { Parent: OptionResult o } a when reported.Add(o.Option):
                    lines.Add(OptionProblem(o.Option, a.Tokens, e.Message));
                    break;
                case OptionResult or ArgumentResult { Parent: OptionResult }:
                    break; // one line per option
                case ArgumentResult a when reported.Add(a.Argument):
                    lines.Add(ArgumentProblem(a.Argument, a.Tokens, e.Message));
                    break;
                case ArgumentResult:
                    break;
                default:
                    var sw = SwitchBefore(parse, e.Message);
                    if (sw is null) lines.Add(e.Message);
                    else if (reported.Add(sw.Value.Switch)) lines.Add($"{sw.Value.Switch.Name}: '{sw.Value.Value}' is not true or false (the switch alone turns it on).");
                    break;
            }
        }
        return lines;
    }

    private static IEnumerable<OptionResult> OptionResults(CommandResult command)
    {
        foreach (var child in command.Children)
        {
            if (child is OptionResult o) yield return o;
            else if (child is CommandResult c) foreach (var inner in OptionResults(c)) yield return inner;
        }
    }

    private static string OptionProblem(Option option, IReadOnlyList<Token> tokens, string message)
    {
        foreach (var t in tokens)
            if (TypeProblem(option.ValueType, t.Value) is { } what) return $"{option.Name}: {what}";
        return message.Contains(option.Name, StringComparison.Ordinal) ? message : $"{option.Name}: {message}";
    }

    private static string ArgumentProblem(Argument argument, IReadOnlyList<Token> tokens, string message)
    {
        foreach (var t in tokens)
            if (TypeProblem(argument.ValueType, t.Value) is { } what) return $"{argument.Name}: {what}";
        return message.Contains(argument.Name, StringComparison.Ordinal) ? message : $"{argument.Name}: {message}";
    }

    /// <summary>What is wrong with <paramref name="value"/> as a <paramref name="type"/>, for the types the commands use; null when it parses.</summary>
    internal static string? TypeProblem(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(int))
            return int.TryParse(value, NumberStyles.Integer, inv, out _) ? null
                : long.TryParse(value, NumberStyles.Integer, inv, out _) ? $"'{value}' is out of range for a 32-bit whole number."
                : $"'{value}' is not a whole number.";
        if (type == typeof(double) || type == typeof(float))
            return double.TryParse(value, NumberStyles.Float, inv, out _) ? null
                : $"'{value}' is not a number{(value.Contains(',') ? " (write decimals with a point)" : "")}.";
        if (type == typeof(bool))
            return bool.TryParse(value, out _) ? null : $"'{value}' is not true or false.";
        return null;
    }

    /// <summary>
    /// A switch such as <c>--batchnorm</c> takes no value (or true/false), so in <c>--batchnorm abc</c> the parser
    /// reports 'abc' as an unknown word; find the switch so the line can name it.
    /// </summary>
    private static (Option Switch, string Value)? SwitchBefore(ParseResult parse, string message)
    {
        var tokens = parse.Tokens;
        for (int i = 1; i < tokens.Count; i++)
        {
            if (tokens[i].Type != TokenType.Argument || tokens[i - 1].Type != TokenType.Option) continue;
            if (!parse.UnmatchedTokens.Contains(tokens[i].Value) || !message.Contains($"'{tokens[i].Value}'", StringComparison.Ordinal)) continue;
            for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = r.Parent)
                foreach (var o in c.Command.Options)
                    if (o.ValueType == typeof(bool) && (o.Name == tokens[i - 1].Value || o.Aliases.Contains(tokens[i - 1].Value)))
                        return (o, tokens[i].Value);
        }
        return null;
    }
}
