namespace Nabla.Tests.Tensors;

public class TensorTests
{
    private static Tensor<double> M(double[,] v) => Tensor.From(v);

    [Fact]
    public void ReshapeIsAViewAndInfersMinusOne()
    {
        var t = new Tensor<double>([1, 2, 3, 4, 5, 6], 2, 3);
        var r = t.Reshape(3, -1);
        r[0, 0] = 10;
        Assert.Equal(10, t[0, 0]);
        Assert.Equal([3, 2], r.Shape.ToArray());
        Assert.Equal([6], t.Flatten().Shape.ToArray());
    }

    [Fact]
    public void ReshapeToWrongSizeNamesBothShapes()
    {
        var t = Tensor<float>.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
    }

    [Fact]
    public void SliceAndRowAreViews()
    {
        var t = new Tensor<double>([0, 1, 2, 3, 4, 5, 6, 7], 4, 2);
        var s = t.Slice(1, 3);
        Assert.Equal([2, 2], s.Shape.ToArray());
        Assert.Equal([2.0, 3, 4, 5], s.ToArray());
        t.Row(3)[1] = 70;
        Assert.Equal(70, t[3, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(2, 5));
    }

    [Fact]
    public void TakeRowsGathersLikeBatchMask()
    {
        var t = new Tensor<float>([0, 1, 2, 3, 4, 5], 3, 2);
        var b = t.TakeRows([2, 0, 2]);
        Assert.Equal([4f, 5, 0, 1, 4, 5], b.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => t.TakeRows([3]));
    }

    /// <summary>A source past 8 MB takes the prefetching gather (MNIST's training images): same rows, and a bad index still named.</summary>
    [Fact]
    public void TakeRowsFromALargeSourceCopiesTheRightRows()
    {
        int n = 3000, d = 784;
        var t = new Tensor<float>(Enumerable.Range(0, n * d).Select(i => (float)i).ToArray(), n, d);
        int[] rows = [2999, 0, 17, 17, 1500, 42, 2998, 1];
        var b = t.TakeRows(rows);
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < d; j++) Assert.Equal((float)(rows[i] * d + j), b[i, j]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.TakeRows([5, 3000]));
        Assert.Contains("Index 3000 at position 1", e.Message);
    }

