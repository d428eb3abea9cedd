using System.Diagnostics;
using Nabla.Layers;

namespace Nabla.Bench;

/// <summary>
/// <c>conv-shapes [ROUNDS]</c>: one convolution layer's forward and backward (dW, db and ∂L/∂x), float32, batch 100, at
/// general shapes (3×3 and 5×5, stride 1 and 2), each with the kernel the library chooses; prints the medians of ROUNDS
/// calls (default 15) in ms and as GFLOP/s counted the direct way (2·N·FN·C·KH·KW·OH·OW a pass, two passes backward),
/// and the backward without ∂L/∂x (dW and db alone, one pass),
/// which for Winograd is more than the arithmetic it does. The machine's peak: docs/benchmarks.md.
/// </summary>
internal static class ConvShapesBench
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out int r) && r > 0 ? r : 15;
        var shapes = new (string Name, int C, int H, int FN, int K, int Stride, int Pad)[]
        {
            ("3x3 stride 1, 32 -> 32, 14x14 pad 1", 32, 14, 32, 3, 1, 1),
            ("3x3 stride 1, 64 -> 64, 8x8 pad 1 (DeepConvNet conv6)", 64, 8, 64, 3, 1, 1),
            ("5x5 stride 1, 16 -> 32, 14x14 pad 2", 16, 14, 32, 5, 1, 2),
            ("3x3 stride 2, 16 -> 32, 28x28 pad 1", 16, 28, 32, 3, 2, 1),
            ("3x3 stride 2, 32 -> 64, 14x14 pad 1", 32, 14, 64, 3, 2, 1),
            ("5x5 stride 2, 16 -> 32, 28x28 pad 2", 16, 28, 32, 5, 2, 2),
        };
        Console.WriteLine($"one convolution layer, float32, batch 100, medians of {rounds} calls, {Environment.ProcessorCount} core(s)");
        var rng = new Random(1);
        foreach (var s in shapes)
        {
            var conv = new Convolution<float>(Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, s.FN, s.C, s.K, s.K), new Tensor<float>(s.FN), s.Stride, s.Pad);
            var x = Tensor<float>.RandomUniform(rng, 0f, 1f, 100, s.C, s.H, s.H);
            var y = conv.Forward(x);
            var dy = Tensor<float>.RandomUniform(rng, -1f, 1f, y.Shape.ToArray());
            for (int i = 0; i < 5; i++) { conv.Forward(x); conv.Backward(dy); }
            var forward = new double[rounds]; var backward = new double[rounds]; var filterOnly = new double[rounds];
            for (int i = 0; i < rounds; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                conv.Forward(x);
                long t1 = Stopwatch.GetTimestamp();
                conv.ComputeInputGradient = false;
                conv.Backward(dy);
                conv.ComputeInputGradient = true;
                long t2 = Stopwatch.GetTimestamp();
                conv.Backward(dy);
                long t3 = Stopwatch.GetTimestamp();
                forward[i] = (t1 - t0) * 1e3 / Stopwatch.Frequency;
                filterOnly[i] = (t2 - t1) * 1e3 / Stopwatch.Frequency;
                backward[i] = (t3 - t2) * 1e3 / Stopwatch.Frequency;
            }
            Array.Sort(forward); Array.Sort(backward); Array.Sort(filterOnly);
            double f = forward[rounds / 2], b = backward[rounds / 2], dw = filterOnly[rounds / 2];
            double flop = 2.0 * 100 * s.FN * s.C * s.K * s.K * y.Shape[2] * y.Shape[3];
            Console.WriteLine($"{s.Name,-52} forward {f,6:F2} ms {flop / f / 1e6,4:F0} GFLOP/s  backward {b,6:F2} ms {2 * flop / b / 1e6,4:F0} GFLOP/s" +
                $" (dW, db alone {dw,6:F2} ms {flop / dw / 1e6,4:F0})  ({Path(conv)})");
        }
        return 0;
    }

    private static string Path(Convolution<float> conv) =>
        conv.LastForwardWasStrided ? (conv.LastInputGradientWasStrided ? "strided direct" : "strided direct, dx im2col") : conv.LastForwardWasWinograd4 ? "Winograd F(4x4, 3x3)" : conv.LastForwardWasWinograd ? "Winograd F(2x2, 3x3)" : conv.LastForwardWasDirect ? "direct" : "im2col + GEMM";
}
