using Nabla.Data;

namespace Nabla.Tests.Data;

public class MnistLoaderTests
{
    private static MnistOptions In(string dir) => new() { Directory = dir, SearchPaths = DataTestFiles.Paths() };

    [Fact]
    public void DefaultsMatchTheBook()
    {
        var o = new MnistOptions();
        Assert.True(o.Normalize);
        Assert.True(o.Flatten);
        Assert.False(o.OneHot);
        Assert.False(o.TestOnly);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NormalizedFlatClassLabels(bool gzip)
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path, train: 5, test: 3, gzip: gzip);
        var d = Mnist.Load<float>(In(tmp.Path));

        Assert.Equal(new[] { 5, 784 }, d.XTrain.Shape.ToArray());
        Assert.Equal(new[] { 5 }, d.TTrain.Shape.ToArray());
        Assert.Equal(new[] { 3, 784 }, d.XTest.Shape.ToArray());
        Assert.Equal(new[] { 3 }, d.TTest.Shape.ToArray());
        Assert.Equal(5, d.TrainCount);
        Assert.Equal(3, d.TestCount);
        Assert.Equal(DataTestFiles.Pixel(2, 100) / 255f, d.XTrain.Span[2 * 784 + 100]);
        Assert.Equal(DataTestFiles.Pixel(1, 783) / 255f, d.XTest.Span[1 * 784 + 783]);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (int)DataTestFiles.Label(i)), d.LabelsTrain);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => (float)DataTestFiles.Label(i)), d.TTest.Span.ToArray());
        foreach (var v in d.XTrain.Span) Assert.InRange(v, 0f, 1f);
        Assert.Contains("explicit directory", d.Source);
        Assert.Contains(tmp.Path, d.Source);
        Assert.Equal(DataOrigin.ExplicitDirectory, d.Location.Origin);
    }

    [Fact]
    public void RawPixelsImageShapeOneHot()
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path, train: 4, test: 2);
        var d = MnistLoader.Load<double>(DatasetKind.FashionMnist,
            new MnistOptions { Directory = tmp.Path, Normalize = false, Flatten = false, OneHot = true, SearchPaths = DataTestFiles.Paths() });

        Assert.Equal(new[] { 4, 1, 28, 28 }, d.XTrain.Shape.ToArray());
        Assert.Equal(new[] { 4, 10 }, d.TTrain.Shape.ToArray());
        Assert.Equal(new[] { 2, 1, 28, 28 }, d.XTest.Shape.ToArray());
        Assert.Equal(new[] { 2, 10 }, d.TTest.Shape.ToArray());
        // pixel (row 3, column 5) of image 1
        Assert.Equal(DataTestFiles.Pixel(1, 3 * 28 + 5), d.XTrain.Span[1 * 784 + 3 * 28 + 5]);
        Assert.Contains(d.XTrain.Span.ToArray(), v => v > 1);
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 10; c++)
                Assert.Equal(c == DataTestFiles.Label(i) ? 1.0 : 0.0, d.TTrain.Span[i * 10 + c]);
        Assert.Equal(DatasetKind.FashionMnist, d.Kind);
        Assert.StartsWith("Fashion-MNIST from", d.Source);
    }

    [Fact]
    public void TestOnlyNeedsOnlyTheTestFiles()
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path, test: 3, testOnly: true);
        var d = Mnist.LoadTestOnly<float>(In(tmp.Path));
        Assert.Equal(new[] { 0, 784 }, d.XTrain.Shape.ToArray());
        Assert.Equal(new[] { 0 }, d.TTrain.Shape.ToArray());
        Assert.Empty(d.LabelsTrain);
        Assert.Equal(new[] { 3, 784 }, d.XTest.Shape.ToArray());

        // The full load needs the training files and says which are missing.
        var e = Assert.Throws<DataNotFoundException>(() => Mnist.Load<float>(In(tmp.Path)));
        Assert.Contains(MnistFiles.TrainImages, e.Message);
        Assert.Contains(MnistFiles.TrainLabels, e.Message);
    }

    [Fact]
    public void CountMismatchNamesBothFiles()
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path, train: 5, test: 3);
        string labels = Path.Combine(tmp.Path, MnistFiles.TrainLabels);
        Idx.WriteLabels(labels, DataTestFiles.Labels(4));
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load<float>(In(tmp.Path)));
        Assert.Contains(Path.Combine(tmp.Path, MnistFiles.TrainImages), e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("5 images", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    [Fact]
    public void NonMnistImageSizeIsRejected()
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path);
        string images = Path.Combine(tmp.Path, MnistFiles.TestImages);
        Idx.WriteImages(images, DataTestFiles.Images(3, 32, 32));
        var e = Assert.Throws<DataFormatException>(() => Mnist.Load<float>(In(tmp.Path)));
        Assert.Equal(images, e.FilePath);
        Assert.Contains("32x32", e.Message);
    }

    [Fact]
    public void RawFileIsPreferredOverGz()
    {
        using var tmp = new TempDir();
        DataTestFiles.WriteSet(tmp.Path, train: 2, test: 2, gzip: true);
        Idx.WriteLabels(Path.Combine(tmp.Path, MnistFiles.TestLabels), [7, 7]);
        var d = Mnist.Load<float>(In(tmp.Path));
        Assert.Equal(new[] { 7, 7 }, d.LabelsTest);
        Assert.EndsWith(".gz", d.Location.Files[MnistFiles.TestImages]);
    }

    [Fact]
    public void TensorHelpersConvertAsTheBook()
    {
        var x = MnistLoader.ImagesToTensor<double>(new IdxImages([0, 51, 255, 128], 1, 2, 2));
        Assert.Equal(new[] { 1, 4 }, x.Shape.ToArray());
        Assert.Equal(new[] { 0.0, 0.2, 1.0, 128 / 255.0 }, x.Span.ToArray());
        var t = MnistLoader.LabelsToTensor<float>([3, 0], oneHot: true);
        Assert.Equal(new[] { 2, 10 }, t.Shape.ToArray());
        Assert.Equal(1f, t.Span[3]);
        Assert.Equal(1f, t.Span[10]);
        Assert.Equal(2f, t.Span.ToArray().Sum());
    }
}
