using Nabla.Models;
using Nabla.Optimizers;

namespace Nabla.Bench;

/// <summary>SimpleConvNet throughput (chapter 7 issue): training (forward + backward + Adam) and inference, batch 100.</summary>
internal static class ConvBench
{
    public static int Run(string[] args)
    {
        int batches = args.Length > 0 && int.TryParse(args[0], out int b) ? b : 20;
        var rng = new Random(1);
        var net = new SimpleConvNet<float>(rng: rng);
        var x = Tensor<float>.RandomUniform(rng, 0f, 1f, 100, 1, 28, 28);
        var t = new Tensor<float>(100);
        for (int i = 0; i < 100; i++) t[i] = rng.Next(10);
        var adam = new Adam<float>(0.001);
        var (train, _) = Timing.Measure(() => { for (int i = 0; i < batches; i++) adam.Update(net.Params, net.Gradient(x, t)); }, reps: 5);
        var big = Tensor<float>.RandomUniform(rng, 0f, 1f, 1000, 1, 28, 28);
        var (infer, _) = Timing.Measure(() => net.Predict(big), reps: 5);
        Console.WriteLine($"SimpleConvNet float32, batch 100: training {100.0 * batches / train:F0} images/s (forward+backward+Adam), inference {1000 / infer:F0} images/s (batches of 1000)");
        if (args.Contains("--parts")) PrintParts(net, x);
        return 0;
    }

    /// <summary>Median milliseconds of each layer's forward and backward on the batch (where the time goes).</summary>
    private static void PrintParts(SimpleConvNet<float> net, Tensor<float> x)
    {
        var ins = new List<Tensor<float>>();
        var h = x;
        foreach (var (_, layer) in net.Layers) { ins.Add(h); h = layer.Forward(h); }
        var douts = new Tensor<float>[net.Layers.Count];
        var d = Tensor<float>.RandomUniform(new Random(3), -1e-3f, 1e-3f, h.Shape.ToArray());
        for (int i = net.Layers.Count - 1; i >= 0; i--) { douts[i] = d.Clone(); d = net.Layers[i].Layer.Backward(d); }
        var parts = new List<string>();
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var (name, layer) = net.Layers[i];
            var input = ins[i]; var dout = douts[i];
            double f = Timing.Measure(() => layer.Forward(input), reps: 21, warmup: 5).Median * 1e3;
            double b = Timing.Measure(() => layer.Backward(dout), reps: 21, warmup: 5).Median * 1e3;
            parts.Add($"{name} {f:F2}/{b:F2}");
        }
        Console.WriteLine($"ms forward/backward per batch of 100: {string.Join(", ", parts)}");
    }
}
