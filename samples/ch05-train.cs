#:project ../src/Nabla/Nabla.csproj
// Chapter 5 (5.7.4, train_neuralnet.py): TwoLayerNet 784-50-10 trained by backprop, 10,000 iterations of batch 100
// with SGD lr 0.1, printing train and test accuracy each epoch (the book ends near 0.98 / 0.97).
// Run: dotnet run -c Release samples/ch05-train.cs [-- --iters N --data MNIST_DIR]
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

var data = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var network = new TwoLayerNet<float>(784, 50, 10, rng: new Random(0));
// From the data set itself: the images stay bytes and only the rows a batch reads are converted.
var trainer = new Trainer<float>(network, new Sgd<float>(0.1), data,
    new TrainerOptions { Iterations = int.Parse(Arg("--iters") ?? "10000"), BatchSize = 100 });
var history = trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
{
    if (p.Epoch is { } e) Console.WriteLine($"{e.TrainAccuracy} {e.TestAccuracy}");
}));
Console.WriteLine($"# {history.Elapsed.TotalSeconds:F2} s");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
