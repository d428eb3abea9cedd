using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Nabla.Kernels;

namespace Nabla.Bench.Kernels;

/// <summary>A product C = op(A)·op(B), m×k · k×n, as the GEMM benchmarks name it.</summary>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransA = false, bool TransB = false)
{
    public double Flops => 2.0 * M * N * K;
    public override string ToString() => Name;
}

/// <summary>
/// float32 GEMM at the book's shapes: the packed kernel, the small-product kernel (where the dispatch would choose it,
/// and just above its threshold) and the reference triple loop. The GFLOP/s column is 2·m·n·k over the median.
/// </summary>
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            Add(new KernelBenchmarks.VectorWidthJobs());
            AddColumn(new GflopsColumn());
        }
    }

    private static readonly GemmShape[] Shapes =
    [
        new("ch05 x·W1 100x784·784x50", 100, 50, 784),
        new("ch05 dW1 (784x100)T·100x50", 784, 50, 100, TransA: true),
        new("ch05 x·W2 100x50·50x10", 100, 10, 50),
        new("ch05 dW2 (50x100)T·100x10", 50, 10, 100, TransA: true),
        new("ch05 dx2 100x10·(50x10)T", 100, 50, 10, TransB: true),
        new("ch05 accuracy 10000x784·784x50", 10000, 50, 784),
        new("CNN Affine1 100x4320·4320x100", 100, 100, 4320),
        new("CNN dW Affine1 (4320x100)T·100x100", 4320, 100, 100, TransA: true),
        new("CNN dx Affine1 100x100·(4320x100)T", 100, 4320, 100, TransB: true),
        new("CNN Affine2 100x100·100x10", 100, 10, 100),
        new("above small 100x100·100x20", 100, 20, 100),
        new("1024^3", 1024, 1024, 1024),
    ];

    public static IEnumerable<GemmShape> AllShapes => Shapes;
    /// <summary>Shapes the dispatch gives the small kernel, and one just above its size limit.</summary>
    public static IEnumerable<GemmShape> SmallShapes => Shapes.Where(s => (long)s.M * s.N * s.K <= 200_000 && s.N <= 256);
    /// <summary>The reference loop where it finishes in well under a second.</summary>
    public static IEnumerable<GemmShape> NaiveShapes => Shapes.Where(s => (long)s.M * s.N * s.K <= 50_000_000);

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = Random(rng, Shapes.Max(s => s.M * s.K));
        _b = Random(rng, Shapes.Max(s => s.K * s.N));
        _c = new float[Shapes.Max(s => s.M * s.N)];
    }

    private static float[] Random(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        return x;
    }

    [Benchmark(Baseline = true), ArgumentsSource(nameof(AllShapes))]
    public void Packed(GemmShape s) => RunPacked(s);

    [Benchmark, ArgumentsSource(nameof(SmallShapes))]
    public void Small(GemmShape s) => RunSmall(s);

    [Benchmark, ArgumentsSource(nameof(NaiveShapes))]
    public void Naive(GemmShape s) => RunNaive(s);

    // The calls into the library, one per benchmark.
    private unsafe void RunPacked(GemmShape s)
    {
        fixed (float* a = _a, b = _b, c = _c) PackedGemm<float>.Run(a, b, c, s.M, s.N, s.K, s.TransA, s.TransB, accumulate: false);
    }

    private unsafe void RunSmall(GemmShape s)
    {
        fixed (float* a = _a, b = _b, c = _c) SmallGemm<float>.Run(a, b, c, s.M, s.N, s.K, s.TransA, s.TransB, accumulate: false);
    }

    private void RunNaive(GemmShape s) => Gemm.Reference<float>(_a, _b, _c, s.M, s.N, s.K, s.TransA, s.TransB, accumulate: false);

    /// <summary>GFLOP/s: 2·m·n·k of the case's shape over its median time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·m·n·k / median time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var shape = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmShape>().FirstOrDefault();
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return shape is null || stats is null ? "-" : (shape.Flops / stats.Median).ToString("F1");
        }
    }
}
