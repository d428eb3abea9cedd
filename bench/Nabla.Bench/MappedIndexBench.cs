using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Bench;

/// <summary>
/// The chapter 5 loop on MNIST whose non-zero index is mapped from the data cache (as `nabla train` has it from its
/// second run on) against the same images with the index built in fresh arrays, alternating in one process: what reading
/// the index from the page cache's pages costs the loop, apart from what mapping saves at load time.
/// Usage: mapped-index [MNIST_DIR] [ROUNDS]. The cache is a temporary folder, removed at the end.
/// </summary>
internal static class MappedIndexBench
{
    public static int Run(string[] args)
    {
        string? dir = args.Length > 0 ? args[0] : TrainBench.FindSharedMnist();
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 9;
        string cache = Path.Combine(Path.GetTempPath(), "nabla-mapped-index-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cached = new MnistOptions { Directory = dir, OneHot = true, DecodedCacheDirectory = cache };
            // The first load decodes and writes the copy, and its index is built and saved beside it; the second maps both.
            MnistLoader.Load<float>(DatasetKind.Mnist, cached).TrainImages.NonZeros(0.3);
            var mapped = MnistLoader.Load<float>(DatasetKind.Mnist, cached);
            var built = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir, OneHot = true });
            foreach (var set in new[] { mapped, built }) { set.TrainImages.NonZeros(0.3); set.TestImages.NonZeros(0.3); }
            Console.WriteLine($"{mapped.Source}; {Environment.ProcessorCount} cores; the ch05 loop, index mapped (A) / built (B), {rounds} rounds after a warm-up pair");
            var ratios = new List<double>();
            for (int r = -1; r < rounds; r++)
            {
                double a, b;
                if ((r & 1) == 0) { a = Loop(mapped, r); b = Loop(built, r); }
                else { b = Loop(built, r); a = Loop(mapped, r); }
                if (r < 0) continue;
                ratios.Add(a / b);
                Console.WriteLine($"round {r + 1}: mapped {a:F3} s, built {b:F3} s, ratio {a / b:F3}");
            }
            Console.WriteLine($"mapped / built, median of the per-round ratios: {Timing.Median(ratios):F3}");
            return 0;
        }
        finally
        {
            try { Directory.Delete(cache, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static double Loop(MnistDataset<float> data, int seed)
    {
        var net = new TwoLayerNet<float>(784, 50, 10, rng: new Random(seed + 1));
        var trainer = new Trainer<float>(net, new Sgd<float>(0.1), data,
            new TrainerOptions { Iterations = 10_000, BatchSize = 100, Seed = seed + 1 });
        return trainer.Train().Elapsed.TotalSeconds;
    }
}
