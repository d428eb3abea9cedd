#:project ../src/Nabla/Nabla.csproj
// Chapter 6 (6.2, weight_init_compare.py): MultiLayerNet 784-100×4-10 (ReLU) with initial weights of std 0.01,
// Xavier and He, each trained by SGD (lr 0.01) for 2,000 iterations of batch 128, printing the losses every 100
// iterations as the book does: std=0.01 does not learn at all, He learns fastest.
// Run: dotnet run -c Release samples/ch06-weight-init.cs [-- --iters N]
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
int maxIterations = int.Parse(Arg("--iters") ?? "2000"), batchSize = 128;
var weightInitTypes = new Dictionary<string, WeightInit> { ["std=0.01"] = WeightInit.Std(0.01), ["Xavier"] = WeightInit.Xavier, ["He"] = WeightInit.He };
var optimizer = new Sgd<float>(0.01);
var networks = weightInitTypes.ToDictionary(kv => kv.Key, kv => new MultiLayerNet<float>(784, [100, 100, 100, 100], 10, weightInit: kv.Value, rng: new Random(0)));
var rng = new Random(0);
var batchMask = new int[batchSize];
for (int i = 0; i < maxIterations; i++)
{
    for (int j = 0; j < batchSize; j++) batchMask[j] = rng.Next(mnist.XTrain.Dim(0));
    var xBatch = mnist.XTrain.TakeRows(batchMask);
    var tBatch = mnist.TTrain.TakeRows(batchMask);
    foreach (var network in networks.Values) optimizer.Update(network.Params, network.Gradient(xBatch, tBatch));
    if (i % 100 == 0)
    {
        Console.WriteLine($"==========iteration:{i}==========");
        foreach (var (key, network) in networks) Console.WriteLine($"{key}:{network.Loss(xBatch, tBatch)}");
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
