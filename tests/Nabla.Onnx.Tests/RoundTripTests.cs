namespace Nabla.Onnx.Tests;

/// <summary>Export → import → export: the imported network predicts the same, and the second file is the first one.</summary>
public class RoundTripTests
{
    [SharedDataTheory]
    [MemberData(nameof(Networks.All), MemberType = typeof(Networks))]
    public void ExportImportExportKeepsScoresAndBytes(string name)
    {
        var net = Networks.Get(name);
        var first = Onnx.ToBytes(net);
        var loaded = Onnx.Load<float>(new MemoryStream(first), name);
        var x = Networks.TestImages(name, 0, 1000);
        var expected = net.Predict(x).ToArray();
        var actual = loaded.Predict(x).ToArray();
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 1e-6, $"{name}: re-imported scores differ by {worst:G3}");
        Assert.Equal(Ort.ArgMax(expected, 10), Ort.ArgMax(actual, 10));
        Assert.Equal(net.Params.Keys.Order(), loaded.Params.Keys.Order());

        var second = Onnx.ToBytes(loaded);
        Assert.Equal(first, second);
    }

    [SharedDataFact]
    public void ImportedBatchNormKeepsTheRunningStatistics()
    {
        var net = Networks.Get("MultiLayerNetExtend-relu-64,32-bn-dropout0.2");
        var loaded = Onnx.Load<float>(new MemoryStream(Onnx.ToBytes(net)));
        var bn = net.Layers.Select(l => l.Layer).OfType<Nabla.Layers.BatchNormalization<float>>().First();
        var bn2 = loaded.Layers.Select(l => l.Layer).OfType<Nabla.Layers.BatchNormalization<float>>().First();
        Assert.Equal(bn.RunningMean.ToArray(), bn2.RunningMean.ToArray());
        Assert.Equal(bn.RunningVar.ToArray(), bn2.RunningVar.ToArray());
        Assert.Contains(bn.RunningVar.ToArray(), v => v != 0); // the statistics are real, not the initial zeros
    }

    [Fact]
    public void AnImportedNetworkTrainsLikeAnyOther()
    {
        var net = new Nabla.Models.TwoLayerNet<double>(4, 5, 3, weightInitStd: 0.5, rng: new Random(1));
        var loaded = Onnx.Load<double>(new MemoryStream(Onnx.ToBytes(net)));
        var x = Tensor<double>.RandomNormal(2, 6, 4);
        var t = Tensor.From(new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } });
        var g1 = net.Gradient(x, t);
        var g2 = loaded.Gradient(x, t);
        foreach (var (k, v) in g1) Assert.Equal(v.ToArray(), g2[k].ToArray());
    }
}
