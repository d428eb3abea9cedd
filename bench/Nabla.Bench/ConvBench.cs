using Nabla.Kernels;
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
        // Steady state, as in a real training run of thousands of batches: the layers' code is called once per batch,
        // so it needs some 30 calls and a background compile before the JIT's optimized tier replaces the first,
        // unoptimized one. A warm-up of one round of 20 batches left the first timed rounds partly unoptimized:
        // 7,400–7,600 images/s against 10,500–13,300 with 60-batch rounds, alternating, in the seventh session.
        // Warm-up: at least 100 training batches beyond the first round, 40 inference batches beyond the first.
        var (train, _) = Timing.Measure(() => { for (int i = 0; i < batches; i++) adam.Update(net.Params, net.Gradient(x, t)); },
            reps: 5, warmup: 1 + (100 + batches - 1) / batches);
        var big = Tensor<float>.RandomUniform(rng, 0f, 1f, 1000, 1, 28, 28);
        var (infer, _) = Timing.Measure(() => net.Predict(big), reps: 5, warmup: 41);
        Console.WriteLine($"SimpleConvNet float32, batch 100: training {100.0 * batches / train:F0} images/s (forward+backward+Adam), inference {1000 / infer:F0} images/s (batches of 1000)");
        if (args.Contains("--deep")) DeepConv(rng);
        if (args.Contains("--deep-kernels")) DeepConvKernels(rng);
        if (args.Contains("--fusion")) Fusion(rng, rounds: 20);
        if (args.Contains("--dw-plan")) FilterGradientPlan(rng, rounds: 20);
        if (args.Contains("--parts"))
        {
            var grads = net.Gradient(x, t);
            double g = Timing.Measure(() => net.Gradient(x, t), reps: 21, warmup: 3).Median * 1e3;
            double u = Timing.Measure(() => adam.Update(net.Params, grads), reps: 21, warmup: 3).Median * 1e3;
            Console.WriteLine($"ms per batch of 100: gradient (forward + backward) {g:F2}, Adam update {u:F2}");
            PrintParts(net, x);
            PrintSequence(net, x, t);
        }
        return 0;
    }

    /// <summary>
    /// DeepConvNet with its ReLUs after convolutions folded into them (<see cref="LayerNetwork{T}.FuseConvolutionRelu"/>)
    /// against the layers run apart, alternating in one process: see <see cref="Alternate"/>.
    /// </summary>
    private static void Fusion(Random rng, int rounds) =>
        Alternate(rng, rounds, "ReLU folded into the convolutions, fused/separate", (net, on) => net.FuseConvolutionRelu = on);

    /// <summary>
    /// DeepConvNet with the F(3×3, 4×4) dW's blocks of at most 32 KB of V and Y' a position against the library's 128 KB
    /// (<see cref="Winograd4{T}.DefaultFilterGradientPositionBytes"/>), alternating in one process: see <see cref="Alternate"/>.
    /// Only the wide layers (conv5, conv6) plan differently.
    /// </summary>
    private static void FilterGradientPlan(Random rng, int rounds)
    {
        int chosen = Winograd4<float>.DefaultFilterGradientPositionBytes;
        Alternate(rng, rounds, $"F(3x3, 4x4) dW blocks of 32 KB/{chosen / 1024} KB a position",
            (_, on) => Winograd4<float>.DefaultFilterGradientPositionBytes = on ? 32 * 1024 : chosen);
        Winograd4<float>.DefaultFilterGradientPositionBytes = chosen;
    }

    /// <summary>
    /// DeepConvNet with a setting on (<paramref name="use"/> true) and off, alternating in one process (which of the two
    /// goes first alternates too): a training step of batch 100 (gradient and Adam) and inference on 1,000 images, medians
    /// of the per-round ratios on/off. Leaves the setting on.
    /// </summary>
    private static void Alternate(Random rng, int rounds, string what, Action<DeepConvNet<float>, bool> use)
    {
        var net = new DeepConvNet<float>(rng: rng);
        var x = Tensor<float>.RandomUniform(rng, 0f, 1f, 100, 1, 28, 28);
        var t = new Tensor<float>(100);
        for (int i = 0; i < 100; i++) t[i] = rng.Next(10);
        var big = Tensor<float>.RandomUniform(rng, 0f, 1f, 1000, 1, 28, 28);
        var adam = new Adam<float>(0.001);
        void Step() => adam.Update(net.Params, net.Gradient(x, t));
        for (int w = 0; w < 12; w++) { use(net, w % 2 == 0); Step(); net.Predict(big); }
        var train = new List<double>[] { [], [] };
        var infer = new List<double>[] { [], [] };
        for (int r = 0; r < rounds; r++)
            foreach (bool on in new[] { r % 2 == 0, r % 2 != 0 })
            {
                use(net, on);
                train[on ? 1 : 0].Add(Timing.Measure(Step, reps: 10, warmup: 1).Median);
                infer[on ? 1 : 0].Add(Timing.Measure(() => net.Predict(big), reps: 3, warmup: 1).Median);
            }
        use(net, true);
        static double Ratio(List<double>[] s) => Timing.Median(s[1].Zip(s[0], (f, a) => f / a).ToList());
        Console.WriteLine($"DeepConvNet {what} over {rounds} alternating rounds (median of the per-round ratios; < 1: the first faster): " +
            $"training step {Ratio(train):F3} ({Timing.Median(train[1]) * 1e3:F2} against {Timing.Median(train[0]) * 1e3:F2} ms), " +
            $"inference {Ratio(infer):F3} ({Timing.Median(infer[1]) * 1e3:F1} against {Timing.Median(infer[0]) * 1e3:F1} ms per 1,000 images)");
    }

    /// <summary>
    /// DeepConvNet (chapter 8), batch 100, float32: a full training step (forward, backward, Adam) in images/s,
    /// inference in images/s (batches of 1000), each layer's share of a training step, and the gradient with the
    /// general convolution kernels against im2col + GEMM only.
    /// </summary>
    private static void DeepConv(Random rng)
    {
        var net = new DeepConvNet<float>(rng: rng);
        var x = Tensor<float>.RandomUniform(rng, 0f, 1f, 100, 1, 28, 28);
        var t = new Tensor<float>(100);
        for (int i = 0; i < 100; i++) t[i] = rng.Next(10);
        var adam = new Adam<float>(0.001);
        const int batches = 10;
        var (train, _) = Timing.Measure(() => { for (int i = 0; i < batches; i++) adam.Update(net.Params, net.Gradient(x, t)); },
            reps: 5, warmup: 6);
        var big = Tensor<float>.RandomUniform(rng, 0f, 1f, 1000, 1, 28, 28);
        var (infer, _) = Timing.Measure(() => net.Predict(big), reps: 5, warmup: 12);
        Console.WriteLine($"DeepConvNet float32, batch 100: training {100.0 * batches / train:F0} images/s (forward+backward+Adam), inference {1000 / infer:F0} images/s (batches of 1000)");
        for (int i = 0; i < 2; i++) adam.Update(net.Params, net.Gradient(x, t)); // back to batch 100 after the batches of 1000
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) adam.Update(net.Params, net.Gradient(x, t));
        Console.WriteLine($"DeepConvNet warm training step: {(GC.GetAllocatedBytesForCurrentThread() - before) / 5} bytes allocated per step on the calling thread");
        PrintTrainingSplit(net, adam, x, t);
        foreach (bool direct in new[] { true, false, true, false })
        {
            net.Options = Nabla.Kernels.KernelOptions.Default with { AllowDirectConvolution = direct, AllowWinograd = direct };
            double g = Timing.Measure(() => net.Gradient(x, t), reps: 5, warmup: 2).Median * 1e3;
            Console.WriteLine($"DeepConvNet float32 gradient, batch 100, {(direct ? "default kernels (Winograd, direct)" : "im2col + GEMM")}: {g:F1} ms ({100 / g * 1e3:F0} images/s)");
        }
        net.Options = Nabla.Kernels.KernelOptions.Default;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGetTime(int clock, long* time);

    /// <summary>CPU seconds this process has used (CLOCK_PROCESS_CPUTIME_ID): on a shared machine, unlike the wall clock, it does not count other processes' turns.</summary>
    private static unsafe double ProcessCpuSeconds()
    {
        long* t = stackalloc long[2]; // struct timespec { tv_sec; tv_nsec; }
        return ClockGetTime(2, t) == 0 ? t[0] + t[1] * 1e-9 : double.NaN;
    }

    /// <summary>
    /// Each DeepConvNet convolution's forward, backward without ∂L/∂x (dW, db) and full backward, batch 100: median CPU
    /// milliseconds of the process and GFLOP/s per CPU second. Run with DOTNET_PROCESSOR_COUNT=1 for one core's kernel
    /// speed on a loaded machine (with two cores the spinning worker's CPU time counts too).
    /// </summary>
    private static void DeepConvKernels(Random rng)
    {
        var net = new DeepConvNet<float>(rng: rng);
        var h = Tensor<float>.RandomUniform(rng, 0f, 1f, 100, 1, 28, 28);
        foreach (var (name, layer) in net.Layers)
        {
            var input = h;
            h = layer.Forward(h);
            if (layer is not Nabla.Layers.Convolution<float> conv) continue;
            var dout = Tensor<float>.RandomUniform(rng, -1f, 1f, h.Shape.ToArray());
            double macs = (double)h.Length * conv.W.Length / conv.W.Dim(0);
            double Cpu(Action a)
            {
                for (int i = 0; i < 3; i++) a();
                var s = new double[7];
                for (int i = 0; i < s.Length; i++) { double c0 = ProcessCpuSeconds(); a(); s[i] = ProcessCpuSeconds() - c0; }
                return Timing.Median(s);
            }
            double f = Cpu(() => conv.Forward(input));
            bool keep = conv.ComputeInputGradient;
            conv.ComputeInputGradient = false;
            double w = Cpu(() => conv.Backward(dout));
            conv.ComputeInputGradient = keep;
            double b = keep ? Cpu(() => conv.Backward(dout)) : w;
            Console.WriteLine($"{name} {Tensor<float>.ShapeString(input.Shape)}→{Tensor<float>.ShapeString(h.Shape)}: CPU ms forward {f * 1e3:F2} ({2 * macs / f * 1e-9:F1} GFLOP/s), " +
                $"dW+db {w * 1e3:F2} ({2 * macs / w * 1e-9:F1}), ∂L/∂x {(b - w) * 1e3:F2}{(keep ? $" ({2 * macs / (b - w) * 1e-9:F1})" : "")}");
        }
    }

    /// <summary>
    /// Each layer's share of a real training step, as <see cref="LayerNetwork{T}.Gradient"/> runs it (a ReLU ahead of a
    /// pool folded into the pool, any other ReLU after a convolution into the convolution's forward: its forward time
    /// is the convolution's) followed by Adam; mean milliseconds over 20 steps after 5 warm ones.
    /// </summary>
    private static void PrintTrainingSplit(LayerNetwork<float> net, Adam<float> adam, Tensor<float> x, Tensor<float> t)
    {
        var layers = net.Layers;
        int count = layers.Count;
        var fwd = new double[count]; var bwd = new double[count];
        var fused = new bool[count];
        var alloc = new long[count];
        // The network's own fold rules: a ReLU folded into the pool after it, a convolution whose ReLU runs in its forward.
        for (int i = 0; i < count; i++) fused[i] = net.FoldsReluIntoPooling(i);
        var rectifies = new bool[count];
        for (int i = 0; i < count; i++) rectifies[i] = net.RunsReluInConvolution(i);
        double loss = 0, opt = 0;
        long lossAlloc = 0, optAlloc = 0;
        var grads = net.Gradient(x, t); // the network's gradient dictionary: the same tensors every step
        const int steps = 20;
        static double Ms(long t0) => System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        for (int step = -5; step < steps; step++)
        {
            double w = step >= 0 ? 1.0 / steps : 0;
            var h = x;
            for (int i = 0; i < count; i++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp(), a0 = GC.GetAllocatedBytesForCurrentThread();
                if (fused[i]) { h = ((Nabla.Layers.Pooling<float>)layers[i + 1].Layer).ForwardWithRelu(h); fwd[i + 1] += Ms(t0) * w; alloc[i + 1] += GC.GetAllocatedBytesForCurrentThread() - a0; i++; continue; }
                if (rectifies[i])
                {
                    h = ((Nabla.Layers.Relu<float>)layers[i + 1].Layer).Adopt(((Nabla.Layers.Convolution<float>)layers[i].Layer).ForwardWithRelu(h));
                    fwd[i] += Ms(t0) * w; alloc[i] += GC.GetAllocatedBytesForCurrentThread() - a0; i++;
                    continue;
                }
                h = layers[i].Layer.Forward(h);
                fwd[i] += Ms(t0) * w;
                alloc[i] += GC.GetAllocatedBytesForCurrentThread() - a0;
            }
            long tl = System.Diagnostics.Stopwatch.GetTimestamp(), al = GC.GetAllocatedBytesForCurrentThread();
            net.LastLayer.Forward(h, t);
            var d = net.LastLayer.Backward();
            loss += Ms(tl) * w;
            lossAlloc += GC.GetAllocatedBytesForCurrentThread() - al;
            for (int i = count - 1; i >= 0; i--)
            {
                if (fused[i]) continue; // this ReLU's backward runs in the pooling's after it
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp(), a0 = GC.GetAllocatedBytesForCurrentThread();
                d = layers[i].Layer.Backward(d);
                bwd[i] += Ms(t0) * w;
                alloc[i] += GC.GetAllocatedBytesForCurrentThread() - a0;
            }
            long to = System.Diagnostics.Stopwatch.GetTimestamp(), ao = GC.GetAllocatedBytesForCurrentThread();
            adam.Update(net.Params, grads);
            opt += Ms(to) * w;
            if (step >= 0) optAlloc += GC.GetAllocatedBytesForCurrentThread() - ao;
        }
        double total = fwd.Sum() + bwd.Sum() + loss + opt;
        var parts = Enumerable.Range(0, count).Where(i => !fused[i])
            .Select(i => $"{(i > 0 && fused[i - 1] ? layers[i - 1].Name + "+" : "")}{layers[i].Name} {fwd[i]:F2}/{bwd[i]:F2}");
        var allocating = Enumerable.Range(0, count).Where(i => alloc[i] > 0).Select(i => $"{layers[i].Name} {alloc[i] / (steps + 5)}");
        Console.WriteLine($"bytes allocated per step by layer: {string.Join(", ", allocating.DefaultIfEmpty("none"))}; SoftmaxWithLoss {lossAlloc / (steps + 5)}, Adam (warm) {optAlloc / steps}");
        Console.WriteLine($"DeepConvNet training step split, ms forward/backward (total {total:F1} ms): {string.Join(", ", parts)}, SoftmaxWithLoss {loss:F2}, Adam {opt:F2}");
    }
    /// <summary>Each layer's share of a real gradient step (layers in order, caches as training leaves them), mean of 30 steps.</summary>
    private static void PrintSequence(SimpleConvNet<float> net, Tensor<float> x, Tensor<float> t)
    {
        int count = net.Layers.Count;
        var fwd = new double[count]; var bwd = new double[count];
        const int steps = 30;
        for (int step = -5; step < steps; step++)
        {
            var h = x;
            for (int i = 0; i < count; i++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                h = net.Layers[i].Layer.Forward(h);
                if (step >= 0) fwd[i] += System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds / steps;
            }
            net.LastLayer.Forward(h, t);
            var d = net.LastLayer.Backward();
            for (int i = count - 1; i >= 0; i--)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                d = net.Layers[i].Layer.Backward(d);
                if (step >= 0) bwd[i] += System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds / steps;
            }
        }
        Console.WriteLine($"ms in sequence: {string.Join(", ", Enumerable.Range(0, count).Select(i => $"{net.Layers[i].Name} {fwd[i]:F2}/{bwd[i]:F2}"))}");
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
