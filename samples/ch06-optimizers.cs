#:project ../src/Nabla/Nabla.csproj
// Chapter 6 (6.1): the four update rules. First optimizer_compare_naive.py — 30 steps of SGD, Momentum, AdaGrad and
// Adam on f(x, y) = x²/20 + y² from (-7, 2) — then optimizer_compare_mnist.py: MultiLayerNet 784-100×4-10 trained
// by each for 2,000 iterations of batch 128, printing the losses every 100 iterations as the book does
// (SGD lags far behind; AdaGrad and Adam lead). Run: dotnet run -c Release samples/ch06-optimizers.cs [-- --iters N]
using Nabla;
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;

var naive = new Dictionary<string, IOptimizer<double>>
{
    ["SGD"] = new Sgd<double>(0.95), ["Momentum"] = new Momentum<double>(0.1), ["AdaGrad"] = new AdaGrad<double>(1.5), ["Adam"] = new Adam<double>(0.3),
};
foreach (var (key, optimizer) in naive)
{
    var p = new Dictionary<string, Tensor<double>> { ["x"] = Tensor.From(-7.0), ["y"] = Tensor.From(2.0) };
    for (int i = 0; i < 30; i++)
    {
        // ∂f/∂x = x/10, ∂f/∂y = 2y
        var grads = new Dictionary<string, Tensor<double>> { ["x"] = Tensor.From(p["x"][0] / 10), ["y"] = Tensor.From(2 * p["y"][0]) };
        optimizer.Update(p, grads);
    }
    Console.WriteLine($"{key,-8} after 30 steps: ({p["x"][0]:F4}, {p["y"][0]:F4})");
}

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
int maxIterations = int.Parse(Arg("--iters") ?? "2000"), batchSize = 128;
var optimizers = new Dictionary<string, IOptimizer<float>>
{
    ["SGD"] = new Sgd<float>(), ["Momentum"] = new Momentum<float>(), ["AdaGrad"] = new AdaGrad<float>(), ["Adam"] = new Adam<float>(),
};
var networks = optimizers.Keys.ToDictionary(k => k, _ => new MultiLayerNet<float>(784, [100, 100, 100, 100], 10, rng: new Random(0)));
var rng = new Random(0);
var batchMask = new int[batchSize];
for (int i = 0; i < maxIterations; i++)
{
    for (int j = 0; j < batchSize; j++) batchMask[j] = rng.Next(mnist.XTrain.Dim(0));
    var xBatch = mnist.XTrain.TakeRows(batchMask);
    var tBatch = mnist.TTrain.TakeRows(batchMask);
    foreach (var (key, optimizer) in optimizers)
        optimizer.Update(networks[key].Params, networks[key].Gradient(xBatch, tBatch));
    if (i % 100 == 0)
    {
        Console.WriteLine($"==========iteration:{i}==========");
        foreach (var key in optimizers.Keys) Console.WriteLine($"{key}:{networks[key].Loss(xBatch, tBatch)}");
    }
}

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
