using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using Nabla.Autograd;

namespace Nabla.Onnx.Tests;

using Engine = Nabla.Autograd.Autograd;

/// <summary>
/// Models built from the engine's operations export by tracing: ONNX Runtime computes what the engine computes, on
/// batches of other sizes than the traced one, in float and double; what Onnx.Load reads comes back the same; what
/// cannot export says which operation.
/// </summary>
public class AutogradExportTests
{
    // ---- the models ----

    /// <summary>Conv2d → ReLU → pool → Conv2d (stride 2, pad 1) → ReLU → zero-padded pool → flatten → Linear, on 1×12×12 images.</summary>
    internal sealed class ConvNet<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Conv2d<T> _c1, _c2;
        private readonly Linear<T> _fc;

        public ConvNet(Random rng)
        {
            _c1 = AddLayer("c1", new Conv2d<T>(4, 1, 3, pad: 1, rng: rng));
            _c2 = AddLayer("c2", new Conv2d<T>(8, 4, 3, stride: 2, pad: 1, rng: rng));
            _fc = AddLayer("fc", new Linear<T>(10, 8 * 2 * 2, rng: rng));
            // Non-zero biases, so that a lost bias shows.
            foreach (var (_, p) in Parameters()) if (p.Rank == 1) p.Data = Tensor<T>.RandomNormal(rng, T.One, p.Data.Dim(0));
        }

