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
        return 0;
    }
}
