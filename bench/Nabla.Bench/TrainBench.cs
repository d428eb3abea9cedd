using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Bench;

/// <summary>
/// The book's full chapter 5 loop: TwoLayerNet 784-50-10, 10,000 iterations of batch 100, lr 0.1,
/// with train and test accuracy over all 70,000 images every 600 iterations (17 passes). Prints the
/// loop time, the final accuracies and the peak working set.
/// Usage: train [DATA_DIR] [runs] [--dense]   (--dense turns off Affine's sparse-input path, for comparison)
/// </summary>
internal static class TrainBench
{
    public static int Run(string[] args)
    {
        var kernels = args.Contains("--dense") ? Nabla.Kernels.KernelOptions.Default with { MaxSparseDensity = 0 } : Nabla.Kernels.KernelOptions.Default;
        args = args.Where(a => a != "--dense").ToArray();
        string? dir = args.Length > 0 ? args[0] : FindSharedMnist();
        int runs = args.Length > 1 ? int.Parse(args[1]) : 1;
        var data = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir, OneHot = true });
        Console.WriteLine($"{data.Source}; {Environment.ProcessorCount} cores; sparse-row input {(kernels.MaxSparseDensity > 0 ? "on" : "off (--dense)")}; " +
                          $"images kept as bytes, normalised by {(Nabla.Kernels.ByteRows<float>.UsesCorrectedProduct ? "corrected product" : "division")}");
        Breakdown(data, kernels);
        for (int r = 0; r < runs; r++)
        {
            var net = new TwoLayerNet<float>(784, 50, 10, rng: new Random(r)) { Options = kernels };
            var trainer = new Trainer<float>(net, new Sgd<float>(0.1), data,
                new TrainerOptions { Iterations = 10_000, BatchSize = 100, Seed = r, Kernels = kernels });
            long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            var history = trainer.Train();
            long alloc = GC.GetTotalAllocatedBytes(precise: true) - allocBefore;
            var last = history.Epochs[^1];
            Console.WriteLine($"nabla: ch05 loop {history.Elapsed.TotalSeconds:F2} s, last epoch train {last.TrainAccuracy:F4} test {last.TestAccuracy:F4}, " +
                              $"allocated {alloc / 1e6:F1} MB during the loop, peak working set {Timing.PeakMemoryMb():F0} MB");
        }
        return 0;
    }

    /// <summary>Where the loop's time goes: the 10,000 gradient+update steps alone, and the 17 accuracy passes alone.</summary>
    private static void Breakdown(MnistDataset<float> data, Nabla.Kernels.KernelOptions kernels)
    {
        var net = new TwoLayerNet<float>(784, 50, 10, rng: new Random(1)) { Options = kernels };
        var sgd = new Sgd<float>(0.1);
        var rng = new Random(1);
        // As the trainer does: with sparse rows on, each batch is gathered in sparse rows from the images' non-zero index.
        bool fromIndex = net.TakesSparseRows(data.TrainImages.Density, kernels);
        var batch = new MiniBatch<float>(data.TrainImages, data.TTrain, 100, fromIndex ? TensorLayout.SparseRows : TensorLayout.Dense);
        IReadOnlyDictionary<string, Tensor<float>> Gradient() => net.Gradient(batch.XBatch, batch.TBatch);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long alloc0 = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (i == 100) alloc0 = GC.GetAllocatedBytesForCurrentThread();
            batch.Sample(rng); sgd.Update(net.Params, Gradient());
        }
        double steps = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"allocated per warm step: {(GC.GetAllocatedBytesForCurrentThread() - alloc0) / 9_900.0:F0} bytes");
        // The parts of a real step, in the order Gradient runs them (each batch freshly sampled, so the sparse
        // product's deferred gather runs inside Affine1's forward as in training), mean of 3,000 warm steps.
        var layers = net.Layers;
        var fwd = new double[layers.Count]; var bwd = new double[layers.Count];
        double tSample = 0, tLoss = 0, tUpdate = 0;
        var grads = Gradient();
        static long Now() => System.Diagnostics.Stopwatch.GetTimestamp();
        const int parts = 3000;
        for (int i = 0; i < parts; i++)
        {
            long t0 = Now();
            batch.Sample(rng);
            tSample += Now() - t0;
            var h = batch.XBatch;
            for (int l = 0; l < layers.Count; l++) { t0 = Now(); h = layers[l].Layer.Forward(h); fwd[l] += Now() - t0; }
            t0 = Now();
            net.LastLayer.Forward(h, batch.TBatch);
            var d = net.LastLayer.Backward();
            tLoss += Now() - t0;
            for (int l = layers.Count - 1; l >= 0; l--) { t0 = Now(); d = layers[l].Layer.Backward(d); bwd[l] += Now() - t0; }
            t0 = Now();
            sgd.Update(net.Params, grads);
            tUpdate += Now() - t0;
        }
        double us = 1e6 / System.Diagnostics.Stopwatch.Frequency / parts;
        var split = Enumerable.Range(0, layers.Count).Select(l => $"{layers[l].Name} {fwd[l] * us:F1}/{bwd[l] * us:F1}");
        double total = (tSample + fwd.Sum() + bwd.Sum() + tLoss + tUpdate) * us;
        Console.WriteLine($"step split, µs (total {total:F1}): sample {tSample * us:F1}, forward/backward {string.Join(", ", split)}, " +
                          $"SoftmaxWithLoss {tLoss * us:F1}, SGD {tUpdate * us:F1}; input {batch.XBatch.Layout}, from the non-zero index {fromIndex}");
        sw.Restart();
        for (int e = 0; e < 17; e++) { net.Accuracy(data.TrainImages, data.TTrain, options: kernels); net.Accuracy(data.TestImages, data.TTest, options: kernels); }
        Console.WriteLine($"breakdown: 10,000 steps {steps:F2} s ({steps / 10_000 * 1e6:F0} µs/step), 17 accuracy passes over 70,000 images {sw.Elapsed.TotalSeconds:F2} s");
    }

    internal static string? FindSharedMnist()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "shared", "data", "mnist");
            if (Directory.Exists(c)) return c;
        }
        return null;
    }
}
