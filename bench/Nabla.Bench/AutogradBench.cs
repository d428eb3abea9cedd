using System.Diagnostics;
using Nabla.Autograd;
using Nabla.Data;
using Nabla.Optimizers;
using Nabla.Models;
using Nabla.Training;

namespace Nabla.Bench;

/// <summary>
/// The book's chapter 5 loop (TwoLayerNet 784-50-10, 10,000 iterations of batch 100, SGD lr 0.1, train and test
/// accuracy over all 70,000 images every 600 iterations) written with the autograd engine, against the layer-based
/// loop (<see cref="Trainer{T}"/>), alternating inside one process. Prints each round, the medians and the ratio;
/// then the engine's working set after every epoch of one more run (graphs must be freed as they go).
/// With --seeds N or --replay DIR SEEDS it only trains the engine by the ch05 recipe and prints test accuracies (see SeedRuns).
/// Usage: autograd [DATA_DIR] [rounds] [--dense]   (--dense: both loops take dense batches and evaluation chunks; otherwise
/// both take sparse-row ones gathered from the images' non-zero index). Wall-clock and process CPU time are both printed:
/// on a shared machine the CPU time of each loop is the steadier of the two.
/// </summary>
internal static class AutogradBench
{
    public static int Run(string[] args)
    {
        bool dense = args.Contains("--dense");
        var kernels = dense ? Nabla.Kernels.KernelOptions.Default with { MaxSparseDensity = 0 } : Nabla.Kernels.KernelOptions.Default;
        args = args.Where(a => a != "--dense").ToArray();
        string? seeds = Option(ref args, "--seeds"), replay = Option(ref args, "--replay");
        string? dir = args.Length > 0 && args[0].Length > 0 ? args[0] : TrainBench.FindSharedMnist();
        var data = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir, OneHot = true });
        Console.WriteLine($"{data.Source}; {Environment.ProcessorCount} cores; sparse-row batches {(dense ? "off (--dense)" : "on")}");
        if (seeds is not null || replay is not null) return SeedRuns(data, kernels, seeds, replay, args.Length > 1 ? args[1] : null);
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 3;

        Breakdown(data, kernels);
        if (rounds == 0) return 0;
        var engine = new List<double>(); var layers = new List<double>();
        var engineSteps = new List<double>(); var layerSteps = new List<double>();
        var engineCpu = new List<double>(); var layerCpu = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var c0 = Process.GetCurrentProcess().TotalProcessorTime;
            var (te, ts, acc) = EngineLoop(data, r, null, kernels);
            var c1 = Process.GetCurrentProcess().TotalProcessorTime;
            engine.Add(te); engineSteps.Add(ts); engineCpu.Add((c1 - c0).TotalSeconds);
            Console.WriteLine($"round {r}: engine loop {te:F2} s (steps alone {ts:F2} s), CPU {(c1 - c0).TotalSeconds:F2} s, test acc {acc:F4}");
            var (tl, tls, accL, cl) = LayerLoop(data, r, kernels);
            layers.Add(tl); layerSteps.Add(tls); layerCpu.Add(cl);
            Console.WriteLine($"round {r}: layer loop  {tl:F2} s (steps alone {tls:F2} s), CPU {cl:F2} s, test acc {accL:F4}");
        }
        double me = Timing.Median(engine), ml = Timing.Median(layers);
        // On a shared machine a burst of load can land on one side of a round: the median of the rounds' own ratios is steadier.
        var ratios = engine.Select((e, i) => e / layers[i]).ToList();
        var stepRatios = engineSteps.Select((e, i) => e / layerSteps[i]).ToList();
        var cpuRatios = engineCpu.Select((e, i) => e / layerCpu[i]).ToList();
        double mes = Timing.Median(engineSteps), mls = Timing.Median(layerSteps);
        Console.WriteLine($"median of {rounds} alternating rounds: engine {me:F2} s, layers {ml:F2} s, engine/layers {me / ml:F2}×; " +
                          $"10,000 steps alone: engine {mes:F2} s, layers {mls:F2} s, {mes / mls:F2}×; " +
                          $"process CPU time of the loops (all threads): engine {Timing.Median(engineCpu):F2} s, layers {Timing.Median(layerCpu):F2} s, {Timing.Median(engineCpu) / Timing.Median(layerCpu):F2}×");
        Console.WriteLine($"median of the {rounds} rounds' own ratios engine/layers: loop {Timing.Median(ratios):F2}×, steps alone {Timing.Median(stepRatios):F2}×, CPU time {Timing.Median(cpuRatios):F2}× " +
                          $"(loop ratios {string.Join(", ", ratios.Select(r => r.ToString("F2")))})");

        var ws = new List<(int Epoch, double WorkingSetMb, double HeapMb)>();
        EngineLoop(data, 100, kernels: kernels, onEpoch: (epoch) =>
        {
            var p = Process.GetCurrentProcess();
            p.Refresh();
            // The working set as the GC leaves it, and the live managed heap after a full collection: a leak of graphs shows in the second.
            ws.Add((epoch, p.WorkingSet64 / 1048576.0, GC.GetTotalMemory(forceFullCollection: true) / 1048576.0));
        });
        Console.WriteLine("engine run, per epoch (working set MB / live managed heap after a full GC, MB): " + string.Join(", ", ws.Select(w => $"{w.Epoch}: {w.WorkingSetMb:F0}/{w.HeapMb:F0}")));
        double first = ws.Count > 1 ? ws[1].WorkingSetMb : ws[0].WorkingSetMb, max = ws.Skip(1).Select(w => w.WorkingSetMb).DefaultIfEmpty(first).Max();
        Console.WriteLine($"working set after the first epoch {first:F0} MB, largest later {max:F0} MB (growth {max - first:F0} MB); peak {Timing.PeakMemoryMb():F0} MB");
        return 0;
    }

    /// <summary>Removes <paramref name="flag"/> and the value after it from <paramref name="args"/>; returns the value, or null.</summary>
    private static string? Option(ref string[] args, string flag)
    {
        int i = Array.IndexOf(args, flag);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new ArgumentException($"autograd: {flag} needs a value.");
        string value = args[i + 1];
        args = [.. args[..i], .. args[(i + 2)..]];
        return value;
    }

    /// <summary>
    /// The ch05 recipe's final test accuracy on the engine over seeds (--seeds N: seeds 0 … N−1, weights and minibatches
    /// each from <c>new Random(seed)</c> as in the timed loop), or on the book's own random draws for NumPy seeds (--replay
    /// DIR SEEDS: W1, W2 and the 10,000 masks written by <c>bench/python/ch05_seeds.py --dump DIR SEEDS</c>, SEEDS comma-separated).
    /// Prints each run's test accuracy at iteration 9,600 (the book's last print) and after 10,000, then mean, sd and range.
    /// </summary>
    private static int SeedRuns(MnistDataset<float> data, Nabla.Kernels.KernelOptions kernels, string? seeds, string? replay, string? replaySeeds)
    {
        var runs = new List<(string Name, Nabla.Autograd.TwoLayerNet<float> Net, Action<int, int[]> Draw)>();
        if (seeds is not null)
            for (int seed = 0; seed < int.Parse(seeds); seed++)
            {
                var rng = new Random(seed);
                runs.Add(($"seed {seed}", new Nabla.Autograd.TwoLayerNet<float>(784, 50, 10, rng: new Random(seed)),
                    (_, rows) => { for (int i = 0; i < rows.Length; i++) rows[i] = rng.Next(data.TrainCount); }));
            }
        if (replay is not null)
            foreach (int seed in (replaySeeds ?? "0").Split(',').Select(int.Parse))
            {
                var net = new Nabla.Autograd.TwoLayerNet<float>(784, 50, 10, rng: new Random(0));
                Nabla.IO.Npy.Read(Path.Combine(replay, $"w1_{seed}.npy")).ToTensor<float>().Span.CopyTo(net.W1.Data.Span);
                Nabla.IO.Npy.Read(Path.Combine(replay, $"w2_{seed}.npy")).ToTensor<float>().Span.CopyTo(net.W2.Data.Span);
                var masks = Nabla.IO.Npy.Read(Path.Combine(replay, $"masks_{seed}.npy")).ToInt32Array();
                runs.Add(($"NumPy seed {seed}'s draws", net, (it, rows) => masks.AsSpan(it * rows.Length, rows.Length).CopyTo(rows)));
            }
        var at9600 = new List<double>(); var final = new List<double>();
        foreach (var (name, net, draw) in runs)
        {
            var view = new OptimizerView<float>(net);
            var sgd = new Sgd<float>(0.1);
            var batch = Batch(data, kernels);
            var rows = new int[100]; var labels = new int[100];
            for (int it = 0; it < 10_000; it++)
            {
                draw(it, rows);
                for (int i = 0; i < 100; i++) labels[i] = data.LabelsTrain[rows[i]];
                data.TrainImages.Gather(rows, batch);
                net.ClearGrads();
                net.Loss(batch, labels).Backward();
                view.Step(sgd);
                if (it == 9600) at9600.Add(Accuracy(net, data.TestImages, data.LabelsTest, kernels));
            }
            final.Add(Accuracy(net, data.TestImages, data.LabelsTest, kernels));
            Console.WriteLine($"{name}: test accuracy at iteration 9,600 {at9600[^1]:F4}, after 10,000 {final[^1]:F4}");
        }
        foreach (var (what, v) in new[] { ("at 9,600", at9600), ("after 10,000", final) })
        {
            double mean = v.Average(), sd = v.Count > 1 ? Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / (v.Count - 1)) : 0;
            Console.WriteLine($"{what}: mean {mean:F4}, sd {sd:F4}, range {v.Min():F4}-{v.Max():F4}, {v.Count(a => a >= 0.97)} of {v.Count} runs >= 0.97");
        }
        return 0;
    }

    /// <summary>Where an engine step's time goes, after a warm-up: batch, forward, backward, update; and an accuracy pass, engine against layers.</summary>
    private static void Breakdown(MnistDataset<float> data, Nabla.Kernels.KernelOptions kernels)
    {
        var net = new Nabla.Autograd.TwoLayerNet<float>(784, 50, 10, rng: new Random(1));
        var view = new OptimizerView<float>(net);
        var sgd = new Sgd<float>(0.1);
        var rng = new Random(1);
        var batch = Batch(data, kernels);
        var rows = new int[100]; var labels = new int[100];
        long tb = 0, tf = 0, tbw = 0, tu = 0;
        int gc0 = 0, gc2 = 0;
        long alloc0 = 0;
        // 1,000 steps untimed first, so that the parts are those of the steady state (tiered JIT done), as in the loop.
        const int warmup = 1000, n = 2000;
        for (int it = -warmup; it < n; it++)
        {
            if (it == 0)
            {
                tb = tf = tbw = tu = 0;
                gc0 = GC.CollectionCount(0); gc2 = GC.CollectionCount(2);
                alloc0 = GC.GetAllocatedBytesForCurrentThread();
            }
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 100; i++) { rows[i] = rng.Next(data.TrainCount); labels[i] = data.LabelsTrain[rows[i]]; }
            data.TrainImages.Gather(rows, batch);
            long t1 = Stopwatch.GetTimestamp();
            net.ClearGrads();
            var loss = net.Loss(batch, labels);
            long t2 = Stopwatch.GetTimestamp();
            loss.Backward();
            long t3 = Stopwatch.GetTimestamp();
            view.Step(sgd);
            long t4 = Stopwatch.GetTimestamp();
            tb += t1 - t0; tf += t2 - t1; tbw += t3 - t2; tu += t4 - t3;
        }
        double us = 1e6 / Stopwatch.Frequency / n;
        Console.WriteLine($"engine step parts (µs): batch {tb * us:F0}, forward {tf * us:F0}, backward {tbw * us:F0}, update {tu * us:F0}; " +
                          $"{(GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)n / 1024:F0} KB allocated per step, GCs gen0 {GC.CollectionCount(0) - gc0}, gen2 {GC.CollectionCount(2) - gc2} in {n} steps");
        // Accuracy over the 60,000 training images, three times each, engine and layers alternating (after one untimed pass each).
        var layerNet = new Nabla.Models.TwoLayerNet<float>(784, 50, 10, rng: new Random(1)) { Options = kernels };
        layerNet.LoadParams(view.Params);
        var te = new List<double>(); var tl = new List<double>();
        int gcE = 0, gcL = 0;
        for (int r = -1; r < 3; r++)
        {
            int g = GC.CollectionCount(2);
            var sw = Stopwatch.StartNew();
            Accuracy(net, data.TrainImages, data.LabelsTrain, kernels);
            if (r >= 0) { te.Add(sw.Elapsed.TotalMilliseconds); gcE += GC.CollectionCount(2) - g; }
            g = GC.CollectionCount(2);
            sw.Restart();
            Nabla.Training.Evaluation.Accuracy(layerNet, data.TrainImages, data.TTrain, options: kernels);
            if (r >= 0) { tl.Add(sw.Elapsed.TotalMilliseconds); gcL += GC.CollectionCount(2) - g; }
        }
        Console.WriteLine($"one accuracy pass over the 60,000 training images (median of 3): engine {Timing.Median(te):F0} ms ({gcE} gen-2 GCs in 3), layers {Timing.Median(tl):F0} ms ({gcL})");
    }

    /// <summary>One full run on the engine; returns the loop time, the time of the steps alone, and the final test accuracy.</summary>
    private static (double Total, double Steps, double TestAccuracy) EngineLoop(MnistDataset<float> data, int seed, Action<int>? onEpoch, Nabla.Kernels.KernelOptions kernels)
    {
        var net = new Nabla.Autograd.TwoLayerNet<float>(784, 50, 10, rng: new Random(seed));
        var view = new OptimizerView<float>(net);
        var sgd = new Sgd<float>(0.1);
        var rng = new Random(seed);
        var batch = Batch(data, kernels);
        var rows = new int[100]; var labels = new int[100];
        double acc = 0;
        long stepTicks = 0;
        var sw = Stopwatch.StartNew();
        for (int it = 0; it < 10_000; it++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < 100; i++) { rows[i] = rng.Next(data.TrainCount); labels[i] = data.LabelsTrain[rows[i]]; }
            data.TrainImages.Gather(rows, batch);
            net.ClearGrads();
            net.Loss(batch, labels).Backward();
            view.Step(sgd);
            stepTicks += Stopwatch.GetTimestamp() - t0;
            if (it % 600 == 0)
            {
                Accuracy(net, data.TrainImages, data.LabelsTrain, kernels);
                acc = Accuracy(net, data.TestImages, data.LabelsTest, kernels);
                onEpoch?.Invoke(it / 600);
            }
        }
        return (sw.Elapsed.TotalSeconds, stepTicks / (double)Stopwatch.Frequency, acc);
    }

    /// <summary>
    /// Accuracy in chunks of 1,000 images gathered as the layer loop's evaluation gathers them (<c>Evaluation.Accuracy</c>):
    /// in sparse rows from the images' non-zero index when the bench runs sparse, else converted to a dense chunk.
    /// </summary>
    private static double Accuracy(Nabla.Autograd.TwoLayerNet<float> net, ByteImages<float> images, int[] truth, Nabla.Kernels.KernelOptions kernels)
    {
        int correct = 0;
        using var _ = Nabla.Autograd.Autograd.NoGrad();
        bool sparse = kernels.MaxSparseDensity > 0 && images.CanGatherSparseRows && images.Density <= kernels.MaxSparseDensity;
        Tensor<float> Chunk(int n) => sparse
            ? Tensor<float>.FromSparseRows(new SparseRowStorage<float>(images.RowSize), n, images.RowSize)
            : new Tensor<float>(n, images.RowSize);
        var chunk = Chunk(1000);
        var rows = new int[1000];
        for (int start = 0; start < images.Count; start += 1000)
        {
            int n = Math.Min(1000, images.Count - start);
            var x = n == 1000 ? chunk : Chunk(n);
            for (int i = 0; i < n; i++) rows[i] = start + i;
            images.Gather(rows.AsSpan(0, n), x);
            var pred = net.Forward(x).Data.ArgMax(1);
            for (int i = 0; i < n; i++) if (pred[i] == truth[start + i]) correct++;
        }
        return (double)correct / images.Count;
    }

    /// <summary>
    /// A batch of 100 images: sparse rows filled from the images' non-zero index when the set is sparse enough (as the
    /// layer-based trainer does), else dense.
    /// </summary>
    private static Tensor<float> Batch(MnistDataset<float> data, Nabla.Kernels.KernelOptions kernels) =>
        kernels.MaxSparseDensity > 0 && data.TrainImages.CanGatherSparseRows && data.TrainImages.Density <= kernels.MaxSparseDensity
            ? Tensor<float>.FromSparseRows(new SparseRowStorage<float>(data.TrainImages.RowSize), 100, data.TrainImages.RowSize)
            : new Tensor<float>(100, data.TrainImages.RowSize);

    /// <summary>The layer-based loop as <c>nabla train</c> runs it; the steps alone are timed over a second 10,000 steps.</summary>
    private static (double Total, double Steps, double TestAccuracy, double Cpu) LayerLoop(MnistDataset<float> data, int seed, Nabla.Kernels.KernelOptions kernels)
    {
        var c0 = Process.GetCurrentProcess().TotalProcessorTime;
        var net = new Nabla.Models.TwoLayerNet<float>(784, 50, 10, rng: new Random(seed)) { Options = kernels };
        var trainer = new Trainer<float>(net, new Sgd<float>(0.1), data, new TrainerOptions { Iterations = 10_000, BatchSize = 100, Seed = seed, Kernels = kernels });
        var history = trainer.Train();
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - c0).TotalSeconds;
        // The steps alone, as TrainBench's breakdown does them (sparse-row batches from the images' non-zero index when on).
        var sgd = new Sgd<float>(0.1);
        bool fromIndex = net.TakesSparseRows(data.TrainImages.Density, kernels);
        var mb = new MiniBatch<float>(data.TrainImages, data.TTrain, 100, fromIndex ? TensorLayout.SparseRows : TensorLayout.Dense);
        var rng = new Random(seed);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++)
        {
            mb.Sample(rng);
            sgd.Update(net.Params, net.Gradient(mb.XBatch, mb.TBatch));
        }
        return (history.Elapsed.TotalSeconds, sw.Elapsed.TotalSeconds, history.Epochs[^1].TestAccuracy, cpu);
    }
}
