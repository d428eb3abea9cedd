using BenchmarkDotNet.Attributes;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Bench.Kernels;

/// <summary>
/// Memory-bound kernels, float32. Gathering a minibatch of 100 random rows of 784 out of a 60,000-row set (MNIST's size,
/// random values): from float32 rows (188 MB) by a plain copy and by <see cref="RowGather{T}"/> (prefetching rows ahead),
/// and from byte rows (47 MB) converted as they are copied by <see cref="ByteRows{T}"/>, on one core and shared
/// between the cores (its default for a batch of this size). Each call takes the next of 1,000 batches, so rows come
/// from memory as in training. (A ReLU over 1.7 M values shared between the cores measured the same as on one core,
/// 0.99, on a quiet Zen 3 on 2026-11-30, so that path and its benchmark were removed.)
/// </summary>
public unsafe class GatherBenchmarks
{
    private const int Rows = 60_000, RowSize = 784, Batch = 100, Batches = 1000;

    private float[] _floats = [], _dst = [];
    private byte[] _bytes = [];
    private int[] _rows = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _bytes = new byte[Rows * RowSize];
        rng.NextBytes(_bytes);
        _floats = new float[_bytes.Length];
        for (int i = 0; i < _bytes.Length; i++) _floats[i] = _bytes[i] / 255f;
        _rows = Enumerable.Range(0, Batch * Batches).Select(_ => rng.Next(Rows)).ToArray();
        _dst = new float[Batch * RowSize];
    }

    private int NextBatch() => (_next++ % Batches) * Batch;

    [Benchmark(Baseline = true), BenchmarkCategory("gather 100 rows")]
    public void FloatRowsPlain() => CopyRows(NextBatch());

    [Benchmark, BenchmarkCategory("gather 100 rows")]
    public void FloatRowsPrefetched() => GatherFloat(NextBatch());

    [Benchmark, BenchmarkCategory("gather 100 rows")]
    public void ByteRowsOneCore() => GatherBytes(NextBatch(), parallel: false);

    [Benchmark, BenchmarkCategory("gather 100 rows")]
    public void ByteRowsAllCores() => GatherBytes(NextBatch(), parallel: true);

    /// <summary>The copy <c>Tensor.TakeRows</c> makes when it does not use <see cref="RowGather{T}"/>.</summary>
    private void CopyRows(int first)
    {
        for (int i = 0; i < Batch; i++) _floats.AsSpan(_rows[first + i] * RowSize, RowSize).CopyTo(_dst.AsSpan(i * RowSize, RowSize));
    }

    // The calls into the library, one per benchmark.
    private void GatherFloat(int first)
    {
        fixed (float* src = _floats, dst = _dst) fixed (int* rows = &_rows[first]) RowGather<float>.Run(src, rows, Batch, dst, RowSize);
    }

    private void GatherBytes(int first, bool parallel)
    {
        // ByteRows shares a call among the cores from ByteRows.ParallelBytes bytes on; the one-core variant
        // makes calls under that size, which run on the calling thread.
        int piece = parallel ? Batch : Math.Max(1, (ByteRows<float>.ParallelBytes - 1) / RowSize);
        fixed (byte* src = _bytes) fixed (float* dst = _dst) fixed (int* rows = &_rows[first])
            for (int i = 0; i < Batch; i += piece)
                ByteRows<float>.Run(src, rows + i, Math.Min(piece, Batch - i), dst + (long)i * RowSize, RowSize, normalize: true);
    }
}
