using System.Runtime.Intrinsics;
using Nabla.Kernels;

namespace Nabla.Bench;

/// <summary>
/// GEMM throughput in GFLOP/s (2·m·n·k per product, median of repeated timings) for 1024³ and the
/// book's shapes, float and double, beside the machine's theoretical peak.
/// Usage: gemm [--ghz 3.7]
/// </summary>
internal static class GemmBench
{
    private static readonly (string Name, int M, int N, int K, bool TA, bool TB)[] Shapes =
    [
        ("1024x1024x1024", 1024, 1024, 1024, false, false),
        ("100x784 . 784x50 (forward)", 100, 50, 784, false, false),
        ("784x100 . 100x50 (dW1 = x^T dout)", 784, 50, 100, true, false),
        ("10000x784 . 784x50 (accuracy pass)", 10000, 50, 784, false, false),
        ("100x4320 . 4320x100 (CNN Affine1)", 100, 100, 4320, false, false),
        ("4320x100 . 100x100 (CNN dW2 = x^T dout)", 4320, 100, 100, true, false),
        ("100x100 . 100x4320 (CNN dx = dout W^T)", 100, 4320, 100, false, true),
    ];

    public static int Run(string[] args)
    {
        double? ghzArg = args.Length > 1 && args[0] == "--ghz" ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : null;
        var (ghz, ghzSource) = ghzArg is { } g ? (g, "--ghz") : CpuClock();
        int cores = Environment.ProcessorCount;
        var (fp32PerCycle, why) = Fp32FlopsPerCycle();
        double peak32 = cores * ghz * fp32PerCycle, peak64 = peak32 / 2;
        Console.WriteLine($"CPU: {CpuModel()}, {cores} cores, {ghz:F2} GHz ({ghzSource}); {why}");
        Console.WriteLine($"peak: float32 {peak32:F0} GFLOP/s, float64 {peak64:F0} GFLOP/s  ({cores} × {ghz:F2} GHz × {fp32PerCycle} / {fp32PerCycle / 2} FLOP/cycle)");
        Console.WriteLine($"kernel: {(Vector512.IsHardwareAccelerated ? "AVX-512 12×32 (float) / 12×16 (double)" : "AVX2 6×16 / 6×8")}");
        Console.WriteLine($"{"shape",-38} {"float32 GFLOP/s",16} {"% peak",7} {"float64 GFLOP/s",16} {"% peak",7}");
        foreach (var s in Shapes)
        {
            double f32 = Measure<float>(s.M, s.N, s.K, s.TA, s.TB), f64 = Measure<double>(s.M, s.N, s.K, s.TA, s.TB);
            Console.WriteLine($"{s.Name,-38} {f32,16:F1} {100 * f32 / peak32,6:F1}% {f64,16:F1} {100 * f64 / peak64,6:F1}%");
        }
        return 0;
    }

    private static double Measure<T>(int m, int n, int k, bool ta, bool tb) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(1);
        var a = new T[m * k]; var b = new T[k * n]; var c = new T[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = T.CreateTruncating(rng.NextDouble());
        for (int i = 0; i < b.Length; i++) b[i] = T.CreateTruncating(rng.NextDouble());
        double flops = 2.0 * m * n * k;
        int inner = Math.Max(1, (int)(2e9 / flops)); // about 2 GFLOP per timing
        var (median, _) = Timing.Measure(() => { for (int i = 0; i < inner; i++) Gemm.Multiply<T>(a, b, c, m, n, k, ta, tb); }, reps: 7, warmup: 2);
        return flops * inner / median / 1e9;
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown" : "unknown";

    private static (double Ghz, string Source) CpuClock()
    {
        // The clock the cores really run at (boost included): a chain of dependent scalar FMAs runs
        // at one per 4 cycles on Zen 4/5 and recent Intel cores.
        double measured = MeasureClockGhz();
        if (measured > 0.5) return (measured, "measured: dependent FMA chain, 4-cycle latency");
        if (File.Exists("/proc/cpuinfo"))
        {
            var mhz = File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("cpu MHz")).Select(l => double.Parse(l.Split(':', 2)[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (mhz.Count > 0) return (mhz.Max() / 1000, "/proc/cpuinfo cpu MHz");
        }
        return (3.0, "assumed; pass --ghz");
    }

    private static double MeasureClockGhz()
    {
        static double Chain(long n)
        {
            double x = 1.0, y = 0.9999999, z = 1e-9;
            for (long i = 0; i < n; i++)
            {
                x = Math.FusedMultiplyAdd(x, y, z); x = Math.FusedMultiplyAdd(x, y, z);
                x = Math.FusedMultiplyAdd(x, y, z); x = Math.FusedMultiplyAdd(x, y, z);
            }
            return x;
        }
        const long n = 50_000_000;
        Chain(1000);
        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            if (Chain(n) == 42) Console.Write("");
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 4.0 * 4 * n / best / 1e9;
    }

    /// <summary>FP32 FLOPs per cycle per core from the vector width and the number of FMA pipes.</summary>
    private static (int Flops, string Why) Fp32FlopsPerCycle()
    {
        string family = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu family"))?.Split(':', 2)[1].Trim() ?? "" : "";
        string vendor = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("vendor_id"))?.Split(':', 2)[1].Trim() ?? "" : "";
        if (vendor == "AuthenticAMD" && family == "26") return (64, "AMD family 0x1A (Zen 5): 2 × 512-bit FMA pipes = 64 FP32 FLOP/cycle");
        if (vendor == "AuthenticAMD" && family == "25" && Vector512.IsHardwareAccelerated) return (32, "AMD family 0x19 with AVX-512 (Zen 4): 2 × 256-bit FMA pipes = 32 FP32 FLOP/cycle");
        if (Vector512.IsHardwareAccelerated) return (64, "AVX-512 with 2 FMA units assumed: 64 FP32 FLOP/cycle");
        return (32, "AVX2 with 2 FMA units: 32 FP32 FLOP/cycle");
    }
}
