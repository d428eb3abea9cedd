using System.Diagnostics;
using Nabla.Data;
using Nabla.Kernels;

namespace Nabla.Bench;

/// <summary>
/// The sparse first-layer kernels with 512-bit against 256-bit vectors, alternating in one process: the forward product
/// X·W (<see cref="SparseProduct{T}.MultiplyCompressed"/>) on an accuracy pass's batch of 1,000 MNIST images and on a
/// training batch of 100, and the training batch's dW = Xᵀ·D (<see cref="SparseProduct{T}.MultiplyTransposedInto"/>).
/// What the x86-64-v3 Native AOT build (256-bit only) gives up on a machine with AVX-512. Prints nanoseconds per
/// non-zero pixel and the median of the per-round ratios 512/256. Without AVX-512 both sides run the 256-bit kernels.
/// Usage: sparse-width [MNIST_DIR] [ROUNDS]
/// </summary>
internal static class SparseWidthBench
{
    public static int Run(string[] args)
    {
        string? dir = args.Length > 0 ? args[0] : TrainBench.FindSharedMnist();
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 9;
        var data = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir });
        var index = data.TrainImages.NonZeros(0.3) ?? throw new InvalidOperationException("MNIST is not sparse enough for the index.");
        bool has512 = SparseProduct<float>.Wide(KernelOptions.Default);
        Console.WriteLine($"{data.Source}; {Environment.ProcessorCount} cores; AVX-512 kernels {(has512 ? "available" : "not available: both sides run 256-bit")}; {rounds} rounds");
        var rng = new Random(1);
        var w = new float[784 * 50];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() - 0.5) * 0.02f;
        var cases = new (string Name, int Rows, bool Transposed)[] { ("X·W, 1,000 rows (accuracy pass)", 1000, false), ("X·W, 100 rows (training)", 100, false), ("Xᵀ·D, 100 rows (training dW)", 100, true) };
        foreach (var (name, rows, transposed) in cases)
        {
            // A batch of random training images, gathered as the trainer does, and one product object per width.
            var storage = new SparseRowStorage<float>(784);
            var images = Enumerable.Range(0, rows).Select(_ => rng.Next(index.Count)).ToArray();
            index.Gather<float>(images, normalize: true, storage);
            storage.Complete();
            var d = new float[rows * 50];
            for (int i = 0; i < d.Length; i++) d[i] = (float)(rng.NextDouble() - 0.5);
            var c = new float[Math.Max(rows, 784) * 50];
            var wide = new SparseProduct<float>();
            var narrow = new SparseProduct<float>();
            int reps = Math.Max(1, 20_000_000 / storage.NonZeros); // about 50 ms a side per round
            double Time(SparseProduct<float> p, bool is512)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < reps; r++)
                {
                    if (!transposed || r == 0)
                        p.MultiplyCompressed(storage.GroupStartArray, storage.Groups, SparseRowStorage<float>.GroupWidth, storage.ColumnArray, storage.ValueArray,
                            rows, 784, storage.Version, w, c, 50, is512);
                    if (transposed) p.MultiplyTransposedInto(d, c, 50);
                }
                return Stopwatch.GetElapsedTime(t0).TotalSeconds * 1e9 / reps / storage.NonZeros;
            }
            Time(wide, has512); Time(narrow, false); // warm-up: buffers grown, code tiered up
            var ratios = new List<double>();
            var ns512 = new List<double>();
            var ns256 = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                double a, b;
                if ((r & 1) == 0) { a = Time(wide, has512); b = Time(narrow, false); }
                else { b = Time(narrow, false); a = Time(wide, has512); }
                ns512.Add(a); ns256.Add(b); ratios.Add(a / b);
            }
            Console.WriteLine($"{name}: {storage.NonZeros:N0} non-zeros; 512-bit {Timing.Median(ns512):F2} ns, 256-bit {Timing.Median(ns256):F2} ns per non-zero; " +
                              $"512/256 median of the per-round ratios {Timing.Median(ratios):F3} (range {ratios.Min():F3}–{ratios.Max():F3})");
        }
        return 0;
    }
}
