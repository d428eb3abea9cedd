using Nabla.Kernels;

namespace Nabla.Tests.Tensors;

/// <summary>The sparse-row layout: round trips, views, what it refuses, and MatMul's dispatch on it.</summary>
public class SparseRowTensorTests
{
    private static Tensor<double> Mostly0(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var x = new Tensor<double>(rows, cols);
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) if (rng.NextDouble() < 0.2) s[i] = rng.NextDouble() - 0.5;
        return x;
    }

    [Fact]
    public void CompressingKeepsEveryValueAndOnlyTheNonZeros()
    {
        var x = Mostly0(7, 37, 1);
        x[0, 36] = -0.0; // a negative zero is a zero
        var s = Tensor<double>.ToSparseRows(x);
        Assert.Equal(TensorLayout.SparseRows, s.Layout);
        Assert.Equal(x.Shape.ToArray(), s.Shape.ToArray());
        Assert.Equal(x.ToArray(), s.ToDense().ToArray());
        Assert.Equal(x.CountNonZeros(), s.CountNonZeros());
        Assert.Equal(s.SparseRows.NonZeros, s.SparseRows.Values.Length);
        Assert.DoesNotContain(0.0, s.SparseRows.Values.ToArray());
        for (int i = 0; i < 7; i++)
        {
            var cols = s.SparseRows.ColumnIndices[s.SparseRows.RowStart(i)..s.SparseRows.RowEnd(i)].ToArray();
            Assert.Equal(cols.Order(), cols); // column order within a row
        }
        var plain = Mostly0(3, 5, 4);
        Assert.Equal(plain.ToString(), Tensor<double>.ToSparseRows(plain).ToString());
        Assert.Equal("0", s.ToDense()[0, 36].ToString(System.Globalization.CultureInfo.InvariantCulture)); // a negative zero is no entry: it reads back as +0
    }

    [Fact]
    public void ARowViewKeepsTheRowsAndOtherViewsAreRefusedClearly()
    {
        var s = Tensor<double>.ToSparseRows(Mostly0(4, 12, 2).Reshape(4, 3, 4));
        Assert.Equal(new[] { 4, 12 }, s.AsMatrix().Shape.ToArray());
        Assert.Same(s.SparseRows, s.AsMatrix().SparseRows);
        Assert.Contains("sparse rows", Assert.Throws<InvalidOperationException>(() => s.Span.Length).Message);
        Assert.Contains("keeps its rows", Assert.Throws<InvalidOperationException>(() => s.Reshape(2, 24)).Message);
        Assert.Throws<InvalidOperationException>(() => s.Slice(0, 1));
        Assert.Throws<InvalidOperationException>(() => s[0, 0, 0]);
        Assert.Throws<InvalidOperationException>(() => new Tensor<double>(3).SparseRows);
        Assert.Throws<ArgumentException>(() => Tensor<double>.FromSparseRows(new SparseRowStorage<double>(5), 4, 6));
        Assert.Throws<ArgumentException>(() => s.CompressFrom(new Tensor<double>(4, 11)));
    }

    [Fact]
    public void MatMulDispatchesOnTheLayoutAndRefusesSparseWhereItCannotUseIt()
    {
        var x = Mostly0(30, 64, 3);
        var w = Tensor<double>.RandomNormal(4, 64, 20);
        var d = Tensor<double>.RandomNormal(5, 30, 20);
        var s = Tensor<double>.ToSparseRows(x);
        var y = new Tensor<double>(30, 20);
        Tensor<double>.MatMul(s, w, y);
        Assert.True(y.AllClose(Tensor<double>.MatMul(x, w), 1e-12, 1e-12));
        var dw = new Tensor<double>(64, 20);
        Tensor<double>.MatMul(s, d, dw, transposeA: true); // no forward product before it on this storage version
        var expect = new Tensor<double>(64, 20);
        Tensor<double>.MatMul(x, d, expect, transposeA: true);
        Assert.True(dw.AllClose(expect, 1e-12, 1e-12));
        // After a refill, the transposed product sees the new entries, not the old block tables.
        var x2 = Mostly0(30, 64, 9);
        s.CompressFrom(x2);
        Tensor<double>.MatMul(s, d, dw, transposeA: true);
        Tensor<double>.MatMul(x2, d, expect, transposeA: true);
        Assert.True(dw.AllClose(expect, 1e-12, 1e-12));
        Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(w.Transpose(), s, new Tensor<double>(20, 64)));
        Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(s, w, y, accumulate: true));
        Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(s, w));
        Assert.Throws<ArgumentException>(() => Tensor<double>.MatMul(s, w, y, KernelOptions.Default, transposeB: true));
    }

    [Fact]
    public void AnEmptyOrBlankBatchGivesZeros()
    {
        var s = Tensor<float>.ToSparseRows(new Tensor<float>(3, 40));
        Assert.Equal(0, s.SparseRows.NonZeros);
        var y = Tensor<float>.Full(7f, 3, 20);
        Tensor<float>.MatMul(s, Tensor<float>.Ones(40, 20), y);
        Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
    }
}
