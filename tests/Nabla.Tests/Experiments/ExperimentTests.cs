using Nabla.Cli;
using Nabla.Models;
using Nabla.Training;
using Nabla.Experiments;
using Exp = Nabla.Experiments.Experiments;

namespace Nabla.Tests.ChapterSix;

public class ExperimentTests
{
    [Fact]
    public void TrajectoriesStartAtTheBooksPointAndApproachTheMinimum()
    {
        var paths = Exp.OptimizerTrajectories();
        Assert.Equal(["SGD", "Momentum", "AdaGrad", "Adam"], paths.Keys);
        foreach (var path in paths.Values)
        {
            Assert.Equal(30, path.Length);
            Assert.Equal((-7.0, 2.0), path[0]);
            Assert.True(Exp.Bowl(path[^1].X, path[^1].Y) < 0.2 * Exp.Bowl(-7, 2));
        }
        // SGD lr 0.95: (x, y) − 0.95·(x/10, 2y) = (−7 + 0.665, 2 − 3.8).
        Assert.Equal(-6.335, paths["SGD"][1].X, 12);
        Assert.Equal(-1.8, paths["SGD"][1].Y, 12);
    }

    [Fact]
    public void ComparedRunsShareMinibatchesAndLearn()
    {
        var (x, t, _) = Synthetic.Blobs<float>(600, 20, 5, 0.3, seed: 1);
        var losses = Exp.CompareOptimizers(x, t, iterations: 150, batchSize: 32);
        Assert.Equal(4, losses.Count);
        Assert.True(losses["Adam"].Skip(130).Average() < losses["Adam"].Take(10).Average() / 2);
        var init = Exp.CompareWeightInit(x, t, iterations: 150, batchSize: 32);
        // With std 0.01 a 5-layer ReLU net barely moves in 150 steps; He learns.
        Assert.True(init["He"].Skip(130).Average() < init["std=0.01"].Skip(130).Average());
    }

    [Fact]
    public void HistogramsShowVanishingActivationsWithTinyWeights()
    {
        var tiny = Exp.ActivationHistograms(HiddenActivation.Sigmoid, WeightInit.Std(0.01));
        var xavier = Exp.ActivationHistograms(HiddenActivation.Sigmoid, WeightInit.Xavier);
        Assert.Equal(5, tiny.Length);
        Assert.Equal(100_000, tiny[4].Sum());
        // std 0.01: everything collapses to 0.5 (bin 15 of 30); Xavier stays spread out.
        Assert.True(tiny[4][15] + tiny[4][14] > 99_000);
        Assert.True(xavier[4][14] + xavier[4][15] < 50_000);
    }

    [Fact]
    public void BatchNormHelpsAtASmallWeightScaleAndWeightDecayNarrowsTheGap()
    {
        var (x, t, _) = Synthetic.Blobs<float>(300, 20, 5, 0.5, seed: 2);
        var bn = Exp.BatchNormComparison(x, t, scales: 1, epochs: 8);
        Assert.Equal(1.0, bn[0].Scale);
        var small = Exp.BatchNormComparison(x, t, scales: 5, epochs: 8)[3]; // scale 1e-3
        Assert.True(small.WithBatchNorm[^1] > small.Without[^1] + 0.2, $"bn {small.WithBatchNorm[^1]} vs {small.Without[^1]}");

        var (xt, tt, _) = Synthetic.Blobs<float>(300, 20, 5, 1.2, seed: 3);
        var over = Exp.Overfitting(x.Slice(0, 60), t.Slice(0, 60), xt, tt, trainSize: 60, epochs: 60, weightDecay: 0.1);
        double Gap(AccuracyCurves c) => c.Train[^1] - c.Test[^1];
        Assert.Equal(3, over.Count);
        Assert.True(Gap(over["weight decay 0.1"]) <= Gap(over["none"]) + 1e-9);
    }

    [Fact]
    public void HyperparameterSearchRanksTrialsBestFirst()
    {
        var (x, t, _) = Synthetic.Blobs<float>(200, 10, 3, 0.4, seed: 4);
        var trials = Exp.HyperparameterSearch(x, t, trainSize: 200, trials: 4, epochs: 3);
        Assert.Equal(4, trials.Count);
        for (int i = 1; i < trials.Count; i++) Assert.True(trials[i - 1].ValidationAccuracy[^1] >= trials[i].ValidationAccuracy[^1]);
        Assert.All(trials, tr => Assert.InRange(tr.LearningRate, 1e-6, 1e-2));
        Assert.All(trials, tr => Assert.InRange(tr.WeightDecay, 1e-8, 1e-4));
    }

    [Theory]
    [InlineData("optimizers-2d")]
    [InlineData("activations")]
    [InlineData("optimizers", "--synthetic", "--iters", "30")]
    [InlineData("weight-init", "--synthetic", "--iters", "30", "--format", "svg")]
    [InlineData("batchnorm", "--synthetic", "--epochs", "2", "--train-size", "200")]
    [InlineData("overfit", "--synthetic", "--epochs", "3")]
    [InlineData("hyperparams", "--synthetic", "--epochs", "2", "--trials", "3")]
    public void CommandsWriteAPlotAndACsv(string name, params string[] extra)
    {
        string dir = Directory.CreateTempSubdirectory("nabla-exp").FullName;
        try
        {
            var o = new StringWriter(); var e = new StringWriter();
            int code = App.Run(["experiment", name, "--out", dir, .. extra], o, e);
            Assert.True(code == 0, e.ToString());
            string ext = extra.Contains("svg") ? "svg" : "png";
            Assert.True(File.Exists(Path.Combine(dir, $"{name}.{ext}")), o.ToString());
            Assert.True(new FileInfo(Path.Combine(dir, $"{name}.csv")).Length > 20);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadExperimentFlagsAreOneLine()
    {
        var e = new StringWriter();
        Assert.NotEqual(0, App.Run(["experiment", "overfit", "--epochs", "0"], new StringWriter(), e));
        Assert.Contains("--epochs", e.ToString());
        Assert.NotEqual(0, App.Run(["experiment", "nope"], new StringWriter(), new StringWriter()));
    }
}
