using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>The book's figures with ScottPlot: accuracy per epoch (train solid, test dashed) and the loss curve.</summary>
internal static class Plots
{
    public static bool IsSupported(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".svg";

    /// <summary>Writes the accuracy plot to <paramref name="path"/> and the loss plot beside it; returns both paths.</summary>
    public static (string Accuracy, string Loss) SaveTraining(TrainingHistory history, string path, string title)
    {
        double[] epochs = [.. history.Epochs.Select(e => (double)e.Epoch)];
        var acc = new Plot();
        var train = acc.Add.Scatter(epochs, history.Epochs.Select(e => e.TrainAccuracy).ToArray());
        train.LegendText = "train acc";
        var test = acc.Add.Scatter(epochs, history.Epochs.Select(e => e.TestAccuracy).ToArray());
        test.LegendText = "test acc";
        test.LinePattern = LinePattern.Dashed;
        acc.Axes.SetLimitsY(0, 1.0);
        acc.XLabel("epochs");
        acc.YLabel("accuracy");
        acc.Title(title);
        acc.ShowLegend(Alignment.LowerRight);
        Save(acc, path);

        var loss = new Plot();
        double[] its = [.. Enumerable.Range(0, history.Loss.Count).Select(i => (double)i)];
        var curve = loss.Add.Scatter(its, history.Loss.ToArray());
        curve.MarkerSize = 0;
        curve.LegendText = "train loss";
        loss.XLabel("iteration");
        loss.YLabel("loss");
        loss.Title(title);
        string lossPath = Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path) + "-loss" + Path.GetExtension(path));
        Save(loss, lossPath);
        return (path, lossPath);
    }

    /// <summary>Saves a plot as PNG or SVG by extension, atomically.</summary>
    public static void Save(Plot plot, string path, int width = 640, int height = 480)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(dir);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        string tmp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}{ext}");
        try
        {
            if (ext == ".svg") plot.SaveSvg(tmp, width, height);
            else plot.SavePng(tmp, width, height);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
