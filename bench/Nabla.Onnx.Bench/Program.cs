// Nabla's own inference of each exported network against ONNX Runtime's CPU provider running the exported file, in one
// process, in alternating rounds: images/s for batches of 1 and 100, medians over the rounds.
//   dotnet run -c Release --project bench/Nabla.Onnx.Bench -- [--rounds 7] [--seconds 0.4] [--data ../shared/data]
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Nabla;
using Nabla.Data;
using Nabla.Models;
using Nabla.Onnx;

int rounds = 7;
double seconds = 0.4;
string? data = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
    else if (args[i] == "--seconds") seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--data") data = args[++i];
    else { Console.Error.WriteLine($"unknown argument {args[i]}"); return 2; }
}
data ??= FindSharedData();

// Real MNIST test images when present (Nabla's Affine takes advantage of their zeros, as it would in use), else random ones.
Tensor<float> images = data is not null && File.Exists(Path.Combine(data, "mnist", "t10k-images-idx3-ubyte.gz"))
    ? MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = Path.Combine(data, "mnist"), TestOnly = true }).XTest.Slice(0, 1000)
    : Tensor<float>.RandomUniform(new Random(1), 0f, 1f, 1000, 784);
Console.WriteLine($"input: {(data is null ? "random images" : "MNIST test images")}; {Environment.ProcessorCount} cores; ONNX Runtime {OrtEnv.Instance().GetVersionString()}; rounds {rounds}, ~{seconds} s per measurement");

var networks = new List<(string Name, LayerNetwork<float> Net)>
{
    ("TwoLayerNet 784-50-10 relu", new TwoLayerNet<float>(784, 50, 10)),
    ("MultiLayerNetExtend 784-100x4-10 bn+dropout", new MultiLayerNetExtend<float>(784, [100, 100, 100, 100], 10, useBatchNorm: true, useDropout: true, dropoutRatio: 0.2)),
    ("SimpleConvNet", Book(new SimpleConvNet<float>(), "simple_convnet_params.pkl")),
    ("DeepConvNet", Book(new DeepConvNet<float>(), "deep_convnet_params.pkl")),
};

// Untrained batch norm has zero running variances; give it the statistics of unit-variance features instead.
foreach (var (_, net) in networks)
    foreach (var bn in net.Layers.Select(l => l.Layer).OfType<Nabla.Layers.BatchNormalization<float>>()) bn.RunningVar.Fill(1);

var dir = Directory.CreateTempSubdirectory("nabla-onnx-bench-").FullName;
Console.WriteLine("network | batch | Nabla img/s | ORT default img/s | ORT 1 thread img/s | Nabla ÷ ORT default | Nabla ÷ ORT 1 thread");
try
{
    foreach (var (name, net) in networks)
    {
        var path = Path.Combine(dir, "m.onnx");
        Onnx.Export(net, path, options: new OnnxExportOptions { IncludeSoftmax = false });
        using var ortDefault = new InferenceSession(path, new SessionOptions());
        using var ortOne = new InferenceSession(path, new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        bool conv = net.Params["W1"].Rank == 4;
        foreach (int batch in new[] { 1, 100 })
        {
            var x = images.Slice(0, batch);
            if (conv) x = x.Reshape(batch, 1, 28, 28);
            var input = x.ToArray();
            long[] shape = [.. x.Shape.ToArray().Select(d => (long)d)];
            var output = new float[batch * 10];
            using var inValue = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var outValue = OrtValue.CreateTensorValueFromMemory(output, [batch, 10L]);
            using var runOptions = new RunOptions();
            Action nabla = () => net.Predict(x);
            Action Ort(InferenceSession s) => () => s.Run(runOptions, [Onnx.InputName], [inValue], [Onnx.ScoresName], [outValue]);
            Action[] contenders = [nabla, Ort(ortDefault), Ort(ortOne)];
            // Same answers first: the benchmark times equal work.
            var mine = net.Predict(x).ToArray();
            contenders[1]();
            double diff = mine.Zip(output).Max(p => Math.Abs(p.First - p.Second));
            if (diff > 1e-4) throw new InvalidOperationException($"{name}: ONNX Runtime differs from Nabla by {diff}");
            var rates = new List<double>[3] { [], [], [] };
            foreach (var c in contenders) Rate(c, batch, 0.2); // warm-up
            for (int r = 0; r < rounds; r++)
                for (int c = 0; c < 3; c++) rates[c].Add(Rate(contenders[c], batch, seconds));
            double n = Median(rates[0]), d = Median(rates[1]), o = Median(rates[2]);
            Console.WriteLine($"{name} | {batch} | {n:F0} | {d:F0} | {o:F0} | {n / d:F2} | {n / o:F2}");
        }
    }
}
finally { Directory.Delete(dir, recursive: true); }
return 0;

static double Rate(Action run, int batch, double seconds)
{
    int reps = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < seconds) { run(); reps++; }
    return reps * batch / sw.Elapsed.TotalSeconds;
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

static LayerNetwork<float> Book(LayerNetwork<float> net, string file)
{
    var data = FindSharedData();
    if (data is not null && File.Exists(Path.Combine(data, "book-weights", file))) net.LoadParams(Path.Combine(data, "book-weights", file));
    return net;
}

static string? FindSharedData()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
    {
        var c = Path.Combine(d.FullName, "shared", "data");
        if (Directory.Exists(c)) return c;
    }
    return null;
}
