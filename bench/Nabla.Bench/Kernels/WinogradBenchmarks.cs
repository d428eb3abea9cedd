using BenchmarkDotNet.Attributes;
using Nabla.Kernels;
using Nabla.Layers;

namespace Nabla.Bench.Kernels;

/// <summary>
/// 3×3 stride-1 convolution forward, float32, batch 100: Winograd F(2×2, 3×3) and F(4×4, 3×3) (the kernels called
/// directly, whatever the dispatch would choose) against the direct kernels and im2col + GEMM (through the layer, Winograd off; where the direct
/// kernels do not take a shape, "Direct" is im2col + GEMM too). The shapes are DeepConvNet's six forward convolutions,
/// the ∂L/∂x convolutions of its conv3–conv5 (dout with the flipped filters: FN channels in, C filters out, 2 − pad;
/// conv2's and conv6's are their own forward shapes),
/// fewer input channels (where the transforms stop paying), a map narrower than a vector and few filters.
/// </summary>
public class WinogradBenchmarks
{
    public static IEnumerable<ConvShape> Shapes =>
    [
        new("conv1 1x28x28 16 p1", 100, 1, 28, 28, 16, 3, 1),
        new("2x28x28 16 p1", 100, 2, 28, 28, 16, 3, 1),
        new("4x28x28 16 p1", 100, 4, 28, 28, 16, 3, 1),
        new("8x28x28 16 p1", 100, 8, 28, 28, 16, 3, 1),
        new("conv2 16x28x28 16 p1", 100, 16, 28, 28, 16, 3, 1),
        new("conv3 16x14x14 32 p1", 100, 16, 14, 14, 32, 3, 1),
        new("conv4 32x14x14 32 p2", 100, 32, 14, 14, 32, 3, 2),
        new("conv5 32x8x8 64 p1", 100, 32, 8, 8, 64, 3, 1),
        new("conv6 64x8x8 64 p1", 100, 64, 8, 8, 64, 3, 1),
        new("dx3 32x14x14 16 p1", 100, 32, 14, 14, 16, 3, 1),
        new("dx4 32x16x16 32 p0", 100, 32, 16, 16, 32, 3, 0),
        new("dx5 64x8x8 32 p1", 100, 64, 8, 8, 32, 3, 1),
        new("narrow 16x7x7 32 p1", 100, 16, 7, 7, 32, 3, 1),
        new("2 filters 16x14x14 2 p1", 100, 16, 14, 14, 2, 3, 1),
    ];

    [ParamsSource(nameof(Shapes))]
    public ConvShape Shape { get; set; } = null!;

