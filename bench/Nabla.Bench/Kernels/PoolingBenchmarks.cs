using BenchmarkDotNet.Attributes;
using Nabla.Layers;

namespace Nabla.Bench.Kernels;

/// <summary>A pooling input: batch N, C channels of H×W.</summary>
public sealed record PoolShape(string Name, int N, int C, int H, int W)
{
    public override string ToString() => Name;
}

/// <summary>
/// 2×2, stride-2 max pooling, float32, at SimpleConvNet's and DeepConvNet's first pooling shapes: forward, backward, and
/// a ReLU followed by the pool (forward and backward of both) run as two layers or folded into one. The AVX2 path is
/// the default job; the plain loops run in the NoAVX2 job (<c>DOTNET_EnableAVX2=0</c>), the only way to reach them on
/// these shapes.
/// </summary>
[Config(typeof(KernelBenchmarks.PlainJob))]
public class PoolingBenchmarks
{
    public static IEnumerable<PoolShape> Shapes =>
    [
        new("Simple pool 30x24x24", 100, 30, 24, 24),
        new("Deep pool1 16x28x28", 100, 16, 28, 28),
    ];

    [ParamsSource(nameof(Shapes))]
    public PoolShape Shape { get; set; } = null!;

    private Pooling<float> _pool = null!, _separatePool = null!, _fusedPool = null!;
    private Relu<float> _relu = null!;
    private Tensor<float> _x = null!, _dout = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _x = Tensor<float>.RandomUniform(rng, -1f, 1f, Shape.N, Shape.C, Shape.H, Shape.W);
        _pool = new Pooling<float>(2, 2, 2);
        _separatePool = new Pooling<float>(2, 2, 2);
        _fusedPool = new Pooling<float>(2, 2, 2);
        _relu = new Relu<float>();
        var o = _pool.Forward(_x);
        _dout = Tensor<float>.RandomUniform(rng, -1e-3f, 1e-3f, o.Shape.ToArray());
    }

    [Benchmark, BenchmarkCategory("pool")]
    public Tensor<float> Forward() => PoolForward();

    [Benchmark, BenchmarkCategory("pool")]
    public Tensor<float> Backward() => PoolBackward();

    [Benchmark(Baseline = true), BenchmarkCategory("ReLU + pool, forward + backward")]
    public Tensor<float> SeparateReluPool() => ReluThenPool();

    [Benchmark, BenchmarkCategory("ReLU + pool, forward + backward")]
    public Tensor<float> FusedReluPool() => ReluFoldedIntoPool();

    // The calls into the library, one per benchmark.
    private Tensor<float> PoolForward() => _pool.Forward(_x);
    private Tensor<float> PoolBackward() => _pool.Backward(_dout);

    private Tensor<float> ReluThenPool()
    {
        _separatePool.Forward(_relu.Forward(_x));
        return _relu.Backward(_separatePool.Backward(_dout));
    }

    private Tensor<float> ReluFoldedIntoPool()
    {
        _fusedPool.ForwardWithRelu(_x);
        return _fusedPool.Backward(_dout);
    }
}
