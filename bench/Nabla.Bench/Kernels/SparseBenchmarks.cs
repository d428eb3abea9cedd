using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Nabla.Data;
using Nabla.Kernels;

namespace Nabla.Bench.Kernels;

/// <summary>
/// The book's first layer (a batch of 100 images × 784 · 784 × 50, float32) on mostly-zero input: the sparse-input
/// products against the dense GEMM. <see cref="Input"/> is the real MNIST training set (19 % non-zeros; from
/// ../shared/data/mnist, or synthetic at that density when it is missing) or synthetic images at 30 % (the sparse
/// path's threshold) and 50 % non-zeros. X·W: dense GEMM; compress a float batch and multiply (a tensor input);
/// copy a batch of images from the set's non-zero index and multiply (the training route), against gathering and
/// converting the batch, then compressing and multiplying it (what that route replaces; both take a new batch each call). Xᵀ·D (dW): dense GEMM
/// against the scatter from the compressed rows. <see cref="Width"/>: the sparse kernels' 256- or 512-bit path (512
/// only where AVX-512 is there).
/// </summary>
public class SparseBenchmarks
{
    private const int Batch = 100, Cols = 784, Outputs = 50, Batches = 64;

    [Params("mnist", "0.30", "0.50")]
    public string Input { get; set; } = "mnist";

    [ParamsSource(nameof(Widths))]
    public int Width { get; set; } = 256;

    public static IEnumerable<int> Widths => Vector512.IsHardwareAccelerated ? [256, 512] : [256];

    private ByteImages<float> _images = null!;
    private object _index = null!;
    private int[][] _batches = [];
    private int _next;
    private float[] _x = [], _w = [], _c = [], _d = [], _dw = [];
    private SparseProduct<float> _forward = null!, _backward = null!;
    private Tensor<float> _gathered = null!, _sparseBatch = null!, _wTensor = null!, _cTensor = null!;
    private KernelOptions _options = KernelOptions.Default;

    [GlobalSetup]
    public void Setup()
    {
        SetWidth(Width);
        _images = Input == "mnist" ? LoadMnist() ?? Synthetic(0.19) : Synthetic(double.Parse(Input, System.Globalization.CultureInfo.InvariantCulture));
        _index = BuildIndex(_images);
        var rng = new Random(1);
        _batches = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch).Select(_ => rng.Next(_images.Count)).ToArray()).ToArray();
        var x = new Tensor<float>(Batch, Cols);
        _images.Gather(_batches[0], x);
        _x = x.ToArray();
        _w = Enumerable.Range(0, Cols * Outputs).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _d = Enumerable.Range(0, Batch * Outputs).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Batch * Outputs];
        _dw = new float[Cols * Outputs];
        _gathered = new Tensor<float>(Batch, Cols);
        _forward = new SparseProduct<float>();
        _backward = new SparseProduct<float>();
        _sparseBatch = Tensor<float>.FromSparseRows(new SparseRowStorage<float>(Cols), Batch, Cols);
        _wTensor = Tensor<float>.FromValues(_w).Reshape(Cols, Outputs);
        _cTensor = new Tensor<float>(Batch, Outputs);
        if (!Compress(_backward)) throw new InvalidOperationException("SparseProduct refused the batch.");
    }

    private static ByteImages<float>? LoadMnist()
    {
        string? dir = TrainBench.FindSharedMnist();
        return dir is null ? null : MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = dir }).TrainImages;
    }

    /// <summary>60,000 images of 784 pixels, each non-zero with the given probability (values 1–255).</summary>
    private static ByteImages<float> Synthetic(double density)
    {
        var rng = new Random(7);
        var pixels = new byte[60_000 * Cols];
        rng.NextBytes(pixels);
        byte limit = (byte)Math.Round(density * 256);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] < limit ? (byte)(1 + pixels[i] % 255) : (byte)0;
        return new ByteImages<float>(pixels, [60_000, Cols]);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("X·W")]
    public void DenseXW() => DenseForward();

    [Benchmark, BenchmarkCategory("X·W")]
    public void SparseXW() => Compress(_forward);

    [Benchmark, BenchmarkCategory("X·W")]
    public void IndexXW() => FromIndex(_batches[_next++ % Batches]);

    /// <summary>What <see cref="IndexXW"/> replaces: gather and convert a batch of images, then compress and multiply it.</summary>
    [Benchmark, BenchmarkCategory("X·W")]
    public void GatherSparseXW() => GatherThenCompress(_batches[_next++ % Batches]);

    [Benchmark(Baseline = true), BenchmarkCategory("XT·D")]
    public void DenseXtD() => DenseTransposed();

    [Benchmark, BenchmarkCategory("XT·D")]
    public void SparseXtD() => Scatter();

    // The calls into the library, one per benchmark (and the setup's).
    private void SetWidth(int width) => _options = KernelOptions.Default with { Allow512 = width == 512 };
    private static object BuildIndex(ByteImages<float> images) => images.NonZeros(maxDensity: 1.0) ?? throw new InvalidOperationException("no index");
    private void DenseForward() => Gemm.Multiply<float>(_x, _w, _c, Batch, Outputs, Cols);
    private bool Compress(SparseProduct<float> s) => s.TryMultiply(_x, Batch, Cols, _w, _c, Outputs, maxDensity: 1.0, SparseProduct<float>.Wide(_options));
    private void GatherThenCompress(int[] rows)
    {
        _images.Gather(rows, _gathered);
        _forward.TryMultiply(_gathered.Span, Batch, Cols, _w, _c, Outputs, maxDensity: 1.0, SparseProduct<float>.Wide(_options));
    }

    private void FromIndex(int[] rows)
    {
        ((NonZeroIndex)_index).Gather(rows, _images.Normalize, _sparseBatch.SparseRows);
        Tensor<float>.MatMul(_sparseBatch, _wTensor, _cTensor, _options);
    }

    private void DenseTransposed() => Gemm.Multiply<float>(_x, _d, _dw, Cols, Outputs, Batch, transA: true);
    private void Scatter() => _backward.MultiplyTransposedInto(_d, _dw, Outputs);
}
