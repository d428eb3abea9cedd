using Nabla.Data;

namespace Nabla.Tests.Data;

public class BatchesTests
{
    [Fact]
    public void GatherCopiesRowsInMaskOrder()
    {
        var src = new Tensor<double>(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), 4, 3);
        var dst = new Tensor<double>(3, 3);
        Batches.Gather(src, [2, 0, 2], dst);
        Assert.Equal(new double[] { 6, 7, 8, 0, 1, 2, 6, 7, 8 }, dst.Span.ToArray());
    }

    [Fact]
    public void GatherWorksOnImageShapedTensors()
    {
        var src = new Tensor<float>(Enumerable.Range(0, 3 * 4).Select(i => (float)i).ToArray(), 3, 1, 2, 2);
        var dst = new Tensor<float>(2, 1, 2, 2);
        Batches.Gather(src, [1, 2], dst);
        Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }, dst.Span.ToArray());
    }

    [Fact]
    public void GatherChecksShapesAndIndices()
    {
        var src = new Tensor<float>(4, 3);
        var e = Assert.Throws<ArgumentException>(() => Batches.Gather(src, [0, 1], new Tensor<float>(2, 4)));
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("(2, 4)", e.Message);
        Assert.Throws<ArgumentException>(() => Batches.Gather(src, [0, 1], new Tensor<float>(3, 3)));
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => Batches.Gather(src, [0, 4], new Tensor<float>(2, 3)));
        Assert.Contains("Index 4 at position 1", r.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Batches.Gather(src, [-1], new Tensor<float>(1, 3)));
    }

    [Fact]
    public void ChoiceIsSeededWithReplacementAndInRange()
    {
        var a = Batches.Choice(new Random(42), 10, 1000);
        var b = Batches.Choice(new Random(42), 10, 1000);
        Assert.Equal(a, b);
        Assert.All(a, i => Assert.InRange(i, 0, 9));
        Assert.Equal(10, a.Distinct().Count());
        // with replacement: drawing 5 from 3 must repeat
        Assert.True(Batches.Choice(new Random(1), 3, 5).Distinct().Count() < 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Batches.Choice(new Random(1), 0, 5));
    }

    [Fact]
    public void GatherLabels()
    {
        Span<int> dst = stackalloc int[3];
        Batches.Gather([5, 0, 4, 1], [3, 3, 0], dst);
        Assert.Equal(new[] { 1, 1, 5 }, dst.ToArray());
    }

    [Fact]
    public void MiniBatchReusesItsTensors()
    {
        var x = new Tensor<float>(Enumerable.Range(0, 10 * 4).Select(i => (float)i).ToArray(), 10, 4);
        var t = new Tensor<float>(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), 10);
        var mb = new MiniBatch<float>(x, t, 3);
        var xb = mb.XBatch;
        mb.Sample(new Random(7));
        Assert.Same(xb, mb.XBatch);
        Assert.Equal(new[] { 3, 4 }, mb.XBatch.Shape.ToArray());
        Assert.Equal(new[] { 3 }, mb.TBatch.Shape.ToArray());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(mb.Rows[i], (int)mb.TBatch.Span[i]);
            Assert.Equal(mb.Rows[i] * 4 + 2, mb.XBatch.Span[i * 4 + 2]);
        }
        mb.Sequential(9);
        Assert.Equal(new[] { 9, 0, 1 }, mb.Rows);
        Assert.Throws<ArgumentException>(() => new MiniBatch<float>(x, new Tensor<float>(9), 3));
    }
}
