using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Bench;

/// <summary>
/// The machine's float32 FMA peak, against which kernels' GFLOP/s are read: twelve independent FMA chains (enough to
/// cover the FMA latency on two pipes) of 256-bit and of 512-bit vectors, on one thread and on every core at once.
/// Usage: peak [ROUNDS]. Also gives the clock under load, assuming two FMA pipes per core (the AMD Zen cores).
/// </summary>
internal static class PeakBench
{
    private const long Iterations = 100_000_000;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 3;
        int cores = Environment.ProcessorCount;
        Console.WriteLine($"float32 FMA peak, 12 chains, {cores} core(s); Vector512 hardware-accelerated: {Vector512.IsHardwareAccelerated}");
        Chains256(1000); Chains512(1000);
        var widths = new List<(string Name, int Lanes, Func<long, float> Run)> { ("256-bit", 8, Chains256) };
        if (Vector512.IsHardwareAccelerated) widths.Add(("512-bit", 16, Chains512));
        foreach (var (name, lanes, run) in widths)
        {
            double gflopPerRun = Iterations * 12.0 * lanes * 2 / 1e9; // 12 chains, 2 flops per lane of an FMA
            var one = new double[rounds]; var all = new double[rounds];
            for (int i = 0; i < rounds; i++)
            {
                var sw = Stopwatch.StartNew();
                run(Iterations);
                one[i] = gflopPerRun / sw.Elapsed.TotalSeconds;
                sw.Restart();
                Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, _ => run(Iterations));
                all[i] = cores * gflopPerRun / sw.Elapsed.TotalSeconds;
            }
            double best = one.Max();
            Console.WriteLine($"{name}: one thread {Timing.Median(one):F0} GFLOP/s (best {best:F0}; {best / (lanes * 2 * 2):F2} GHz at 2 FMAs a cycle), " +
                              $"{cores} threads {Timing.Median(all):F0} GFLOP/s (best {all.Max():F0})");
        }
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains256(long n)
    {
        var m = Vector256.Create(0.9999999f); var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c); a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c); a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c); a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c); a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains512(long n)
    {
        var m = Vector512.Create(0.9999999f); var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c); a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }
}
