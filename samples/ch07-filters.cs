#:project ../src/Nabla/Nabla.csproj
// Chapter 7 (7.6, visualize_filter.py): SimpleConvNet's 30 first-layer 5×5 filters before and after training, as
// PNG grids. Random filters show no structure; trained ones show edge and blob detectors. "After" is the book's
// simple_convnet_params.pkl when found (or --weights FILE), else --iters iterations of Adam (default 600, one epoch).
// Writes out/filters-before.png and out/filters-after.png (--out DIR).
// Run: dotnet run -c Release samples/ch07-filters.cs [-- --weights FILE | --iters N] [--out DIR]
using Nabla.Data;
using Nabla.IO;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

string dir = Arg("--out") ?? "out";
Directory.CreateDirectory(dir);
var network = new SimpleConvNet<float>(rng: new Random(0));
string before = Path.Combine(dir, "filters-before.png"), after = Path.Combine(dir, "filters-after.png");
Png.WriteTiles(before, network.Params["W1"]);
if ((Arg("--weights") ?? (Arg("--iters") is null ? Shared(Path.Combine("book-weights", "simple_convnet_params.pkl")) : null)) is { } weights)
{
    network.LoadParams(weights);
    Console.WriteLine($"after: the weights in {weights}");
}
else
{
    int iters = int.Parse(Arg("--iters") ?? "600");
    var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
        new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, Flatten = false, OneHot = true });
    var trainer = new Trainer<float>(network, new Adam<float>(0.001), mnist.XTrain, mnist.TTrain, mnist.XTest, mnist.TTest,
        new TrainerOptions { Iterations = iters, BatchSize = 100, EvaluationSampleSize = 1000 });
    var history = trainer.Train();
    Console.WriteLine($"after: {iters} iterations in {history.Elapsed.TotalSeconds:F1} s, test accuracy (first 1000) {history.Epochs[^1].TestAccuracy:F3}");
}
Png.WriteTiles(after, network.Params["W1"]);
Console.WriteLine($"Wrote {before} and {after}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
