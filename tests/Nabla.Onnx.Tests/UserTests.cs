using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nabla.Cli;
using Nabla.IO;

namespace Nabla.Onnx.Tests;

/// <summary>
/// What a user does: train and save with the nabla command, export with it, then open the file in ONNX Runtime from
/// their own C# code (the plain NamedOnnxValue API) and get the same answers; and eval/predict read the .onnx.
/// </summary>
public class UserTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = App.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [SharedDataFact]
    public void TrainSaveExportThenOnnxRuntimeInAUsersProgramGivesTheSameAnswers()
    {
        using var dir = new TempDir();
        string npz = dir.File("m.npz"), onnx = dir.File("m.onnx");
        var train = Cli("train", "--data", SharedData.Path("mnist"), "--iters", "200", "--hidden", "30", "--save", npz, "--no-progress");
        Assert.True(train.Code == 0, train.Err);
        var export = Cli("export", "--model", npz, "--out", onnx);
        Assert.True(export.Code == 0, export.Err);
        Assert.Contains("opset 17", export.Out);

        // The user's program: ONNX Runtime with its defaults, one image at a time, as they would write it.
        using var session = new InferenceSession(onnx);
        var x = SharedData.Test.XTest;
        var original = ModelFromNpz(npz);
        for (int i = 0; i < 20; i++)
        {
            var image = new DenseTensor<float>(x.Row(i).ToArray(), [1, 784]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", image)]);
            var scores = results.First(r => r.Name == "scores").AsTensor<float>().ToArray();
            var probabilities = results.First(r => r.Name == "probabilities").AsTensor<float>().ToArray();
            var expected = original.Predict(x.Slice(i, i + 1)).ToArray();
            for (int c = 0; c < 10; c++) Assert.True(Math.Abs(scores[c] - expected[c]) <= 1e-4, $"image {i}, class {c}: {scores[c]} vs {expected[c]}");
            Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(probabilities, probabilities.Max()));
            Assert.Equal(1f, probabilities.Sum(), 4);
        }

        // eval on the .onnx gives the accuracy of the .npz.
        var evalNpz = Cli("eval", "--model", npz, "--data", SharedData.Path("mnist"));
        var evalOnnx = Cli("eval", "--model", onnx, "--data", SharedData.Path("mnist"));
        Assert.True(evalOnnx.Code == 0, evalOnnx.Err);
        Assert.Contains("ONNX graph", evalOnnx.Out);
        string Accuracy(string s) => s.Split('\n').Single(l => l.StartsWith("Test accuracy:"));
        Assert.Equal(Accuracy(evalNpz.Out), Accuracy(evalOnnx.Out));

        // predict on a PNG gives the same digit from both files.
        var png = dir.File("digit.png");
        var pixels = x.Row(0).ToArray().Select(v => (byte)Math.Round(v * 255)).ToArray();
        Png.WriteGray(png, pixels, 28, 28);
        var predictNpz = Cli("predict", "--model", npz, png);
        var predictOnnx = Cli("predict", "--model", onnx, png);
        Assert.True(predictOnnx.Code == 0, predictOnnx.Err);
        Assert.Equal(predictNpz.Out, predictOnnx.Out);
    }

    private static Nabla.Models.INetwork<float> ModelFromNpz(string npz)
    {
        var arrays = Npz.Read(npz).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());
        var net = new Nabla.Models.TwoLayerNet<float>(784, arrays["W1"].Dim(1), 10);
        net.LoadParams(arrays);
        return net;
    }

    [SharedDataFact]
    public void ConvnetsExportFromTheCommandLineAndEvaluateFromOnnx()
    {
        using var dir = new TempDir();
        string onnx = dir.File("simple.onnx");
        Onnx.Export(Networks.Get("SimpleConvNet-book"), onnx);
        var eval = Cli("eval", "--model", onnx, "--data", SharedData.Path("mnist"));
        Assert.True(eval.Code == 0, eval.Err);
        Assert.Contains("Test accuracy: 0.9890", eval.Out);
    }

    [Theory]
    [InlineData("--opset", "9", "--opset")]
    [InlineData("--out", "model.txt", "--out")]
    public void ExportRejectsBadFlagsNamingThem(string flag, string value, string named)
    {
        using var dir = new TempDir();
        string npz = dir.File("m.npz");
        var net = new Nabla.Models.TwoLayerNet<float>(784, 5, 10);
        // A model file as 'nabla train --save' writes it.
        var arrays = net.Params.ToDictionary(kv => kv.Key, kv => kv.Value);
        arrays["nabla_meta"] = Tensor.From(1f, 1f, 0f, 0f);
        Npz.Write(npz, arrays);
        string[] args = flag == "--out" ? ["export", "--model", npz, "--out", dir.File(value)] : ["export", "--model", npz, "--out", dir.File("m.onnx"), flag, value];
        var r = Cli(args);
        Assert.NotEqual(0, r.Code);
        Assert.Contains(named, r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void EvalOfAHostileOnnxFileIsOneLine()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.onnx");
        File.WriteAllBytes(path, [0x08, 0x08, 0x3a, 0x7f, 0x01]);
        var r = Cli("predict", "--model", path, path);
        Assert.NotEqual(0, r.Code);
        Assert.Contains("bad.onnx", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }
}