    /// <summary>
    /// Short rows out of a source past 1 MB (one-hot targets, 60,000 × 10) take the prefetching gather too, asking for
    /// more rows ahead: the same rows in every case, from 1 row to more than it asks ahead, float and double.
    /// </summary>
    [Theory]
    [InlineData(10, 1)]
    [InlineData(10, 7)]
    [InlineData(10, 100)]
    [InlineData(5, 50)]
    [InlineData(63, 33)]
    public void TakeRowsOfShortRowsFromALargeSourceCopiesTheRightRows(int d, int count)
    {
        int n = 60_000;
        Assert.True(Nabla.Kernels.RowGather<float>.Worthwhile((long)n * d, d));
        var rng = new Random(d * 1000 + count);
        int[] rows = Enumerable.Range(0, count).Select(i => i == 0 ? n - 1 : rng.Next(n)).ToArray();
        var f = new Tensor<float>(Enumerable.Range(0, n * d).Select(i => (float)i).ToArray(), n, d);
        var g = new Tensor<double>(Enumerable.Range(0, n * d).Select(i => (double)-i).ToArray(), n, d);
        var bf = f.TakeRows(rows);
        var bg = g.TakeRows(rows);
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < d; j++)
            {
                Assert.Equal((float)(rows[i] * d + j), bf[i, j]);
                Assert.Equal(-(double)(rows[i] * d + j), bg[i, j]);
            }
        Assert.False(Nabla.Kernels.RowGather<float>.Worthwhile(100 * 10, 10)); // a small source: the plain copy
    }

    [Fact]
    public void TransposeSwapsAxesAndPermutes()
    {
        var a = M(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var t = a.Transpose();
        Assert.Equal([3, 2], t.Shape.ToArray());
        Assert.Equal([1.0, 4, 2, 5, 3, 6], t.ToArray());
        var x = new Tensor<double>(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        var p = x.Transpose(2, 0, 1);
        Assert.Equal([4, 2, 3], p.Shape.ToArray());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            Assert.Equal(x[i, j, k], p[k, i, j]);
    }

    [Fact]
    public void BroadcastsBiasRowAndColumn()
    {
        var a = M(new double[,] { { 1, 2 }, { 3, 4 } });
        var row = Tensor.From(10.0, 20.0);
        Assert.Equal([11.0, 22, 13, 24], (a + row).ToArray());
        var col = new Tensor<double>([100, 200], 2, 1);
        Assert.Equal([101.0, 102, 203, 204], (a + col).ToArray());
        Assert.Equal([2.0, 4, 6, 8], (a * 2.0).ToArray());
        Assert.Equal([0.5, 1, 1.5, 2], (a / 2.0).ToArray());
        Assert.Equal([-9.0, -18, -7, -16], (a - row).ToArray());
    }

    [Fact]
    public void BroadcastMismatchNamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 3) + Tensor<float>.Zeros(2));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(2,)", e.Message);
    }

    [Fact]
    public void ReductionsAlongAxes()
    {
        var a = M(new double[,] { { 1, 5, 3 }, { 4, 2, 6 } });
        Assert.Equal(21, a.Sum());
        Assert.Equal([5.0, 7, 9], a.Sum(0).ToArray());
        Assert.Equal([9.0, 12], a.Sum(1).ToArray());
        Assert.Equal([2, 1], a.Sum(1, keepDims: true).Shape.ToArray());
        Assert.Equal([4.0, 5, 6], a.Max(0).ToArray());
        Assert.Equal([5.0, 6], a.Max(-1).ToArray());
        Assert.Equal([1, 2], a.ArgMax(1));
        Assert.Equal([1, 0, 1], a.ArgMax(0));
        Assert.Equal(5, a.ArgMax());
        Assert.Equal(3.5, a.Mean());
        var x = new Tensor<double>(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        var s = x.Sum(1);
        Assert.Equal([2, 4], s.Shape.ToArray());
        Assert.Equal(0 + 4 + 8, s[0, 0]);
        Assert.Equal(15 + 19 + 23, s[1, 3]);
    }

    [Fact]
    public void MatMulFollowsNumpyDotAndNamesShapesOnMismatch()
    {
        var x = Tensor.From(1.0, 2.0);
        var w = M(new double[,] { { 1, 3, 5 }, { 2, 4, 6 } });
        Assert.Equal([5.0, 11, 17], Tensor.Dot(x, w).ToArray()); // the book's ch03 example
        var a = M(new double[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal([19.0, 22, 43, 50], a.Dot(M(new double[,] { { 5, 6 }, { 7, 8 } })).ToArray());
        Assert.Equal(0, Tensor.Dot(x, Tensor.From(2.0, -1.0)).Rank);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Dot(w, w));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void MatMulIntoHonoursTransposes()
    {
        var rng = new Random(1);
        var a = Tensor<double>.RandomNormal(rng, 1, 4, 3);
        var b = Tensor<double>.RandomNormal(rng, 1, 4, 5);
        var d = Tensor<double>.Zeros(3, 5);
        Tensor<double>.MatMul(a, b, d, transposeA: true);
        Assert.True(d.AllClose(a.Transpose().Dot(b), 1e-12));
        var c = Tensor<double>.RandomNormal(rng, 1, 5, 3);
        var d2 = Tensor<double>.Zeros(4, 4);
        Tensor<double>.MatMul(b.Dot(c), a, d2, transposeB: true);
        Assert.True(d2.AllClose(b.Dot(c).Dot(a.Transpose()), 1e-12));
    }

    [Fact]
    public void RandomIsSeededAndRoughlyNormal()
    {
        var a = Tensor<double>.RandomNormal(42, 10000);
        var b = Tensor<double>.RandomNormal(42, 10000);
        Assert.True(a.AllClose(b, 0, 0));
        Assert.InRange(a.Mean(), -0.05, 0.05);
        Assert.InRange((a * a).Mean(), 0.95, 1.05);
        var u = Tensor<float>.RandomUniform(new Random(3), -1f, 1f, 1000);
        Assert.All(u.ToArray(), v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void AllCloseUsesTolerance()
    {
        var a = Tensor.From(1.0, 2.0);
        Assert.True(a.AllClose(Tensor.From(1.0 + 1e-9, 2.0)));
        Assert.False(a.AllClose(Tensor.From(1.001, 2.0)));
        Assert.False(a.AllClose(Tensor.From(1.0, 2.0, 3.0)));
    }

    [Fact]
    public void ToStringLooksLikeNumpy()
    {
        Assert.Equal("[[1.  2.5]\n [3.  4. ]]", M(new double[,] { { 1, 2.5 }, { 3, 4 } }).ToString());
        Assert.Equal("[1. 2. 3.]", Tensor.From(1.0, 2.0, 3.0).ToString());
        Assert.Equal("[0.01821127 0.24519181 0.73659691]", Tensor.From(0.01821127, 0.24519181, 0.73659691).ToString());
        Assert.Equal("[1.e-05 1.e+00]", Tensor.From(1e-5, 1.0).ToString());
        Assert.Contains("...", Tensor<float>.Zeros(2000).ToString());
    }

    [Fact]
    public void CastConvertsBetweenFloatAndDouble()
    {
        var d = Tensor.From(1.5, -2.25);
        var f = d.Cast<float>();
        Assert.Equal([1.5f, -2.25f], f.ToArray());
        Assert.Equal(d.ToArray(), f.Cast<double>().ToArray());
    }

    [Fact]
    public void IndexingChecksRankAndRange()
    {
        var t = Tensor<double>.Zeros(2, 2);
        Assert.Throws<ArgumentException>(() => t[0]);
        Assert.Throws<IndexOutOfRangeException>(() => t[0, 2]);
        Assert.Equal(0, t[-1, -1]);
    }
}
