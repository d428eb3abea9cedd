using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Tests.Data;

public class ByteImagesTests
{
    /// <summary>Every byte value, then some more so that the vector loops leave a scalar tail.</summary>
    private static byte[] AllBytes(int extra) => Enumerable.Range(0, 256 + extra).Select(i => (byte)(i * 37 % 256)).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConvertsToExactlyTheLoadersValues(bool normalize)
    {
        var bytes = AllBytes(13); // 269 values: 33 vectors of 8 floats and 5 left over
        var images = new IdxImages(bytes, 1, 1, bytes.Length);
        var expectF = MnistLoader.ImagesToTensor<float>(images, normalize).ToArray();
        var expectD = MnistLoader.ImagesToTensor<double>(images, normalize).ToArray();
        Assert.Equal(expectF, new ByteImages<float>(bytes, [1, bytes.Length], normalize).ToTensor().ToArray());
        Assert.Equal(expectD, new ByteImages<double>(bytes, [1, bytes.Length], normalize).ToTensor().ToArray());
        if (normalize) Assert.Equal(1f, expectF[Array.IndexOf(bytes, (byte)255)]);
    }

    [Fact]
    public void GatherAndCopyRowsMatchTheConvertedTensor()
    {
        var rng = new Random(3);
        var bytes = new byte[50 * 29];
        rng.NextBytes(bytes);
        var images = new ByteImages<float>(bytes, [50, 29]);
        var all = images.ToTensor();
        int[] rows = [49, 0, 7, 7, 23, 48, 1, 30, 12, 11, 5]; // more than the rows prefetched ahead
        var dst = new Tensor<float>(rows.Length, 29);
        images.Gather(rows, dst);
        Assert.Equal(all.TakeRows(rows).ToArray(), dst.ToArray());
        var block = new Tensor<float>(4, 29);
        images.CopyRows(46, block);
        Assert.Equal(all.Slice(46, 50).ToArray(), block.ToArray());
        Assert.Equal(all.Slice(3, 5).ToArray(), images.Rows(3, 2).ToArray());
    }

    [Fact]
    public void LargeBatchesSharedAmongTheCoresMatchTheConvertedTensor()
    {
        // 100 rows of 784 bytes (78 KB) are past the size from which the rows are split between the cores.
        var bytes = new byte[300 * 784];
        new Random(4).NextBytes(bytes);
        var images = new ByteImages<float>(bytes, [300, 784]);
        var all = MnistLoader.ImagesToTensor<float>(new IdxImages(bytes, 300, 28, 28));
        var rows = Nabla.Data.Batches.Choice(new Random(5), 300, 101);
        var dst = new Tensor<float>(101, 784);
        images.Gather(rows, dst);
        Assert.Equal(all.TakeRows(rows).ToArray(), dst.ToArray());
        var block = new Tensor<float>(250, 784);
        images.CopyRows(50, block);
        Assert.Equal(all.Slice(50, 300).ToArray(), block.ToArray());
        var d = new ByteImages<double>(bytes, [300, 784], normalize: false).Rows(7, 120);
        Assert.Equal(MnistLoader.ImagesToTensor<double>(new IdxImages(bytes, 300, 28, 28), normalize: false).Slice(7, 127).ToArray(), d.ToArray());
    }

    [Fact]
    public void ImageShapeCanChangeAndNamesTheProblemWhenItCannot()
    {
        var images = new ByteImages<double>(new byte[3 * 16], [3, 16], normalize: false);
        var square = images.WithImageShape(1, 4, 4);
        Assert.Equal([3, 1, 4, 4], square.Shape.ToArray());
        Assert.Equal([2, 1, 4, 4], square.ShapeOfRows(2));
        Assert.Equal(16, square.RowSize);
        var e = Assert.Throws<ArgumentException>(() => images.WithImageShape(1, 5, 5));
        Assert.Contains("16 values", e.Message);
    }

    [Fact]
    public void TheNonZeroIndexIsBuiltOnRequestOnlyForSparseEnoughImages()
    {
        // 20 of every 100 pixels non-zero: indexed under a 0.3 limit, not under 0.1.
        var bytes = new byte[40 * 100];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = i % 5 == 0 ? (byte)(1 + i % 250) : (byte)0;
        var images = new ByteImages<float>(bytes, [40, 100]);
        Assert.False(images.BuildNonZeroIndex(0.1));
        Assert.False(images.BuildNonZeroIndex(0));
        Assert.True(images.BuildNonZeroIndex(0.3));
        // Built once: a sparse-row gather reads it and gives the converted rows.
        var batch = Tensor<float>.FromSparseRows(new SparseRowStorage<float>(100), [3, 100]);
        images.Gather([4, 0, 39], batch);
        Assert.Equal(images.Rows(4, 1).ToArray().Concat(images.Rows(0, 1).ToArray()).Concat(images.Rows(39, 1).ToArray()), batch.ToDense().ToArray());
        // Images wider than a sparse row can index are never indexed.
        Assert.False(new ByteImages<float>(new byte[2 * 70_000], [2, 70_000]).BuildNonZeroIndex(1.0));
    }

