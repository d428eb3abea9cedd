using System.Numerics;
using Nabla.Kernels;
using Nabla.Layers;

namespace Nabla.Tests.Kernels;

/// <summary>The sparse-input products against the reference triple loop, and the Affine layer on its sparse path.</summary>
public class SparseRowsTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        // rows, cols, n: widths of one vector, one vector and a bit, the book's 50, exact and ragged
        // multiples of the 8-vector register block; enough rows for the parallel path. Rows are padded to whole
        // vectors, so every count of vectors after the 8-vector blocks (1 … 7 for float, more for double) appears.
        { 1, 784, 8 }, { 3, 17, 9 }, { 100, 784, 50 }, { 7, 100, 64 }, { 5, 64, 65 }, { 300, 784, 130 }, { 2, 2048, 16 },
        { 4, 100, 24 }, { 6, 200, 37 }, { 5, 300, 47 }, { 120, 784, 100 },
    };

    private static T[] SparseRandom<T>(Random rng, int count, double density) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[count];
        for (int i = 0; i < count; i++)
            if (rng.NextDouble() < density) r[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return r;
    }

    private static void AssertClose<T>(T[] expected, T[] actual, int length, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < length; i++)
        {
            double e = double.CreateTruncating(expected[i]), g = double.CreateTruncating(actual[i]);
            Assert.True(Math.Abs(e - g) <= tol * (1 + Math.Abs(e)), $"element {i}: expected {e}, got {g}");
        }
    }

    private static void Check<T>(int rows, int cols, int n, double tol, KernelOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= KernelOptions.Default;
        var rng = new Random(rows * 7 + cols * 3 + n);
        var x = SparseRandom<T>(rng, rows * cols, 0.2);
        var w = SparseRandom<T>(rng, cols * n, 1.0);
        var d = SparseRandom<T>(rng, rows * n, 1.0);
        var s = new SparseProduct<T>();
        var c = new T[rows * n];
        Assert.True(s.TryMultiply(x, rows, cols, w, c, n, maxDensity: 0.5, SparseProduct<T>.Wide(options)));
        Assert.Equal(SparseProduct<T>.Wide(options), s.RanWide);
        Assert.Equal(x.Count(v => v != T.Zero), s.NonZeros);
        var expected = new T[rows * n];
        Gemm.Reference<T>(x, w, expected, rows, n, cols, false, false, false);
        AssertClose(expected, c, c.Length, tol);

        // Xᵀ·D overwrites whatever C held.
        var dw = SparseRandom<T>(rng, cols * n, 1.0);
        s.MultiplyTransposedInto(d, dw, n);
        var expectedDw = new T[cols * n];
        Gemm.Reference<T>(x, d, expectedDw, cols, n, rows, true, false, false);
        AssertClose(expectedDw, dw, dw.Length, tol);

        // The tensor in sparse rows, through MatMul's dispatch: the same entries in the same order, so the same bits.
        var xs = Tensor<T>.ToSparseRows(new Tensor<T>(x, rows, cols));
        Assert.Equal(TensorLayout.SparseRows, xs.Layout);
        var c2 = new Tensor<T>(rows, n);
        Tensor<T>.MatMul(xs, new Tensor<T>(w, cols, n), c2, options);
        Assert.Equal(c, c2.ToArray());
        Assert.Equal(s.RanWide, xs.SparseRows.Product!.RanWide);
        var dw2 = new Tensor<T>(cols, n);
        Tensor<T>.MatMul(xs, new Tensor<T>(d, rows, n), dw2, options, transposeA: true);
        Assert.Equal(dw, dw2.ToArray());
        Assert.Equal(x, xs.ToDense().ToArray());
    }

    [Theory, MemberData(nameof(Shapes))]
    public void FloatProductsMatchTheReference(int rows, int cols, int n) => Check<float>(rows, cols, n, 1e-5);

    [Theory, MemberData(nameof(Shapes))]
    public void DoubleProductsMatchTheReference(int rows, int cols, int n) => Check<double>(rows, cols, n, 1e-13);

    [Fact]
    public void The256BitKernelsMatchTheReferenceToo()
    {
        var narrow = KernelOptions.Default with { Allow512 = false };
        Check<float>(100, 784, 50, 1e-5, narrow);
        Check<double>(5, 64, 65, 1e-13, narrow);
    }

    [Theory]
    [InlineData(1)]      // the smallest block: 16 rows of W, 49 blocks for 784 columns
    [InlineData(24)]     // the default for a 32 KB L1
    [InlineData(48)]     // a 48 KB L1's (the Zen 5's)
    [InlineData(1024)]   // one block for all of W
    public void EveryBlockSizeMatchesTheReference(int kilobytes)
    {
        // The blocks of W decide how the rows' entries are cut (and the tasks' share of the scatter): every size, at
        // both widths and in both precisions, must give the reference product, on a machine with any L1.
        foreach (bool wide in new[] { false, SparseProduct<float>.Wide(KernelOptions.Default) }.Distinct())
        {
            CheckBlocks<float>(kilobytes, 100, 784, 50, wide, 1e-5);
            CheckBlocks<float>(kilobytes, 7, 300, 70, wide, 1e-5);
            CheckBlocks<double>(kilobytes, 9, 784, 37, wide, 1e-13);
        }
    }

    private static void CheckBlocks<T>(int kilobytes, int rows, int cols, int n, bool wide, double tol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(kilobytes * 31 + rows);
        var x = SparseRandom<T>(rng, rows * cols, 0.2);
        var w = SparseRandom<T>(rng, cols * n, 1.0);
        var d = SparseRandom<T>(rng, rows * n, 1.0);
        var s = new SparseProduct<T> { BlockBytes = kilobytes * 1024 };
        var c = new T[rows * n];
        Assert.True(s.TryMultiply(x, rows, cols, w, c, n, maxDensity: 0.5, wide));
        var expected = new T[rows * n];
        Gemm.Reference<T>(x, w, expected, rows, n, cols, false, false, false);
        AssertClose(expected, c, c.Length, tol);
        var dw = new T[cols * n];
        s.MultiplyTransposedInto(d, dw, n);
        var expectedDw = new T[cols * n];
        Gemm.Reference<T>(x, d, expectedDw, cols, n, rows, true, false, false);
        AssertClose(expectedDw, dw, dw.Length, tol);

        // From compressed rows (what a minibatch from the index gives), the first block of every row written even where
        // the row has no entries in it: a row of zeros must come out as zeros, not as what C held before.
        var groups = (cols + SparseRowStorage<T>.GroupWidth - 1) / SparseRowStorage<T>.GroupWidth;
        for (int j = 0; j < cols; j++) x[j] = T.Zero;
        Gemm.Reference<T>(x, w, expected, rows, n, cols, false, false, false);
        var columns = new int[SparseProduct<T>.Room(rows * cols)];
        var values = new T[SparseProduct<T>.Room(rows * cols)];
        var groupStarts = new int[rows * (groups + 1)];
        SparseProduct<T>.CompressRows(x, rows, cols, SparseRowStorage<T>.GroupWidth, columns, values, groupStarts);
        var c2 = Enumerable.Repeat(T.CreateTruncating(7.0), rows * n).ToArray();
        s.MultiplyCompressed(groupStarts, groups, SparseRowStorage<T>.GroupWidth, columns, values, rows, cols, 1, w, c2, n, wide);
        AssertClose(expected, c2, c2.Length, tol);
    }

    [Fact]
    public void GivesUpOnDenseInputAndThenRefusesTheTransposedProduct()
    {
        var rng = new Random(5);
        var x = SparseRandom<float>(rng, 100 * 784, 0.6);
        var w = SparseRandom<float>(rng, 784 * 50, 1.0);
        var s = new SparseProduct<float>();
        Assert.False(s.TryMultiply(x, 100, 784, w, new float[100 * 50], 50, maxDensity: 0.3, wide: false));
        Assert.False(s.IsValid);
        var e = Assert.Throws<InvalidOperationException>(() => s.MultiplyTransposedInto(new float[100 * 50], new float[784 * 50], 50));
        Assert.Contains("TryMultiply", e.Message);
    }

    [Fact]
    public void NaNInTheInputReachesTheOutput()
    {
        var x = new float[4 * 64];
        x[70] = float.NaN; // row 1, column 6
        var w = Enumerable.Repeat(1f, 64 * 16).ToArray();
        var c = new float[4 * 16];
        Assert.True(new SparseProduct<float>().TryMultiply(x, 4, 64, w, c, 16, 0.3, wide: false));
        Assert.All(c.AsSpan(16, 16).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(c.AsSpan(0, 16).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void AffineOnSparseInputMatchesNumericalGradients()
    {
        var rng = new Random(11);
        var x = Tensor<double>.ToSparseRows(new Tensor<double>(SparseRandom<double>(rng, 4 * 128, 0.15), 4, 128));
        var layer = new Affine<double>(Tensor<double>.RandomNormal(rng, 1.0, 128, 32), Tensor<double>.RandomNormal(rng, 1.0, 32));
        layer.Forward(x);
        Assert.True(x.SparseRows.Product!.IsValid); // the sparse kernel ran
        Nabla.Tests.Layers.LayerCheck.Run(layer, x, rng);
    }

    [Fact]
    public void AffineSparseAndDensePathsAgree()
    {
        var rng = new Random(12);
        var x = new Tensor<float>(SparseRandom<float>(rng, 100 * 784, 0.19), 100, 784);
        var w = Tensor<float>.RandomNormal(rng, 0.01f, 784, 50);
        var b = Tensor<float>.RandomNormal(rng, 0.01f, 50);
        var dout = Tensor<float>.RandomNormal(rng, 1f, 100, 50);
        var sparse = new Affine<float>(w, b);
        var dense = new Affine<float>(w, b) { Options = KernelOptions.Default with { MaxSparseDensity = 0 } };
        var xs = Tensor<float>.ToSparseRows(x);
        var ys = sparse.Forward(xs).Clone();
        Assert.True(xs.SparseRows.Product!.IsValid);
        var yd = dense.Forward(x);
        Assert.Equal(TensorLayout.Dense, x.Layout);
        Assert.True(ys.MaxAbsDifference(yd) < 1e-5);
        var dxs = sparse.Backward(dout).Clone();
        var dxd = dense.Backward(dout);
        Assert.True(sparse.DW.MaxAbsDifference(dense.DW) < 1e-4);
        Assert.True(sparse.DB.MaxAbsDifference(dense.DB) < 1e-5);
        Assert.True(dxs.MaxAbsDifference(dxd) < 1e-5);
    }

    [Fact]
    public void ACacheRunsMostlyZeroDenseInputSparseAndItsTransposedProductFromTheSameEntries()
    {
        var rng = new Random(13);
        var x = new Tensor<float>(SparseRandom<float>(rng, 100 * 784, 0.19), 100, 784);
        var w = Tensor<float>.RandomNormal(rng, 0.01f, 784, 50);
        var d = Tensor<float>.RandomNormal(rng, 1f, 100, 50);
        var cache = new MatMulCache<float>();
        var y = new Tensor<float>(100, 50);
        Tensor<float>.MatMul(x, w, y, KernelOptions.Default, cache);
        Assert.True(cache.LastProductWasSparse);
        var ySparse = new Tensor<float>(100, 50);
        Tensor<float>.MatMul(Tensor<float>.ToSparseRows(x), w, ySparse);
        Assert.Equal(ySparse.ToArray(), y.ToArray()); // the same entries in the same order as the sparse-row layout
        var dw = new Tensor<float>(784, 50);
        Tensor<float>.MatMul(x, d, dw, KernelOptions.Default, cache, transposeA: true);
        var dwSparse = new Tensor<float>(784, 50);
        Tensor<float>.MatMul(Tensor<float>.ToSparseRows(x), d, dwSparse, transposeA: true);
        Assert.Equal(dwSparse.ToArray(), dw.ToArray());
        // Off by the options, and skipped for a while after input too dense for it.
        Tensor<float>.MatMul(x, w, y, KernelOptions.Default with { MaxSparseDensity = 0 }, cache);
        Assert.False(cache.LastProductWasSparse);
        var dense = new Tensor<float>(SparseRandom<float>(rng, 100 * 784, 0.9), 100, 784);
        Tensor<float>.MatMul(dense, w, y, KernelOptions.Default, cache);
        Assert.False(cache.LastProductWasSparse);
        Tensor<float>.MatMul(x, w, y, KernelOptions.Default, cache);
        Assert.False(cache.LastProductWasSparse);
        Assert.True(y.AllClose(ySparse, 1e-4, 1e-5));
    }
}
