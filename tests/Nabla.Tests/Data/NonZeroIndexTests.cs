using System.Numerics;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Tests.Data;

/// <summary>
/// The index of non-zero pixels, and batches in sparse rows gathered from it instead of converted and compressed:
/// a first Affine layer must give the very values of the compressed gathered batch, bit for bit.
/// </summary>
public class NonZeroIndexTests
{
    [Theory]
    [InlineData(40, 50, null)]   // three whole groups of 16 and a partial one, one task
    [InlineData(40, 50, 3)]      // the same split into three ranges of images
    [InlineData(1500, 784, null)] // MNIST's width, over a megabyte: one task per core
    [InlineData(1500, 784, 7)]
    [InlineData(5, 17, 9)]       // more tasks asked for than images
    public void IndexHoldsEveryNonZeroPixelInColumnOrderWithGroupStarts(int n, int width, int? tasks)
    {
        var bytes = DataTestFiles.SparseBytes(n, width, 1);
        var index = NonZeroIndex.Build(bytes, width, tasks)!;
        Assert.Equal(n, index.Count);
        Assert.Equal((width + 15) / 16, index.Groups);
        for (int i = 0; i < n; i++)
        {
            var row = bytes.AsSpan(i * width, width);
            var rebuilt = new byte[width];
            int s = index.Start[i], e = index.Start[i + 1];
            for (int p = s; p < e; p++)
            {
                Assert.NotEqual(0, index.Values[p]);
                if (p > s) Assert.True(index.Cols[p] > index.Cols[p - 1]);
                rebuilt[index.Cols[p]] = index.Values[p];
            }
            Assert.Equal(row.ToArray(), rebuilt);
            for (int g = 0; g <= index.Groups; g++)
            {
                int below = 0;
                for (int j = 0; j < Math.Min(width, g * NonZeroIndex.Group); j++) if (row[j] != 0) below++;
                Assert.Equal(below, index.GroupStarts[i * (index.Groups + 1) + g]);
            }
        }
        Assert.Equal(0, index.Start[1] - index.Start[0]);
        Assert.Equal(width, index.Start[2] - index.Start[1]);
        Assert.Equal(bytes.Count(b => b != 0), index.Start[n]);
        Assert.Equal(index.Start[n], index.Cols.Length);
        Assert.Equal(bytes.Count(b => b != 0), NonZeroIndex.CountNonZeros(bytes));
    }

    [Fact]
    public void OnlySparseEnoughImagesAreIndexed()
    {
        var sparse = new ByteImages<float>(DataTestFiles.SparseBytes(30, 64, 2), [30, 64]);
        var dense = new ByteImages<float>(Enumerable.Range(0, 30 * 64).Select(i => (byte)(i % 2 == 0 ? 0 : 9)).ToArray(), [30, 64]);
        Assert.NotNull(sparse.NonZeros(0.3));
        Assert.Same(sparse.NonZeros(0.3), sparse.NonZeros(0.5));
        Assert.Null(sparse.NonZeros(0));
        Assert.Null(dense.NonZeros(0.3)); // half non-zero
        Assert.NotNull(dense.NonZeros(0.6));
        Assert.Null(NonZeroIndex.Build(new byte[70_000], 70_000)); // columns past a ushort
    }

    /// <summary>Random weights, bias and upstream gradient for an Affine of <paramref name="d"/> × <paramref name="m"/>.</summary>
    private static (Affine<T> Layer, Tensor<T> Dout) MakeAffine<T>(int d, int m, int rows, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var layer = new Affine<T>(Tensor<T>.RandomNormal(rng, T.CreateChecked(0.1), d, m), Tensor<T>.RandomNormal(rng, T.CreateChecked(0.1), m));
        return (layer, Tensor<T>.RandomNormal(rng, T.One, rows, m));
    }

    public static TheoryData<int, int, int, bool> AffineCases => new()
    {
        { 200, 50, 1, true },    // one image, one task
        { 200, 50, 7, true },
        { 200, 50, 100, true },  // a training batch: shared among the cores
        { 200, 130, 300, false }, // wider output: smaller blocks of W; raw byte values
        { 784, 50, 1000, true }, // an accuracy block of MNIST-sized images
    };

