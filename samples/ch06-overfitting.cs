#:project ../src/Nabla/Nabla.csproj
// Chapter 6 (6.4, overfit_weight_decay.py and overfit_dropout.py): MultiLayerNet 784-100×6-10 on only 300 training
// images, SGD lr 0.01 for 201 epochs — plain, with weight decay λ = 0.1, and with dropout 0.2 — printing
// "epoch:N, train acc:…, test acc:…" as the book does (every 20th epoch here) and the final gap between train and
// test accuracy: the plain network reaches 1.0 on its 300 images with a wide gap; decay and dropout narrow it.
// Run: dotnet run -c Release samples/ch06-overfitting.cs [-- --epochs N]
using Nabla.Data;
using Nabla.Experiments;

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var runs = Experiments.Overfitting(mnist.XTrain, mnist.TTrain, mnist.XTest, mnist.TTest, trainSize: 300, epochs: int.Parse(Arg("--epochs") ?? "201"));
foreach (var (name, curves) in runs)
{
    Console.WriteLine($"=== {name} ===");
    for (int e = 0; e < curves.Train.Length; e++)
        if (e % 20 == 0 || e == curves.Train.Length - 1) Console.WriteLine($"epoch:{e}, train acc:{curves.Train[e]:F4}, test acc:{curves.Test[e]:F4}");
}
foreach (var (name, curves) in runs)
    Console.WriteLine($"{name,-18} train {curves.Train[^1]:F4}  test {curves.Test[^1]:F4}  gap {curves.Train[^1] - curves.Test[^1]:F4}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
