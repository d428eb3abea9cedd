using Nabla.Data;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Bench;

/// <summary>
/// The size of the sparse product's blocks of W (<see cref="SparseProduct{T}.DefaultBlockBytes"/>): the chapter 5 loop (3,000
/// steps, with its 5 accuracy passes) and then 4 more passes over both sets, with 24 KB blocks (the size for a 32 KB L1)
/// against KB kilobytes (default: this machine's choice, which is its L1 where that is 48 KB or more), alternating in one
/// process. Prints each round and the medians of the per-round ratios KB / 24 KB.
/// Usage: sparse-blocks [MNIST_DIR] [ROUNDS] [KB]
/// </summary>
internal static class SparseBlocksBench
{
    public static int Run(string[] args)
    {
        string? dir = args.Length > 0 ? args[0] : TrainBench.FindSharedMnist();
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 9;
        int chosen = SparseProduct<float>.DefaultBlockBytes;
        int other = args.Length > 2 ? int.Parse(args[2]) * 1024 : chosen;
        var data = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir, OneHot = true });
        Console.WriteLine($"{data.Source}; {Environment.ProcessorCount} cores; L1 data cache {CpuCaches.L1DataBytes / 1024} KB (CPUID); " +
                          $"blocks of {other / 1024} KB against 24 KB; this machine's choice {chosen / 1024} KB; {rounds} rounds after a warm-up pair");
        var loops = new List<double>();
        var passes = new List<double>();
        for (int r = -1; r < rounds; r++)
        {
            (double Loop, double Passes) a, b;
            if ((r & 1) == 0) { a = Run(data, 24 * 1024, r + 2); b = Run(data, other, r + 2); }
            else { b = Run(data, other, r + 2); a = Run(data, 24 * 1024, r + 2); }
            if (r < 0) continue;
            loops.Add(b.Loop / a.Loop); passes.Add(b.Passes / a.Passes);
            Console.WriteLine($"round {r + 1}: loop 24 KB {a.Loop:F3} s, {other / 1024} KB {b.Loop:F3} s; 8 passes {a.Passes:F3} s, {b.Passes:F3} s");
        }
        Console.WriteLine($"{other / 1024} KB / 24 KB, medians of the per-round ratios: loop {Timing.Median(loops):F3}, passes {Timing.Median(passes):F3}");
        SparseProduct<float>.DefaultBlockBytes = chosen;
        return 0;
    }

    private static (double Loop, double Passes) Run(MnistDataset<float> data, int blockBytes, int seed)
    {
        SparseProduct<float>.DefaultBlockBytes = blockBytes;
        var net = new TwoLayerNet<float>(784, 50, 10, rng: new Random(seed));
        var history = new Trainer<float>(net, new Sgd<float>(0.1), data, new TrainerOptions { Iterations = 3000, BatchSize = 100, Seed = seed }).Train();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int e = 0; e < 4; e++) { net.Accuracy(data.TrainImages, data.TTrain); net.Accuracy(data.TestImages, data.TTest); }
        return (history.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds);
    }
}