        public override Variable<T> Forward(Variable<T> x)
        {
            x = Ops.MaxPool2d(Ops.Relu(_c1.Forward(x)), 2);                 // (N, 4, 6, 6)
            x = Ops.MaxPool2d(Ops.Relu(_c2.Forward(x)), 3, stride: 2, pad: 1); // (N, 8, 3, 3) → (N, 8, 2, 2)
            return _fc.Forward(x.Reshape(x.Data.Dim(0), -1));
        }
    }

    /// <summary>Linear → ReLU → dropout → Linear: dropout is the engine's inverted dropout, the identity at test time.</summary>
    internal sealed class DropoutNet<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Linear<T> _l0, _l1;

        public DropoutNet(Random rng)
        {
            _l0 = AddLayer("l0", new Linear<T>(16, 20, rng: rng));
            _l1 = AddLayer("l1", new Linear<T>(10, 16, rng: rng));
        }

        public override Variable<T> Forward(Variable<T> x) => _l1.Forward(Ops.Dropout(Ops.Relu(_l0.Forward(x)), 0.5));
    }

    internal static MLP<T> Mlp<T>(string activation) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Func<Variable<T>, Variable<T>> f = activation switch { "relu" => Ops.Relu, "sigmoid" => Ops.Sigmoid, "tanh" => Ops.Tanh, _ => throw new ArgumentException(activation) };
        var mlp = new MLP<T>([20, 16, 12, 10], f, new Random(3));
        foreach (var (_, p) in mlp.Parameters()) if (p.Rank == 1) p.Data = Tensor<T>.RandomNormal(new Random(p.Data.Length), T.CreateChecked(0.5), p.Data.Dim(0));
        return mlp;
    }

    /// <summary>
    /// A hand-written expression on (N, 5) input with every element-wise operation, broadcasting against parameters and
    /// constants, a sum over the features and one over the batch, transposes and a transposed product.
    /// </summary>
    internal static Func<Variable<T>, Variable<T>> Expression<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(5);
        var w = new Parameter<T>(Tensor<T>.RandomNormal(rng, T.One, 5, 3), "W");
        var b = new Parameter<T>(Tensor<T>.RandomNormal(rng, T.One, 3), "b");
        var w2 = new Parameter<T>(Tensor<T>.RandomNormal(rng, T.One, 4, 3), "W2");
        var scale = Variable<T>.Constant(Tensor<T>.RandomNormal(rng, T.One, 1, 3));
        T Num(double v) => T.CreateChecked(v);
        return x =>
        {
            var h = Ops.Tanh(Ops.MatMul(x, w) + b);                                     // (N, 3)
            var u = h.Pow(Num(2)) * Num(0.5) - Ops.Exp(-h) / Num(3);
            var v = Ops.Sin(u) + Ops.Cos(h) * Ops.Log(h * h + Num(1)) / scale;
            var s = v.Sum(1, keepDims: true);                                            // (N, 1)
            var m = Ops.Sum(v, 0, keepDims: true);                                       // (1, 3): over the batch
            var t = Ops.Sum(v, 1).Reshape(v.Data.Dim(0), 1) * Num(0.2) + v.Sum() * Num(0.001); // (N,) back to (N, 1); a scalar over everything
            var z = v - Ops.BroadcastTo(s, v.Data.Dim(0), 3) / Num(3) + t + Ops.Transpose(Ops.Transpose(v)) - Ops.SumTo(v, 1, 3) * Num(0.1) + m * Num(0.01);
            var y = Ops.MatMul(z, w2, false, true);                                      // (N, 4), W2 transposed
            return Ops.Softmax(y) + Ops.Sigmoid(y) - Ops.Relu(-y);
        };
    }

    // ---- ONNX Runtime against the engine ----

    public static TheoryData<string> Activations => new() { "relu", "sigmoid", "tanh" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void AnEngineMlpRunsTheSameInOnnxRuntimeInFloat(string activation)
    {
        var mlp = Mlp<float>(activation);
        Compare<float>(mlp.Forward, Onnx.ToBytes(mlp, [20]), [20], 1e-5);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void AnEngineMlpRunsTheSameInOnnxRuntimeInDouble(string activation)
    {
        var mlp = Mlp<double>(activation);
        Compare<double>(mlp.Forward, Onnx.ToBytes(mlp, [20]), [20], 1e-12);
    }

    [Fact]
    public void AnEngineConvNetRunsTheSameInOnnxRuntime()
    {
        var net = new ConvNet<float>(new Random(1));
        Compare<float>(net.Forward, Onnx.ToBytes(net, [1, 12, 12]), [1, 12, 12], 1e-5);
    }

    [Fact]
    public void AnEngineConvNetInDoubleLoadsBackToTheSameScores()
    {
        // ONNX Runtime's CPU provider has no double Conv; Nabla's own import is the other side here.
        var net = new ConvNet<double>(new Random(1));
        var loaded = Onnx.Load<double>(new MemoryStream(Onnx.ToBytes(net, [1, 12, 12])));
        var x = Tensor<double>.RandomNormal(new Random(4), 1.0, 3, 1, 12, 12);
        Tensor<double> expected;
        using (Engine.NoGrad())
            expected = net.Forward(new Variable<double>(x)).Data;
        AssertClose(expected.ToArray(), loaded.Predict(x).ToArray(), 1e-12, "double convnet");
    }

    [Fact]
    public void DropoutExportsAsTheIdentityOfTestTime()
    {
        var net = new DropoutNet<float>(new Random(2));
        var model = Onnx.ToBytes(net, [20]);
        Compare<float>(net.Forward, model, [20], 1e-5);
        var graph = Protobuf.ModelProto.Parser.ParseFrom(model).Graph;
        Assert.Equal(["Gemm", "Relu", "Gemm", "Softmax"], graph.Node.Select(n => n.OpType));
    }

    [Fact]
    public void AHandWrittenExpressionRunsTheSameInOnnxRuntime()
    {
        var f = Expression<float>();
        Compare(f, Onnx.ToBytes(f, [5]), [5], 1e-5);
        var g = Expression<double>();
        Compare(g, Onnx.ToBytes(g, [5]), [5], 1e-12);
    }

    [Fact]
    public void TheFileNamesItsInputsOutputsAndParametersAsTheLayerExporterDoes()
    {
        var mlp = Mlp<float>("relu");
        var m = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(mlp, [20]));
        Assert.Equal(Onnx.IrVersionFor(Onnx.DefaultOpset), m.IrVersion);
        Assert.Equal(Onnx.DefaultOpset, m.OpsetImport.Single().Version);
        var input = m.Graph.Input.Single();
        Assert.Equal(Onnx.InputName, input.Name);
        Assert.Equal(Onnx.BatchDimension, input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(20, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal([Onnx.ScoresName, Onnx.ProbabilitiesName], m.Graph.Output.Select(o => o.Name));
        Assert.Equal(mlp.Parameters().Select(p => p.Name).Order(), m.Graph.Initializer.Select(i => i.Name).Order());

        var scoresOnly = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(mlp, [20], 13, new OnnxExportOptions { IncludeSoftmax = false }));
        Assert.Equal([Onnx.ScoresName], scoresOnly.Graph.Output.Select(o => o.Name));
        Assert.Equal(13, scoresOnly.OpsetImport.Single().Version);
    }

    /// <summary>
    /// Runs the engine (test mode, no graph) and ONNX Runtime on random batches of 1 and 7 (the trace used 2) and compares
    /// every output value, and the probabilities with the engine's softmax of its scores.
    /// </summary>
    private static void Compare<T>(Func<Variable<T>, Variable<T>> forward, byte[] model, int[] sample, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        foreach (int n in new[] { 1, 7 })
        {
            var x = Tensor<T>.RandomNormal(new Random(n), T.One, [n, .. sample]);
            Tensor<T> expected;
            using (Engine.NoGrad())
            using (Engine.TestMode())
                expected = forward(new Variable<T>(x)).Data;
            var (scores, shape) = Run(session, x, Onnx.ScoresName);
            Assert.Equal(expected.Shape.ToArray().Select(d => (long)d), shape);
            AssertClose(expected.ToArray(), scores, tolerance, $"scores, batch {n}");
            var (probs, _) = Run(session, x, Onnx.ProbabilitiesName);
            AssertClose(Nabla.Functions.Activations.Softmax(expected).ToArray(), probs, tolerance, $"probabilities, batch {n}");
        }
    }

    private static (T[] Values, long[] Shape) Run<T>(InferenceSession session, Tensor<T> x, string output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x.ToArray(), [.. x.Shape.ToArray().Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [Onnx.InputName], [input], [output]);
        return (outputs[0].GetTensorDataAsSpan<T>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    private static void AssertClose<T>(T[] expected, T[] actual, double tolerance, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(e - a) <= tolerance * (1 + Math.Abs(e)), $"{what}: value {i} is {a} in ONNX Runtime, {e} in the engine");
        }
    }

    // ---- Onnx.Load and the checker ----

    private static readonly string[] LoadableNames = ["mlp-relu", "mlp-sigmoid", "mlp-tanh", "convnet", "dropout", "twolayernet"];

    public static TheoryData<string> LoadableModels => new(LoadableNames);

    private static (Model<float> Model, int[] Sample) Loadable(string name) => name switch
    {
        "convnet" => (new ConvNet<float>(new Random(1)), [1, 12, 12]),
        "dropout" => (new DropoutNet<float>(new Random(2)), [20]),
        "twolayernet" => (new TwoLayerNet<float>(20, 16, 10, weightInitStd: 0.3, rng: new Random(7)), [20]),
        _ => (Mlp<float>(name[4..]), [20]),
    };

    [Theory]
    [MemberData(nameof(LoadableModels))]
    public void OnnxLoadReadsTheExportedModelBackToTheSameScores(string name)
    {
        var (model, sample) = Loadable(name);
        using var dir = new TempDir();
        var path = dir.File($"{name}.onnx");
        Onnx.Export(model, sample, path);
        var loaded = Onnx.Load(path);
        Assert.Equal(model.Parameters().Select(p => p.Name).Order(), loaded.Params.Keys.Order());
        var x = Tensor<float>.RandomNormal(new Random(9), 1f, [5, .. sample]);
        Tensor<float> expected;
        using (Engine.NoGrad())
        using (Engine.TestMode())
            expected = model.Forward(new Variable<float>(x)).Data;
        AssertClose(expected.ToArray(), loaded.Predict(x).ToArray(), 1e-6, name);
    }

    [Fact]
    public void OnnxCheckerAcceptsTracedModels()
    {
        if (!CheckerTests.Available.Value)
        {
            Console.WriteLine("SKIPPED: python3 with the onnx module is not installed (apt-get install python3-onnx); the checker test did not run.");
            return;
        }
        using var dir = new TempDir();
        var files = new List<string>();
        foreach (var name in LoadableNames)
        {
            var (model, sample) = Loadable(name);
            files.Add(dir.File($"{name}.onnx"));
            Onnx.Export(model, sample, files[^1]);
        }
        files.Add(dir.File("expression.onnx"));
        Onnx.Export(Expression<float>(), [5], files[^1]);
        files.Add(dir.File("expression-double-opset13.onnx"));
        Onnx.Export(Expression<double>(), [5], files[^1], opset: 13);
        const string script = """
            import sys, onnx
            for p in sys.argv[1:]:
                onnx.checker.check_model(onnx.load(p), full_check=True)
                print("ok", p)
            """;
        var (code, output) = CheckerTests.RunPython(script, files);
        Assert.True(code == 0, output);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("ok ")));
    }

    // ---- what cannot export ----

    /// <summary>x², an operation of the user's own: the exporter cannot know it.</summary>
    private sealed class Square : Function<float>
    {
        protected override Tensor<float>[] Forward(Tensor<float>[] x) => [x[0] * x[0]];
        protected override Variable<float>?[] Backward(Variable<float>[] gy) => [2f * Inputs[0] * gy[0]];
    }

    private static OnnxException Refused(Func<Variable<float>, Variable<float>> f, int[] sample) =>
        Assert.Throws<OnnxException>(() => Onnx.ToBytes(f, sample));

    [Fact]
    public void ALossFunctionIsRefusedByName()
    {
        var mlp = Mlp<float>("relu");
        var e = Refused(x => Ops.SoftmaxCrossEntropy(mlp.Forward(x), Enumerable.Range(0, x.Data.Dim(0)).ToArray()), [20]);
        Assert.Contains("SoftmaxCrossEntropy", e.Message);
        Assert.Contains("loss", e.Message);
        var mse = Refused(x => Ops.MeanSquaredError(mlp.Forward(x), Variable<float>.Constant(new Tensor<float>(x.Data.Dim(0), 10))), [20]);
        Assert.Contains("MeanSquaredError", mse.Message);
        Assert.Contains("batch", mse.Message);
    }

    [Fact]
    public void AnOperationOfTheUsersOwnIsRefusedByName()
    {
        var mlp = Mlp<float>("relu");
        var e = Refused(x => new Square().Apply(mlp.Forward(x)), [20]);
        Assert.Contains("Operation Square", e.Message);
        Assert.Contains("Linear", e.Message); // the hint lists what does export
        var col = Refused(x => Ops.Im2col(x, 2, 2), [1, 4, 4]);
        Assert.Contains("Im2col", col.Message);
    }

    [Fact]
    public void ASecondInputIsRefusedNamingTheOperationThatUsesIt()
    {
        var other = new Variable<float>(Tensor<float>.RandomNormal(new Random(1), 1f, 1, 3), "other");
        var e = Refused(x => Ops.Tanh(x) * other, [3]);
        Assert.Contains("Operation Mul", e.Message);
        Assert.Contains("'other'", e.Message);
        Assert.Contains("second graph input", e.Message);
        // The same variable made a parameter is a weight, and exports.
        var p = new Parameter<float>(other.Data, "other");
        Assert.NotEmpty(Onnx.ToBytes<float>(x => Ops.Tanh(x) * p, [3]));
    }

    [Fact]
    public void ShapesThatFixTheBatchSizeAreRefused()
    {
        var e = Refused(x => x + Variable<float>.Constant(new Tensor<float>(x.Data.Dim(0), 3)), [3]);
        Assert.Contains("Operation Add", e.Message);
        Assert.Contains("batch", e.Message);
        var r = Refused(x => x.Reshape(-1), [3]);
        Assert.Contains("Operation Reshape", r.Message);
    }

    [Fact]
    public void OtherBadModelsGetOneClearError()
    {
        Assert.Contains("nothing to export", Refused(x => x, [3]).Message);
        var c = new Parameter<float>(Tensor<float>.Ones(2, 3), "c");
        Assert.Contains("not computed from its input", Refused(x => Ops.Tanh(c), [3]).Message);
        using (Engine.NoGrad())
            Assert.Contains("NoGrad", Refused(x => Ops.Tanh(x), [3]).Message);
        Assert.Throws<ArgumentException>(() => Onnx.ToBytes<float>(Ops.Tanh, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Onnx.ToBytes<float>(Ops.Tanh, [3], opset: 9));

        using var dir = new TempDir();
        var path = dir.File("bad.onnx");
        var e = Assert.Throws<OnnxException>(() => Onnx.Export<float>(x => new Square().Apply(x), [3], path));
        Assert.Equal(path, e.FilePath);
        Assert.False(File.Exists(path));
    }
}
