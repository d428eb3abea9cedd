#:project ../src/Nabla/Nabla.csproj
// Chapter 6 (6.5, hyperparameter_optimization.py): random search of the learning rate (10^-6 … 10^-2) and weight
// decay (10^-8 … 10^-4) for MultiLayerNet 784-100×6-10 on 500 training images with 20 % held out for validation,
// printing each trial and the best ones as the book does (the best learning rates come out near 0.01).
// Run: dotnet run -c Release samples/ch06-hyperparameters.cs [-- --trials N --epochs N]
using Nabla.Data;
using Nabla.Experiments;

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var trials = Experiments.HyperparameterSearch(mnist.XTrain, mnist.TTrain, trainSize: 500,
    trials: int.Parse(Arg("--trials") ?? "100"), epochs: int.Parse(Arg("--epochs") ?? "50"));
foreach (var trial in trials.OrderBy(_ => 0))
    Console.WriteLine($"val acc:{trial.ValidationAccuracy[^1]:F4} | lr:{trial.LearningRate:G6}, weight decay:{trial.WeightDecay:G6}");
Console.WriteLine("=========== Hyper-Parameter Optimization Result ===========");
for (int i = 0; i < Math.Min(20, trials.Count); i++)
    Console.WriteLine($"Best-{i + 1}(val acc:{trials[i].ValidationAccuracy[^1]:F4}) | lr:{trials[i].LearningRate:G6}, weight decay:{trials[i].WeightDecay:G6}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