    [Theory]
    [MemberData(nameof(AffineCases))]
    public void AffineFromTheIndexGivesTheGatheredValuesBitForBit(int d, int m, int rows, bool normalize)
    {
        Check<float>(d, m, rows, normalize);
        Check<double>(d, m, rows, normalize);
    }

    private static void Check<T>(int d, int m, int rows, bool normalize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var images = new ByteImages<T>(DataTestFiles.SparseBytes(Math.Max(rows, 20), d, d + rows), [Math.Max(rows, 20), d], normalize);
        var rng = new Random(rows);
        // The blank image, the full one (when the batch is big enough for the gathered path to stay sparse), then random with repeats.
        var mask = Enumerable.Range(0, rows).Select(i => i < (rows >= 100 ? 2 : 1) ? i : rng.Next(2, images.Count)).ToArray();
        var x = new Tensor<T>(images.ShapeOfRows(rows));
        images.Gather(mask, x);
        var xs = Tensor<T>.ToSparseRows(x);
        var (gathered, dout) = MakeAffine<T>(d, m, rows, 5);
        var (indexed, _) = MakeAffine<T>(d, m, rows, 5);
        Assert.True(indexed.Accepts(TensorLayout.SparseRows));
        var xi = SparseBatch(images, rows);
        images.Gather(mask, xi);
        Assert.Equal(xs.SparseRows.ColumnIndices.ToArray(), xi.SparseRows.ColumnIndices.ToArray());
        Assert.Equal(xs.SparseRows.Values.ToArray(), xi.SparseRows.Values.ToArray());
        var expect = gathered.Forward(xs).ToArray();
        Assert.Equal(TensorLayout.SparseRows, xs.Layout);
        Assert.Equal(expect, indexed.Forward(xi).ToArray());
        var dxExpect = gathered.Backward(dout);
        var dx = indexed.Backward(dout);
        Assert.Equal(gathered.DW.ToArray(), indexed.DW.ToArray());
        Assert.Equal(gathered.DB.ToArray(), indexed.DB.ToArray());
        Assert.Equal(dxExpect.Shape.ToArray(), dx.Shape.ToArray());
        Assert.Equal(dxExpect.ToArray(), dx.ToArray());
    }

    /// <summary>
    /// However a product's rows are shared out among tasks (equal blocks for a training batch, shrinking blocks from 256
    /// rows on), every row of C is the row a batch of that one image gives, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(1000)]
    [InlineData(1037)]
    public void EveryRowOfABigBatchIsTheRowOfItsImageAlone(int rows)
    {
        const int d = 784, m = 50;
        var images = new ByteImages<float>(DataTestFiles.SparseBytes(rows, d, rows), [rows, d]);
        var (layer, _) = MakeAffine<float>(d, m, rows, 9);
        var (single, _) = MakeAffine<float>(d, m, 1, 9);
        var batch = SparseBatch(images, rows);
        images.Gather(Enumerable.Range(0, rows).Reverse().ToArray(), batch);
        var all = layer.Forward(batch).ToArray();
        var one = SparseBatch(images, 1);
        for (int i = 0; i < rows; i++)
        {
            images.Gather([rows - 1 - i], one);
            Assert.Equal(all.AsSpan(i * m, m).ToArray(), single.Forward(one).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(AffineCases))]
    public void ABatchGatheredByTheProductsTasksIsTheGatheredBatch(int d, int m, int rows, bool normalize)
    {
        DeferredCheck<float>(d, m, rows, normalize);
        DeferredCheck<double>(d, m, rows, normalize);
    }

    /// <summary>
    /// The entries of a gathered batch are written by the first product's tasks (each its own rows): its forward, backward
    /// and entries afterwards are those of the compressed converted batch, and a batch refilled before use is the new batch.
    /// </summary>
    private static void DeferredCheck<T>(int d, int m, int rows, bool normalize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var images = new ByteImages<T>(DataTestFiles.SparseBytes(Math.Max(rows, 20), d, d * 3 + rows), [Math.Max(rows, 20), d], normalize);
        var rng = new Random(rows + 1);
        var first = Enumerable.Range(0, rows).Select(_ => rng.Next(images.Count)).ToArray();
        var mask = Enumerable.Range(0, rows).Select(_ => rng.Next(images.Count)).ToArray();
        var x = new Tensor<T>(images.ShapeOfRows(rows));
        images.Gather(mask, x);
        var xs = Tensor<T>.ToSparseRows(x);
        var (compressed, dout) = MakeAffine<T>(d, m, rows, 9);
        var (indexed, _) = MakeAffine<T>(d, m, rows, 9);
        var xi = SparseBatch(images, rows);
        images.Gather(first, xi);     // overwritten unread: the pending rows are the second batch's
        images.Gather(mask, xi);
        Assert.NotNull(xi.SparseRows.PendingFill);
        Assert.Equal(xs.SparseRows.NonZeros, xi.SparseRows.NonZeros);
        Assert.Equal(compressed.Forward(xs).ToArray(), indexed.Forward(xi).ToArray());
        Assert.Null(xi.SparseRows.PendingFill);
        Assert.Equal(compressed.Backward(dout).ToArray(), indexed.Backward(dout).ToArray());
        Assert.Equal(compressed.DW.ToArray(), indexed.DW.ToArray());
        Assert.Equal(xs.SparseRows.ColumnIndices.ToArray(), xi.SparseRows.ColumnIndices.ToArray());
        Assert.Equal(xs.SparseRows.Values.ToArray(), xi.SparseRows.Values.ToArray());
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(xs.SparseRows.RowStart(i), xi.SparseRows.RowStart(i));
            Assert.Equal(xs.SparseRows.RowEnd(i), xi.SparseRows.RowEnd(i));
        }
        // Read before any product: the reader writes the pending rows.
        images.Gather(first, xi);
        var dense = new Tensor<T>(images.ShapeOfRows(rows));
        images.Gather(first, dense);
        Assert.Equal(dense.ToArray(), xi.ToDense().ToArray());
        // A transposed product first (no forward product before it) writes them too.
        images.Gather(mask, xi);
        var xt = new Tensor<T>(d, m);
        Tensor<T>.MatMul(xi, dout, xt, KernelOptions.Default, transposeA: true);
        var xtExpect = new Tensor<T>(d, m);
        Tensor<T>.MatMul(Tensor<T>.ToSparseRows(x), dout, xtExpect, KernelOptions.Default, transposeA: true);
        Assert.Equal(xtExpect.ToArray(), xt.ToArray());
    }

