using System.Runtime.Intrinsics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace Nabla.Bench.Kernels;

/// <summary>
/// The kernel micro-benchmarks (BenchmarkDotNet): <c>dotnet run -c Release --project bench/Nabla.Bench -- kernels [BenchmarkDotNet options]</c>.
/// With no options every class runs (<c>--filter *</c>); <c>--filter *Gemm*</c> picks one family, <c>--list flat</c> lists them.
/// Each benchmark runs in its own process after BenchmarkDotNet's pilot and warm-up iterations, so the JIT has reached
/// its optimized tier before anything is timed.
/// </summary>
internal static class KernelBenchmarks
{
    /// <summary>
    /// A short job, so the whole suite runs in minutes on 2 cores: one process per benchmark, 3 warm-up and 5 measured
    /// iterations of about 250 ms each. The figures to read are the medians.
    /// </summary>
    public static Job Short => Job.Default.WithId("Short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));

    public static int Run(string[] args)
    {
        if (!args.Any(a => a.StartsWith("--filter") || a.StartsWith("-f") || a.StartsWith("--list") || a == "--help" || a == "-h"))
            args = [.. args, "--filter", "*"];
        var config = DefaultConfig.Instance
            .AddJob(Short)
            .AddColumn(StatisticColumn.Median)
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40))
            .WithArtifactsPath(Path.Combine(Directory.Exists("bench") ? "bench" : ".", "BenchmarkDotNet.Artifacts"));
        var summaries = BenchmarkSwitcher.FromTypes(
            [typeof(GemmBenchmarks), typeof(SparseBenchmarks), typeof(ConvBenchmarks), typeof(WinogradBenchmarks), typeof(PoolingBenchmarks), typeof(GatherBenchmarks)])
            .Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>
    /// For the families with a 512-bit and a 256-bit path chosen by <see cref="Vector512.IsHardwareAccelerated"/> (a JIT
    /// constant, so not switchable inside a process): on a machine with AVX-512, a second job with
    /// <c>DOTNET_PreferredVectorBitWidth=256</c> runs the 256-bit path. Without AVX-512 there is only the 256-bit path.
    /// </summary>
    public sealed class VectorWidthJobs : ManualConfig
    {
        public VectorWidthJobs()
        {
            if (Vector512.IsHardwareAccelerated)
                AddJob(Short.WithId("256-bit").WithEnvironmentVariable("DOTNET_PreferredVectorBitWidth", "256"));
        }
    }

    /// <summary>A second job without AVX2 (<c>DOTNET_EnableAVX2=0</c>), for kernels whose plain path runs only then.</summary>
    public sealed class PlainJob : ManualConfig
    {
        public PlainJob() => AddJob(Short.WithId("NoAVX2").WithEnvironmentVariable("DOTNET_EnableAVX2", "0"));
    }
}
