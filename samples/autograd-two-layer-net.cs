#:project ../src/Nabla/Nabla.csproj
// The book's chapter 5 training run written with the autograd engine: TwoLayerNet 784-50-10
// (Linear → ReLU → Linear → softmax cross-entropy), SGD lr 0.1, batch 100, 10,000 iterations,
// printing train and test accuracy every epoch (600 iterations) as the book does.
// MNIST: --data DIR, else NABLA_DATA or the user cache, else ../shared/data/mnist, else fetched.
// Run: dotnet run -c Release samples/autograd-two-layer-net.cs [--iters N] [--data DIR]
using Nabla;
using Nabla.Autograd;
using Nabla.Data;
using Nabla.Optimizers;

string? Arg(string flag) { int i = Array.IndexOf(args, flag); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
int iters = int.Parse(Arg("--iters") ?? "10000");
string? dir = Arg("--data");
if (dir is null)
{
    try { MnistLoader.Locate(DatasetKind.Mnist); }
    catch (DataNotFoundException)
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null && dir is null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "shared", "data", "mnist"))) dir = Path.Combine(d.FullName, "shared", "data", "mnist");
    }
}
var data = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir });
Console.WriteLine($"# {data.Source}");

var net = new Nabla.Autograd.TwoLayerNet<float>(784, 50, 10, rng: new Random(0));
var optimizer = new OptimizerView<float>(net);
var sgd = new Sgd<float>(0.1);
var rng = new Random(0);
const int batchSize = 100;
var batch = new Tensor<float>(batchSize, 784);
var rows = new int[batchSize];
var labels = new int[batchSize];
int iterPerEpoch = Math.Max(data.TrainCount / batchSize, 1);

double Accuracy(ByteImages<float> images, int[] truth)
{
    int correct = 0;
    using var _ = Nabla.Autograd.Autograd.NoGrad();
    for (int start = 0; start < images.Count; start += 1000)
    {
        int n = Math.Min(1000, images.Count - start);
        var pred = net.Forward(images.Rows(start, n)).Data.ArgMax(1);
        for (int i = 0; i < n; i++) if (pred[i] == truth[start + i]) correct++;
    }
    return (double)correct / images.Count;
}

var sw = System.Diagnostics.Stopwatch.StartNew();
for (int it = 0; it < iters; it++)
{
    for (int i = 0; i < batchSize; i++) { rows[i] = rng.Next(data.TrainCount); labels[i] = data.LabelsTrain[rows[i]]; }
    data.TrainImages.Gather(rows, batch);
    net.ClearGrads();
    var loss = net.Loss(batch, labels);
    loss.Backward();
    optimizer.Step(sgd);
    if (it % iterPerEpoch == 0)
        Console.WriteLine($"train acc, test acc | {Accuracy(data.TrainImages, data.LabelsTrain):F4}, {Accuracy(data.TestImages, data.LabelsTest):F4}   (iter {it}, loss {loss.Data.ToScalar():F4})");
}
Console.WriteLine($"final: train acc {Accuracy(data.TrainImages, data.LabelsTrain):F4}, test acc {Accuracy(data.TestImages, data.LabelsTest):F4}; {sw.Elapsed.TotalSeconds:F1} s");
