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

    public static Option<T> AcceptOnly<T>(this Option<T> option, params string[] values)
    {
        option.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<T>()?.ToString();
            if (v is not null && !values.Contains(v, StringComparer.OrdinalIgnoreCase))
                r.AddError($"{option.Name}: unknown value '{v}'; expected {string.Join(" or ", values)}.");
        });
        return option;
    }

    public static Option<int> Positive(this Option<int> option)
    {
        option.Validators.Add(r =>
        {
            int v = r.GetValueOrDefault<int>();
            if (v <= 0) r.AddError($"{option.Name} must be a positive integer, got {v}.");
        });
        return option;
    }

    public static Option<double> PositiveReal(this Option<double> option)
    {
        option.Validators.Add(r =>
        {
            double v = r.GetValueOrDefault<double>();
            if (!(v > 0) || !double.IsFinite(v)) r.AddError($"{option.Name} must be a positive number, got {v}.");
        });
        return option;
    }
}
