using Nabla.Models;
using Nabla.Optimizers;

namespace Nabla.Bench;

/// <summary>Time of one optimizer update for the book's 784-100×5-10 MultiLayerNet (chapter 6 issue).</summary>
internal static class OptimizerBench
{
    public static int Run(string[] args)
    {
        var net = new MultiLayerNet<float>(784, [100, 100, 100, 100, 100], 10, rng: new Random(1));
        var grads = net.Params.ToDictionary(kv => kv.Key, kv => Tensor<float>.RandomNormal(new Random(2), 0.01f, kv.Value.Shape.ToArray()));
        int parameters = net.Params.Values.Sum(p => p.Length);
        Console.WriteLine($"optimizer update, MultiLayerNet 784-100x5-10 ({parameters:N0} parameters), float32, median of 15 x 200 updates");
        foreach (var name in OptimizerFactory.Names)
        {
            var opt = OptimizerFactory.Create<float>(name, 1e-6);
            // The first step creates the optimizer's state; the next 2,000 let the JIT reach its optimised tier.
            for (int i = 0; i < 2000; i++) opt.Update(net.Params, grads);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var (median, _) = Timing.Measure(() => { for (int i = 0; i < 200; i++) opt.Update(net.Params, grads); }, reps: 15, warmup: 2);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"  {name,-9} {median / 200 * 1e6,8:F1} µs/step   ({allocated} bytes allocated in {17 * 200} timed steps)");
        }
        return 0;
    }
}
