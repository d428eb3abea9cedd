using Nabla.Data;
using Nabla.IO;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Samples;

/// <summary>
/// Chapter 7 (visualize_filter.py): SimpleConvNet's 30 first-layer 5×5 filters before and after training,
/// as image grids. Random filters show no structure; trained ones show edge and blob detectors.
/// Trains --iters (default 600, one epoch) with Adam, or uses --weights FILE (e.g. the book's
/// simple_convnet_params.pkl) for the "after" picture. Writes --out DIR (default out/).
/// </summary>
internal static class Ch07Filters
{
    public static int Run(string[] args)
    {
        string dir = SampleData.Arg(args, "--out") ?? "out";
        var net = new SimpleConvNet<float>(rng: new Random(0));
        string before = Path.Combine(dir, "filters-before.png"), after = Path.Combine(dir, "filters-after.png");
        Png.WriteTiles(before, net.Params["W1"]);
        if (SampleData.Arg(args, "--weights") is { } weights)
        {
            net.LoadParams(weights);
            Console.WriteLine($"after: the weights in {weights}");
        }
        else
        {
            int iters = int.Parse(SampleData.Arg(args, "--iters") ?? "600");
            var data = SampleData.Load<float>(args, flatten: false);
            var trainer = new Trainer<float>(net, new Adam<float>(0.001), data.XTrain, data.TTrain, data.XTest, data.TTest,
                new TrainerOptions { Iterations = iters, BatchSize = 100, EvaluationSampleSize = 1000 });
            var h = trainer.Train();
            double accuracy = net.Accuracy(data.XTest.Slice(0, 1000), data.TTest.Slice(0, 1000), batchSize: 100);
            Console.WriteLine($"after: {iters} iterations in {h.Elapsed.TotalSeconds:F1} s, test accuracy (first 1000) {accuracy:F3}");
        }
        Png.WriteTiles(after, net.Params["W1"]);
        Console.WriteLine($"Wrote {before} and {after}");
        return 0;
    }
}
