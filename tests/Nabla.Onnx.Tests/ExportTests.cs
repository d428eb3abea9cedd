using Nabla.Functions;
using Nabla.Models;

namespace Nabla.Onnx.Tests;

/// <summary>Every network exports, and ONNX Runtime computes the same class scores from the file as Nabla does.</summary>
public class ExportTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [SharedDataTheory]
    [MemberData(nameof(Networks.All), MemberType = typeof(Networks))]
    public void OnnxRuntimeMatchesNablaOnAThousandMnistImages(string name)
    {
        var net = Networks.Get(name);
        using var dir = new TempDir();
        var path = dir.File($"{name}.onnx");
        Onnx.Export(net, path);
        using var session = Ort.Open(path);
        int mismatched = 0;
        double worst = 0;
        for (int start = 0; start < 1000; start += 250)
        {
            var x = Networks.TestImages(name, start, 250);
            var expected = net.Predict(x).ToArray();
            var (actual, shape) = Ort.Run(session, x);
            Assert.Equal([250L, 10L], shape);
            for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            mismatched += Ort.ArgMax(expected, 10).Zip(Ort.ArgMax(actual, 10)).Count(p => p.First != p.Second);

            // The second output is softmax of the first.
            var (probs, _) = Ort.Run(session, x, Onnx.ProbabilitiesName);
            var softmax = Activations.Softmax(new Tensor<float>(expected, 250, 10)).ToArray();
            for (int i = 0; i < probs.Length; i++) Assert.True(Math.Abs(probs[i] - softmax[i]) < 1e-5, $"{name}: probability {i}: {probs[i]} vs {softmax[i]}");
        }
        output.WriteLine($"{name}: largest score difference between ONNX Runtime and Nabla over 1,000 images: {worst:G3}");
        Assert.True(worst <= 1e-4, $"{name}: largest score difference {worst:G3} between ONNX Runtime and Nabla");
        Assert.Equal(0, mismatched);
    }

    [SharedDataFact]
    public void BookSimpleConvNetScores0_9890InOnnxRuntime() => Assert.Equal(9890, CorrectInOrt("SimpleConvNet-book"));

    [SharedDataFact]
    public void BookDeepConvNetScores0_9935InOnnxRuntime() => Assert.Equal(9935, CorrectInOrt("DeepConvNet-book"));

    private static int CorrectInOrt(string name)
    {
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        Onnx.Export(Networks.Get(name), path);
        using var session = Ort.Open(path);
        var labels = SharedData.Test.LabelsTest;
        int correct = 0;
        for (int start = 0; start < labels.Length; start += 500)
        {
            var (scores, _) = Ort.Run(session, Networks.TestImages(name, start, 500));
            var predicted = Ort.ArgMax(scores, 10);
            for (int i = 0; i < predicted.Length; i++) if (predicted[i] == labels[start + i]) correct++;
        }
        return correct;
    }

    [SharedDataTheory]
    [InlineData("TwoLayerNet-relu")]
    [InlineData("MultiLayerNetExtend-relu-64,32-bn-dropout0.2")]
    [InlineData("SimpleConvNet-book")]
    public void BatchesOf1And7And100RunFromTheSameFile(string name)
    {
        var net = Networks.Get(name);
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        Onnx.Export(net, path);
        using var session = Ort.Open(path);
        var loaded = Onnx.Load(path);
        foreach (int n in new[] { 1, 7, 100 })
        {
            var x = Networks.TestImages(name, 123, n);
            var expected = net.Predict(x).ToArray();
            var (ort, shape) = Ort.Run(session, x);
            Assert.Equal([n, 10L], shape);
            var nabla = loaded.Predict(x).ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(ort[i] - expected[i]) <= 1e-4, $"batch {n}: ORT {ort[i]} vs {expected[i]}");
                Assert.True(Math.Abs(nabla[i] - expected[i]) <= 1e-6, $"batch {n}: re-imported {nabla[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void TheGraphHasANamedBatchDynamicInputAndScoresFirst()
    {
        var net = new TwoLayerNet<float>(784, 20, 10);
        var model = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(net));
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, model.OpsetImport.Single().Version);
        var input = model.Graph.Input.Single();
        Assert.Equal(Onnx.InputName, input.Name);
        Assert.Equal(Onnx.BatchDimension, input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(784, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal([Onnx.ScoresName, Onnx.ProbabilitiesName], model.Graph.Output.Select(o => o.Name));
        Assert.Equal(["Gemm", "Relu", "Gemm", "Softmax"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(["W1", "b1", "W2", "b2"], model.Graph.Initializer.Select(i => i.Name));

        var noSoftmax = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(net, options: new OnnxExportOptions { IncludeSoftmax = false }));
        Assert.Equal([Onnx.ScoresName], noSoftmax.Graph.Output.Select(o => o.Name));
        var opset13 = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(net, opset: 13));
        Assert.Equal(13, opset13.OpsetImport.Single().Version);
        Assert.Equal(7, opset13.IrVersion);
        Assert.Throws<ArgumentOutOfRangeException>(() => Onnx.ToBytes(net, opset: 12));
    }

    [Fact]
    public void DropoutExportsAsTheBooksInferenceScaling()
    {
        var net = new MultiLayerNetExtend<float>(6, [5], 3, useDropout: true, dropoutRatio: 0.3, rng: new Random(7));
        var model = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(net));
        var mul = model.Graph.Node.Single(n => n.OpType == "Mul");
        var scale = model.Graph.Initializer.Single(i => i.Name == mul.Input[1]);
        Assert.Equal(0.7f, BitConverter.ToSingle(scale.RawData.Span));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Dropout"); // ONNX's Dropout is the identity at inference: not the book's
    }

    [Fact]
    public void ALayerWithoutAnOnnxFormIsNamed()
    {
        var e = Assert.Throws<OnnxException>(() => Onnx.ToBytes(new OddNet()));
        Assert.Contains("Odd1", e.Message);
        Assert.Contains("Negate", e.Message);
    }

    /// <summary>A layer Nabla.Onnx does not know.</summary>
    private sealed class Negate : Nabla.Layers.ILayer<float>
    {
        public Tensor<float> Forward(Tensor<float> x, bool train = true) => x;
        public Tensor<float> Backward(Tensor<float> dout) => dout;
    }

    /// <summary>A network holding a layer that has no ONNX form.</summary>
    private sealed class OddNet : LayerNetwork<float>
    {
        public OddNet()
        {
            Add("Affine1", new Nabla.Layers.Affine<float>(Tensor<float>.Ones(4, 3), Tensor<float>.Zeros(3)));
            Add("Odd1", new Negate());
        }
    }
}

/// <summary>A temporary folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("nabla-onnx-").FullName;

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc/>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
