using System.CommandLine;
using System.CommandLine.Parsing;

namespace Nabla.Cli;

/// <summary>Options shared by several commands, with validation that names the flag.</summary>
internal static class CommonOptions
{
    public static Option<string> Dataset() => new Option<string>("--dataset")
    {
        Description = "mnist or fashion-mnist",
        DefaultValueFactory = _ => "mnist",
    }.AcceptOnly("mnist", "fashion-mnist");

    public static Option<DirectoryInfo?> Data() => new("--data")
    {
        Description = "Folder holding the four IDX files (gzipped or raw). Default: NABLA_DATA, then the user cache, fetching when missing.",
    };

    public static Option<int> Seed() => new("--seed") { Description = "Random seed (weights and minibatches).", DefaultValueFactory = _ => 0 };

    /// <summary>
    /// Adds a check on the parsed value; <paramref name="problem"/> returns what is wrong (the text after the
    /// option's name) or null. A value that did not parse is not checked: the parser reports it itself, and
    /// reading it here would throw out of <c>Parse</c> instead.
    /// </summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(r =>
        {
            if (!TryGetValue(r, out T value)) return;
            if (problem(value) is { } what) r.AddError($"{option.Name}: {what}");
        });
        return option;
    }

    /// <summary>The same check for a positional argument.</summary>
    public static Argument<T> Check<T>(this Argument<T> argument, Func<T, string?> problem)
    {
        argument.Validators.Add(r =>
        {
            T value;
            try { value = r.GetValueOrDefault<T>(); }
            catch (InvalidOperationException) { return; }
            if (problem(value) is { } what) r.AddError($"{argument.Name}: {what}");
        });
        return argument;
    }

    private static bool TryGetValue<T>(OptionResult r, out T value)
    {
        try { value = r.GetValueOrDefault<T>(); return true; }
        catch (InvalidOperationException) { value = default!; return false; }
    }

    public static Option<T> AcceptOnly<T>(this Option<T> option, params string[] values) =>
        option.Check(value => value?.ToString() is { } v && !values.Contains(v, StringComparer.OrdinalIgnoreCase)
            ? $"unknown value '{v}'; expected {string.Join(" or ", values)}."
            : null);

    public static Option<int> Positive(this Option<int> option) =>
        option.Check(v => v <= 0 ? $"must be a positive integer, got {v}." : null);

    public static Option<int?> Positive(this Option<int?> option) =>
        option.Check(v => v is <= 0 ? $"must be a positive integer, got {v}." : null);

    public static Option<double> PositiveReal(this Option<double> option) =>
        option.Check(v => !(v > 0) || !double.IsFinite(v) ? $"must be a positive number, got {v}." : null);
}
