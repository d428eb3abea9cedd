using System.CommandLine;
using System.Globalization;
using Nabla.Models;
using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

using Nabla.Experiments;
using Experiments = Nabla.Experiments.Experiments;

/// <summary>
/// <c>nabla experiment NAME</c>: the book's chapter 6 experiments, each writing NAME.png|svg and NAME.csv
/// into <c>--out</c> and printing a short summary. <c>--synthetic</c> runs them on a small generated
/// MNIST-shaped data set, in seconds.
/// </summary>
internal static class ExperimentCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(TextWriter @out)
    {
        var cmd = new Command("experiment", "The book's chapter 6 experiments; each writes a plot and a CSV.");
        cmd.Subcommands.Add(Make(@out, "optimizers-2d", "SGD, Momentum, AdaGrad and Adam on f(x, y) = x²/20 + y² from (-7, 2) (30 steps).", needsData: false, (c, o) => Optimizers2D(c, o)));
        cmd.Subcommands.Add(Make(@out, "optimizers", "Loss curves of SGD, Momentum, AdaGrad and Adam training MultiLayerNet 784-100x4-10 (batch 128).", true, (c, o) => LossCurves(c, o, "optimizers", weightInit: false)));
        cmd.Subcommands.Add(Make(@out, "weight-init", "Loss curves with weights of std 0.01, Xavier and He (MultiLayerNet 784-100x4-10, SGD).", true, (c, o) => LossCurves(c, o, "weight-init", weightInit: true)));
        cmd.Subcommands.Add(Make(@out, "activations", "Histograms of 5 hidden layers' activations for sigmoid with std 1, std 0.01 and Xavier, and ReLU with std 0.01, Xavier and He.", false, (c, o) => Activations(c, o)));
        cmd.Subcommands.Add(Make(@out, "batchnorm", "Train accuracy with and without batch norm across weight scales 1 … 1e-4 (1,000 training images).", true, (c, o) => BatchNorm(c, o)));
        cmd.Subcommands.Add(Make(@out, "overfit", "Overfitting 300 training images: none, weight decay 0.1, dropout 0.2 (MultiLayerNet 784-100x6-10).", true, (c, o) => Overfit(c, o)));
        cmd.Subcommands.Add(Make(@out, "hyperparams", "Random search of learning rate and weight decay on a validation split; lists the best trials.", true, (c, o) => Hyperparams(c, o)));
        return cmd;
    }

    /// <summary>What every experiment receives.</summary>
    private sealed record Context(TextWriter Out, string Dir, string Format, int Seed, int? Iters, int? Epochs, int? Trials, int? TrainSize, Func<LoadedData> Data)
    {
        public string File(string name, string ext) => Path.Combine(Dir, $"{name}.{ext}");
        public string Plot(string name) => File(name, Format);
    }

    private static Command Make(TextWriter @out, string name, string description, bool needsData, Action<Context, TextWriter> run)
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder for the plot and the CSV.", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var format = new Option<string>("--format") { Description = "png or svg.", DefaultValueFactory = _ => "png" }.AcceptOnly("png", "svg");
        var seed = CommonOptions.Seed();
        var cmd = new Command(name, description) { outDir, format, seed };
        Option<string>? dataset = null; Option<DirectoryInfo?>? data = null; Option<bool>? synthetic = null;
        Option<int?>? iters = null, epochs = null, trials = null, trainSize = null;
        if (needsData)
        {
            dataset = CommonOptions.Dataset(); data = CommonOptions.Data();
            synthetic = new Option<bool>("--synthetic") { Description = "Use a small generated MNIST-shaped data set instead of real data." };
            cmd.Options.Add(dataset); cmd.Options.Add(data); cmd.Options.Add(synthetic);
            iters = PositiveOrNull("--iters", "Training iterations (optimizers, weight-init; book: 2000).");
            epochs = PositiveOrNull("--epochs", "Epochs (batchnorm: 20, overfit: 201, hyperparams: 50 in the book).");
            trials = PositiveOrNull("--trials", "Trials of the random search (book: 100).");
            trainSize = PositiveOrNull("--train-size", "Training images used (batchnorm: 1000, overfit: 300, hyperparams: 500).");
            foreach (var o in new[] { iters, epochs, trials, trainSize }) cmd.Options.Add(o);
        }
        cmd.SetAction(r =>
        {
            var dir = r.GetValue(outDir)!;
            Directory.CreateDirectory(dir.FullName);
            Func<LoadedData> load = () => throw new InvalidOperationException("This experiment needs no data.");
            if (needsData)
                load = () => r.GetValue(synthetic!) ? SyntheticData.Create(2000, 500, r.GetValue(seed)) : DataResolver.Load(r.GetValue(dataset!)!, r.GetValue(data!), @out, showProgress: false);
            var ctx = new Context(@out, dir.FullName, r.GetValue(format)!, r.GetValue(seed),
                iters is null ? null : r.GetValue(iters), epochs is null ? null : r.GetValue(epochs),
                trials is null ? null : r.GetValue(trials), trainSize is null ? null : r.GetValue(trainSize), load);
            run(ctx, @out);
            return 0;
        });
        return cmd;
    }

    private static Option<int?> PositiveOrNull(string name, string description)
    {
        return new Option<int?>(name) { Description = description }.Positive();
    }

    private static void Optimizers2D(Context c, TextWriter o)
    {
        var paths = Experiments.OptimizerTrajectories();
        var plot = new Plot();
        foreach (double level in new[] { 0.5, 1, 2, 4, 7 })
        {
            // Contours of f: x = √(20c)·cos θ, y = √c·sin θ.
            double[] xs = [.. Enumerable.Range(0, 101).Select(i => Math.Sqrt(20 * level) * Math.Cos(2 * Math.PI * i / 100))];
            double[] ys = [.. Enumerable.Range(0, 101).Select(i => Math.Sqrt(level) * Math.Sin(2 * Math.PI * i / 100))];
            var contour = plot.Add.ScatterLine(xs, ys);
            contour.Color = Colors.LightGray;
        }
        var lines = new List<string> { "optimizer,step,x,y" };
        foreach (var (name, path) in paths)
        {
            var s = plot.Add.Scatter(path.Select(p => p.X).ToArray(), path.Select(p => p.Y).ToArray());
            s.LegendText = name;
            for (int i = 0; i < path.Length; i++) lines.Add(string.Create(Inv, $"{name},{i},{path[i].X:R},{path[i].Y:R}"));
            o.WriteLine(string.Create(Inv, $"{name,-9} ends at ({path[^1].X:F4}, {path[^1].Y:F4}), f = {Experiments.Bowl(path[^1].X, path[^1].Y):E2}"));
        }
        plot.Axes.SetLimits(-10, 10, -5, 5);
        plot.XLabel("x"); plot.YLabel("y"); plot.Title("f(x, y) = x²/20 + y²");
        plot.ShowLegend(Alignment.UpperRight);
        Finish(c, "optimizers-2d", plot, lines);
    }

    private static void LossCurves(Context c, TextWriter o, string name, bool weightInit)
    {
        var set = c.Data();
        int iters = c.Iters ?? 2000;
        var losses = weightInit ? Experiments.CompareWeightInit(set.XTrain, set.TTrain, iters, 128, c.Seed) : Experiments.CompareOptimizers(set.XTrain, set.TTrain, iters, 128, c.Seed);
        var plot = new Plot();
        var lines = new List<string> { "iteration," + string.Join(",", losses.Keys) };
        for (int i = 0; i < iters; i++) lines.Add(i + "," + string.Join(",", losses.Values.Select(l => l[i].ToString("R", Inv))));
        foreach (var (key, l) in losses)
        {
            var s = plot.Add.ScatterLine(Enumerable.Range(0, iters).Select(i => (double)i).ToArray(), Smooth(l));
            s.LegendText = key;
            o.WriteLine(string.Create(Inv, $"{key,-9} final loss {l.Skip(Math.Max(0, iters - 100)).Average():F4} (mean of the last 100 iterations)"));
        }
        plot.XLabel("iterations"); plot.YLabel("loss"); plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.UpperRight);
        Finish(c, name, plot, lines);
    }

    private static void Activations(Context c, TextWriter o)
    {
        var cases = new (string Name, HiddenActivation Act, WeightInit Init)[]
        {
            ("sigmoid, std 1", HiddenActivation.Sigmoid, WeightInit.Std(1)), ("sigmoid, std 0.01", HiddenActivation.Sigmoid, WeightInit.Std(0.01)),
            ("sigmoid, Xavier", HiddenActivation.Sigmoid, WeightInit.Xavier), ("ReLU, std 0.01", HiddenActivation.Relu, WeightInit.Std(0.01)),
            ("ReLU, Xavier", HiddenActivation.Relu, WeightInit.Xavier), ("ReLU, He", HiddenActivation.Relu, WeightInit.He),
        };
        var multi = new Multiplot();
        multi.AddPlots(cases.Length);
        var lines = new List<string> { "case,layer,bin_low,count" };
        for (int k = 0; k < cases.Length; k++)
        {
            var h = Experiments.ActivationHistograms(cases[k].Act, cases[k].Init, seed: c.Seed);
            var p = multi.GetPlot(k);
            for (int layer = 0; layer < h.Length; layer++)
            {
                var bars = p.Add.ScatterLine(Enumerable.Range(0, h[layer].Length).Select(b => (b + 0.5) / h[layer].Length).ToArray(), h[layer].Select(v => (double)v).ToArray());
                bars.LegendText = $"layer {layer + 1}";
                for (int b = 0; b < h[layer].Length; b++) lines.Add(string.Create(Inv, $"\"{cases[k].Name}\",{layer + 1},{(double)b / h[layer].Length:R},{h[layer][b]}"));
            }
            p.Title(cases[k].Name);
            p.XLabel("activation");
            // Like the book's figure: ReLU's spike of zeros would flatten everything else.
            if (cases[k].Act == HiddenActivation.Relu) p.Axes.SetLimitsY(0, 7000);
            o.WriteLine($"{cases[k].Name,-18} share of activations in the outer bins (≤1/30 or ≥29/30) at layer 5: {(h[^1][0] + h[^1][^1]) / (double)Math.Max(1, h[^1].Sum()):P0}");
        }
        Finish(c, "activations", multi, lines, 1200, 800);
    }

    private static void BatchNorm(Context c, TextWriter o)
    {
        var set = c.Data();
        int n = Math.Min(c.TrainSize ?? 1000, set.XTrain.Dim(0));
        var x = set.XTrain.Slice(0, n); var t = set.TTrain.Slice(0, n);
        var results = Experiments.BatchNormComparison(x, t, scales: 16, epochs: c.Epochs ?? 20, seed: c.Seed);
        var multi = new Multiplot();
        multi.AddPlots(results.Count);
        var lines = new List<string> { "scale,epoch,train_acc_batchnorm,train_acc_plain" };
        for (int k = 0; k < results.Count; k++)
        {
            var (scale, bn, plain) = results[k];
            var p = multi.GetPlot(k);
            double[] ep = [.. Enumerable.Range(0, bn.Length).Select(e => (double)e)];
            p.Add.ScatterLine(ep, bn).LegendText = "batch norm";
            var s = p.Add.ScatterLine(ep, plain); s.LegendText = "none"; s.LinePattern = LinePattern.Dashed;
            p.Axes.SetLimitsY(0, 1);
            p.Title(string.Create(Inv, $"W: {scale:G3}"));
            for (int e = 0; e < bn.Length; e++) lines.Add(string.Create(Inv, $"{scale:R},{e},{bn[e]:R},{plain[e]:R}"));
            o.WriteLine(string.Create(Inv, $"scale {scale,-10:G3} final train accuracy: batch norm {bn[^1]:F3}, none {plain[^1]:F3}"));
        }
        Finish(c, "batchnorm", multi, lines, 1600, 1200);
    }

    private static void Overfit(Context c, TextWriter o)
    {
        var set = c.Data();
        var curves = Experiments.Overfitting(set.XTrain, set.TTrain, set.XTest, set.TTest, c.TrainSize ?? 300, c.Epochs ?? 201, seed: c.Seed);
        var multi = new Multiplot();
        multi.AddPlots(curves.Count);
        var lines = new List<string> { "variant,epoch,train_acc,test_acc" };
        int k = 0;
        foreach (var (name, cv) in curves)
        {
            var p = multi.GetPlot(k++);
            double[] ep = [.. Enumerable.Range(0, cv.Train.Length).Select(e => (double)e)];
            p.Add.ScatterLine(ep, cv.Train).LegendText = "train";
            var s = p.Add.ScatterLine(ep, cv.Test); s.LegendText = "test"; s.LinePattern = LinePattern.Dashed;
            p.Axes.SetLimitsY(0, 1); p.Title(name); p.XLabel("epochs"); p.YLabel("accuracy");
            p.ShowLegend(Alignment.LowerRight);
            for (int e = 0; e < cv.Train.Length; e++) lines.Add(string.Create(Inv, $"\"{name}\",{e},{cv.Train[e]:R},{cv.Test[e]:R}"));
            o.WriteLine(string.Create(Inv, $"{name,-18} final train {cv.Train[^1]:F3}, test {cv.Test[^1]:F3}, gap {cv.Train[^1] - cv.Test[^1]:F3}"));
        }
        Finish(c, "overfit", multi, lines, 1500, 450);
    }

    private static void Hyperparams(Context c, TextWriter o)
    {
        var set = c.Data();
        var trials = Experiments.HyperparameterSearch(set.XTrain, set.TTrain, c.TrainSize ?? 500, c.Trials ?? 100, c.Epochs ?? 50, c.Seed);
        var lines = new List<string> { "rank,lr,weight_decay,val_acc,train_acc" };
        for (int i = 0; i < trials.Count; i++)
            lines.Add(string.Create(Inv, $"{i + 1},{trials[i].LearningRate:R},{trials[i].WeightDecay:R},{trials[i].ValidationAccuracy[^1]:R},{trials[i].TrainAccuracy[^1]:R}"));
        int shown = Math.Min(20, trials.Count);
        var multi = new Multiplot();
        multi.AddPlots(shown);
        for (int i = 0; i < shown; i++)
        {
            var tr = trials[i];
            o.WriteLine(string.Create(Inv, $"Best-{i + 1}(val acc:{tr.ValidationAccuracy[^1]:F2}) | lr:{tr.LearningRate:E3}, weight decay:{tr.WeightDecay:E3}"));
            var p = multi.GetPlot(i);
            double[] ep = [.. Enumerable.Range(0, tr.ValidationAccuracy.Length).Select(e => (double)e)];
            p.Add.ScatterLine(ep, tr.ValidationAccuracy).LegendText = "val";
            var s = p.Add.ScatterLine(ep, tr.TrainAccuracy); s.LinePattern = LinePattern.Dashed;
            p.Axes.SetLimitsY(0, 1);
            p.Title($"Best-{i + 1}");
        }
        Finish(c, "hyperparams", multi, lines, 1500, 1200);
    }

    private static double[] Smooth(double[] x, int window = 10)
    {
        var r = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i];
            if (i >= window) sum -= x[i - window];
            r[i] = sum / Math.Min(i + 1, window);
        }
        return r;
    }

    private static void Finish(Context c, string name, Plot plot, List<string> csv)
    {
        Plots.Save(plot, c.Plot(name));
        Write(c, name, csv);
    }

    private static void Finish(Context c, string name, Multiplot plot, List<string> csv, int width, int height)
    {
        // ScottPlot draws grids of plots to PNG only: a grid asked for as SVG is written as PNG.
        if (c.Format == "svg") c.Out.WriteLine($"{name}: a grid of plots is written as PNG (SVG is available for single plots).");
        c = c with { Format = "png" };
        string path = c.Plot(name), tmp = Path.Combine(c.Dir, $".{name}.{Guid.NewGuid():N}.png");
        try
        {
            plot.SavePng(tmp, width, height);
            File.Move(tmp, path, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
        Write(c, name, csv);
    }

    private static void Write(Context c, string name, List<string> csv)
    {
        IO.AtomicFile.WriteAllLines(c.File(name, "csv"), csv);
        c.Out.WriteLine($"Wrote {c.Plot(name)} and {c.File(name, "csv")}");
    }
}
