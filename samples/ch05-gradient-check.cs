#:project ../src/Nabla/Nabla.csproj
// Chapter 5 (5.7.3, gradient_check.py): backprop against numerical gradients for TwoLayerNet 784-50-10 on three
// MNIST training images, in double precision. The book prints mean absolute differences of about
// W1:2e-13 b1:8e-13 W2:9e-13 b2:1e-10. Run: dotnet run samples/ch05-gradient-check.cs [-- --data MNIST_DIR]
using Nabla.Data;
using Nabla.Models;

var data = await MnistLoader.LoadOrFetchAsync<double>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var network = new TwoLayerNet<double>(784, 50, 10, rng: new Random(0));
var xBatch = data.XTrain.Slice(0, 3);
var tBatch = data.TTrain.Slice(0, 3);
foreach (var r in network.GradientCheck(xBatch, tBatch))
    Console.WriteLine($"{r.Name}:{r.MeanAbsDifference}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