    [Fact]
    public void BadInputIsRejectedWithAClearMessage()
    {
        var e = Assert.Throws<ArgumentException>(() => new ByteImages<float>(new byte[10], [3, 4]));
        Assert.Contains("12 pixels", e.Message);
        Assert.Contains("10 bytes", e.Message);
        Assert.Throws<ArgumentException>(() => new ByteImages<float>(new byte[0], []));
        var images = new ByteImages<float>(new byte[12], [3, 4]);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => images.Gather([0, 3], new Tensor<float>(2, 4)));
        Assert.Contains("Index 3 at position 1", r.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => images.Gather([-1], new Tensor<float>(1, 4)));
        var d = Assert.Throws<ArgumentException>(() => images.Gather([0, 1], new Tensor<float>(2, 5)));
        Assert.Contains("(2, 5)", d.Message);
        var c = Assert.Throws<ArgumentOutOfRangeException>(() => images.CopyRows(2, new Tensor<float>(2, 4)));
        Assert.Contains("outside the 3 images", c.Message);
        Assert.Throws<ArgumentException>(() => new MiniBatch<float>(images, new Tensor<float>(4), 2));
    }

    [Fact]
    public void MiniBatchFromBytesDrawsTheSameBatchesAsFromTheTensor()
    {
        var bytes = new byte[40 * 12];
        new Random(5).NextBytes(bytes);
        var images = new ByteImages<float>(bytes, [40, 1, 3, 4]);
        var t = Tensor<float>.RandomUniform(new Random(6), 0, 1, 40, 10);
        var fromBytes = new MiniBatch<float>(images, t, 7);
        var fromTensor = new MiniBatch<float>(images.ToTensor(), t, 7);
        Assert.Equal([7, 1, 3, 4], fromBytes.XBatch.Shape.ToArray());
        var (r1, r2) = (new Random(9), new Random(9));
        for (int i = 0; i < 3; i++)
        {
            fromBytes.Sample(r1); fromTensor.Sample(r2);
            Assert.Equal(fromTensor.Rows, fromBytes.Rows);
            Assert.Equal(fromTensor.XBatch.ToArray(), fromBytes.XBatch.ToArray());
            Assert.Equal(fromTensor.TBatch.ToArray(), fromBytes.TBatch.ToArray());
        }
    }

    /// <summary>Bytes where class c (0–3) lights pixels 4c … 4c+3 of 16, with noise.</summary>
    private static (ByteImages<float> X, Tensor<float> T) Bands(int n, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[n * 16];
        var t = new Tensor<float>(n, 4);
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(4);
            t[i, c] = 1;
            for (int p = 0; p < 16; p++) bytes[i * 16 + p] = (byte)((p / 4 == c ? 200 : 20) + rng.Next(40));
        }
        return (new ByteImages<float>(bytes, [n, 16]), t);
    }

    [Fact]
    public void TrainingFromBytesGivesTheSameRunAsFromTheConvertedTensors()
    {
        var (x, t) = Bands(300, 1);
        var (xt, tt) = Bands(120, 2);
        // Epochs of 3 iterations, so the accuracy passes run often; evaluated on 250 of the 300 in batches of 1000.
        var options = new TrainerOptions { Iterations = 60, BatchSize = 100, Seed = 4, EvaluationSampleSize = 250 };
        var a = new TwoLayerNet<float>(16, 8, 4, rng: new Random(3));
        var b = new TwoLayerNet<float>(16, 8, 4, rng: new Random(3));
        var fromBytes = new Trainer<float>(a, new Sgd<float>(0.5), x, t, xt, tt, options).Train();
        var fromTensors = new Trainer<float>(b, new Sgd<float>(0.5), x.ToTensor(), t, xt.ToTensor(), tt, options).Train();
        Assert.Equal(fromTensors.Loss, fromBytes.Loss);
        Assert.Equal(fromTensors.Epochs.Select(e => (e.TrainAccuracy, e.TestAccuracy)), fromBytes.Epochs.Select(e => (e.TrainAccuracy, e.TestAccuracy)));
        Assert.True(fromBytes.Epochs[^1].TestAccuracy > 0.9, $"test accuracy {fromBytes.Epochs[^1].TestAccuracy}");
        Assert.Equal(a.Accuracy(xt.ToTensor().Slice(0, 50), tt.Slice(0, 50)), a.Accuracy(xt, tt, batchSize: 16, count: 50));
        Assert.Equal(a.Accuracy(xt.ToTensor(), tt), a.Accuracy(xt, tt));
        Assert.Throws<ArgumentException>(() => a.Accuracy(xt, t));
        Assert.Throws<ArgumentException>(() => new Trainer<float>(a, new Sgd<float>(0.1), x, tt, xt, tt));
    }
}
