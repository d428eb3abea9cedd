using System.Diagnostics;
using Nabla.Models;
using Nabla.Optimizers;

namespace Nabla.Samples;

/// <summary>
/// Chapter 4 (train_neuralnet.py): the sigmoid TwoLayerNet trained with numerical gradients. Each
/// iteration costs 2 × 39,760 forward passes, which is why chapter 5 exists: this runs a few
/// iterations (--iters, default 1) and reports their time.
/// </summary>
internal static class Ch04TrainNumerical
{
    public static int Run(string[] args)
    {
        int iters = int.Parse(SampleData.Arg(args, "--iters") ?? "1");
        var data = SampleData.Load<double>(args, oneHot: true);
        var net = new TwoLayerNet<double>(784, 50, 10, activation: HiddenActivation.Sigmoid, rng: new Random(0));
        var sgd = new Sgd<double>(0.1);
        var rng = new Random(0);
        var mask = new int[100];
        for (int i = 0; i < iters; i++)
        {
            for (int j = 0; j < mask.Length; j++) mask[j] = rng.Next(data.XTrain.Dim(0));
            var x = data.XTrain.TakeRows(mask);
            var t = data.TTrain.TakeRows(mask);
            var sw = Stopwatch.StartNew();
            var grads = net.NumericalGradient(x, t);
            sgd.Update(net.Params, grads);
            Console.WriteLine($"iteration {i}: loss {net.Loss(x, t):F6}, numerical gradient took {sw.Elapsed.TotalSeconds:F1} s");
        }
        var sw2 = Stopwatch.StartNew();
        var xb = data.XTrain.TakeRows(mask); var tb = data.TTrain.TakeRows(mask);
        net.Gradient(xb, tb);
        Console.WriteLine($"(backprop computes the same gradient in {sw2.Elapsed.TotalMilliseconds:F2} ms)");
        return 0;
    }
}
