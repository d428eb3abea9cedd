using System.CommandLine;
using Nabla.Models;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gradcheck</c>: backprop against numerical gradients on the first few training images, in
/// double precision, printing the mean absolute difference per parameter as the book's gradient_check.py does.
/// </summary>
internal static class GradCheckCommand
{
    /// <summary>The mean difference above which the check fails.</summary>
    public const double Limit = 1e-6;

    public static Command Create(TextWriter @out)
    {
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var samples = new Option<int>("--samples") { Description = "How many training images to use.", DefaultValueFactory = _ => 3 }.Positive();
        var hidden = new Option<int>("--hidden") { Description = "Hidden layer size.", DefaultValueFactory = _ => 50 }.Positive();
        var activation = new Option<string>("--activation") { Description = "relu or sigmoid.", DefaultValueFactory = _ => "relu" }.AcceptOnly("relu", "sigmoid");
        var cmd = new Command("gradcheck", $"Compare backprop with numerical gradients (double precision); fails when a mean difference exceeds {Limit:G}.")
        {
            dataset, data, samples, hidden, activation, seed,
        };
        cmd.SetAction(r =>
        {
            var set = DataResolver.Load(r.GetValue(dataset)!, r.GetValue(data), @out, showProgress: true);
            int n = Math.Min(r.GetValue(samples), set.XTrain.Dim(0));
            var x = set.XTrain.Slice(0, n).Cast<double>();
            var t = set.TTrain.Slice(0, n).Cast<double>();
            var act = r.GetValue(activation) == "sigmoid" ? HiddenActivation.Sigmoid : HiddenActivation.Relu;
            var net = new TwoLayerNet<double>(x.Dim(1), r.GetValue(hidden), set.Classes, activation: act, rng: new Random(r.GetValue(seed)));
            var report = net.GradientCheck(x, t);
            @out.WriteLine($"Gradient check: TwoLayerNet {x.Dim(1)}-{r.GetValue(hidden)}-{set.Classes} ({r.GetValue(activation)}), {n} images, double precision");
            foreach (var row in report)
                @out.WriteLine($"{row.Name}:{row.MeanAbsDifference:E10}   (max relative error {row.MaxRelativeError:E3})");
            var bad = report.Where(row => !(row.MeanAbsDifference <= Limit)).Select(row => row.Name).ToList();
            if (bad.Count > 0)
                throw new CliException($"gradient check failed: mean |backprop − numerical| exceeds {Limit:G} for {string.Join(", ", bad)}.");
            @out.WriteLine($"OK: every mean difference is ≤ {Limit:G}.");
            return 0;
        });
        return cmd;
    }
}