    /// <summary>An empty batch of <paramref name="rows"/> images in sparse rows, to gather into.</summary>
    private static Tensor<T> SparseBatch<T>(ByteImages<T> images, int rows) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.FromSparseRows(new SparseRowStorage<T>(images.RowSize), images.ShapeOfRows(rows));

    [Fact]
    public void ImagesOfAnyShapeGiveTheirGradientBackInThatShape()
    {
        var images = new ByteImages<double>(DataTestFiles.SparseBytes(12, 200, 7), [12, 1, 10, 20]);
        var (layer, dout) = MakeAffine<double>(200, 24, 3, 1);
        var x = SparseBatch(images, 3);
        images.Gather([4, 0, 11], x);
        layer.Forward(x);
        Assert.Equal(new[] { 3, 1, 10, 20 }, layer.Backward(dout).Shape.ToArray());
    }

    [Fact]
    public void BadInputIsRejectedWithAClearMessage()
    {
        var images = new ByteImages<float>(DataTestFiles.SparseBytes(10, 200, 3), [10, 200]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => images.Gather([3, 10], SparseBatch(images, 2)));
        Assert.Contains("Index 10 at position 1", e.Message);
        var (narrow, _) = MakeAffine<float>(100, 50, 2, 1);
        var one = SparseBatch(images, 1);
        images.Gather([0], one);
        Assert.Contains("(1, 200)", Assert.Throws<ArgumentException>(() => narrow.Forward(one)).Message);
        Assert.False(new Affine<float>(new Tensor<float>(200, 10), new Tensor<float>(10)).Accepts(TensorLayout.SparseRows)); // too narrow to pay
        var net = new TwoLayerNet<float>(200, 50, 10);
        Assert.True(net.TakesSparseRows(images.Density, KernelOptions.Default));
        Assert.False(net.TakesSparseRows(images.Density, KernelOptions.Default with { MaxSparseDensity = 0 }));
        var dense = new ByteImages<float>(Enumerable.Repeat((byte)7, 10 * 200).ToArray(), [10, 200]);
        Assert.False(net.TakesSparseRows(dense.Density, KernelOptions.Default));
        Assert.Contains("sparse rows", Assert.Throws<InvalidOperationException>(() => one.Span.ToArray()).Message);
    }

