#:project ../src/Nabla/Nabla.csproj
// Chapter 4 (4.5) as the study notes write it: a two-layer network that keeps its data (init_data) and learns
// with learn(lr, epoch, batch_size) — each epoch prints the cost and accuracy on the stored set, draws a random
// minibatch, takes the *numerical* gradient and steps against it.
//
// The stored set: the first 500 MNIST training images, each averaged over 4×4 blocks to 7×7 pixels (49 inputs),
// so that numerical gradients (two forward passes per weight, 1,210 weights) take milliseconds, not minutes.
// The numerical gradient is spread over all cores: every weight's pair of forward passes is independent.
// Run: dotnet run -c Release samples/ch04-learn.cs [-- --epochs N --lr LR --batch B --data MNIST_DIR]
using System.Diagnostics;
using Nabla;
using Nabla.Data;
using Nabla.Models;

var mnist = await MnistLoader.LoadOrFetchAsync<double>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var (xTrain, tTrain) = (Shrink(mnist.XTrain.Slice(0, 500)), mnist.TTrain.Slice(0, 500));
var (xTest, tTest) = (Shrink(mnist.XTest.Slice(0, 500)), mnist.TTest.Slice(0, 500));

var sw = Stopwatch.StartNew();
var tlnn = new TwoLayerNeuralNetwork(49, 20, 10);
tlnn.InitData(xTrain, tTrain);
tlnn.Learn(lr: double.Parse(Arg("--lr") ?? "2"), epoch: int.Parse(Arg("--epochs") ?? "600"), batchSize: int.Parse(Arg("--batch") ?? "40"));
Console.WriteLine($"train accuracy (the stored 500): {tlnn.Accuracy(xTrain, tTrain):F4}");
Console.WriteLine($"test accuracy (first 500 test images): {tlnn.Accuracy(xTest, tTest):F4}");
Console.WriteLine($"# {sw.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores");

// 28×28 images → 7×7 by averaging each 4×4 block.
static Tensor<double> Shrink(Tensor<double> images)
{
    int n = images.Dim(0);
    var small = new Tensor<double>(n, 49);
    for (int i = 0; i < n; i++)
        for (int p = 0; p < 784; p++)
            small[i, (p / 28 / 4) * 7 + (p % 28) / 4] += images[i, p] / 16;
    return small;
}

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}

/// <summary>The notes' Two_Layer_Neural_Network: the book's sigmoid TwoLayerNet, plus the data it learns from.</summary>
sealed class TwoLayerNeuralNetwork(int inputSize, int hiddenSize, int outputSize)
{
    private readonly TwoLayerNet<double> _net = new(inputSize, hiddenSize, outputSize, weightInitStd: 0.1, activation: HiddenActivation.Sigmoid, rng: new Random(0));
    // A numerical gradient nudges one weight at a time in place, so each core works on its own copy of the weights.
    private readonly TwoLayerNet<double>[] _copies = [.. Enumerable.Range(0, Environment.ProcessorCount)
        .Select(_ => new TwoLayerNet<double>(inputSize, hiddenSize, outputSize, activation: HiddenActivation.Sigmoid))];
    private readonly Random _rng = new(0);
    private Tensor<double> _x = null!, _t = null!;

    public void InitData(Tensor<double> x, Tensor<double> t) => (_x, _t) = (x, t);

    public double Loss(Tensor<double> x, Tensor<double> t) => _net.Loss(x, t);

    public double Accuracy(Tensor<double> x, Tensor<double> t) => _net.Accuracy(x, t);

    public void Learn(double lr = 0.01, int epoch = 100, int batchSize = 1, bool verbose = true)
    {
        // pre-requisite: x, t are stored (InitData). The notes write batch_size = max(batch_size, self.x.shape[0]),
        // which makes every minibatch the whole set or larger; a minibatch can be at most the set, so it is min.
        batchSize = Math.Min(batchSize, _x.Dim(0));
        var batchMask = new int[batchSize];
        for (int k = 0; k < epoch; k++)
        {
            if (verbose) Console.WriteLine($"cost, accuracy: {Loss(_x, _t):F6} {Accuracy(_x, _t):F4}");
            for (int i = 0; i < batchSize; i++) batchMask[i] = _rng.Next(_x.Dim(0));   // np.random.choice: with replacement
            var xBatch = _x.TakeRows(batchMask);
            var tBatch = _t.TakeRows(batchMask);
            var grad = NumericalGradient(xBatch, tBatch);
            foreach (var (key, p) in _net.Params)
            {
                var ps = p.Span; var g = grad[key].Span;
                for (int i = 0; i < ps.Length; i++) ps[i] -= lr * g[i];
            }
        }
    }

    /// <summary>The book's numerical_gradient for every parameter, on all cores.</summary>
    public Dictionary<string, Tensor<double>> NumericalGradient(Tensor<double> x, Tensor<double> t)
    {
        const double h = 1e-4;
        foreach (var copy in _copies) copy.LoadParams(_net.Params);
        var grads = _net.Params.ToDictionary(kv => kv.Key, kv => Tensor<double>.ZerosLike(kv.Value));
        var elements = _net.Params.SelectMany(kv => Enumerable.Range(0, kv.Value.Length).Select(i => (kv.Key, i))).ToArray();
        Parallel.For(0, _copies.Length, w =>
        {
            var copy = _copies[w];
            for (int e = w; e < elements.Length; e += _copies.Length)
            {
                var (key, i) = elements[e];
                var p = copy.Params[key].Span;
                double saved = p[i];
                p[i] = saved + h;
                double fxh1 = copy.Loss(x, t);
                p[i] = saved - h;
                double fxh2 = copy.Loss(x, t);
                p[i] = saved;
                grads[key].Span[i] = (fxh1 - fxh2) / (2 * h);
            }
        });
        return grads;
    }
}
