using Nabla.Models;

namespace Nabla.Samples;

/// <summary>Chapter 5 (gradient_check.py): backprop against numerical gradients on three training images, in double.</summary>
internal static class Ch05GradientCheck
{
    public static int Run(string[] args)
    {
        var data = SampleData.Load<double>(args, oneHot: true);
        var net = new TwoLayerNet<double>(784, 50, 10, rng: new Random(0));
        var x = data.XTrain.Slice(0, 3);
        var t = data.TTrain.Slice(0, 3);
        foreach (var r in net.GradientCheck(x, t))
            Console.WriteLine($"{r.Name}:{r.MeanAbsDifference}");
        return 0;
    }
}