    /// <summary>Four classes; class c lights about 60 % of the pixels of band c of the image and 8 % elsewhere (about 20 % in all).</summary>
    private static (ByteImages<float> X, Tensor<float> T) SparseBands(int n, int width, int seed) => Synthetic.SparseBands(n, width, seed, offBand: 0.08);

    [Fact]
    public void NetworkGradientAndPredictionsFromTheIndexEqualTheGatheredOnes()
    {
        var (x, t) = SparseBands(150, 160, 1);
        var a = new TwoLayerNet<float>(160, 50, 4, rng: new Random(2));
        var b = new TwoLayerNet<float>(160, 50, 4, rng: new Random(2));
        Assert.True(a.TakesSparseRows(x.Density, KernelOptions.Default));
        int[] mask = [5, 17, 17, 140, 0, 99, 63];
        var xb = new Tensor<float>(x.ShapeOfRows(mask.Length));
        x.Gather(mask, xb);
        var xi = SparseBatch(x, mask.Length);
        x.Gather(mask, xi);
        var tb = new Tensor<float>(mask.Length, 4);
        Batches.Gather(t, mask, tb);
        var expect = b.Gradient(Tensor<float>.ToSparseRows(xb), tb);
        var got = a.Gradient(xi, tb);
        Assert.Equal(b.LastLoss, a.LastLoss);
        foreach (var (name, g) in expect) Assert.Equal(g.ToArray(), got[name].ToArray());
        Assert.Equal(b.Predict(Tensor<float>.ToSparseRows(xb)).ToArray(), a.Predict(xi).ToArray());
        // A network that does not start with an Affine layer takes dense batches only.
        var conv = new SimpleConvNet<float>(1, 10, 16, filterNum: 2, filterSize: 3, hiddenSize: 8, outputSize: 4, rng: new Random(1));
        Assert.False(conv.Accepts(TensorLayout.SparseRows));
        Assert.False(conv.TakesSparseRows(x.Density, KernelOptions.Default));
        Assert.Throws<InvalidOperationException>(() => conv.Predict(Tensor<float>.FromSparseRows(xi.SparseRows, mask.Length, 1, 10, 16)));
    }

    [Fact]
    public void TrainingFromTheIndexGivesTheSameRunAsFromTheConvertedTensors()
    {
        var (x, t) = SparseBands(400, 160, 1);
        var (xt, tt) = SparseBands(150, 160, 2);
        // Epochs of 4 iterations, so the accuracy passes run often; evaluated on 350 of the 400 in batches of 1000.
        var options = new TrainerOptions { Iterations = 60, BatchSize = 100, Seed = 4, EvaluationSampleSize = 350 };
        var a = new TwoLayerNet<float>(160, 50, 4, rng: new Random(3));
        var b = new TwoLayerNet<float>(160, 50, 4, rng: new Random(3));
        Assert.True(a.TakesSparseRows(x.Density, KernelOptions.Default) && a.TakesSparseRows(xt.Density, KernelOptions.Default));
        var fromIndex = new Trainer<float>(a, new Sgd<float>(0.5), x, t, xt, tt, options).Train();
        var fromTensors = new Trainer<float>(b, new Sgd<float>(0.5), x.ToTensor(), t, xt.ToTensor(), tt, options).Train();
        Assert.Equal(fromTensors.Loss, fromIndex.Loss);
        Assert.Equal(fromTensors.Epochs.Select(e => (e.TrainAccuracy, e.TestAccuracy)), fromIndex.Epochs.Select(e => (e.TrainAccuracy, e.TestAccuracy)));
        Assert.True(fromIndex.Epochs[^1].TestAccuracy > 0.9, $"test accuracy {fromIndex.Epochs[^1].TestAccuracy}");
        Assert.Equal(a.Params["W1"].ToArray(), b.Params["W1"].ToArray());
        // Accuracy in blocks that leave a short last one, and on a prefix.
        Assert.Equal(a.Accuracy(xt.ToTensor(), tt, batchSize: 64), a.Accuracy(xt, tt, batchSize: 64));
        Assert.Equal(a.Accuracy(xt.ToTensor().Slice(0, 70), tt.Slice(0, 70)), a.Accuracy(xt, tt, batchSize: 32, count: 70));
    }
}
