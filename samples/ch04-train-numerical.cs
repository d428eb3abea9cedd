#:project ../src/Nabla/Nabla.csproj
// Chapter 4 (4.5.2, train_neuralnet.py): the sigmoid TwoLayerNet 784-50-10 trained with numerical gradients.
// One iteration costs 2 × 39,760 forward passes of a 100-image batch, which is why chapter 5 exists: this runs
// --iters iterations (default 1), says how long each took, and how long backprop takes for the same gradient.
// Run: dotnet run -c Release samples/ch04-train-numerical.cs [-- --iters N --data MNIST_DIR]
using System.Diagnostics;
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;

int iters = int.Parse(Arg("--iters") ?? "1");
var data = await MnistLoader.LoadOrFetchAsync<double>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var network = new TwoLayerNet<double>(784, 50, 10, activation: HiddenActivation.Sigmoid, rng: new Random(0));
var optimizer = new Sgd<double>(0.1);
var rng = new Random(0);
var batchMask = new int[100];
for (int i = 0; i < iters; i++)
{
    for (int j = 0; j < batchMask.Length; j++) batchMask[j] = rng.Next(data.XTrain.Dim(0));
    var xBatch = data.XTrain.TakeRows(batchMask);
    var tBatch = data.TTrain.TakeRows(batchMask);
    var sw = Stopwatch.StartNew();
    var grad = network.NumericalGradient(xBatch, tBatch);
    optimizer.Update(network.Params, grad);
    Console.WriteLine($"iteration {i}: loss {network.Loss(xBatch, tBatch):F6}, numerical gradient in {sw.Elapsed.TotalSeconds:F1} s");
}
var timer = Stopwatch.StartNew();
network.Gradient(data.XTrain.TakeRows(batchMask), data.TTrain.TakeRows(batchMask));
Console.WriteLine($"(backprop computes the same gradient in {timer.Elapsed.TotalMilliseconds:F2} ms)");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