    private Convolution<float> _direct = null!, _im2col = null!;
    private readonly Winograd<float> _winograd = new();
    private readonly Winograd4<float> _winograd4 = new();
    private Tensor<float> _x = null!, _w = null!, _b = null!;
    private float[] _out = [];
    private ConvGeometry _g;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        var rng = new Random(1);
        _w = Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, s.FN, s.C, s.F, s.F);
        _b = Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, s.FN);
        _x = Tensor<float>.RandomUniform(rng, 0f, 1f, s.N, s.C, s.H, s.W);
        _direct = Layer(_w, _b, s.Pad, direct: true);
        _im2col = Layer(_w, _b, s.Pad, direct: false);
        _g = new ConvGeometry(s.N, s.C, s.H, s.W, s.F, s.F, 1, s.Pad);
        _out = new float[s.N * s.FN * _g.OH * _g.OW];
        if (!Winograd<float>.Supports(_g, s.FN)) throw new InvalidOperationException($"Winograd does not take {s}.");
        Direct(); Im2Col(); Winograd(); Winograd4();
    }

    [Benchmark(Baseline = true)]
    public Tensor<float> Im2Col() => _im2col.Forward(_x);

    [Benchmark]
    public Tensor<float> Direct() => _direct.Forward(_x);

    [Benchmark]
    public float[] Winograd()
    {
        _winograd.Forward(_x.Span, _w.Span, _b.Span, _out, _g, Shape.FN);
        return _out;
    }

    [Benchmark]
    public float[] Winograd4()
    {
        _winograd4.Forward(_x.Span, _w.Span, _b.Span, _out, _g, Shape.FN);
        return _out;
    }

    private static Convolution<float> Layer(Tensor<float> w, Tensor<float> b, int pad, bool direct) =>
        new(w, b, stride: 1, pad: pad) { Options = KernelOptions.Default with { AllowDirectConvolution = direct, AllowWinograd = false }, ComputeInputGradient = false };

    /// <summary>
    /// <c>winograd [ROUNDS] [--wall] --dw</c>: dW and db of each forward shape (not the ∂L/∂x ones) by the direct kernels,
    /// Winograd F(3×3, 2×2) and F(3×3, 4×4) (<see cref="Winograd4{T}.FilterGradient"/>), the kernels called directly,
    /// alternating; medians and minima in ms. f34-32k is F(3×3, 4×4) with blocks of at most 32 KB of V and Y' a position
    /// (<see cref="Winograd4{T}.FilterGradientPositionBytes"/>) instead of the library's 128 KB, which shortens the blocks
    /// of the wide layers (conv5, conv6).
    /// </summary>
    private static int ProbeFilterGradient(IEnumerable<ConvShape> shapes, int rounds, bool wall)
    {
        Console.WriteLine($"3x3 stride-1 dW, float32, batch 100, median {(wall ? "wall-clock" : "process CPU")} ms of {rounds} alternating rounds, {Environment.ProcessorCount} core(s)");
        foreach (var shape in shapes.Where(s => !s.Name.StartsWith("dx")))
        {
            var rng = new Random(1);
            var g = new ConvGeometry(shape.N, shape.C, shape.H, shape.W, 3, 3, 1, shape.Pad);
            var x = Tensor<float>.RandomUniform(rng, 0f, 1f, shape.N, shape.C, shape.H, shape.W);
            var dout = Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, shape.N, shape.FN, g.OH, g.OW);
            var dw = new float[shape.FN * shape.C * 9];
            var db = new float[shape.FN];
            var direct = new DirectConv<float>();
            var f23 = new Winograd<float>();
            var f43 = new Winograd4<float>();
            var f43Short = new Winograd4<float> { FilterGradientPositionBytes = 32 * 1024 };
            bool takesDirect = DirectConv<float>.Supports(g, shape.FN);
            Action[] runs =
            [
                () => { if (takesDirect) direct.FilterGradient(x.Span, dout.Span, dw, db, g, shape.FN); },
                () => f23.FilterGradient(x.Span, dout.Span, dw, db, g, shape.FN),
                () => f43.FilterGradient(x.Span, dout.Span, dw, db, g, shape.FN),
                () => f43Short.FilterGradient(x.Span, dout.Span, dw, db, g, shape.FN),
            ];
            var samples = Alternate(runs, rounds, wall);
            foreach (var (what, stat) in new (string, Func<double[], double>)[] { ("median", Timing.Median), ("min", x => x.Min()) })
            {
                double d = stat(samples[0]), w2 = stat(samples[1]), w4 = stat(samples[2]), w4Short = stat(samples[3]);
                double best = takesDirect ? Math.Min(d, w2) : w2;
                Console.WriteLine($"{shape.Name,-26} {what,-6} direct {(takesDirect ? d.ToString("F2") : "-"),8}  f32 {w2,8:F2}  f34 {w4,8:F2}  f34/best {w4 / best:F2}" +
                                  $"  f34-32k {w4Short,8:F2}  f34-32k/f34 {w4Short / w4:F2}");
            }
        }
        return 0;
    }

    /// <summary>
    /// Each run twice to warm up, then all of them once per round in a fresh random order (seeded, so a command repeats
    /// its order), <paramref name="rounds"/> times: per run, each call's ms of wall clock (<paramref name="wall"/>) or of
    /// the process's CPU time. A rotation (a, b, c; b, c, a; …) would leave each run always after the same other run, in
    /// the caches that run left: three instances of one kernel measured that way differed from each other by up to 16 %
    /// (docs/benchmarks.md, 2026-12-02).
    /// </summary>
    private static double[][] Alternate(Action[] runs, int rounds, bool wall)
    {
        double Now() => wall ? System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency : ProcessCpuSeconds();
        var samples = new double[runs.Length][];
        for (int k = 0; k < runs.Length; k++) { samples[k] = new double[rounds]; for (int i = 0; i < 2; i++) runs[k](); }
        var order = new Random(19);
        var perm = new int[runs.Length];
        for (int r = 0; r < rounds; r++)
        {
            for (int j = 0; j < perm.Length; j++) perm[j] = j;
            order.Shuffle(perm);
            for (int j = 0; j < runs.Length; j++)
            {
                int k = perm[j];
                double c0 = Now();
                runs[k]();
                samples[k][r] = (Now() - c0) * 1e3;
            }
        }
        return samples;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGetTime(int clock, long* time);

    private static unsafe double ProcessCpuSeconds()
    {
        long* t = stackalloc long[2];
        return ClockGetTime(2, t) == 0 ? t[0] + t[1] * 1e-9 : double.NaN;
    }

    /// <summary>
    /// <c>winograd [ROUNDS] [--wall] [--only NAME]</c>: for each shape (or those whose name starts with NAME), the four forwards in turn, ROUNDS times (default 15), each call
    /// timed in the process's CPU time (on a machine shared with other work the wall clock counts their turns), or with
    /// <c>--wall</c> in wall-clock time (what a training step sees, all cores working); prints the medians
    /// and minima in ms, F(2×2, 3×3)'s ratio to the faster of im2col and direct, and F(4×4, 3×3)'s to the fastest of the other three. Run with <c>DOTNET_PROCESSOR_COUNT=1</c> for one
    /// core's kernel speed (with two, the spinning worker's CPU time counts too).
    /// </summary>
    public static int Probe(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out int r0) ? r0 : 15;
        bool wall = args.Contains("--wall");
        int only = Array.IndexOf(args, "--only");
        string? name = only >= 0 && only + 1 < args.Length ? args[only + 1] : null;
        var shapes = Shapes.Where(s => name is null || s.Name.StartsWith(name, StringComparison.Ordinal)).ToArray();
        if (shapes.Length == 0) { Console.Error.WriteLine($"winograd: no shape starts with '{name}' (--only)"); return 2; }
        if (args.Contains("--dw")) return ProbeFilterGradient(shapes, rounds, wall);
        Console.WriteLine($"3x3 stride-1 forward, float32, batch 100, median {(wall ? "wall-clock" : "process CPU")} ms of {rounds} alternating rounds, {Environment.ProcessorCount} core(s)");
        foreach (var shape in shapes)
        {
            var b = new WinogradBenchmarks { Shape = shape };
            b.Setup();
            Action[] runs = [() => b.Im2Col(), () => b.Direct(), () => b.Winograd(), () => b.Winograd4()];
            var samples = Alternate(runs, rounds, wall);
            bool takesDirect = DirectConv<float>.Supports(b._g, shape.FN);
            foreach (var (what, stat) in new (string, Func<double[], double>)[] { ("median", Timing.Median), ("min", x => x.Min()) })
            {
                double im2col = stat(samples[0]), direct = stat(samples[1]), wino = stat(samples[2]), wino4 = stat(samples[3]);
                double best = Math.Min(im2col, takesDirect ? direct : im2col);
                Console.WriteLine($"{shape.Name,-26} {what,-6} im2col {im2col,8:F2}  direct {(takesDirect ? direct.ToString("F2") : "-"),8}  f23 {wino,8:F2}  f43 {wino4,8:F2}  f23/best {wino / best:F2}  f43/best {wino4 / Math.Min(best, wino):F2}");
            }
        }
        return 0;
    }
}
