#:project ../src/Nabla/Nabla.csproj
// Chapter 7 (7.5, train_convnet.py): SimpleConvNet (conv 30×5×5 – ReLU – pool – affine 100 – ReLU – affine 10).
// By default it loads the book's trained weights (simple_convnet_params.pkl) and prints their test accuracy —
// 0.9890, as with the book's code; with --train it trains as the book does (Adam lr 0.001, batch 100, --epochs,
// accuracy on 1,000 images per epoch) and prints "=============== Final Test Accuracy ===============".
// Run: dotnet run -c Release samples/ch07-simple-convnet.cs [-- --weights FILE | --train --epochs N]
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, Flatten = false, OneHot = true, TestOnly = !args.Contains("--train") });
var network = new SimpleConvNet<float>(rng: new Random(0));
if (args.Contains("--train"))
{
    var trainer = new Trainer<float>(network, new Adam<float>(0.001), mnist.XTrain, mnist.TTrain, mnist.XTest, mnist.TTest,
        new TrainerOptions { Epochs = int.Parse(Arg("--epochs") ?? "20"), BatchSize = 100, EvaluationSampleSize = 1000 });
    trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
    {
        if (p.Epoch is { } e) Console.WriteLine($"=== epoch:{e.Epoch + 1}, train acc:{e.TrainAccuracy:F4}, test acc:{e.TestAccuracy:F4} ===");
    }));
    Console.WriteLine("=============== Final Test Accuracy ===============");
}
else
{
    string weights = Arg("--weights") ?? Shared(Path.Combine("book-weights", "simple_convnet_params.pkl"))
        ?? throw new FileNotFoundException("simple_convnet_params.pkl not found: pass --weights FILE or --train.");
    network.LoadParams(weights);
}
Console.WriteLine($"test acc:{network.Accuracy(mnist.XTest, mnist.TTest, batchSize: 100):F4}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
