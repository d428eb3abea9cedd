using System.Numerics;

namespace Nabla.Autograd;

/// <summary>A learnable variable: a layer's weight or bias (DeZero's <c>Parameter</c>).</summary>
public sealed class Parameter<T> : Variable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="data"/> (no copy) as a parameter.</summary>
    public Parameter(Tensor<T> data, string? name = null) : base(data, name, requiresGrad: true) { }
}

/// <summary>
/// A building block with parameters and sub-layers, each registered under a name (DeZero's <c>Layer</c>).
/// Subclasses register what they own in their constructor and give <see cref="Forward"/>; the engine
/// does backward. <see cref="Parameters"/> lists everything by dotted name (<c>l0.W</c>), which is how
/// optimizers and <c>.npz</c> files see a model.
/// </summary>
public abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Parameter<T> Param)> _params = [];
    private readonly List<(string Name, Layer<T> Layer)> _layers = [];

    /// <summary>The layer's computation.</summary>
    public abstract Variable<T> Forward(Variable<T> x);

    /// <summary>Runs <see cref="Forward"/>.</summary>
    public Variable<T> Call(Variable<T> x) => Forward(x);

    /// <summary>Registers a parameter under <paramref name="name"/> (unique within this layer).</summary>
    protected Parameter<T> AddParameter(string name, Parameter<T> p)
    {
        CheckName(name);
        p.Name ??= name;
        _params.Add((name, p));
        return p;
    }

    /// <summary>Registers a sub-layer under <paramref name="name"/> (unique within this layer).</summary>
    protected TLayer AddLayer<TLayer>(string name, TLayer layer) where TLayer : Layer<T>
    {
        CheckName(name);
        _layers.Add((name, layer));
        return layer;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"Layer: '{name}' is not a valid name (non-empty, no dots).");
        if (_params.Any(p => p.Name == name) || _layers.Any(l => l.Name == name)) throw new ArgumentException($"Layer: the name '{name}' is already used.");
    }

    /// <summary>Every parameter, this layer's first then each sub-layer's, by dotted name.</summary>
    public IEnumerable<(string Name, Parameter<T> Param)> Parameters()
    {
        foreach (var p in _params) yield return p;
        foreach (var (ln, l) in _layers)
            foreach (var (pn, p) in l.Parameters()) yield return ($"{ln}.{pn}", p);
    }

    /// <summary>Forgets every parameter's gradient (call before each backward).</summary>
    public void ClearGrads()
    {
        foreach (var (_, p) in _params) p.ClearGrad();
        foreach (var (_, l) in _layers) l.ClearGrads();
    }

    /// <summary>Writes every parameter to a NumPy <c>.npz</c> file by dotted name.</summary>
    public void SaveParameters(string path) => ParameterFile.Save(path, this);

    /// <summary>Reads every parameter from a <c>.npz</c> file written by <see cref="SaveParameters"/> (names and shapes must match).</summary>
    public void LoadParameters(string path) => ParameterFile.Load(path, this);
}

/// <summary>A whole network: a layer you train and draw.</summary>
public abstract class Model<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
}

/// <summary>
/// Fully connected layer x·W + b (the book's Affine). W is drawn from N(0, 1/in) (DeZero's choice), or
/// from N(0, <c>weightInitStd</c>²) when given; when <c>inSize</c> is omitted W is made on the first call.
/// </summary>
public sealed class Linear<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _outSize;
    private readonly double? _std;
    private readonly Random _rng;

    /// <summary>Creates the layer; <paramref name="inSize"/> null waits for the first input.</summary>
    public Linear(int outSize, int? inSize = null, bool noBias = false, double? weightInitStd = null, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outSize, 1);
        if (inSize is < 1) throw new ArgumentOutOfRangeException(nameof(inSize), $"Linear: input size must be ≥ 1, got {inSize}.");
        _outSize = outSize; _std = weightInitStd; _rng = rng ?? new Random(0);
        W = AddParameter("W", new Parameter<T>(inSize is null ? new Tensor<T>(0, outSize) : InitW(inSize.Value)));
        B = noBias ? null : AddParameter("b", new Parameter<T>(Tensor<T>.Zeros(outSize)));
    }

    private Tensor<T> InitW(int inSize) =>
        Tensor<T>.RandomNormal(_rng, T.CreateChecked(_std ?? Math.Sqrt(1.0 / inSize)), inSize, _outSize);

    /// <summary>Weight (in, out).</summary>
    public Parameter<T> W { get; }
    /// <summary>Bias (out), or null.</summary>
    public Parameter<T>? B { get; }

    /// <inheritdoc/>
    public override Variable<T> Forward(Variable<T> x)
    {
        if (W.Data.Length == 0 && x.Rank == 2) W.Data = InitW(x.Data.Dim(1));
        return Ops.Linear(x, W, B);
    }
}

/// <summary>A multi-layer perceptron: Linear layers with an activation between them (DeZero's <c>MLP</c>).</summary>
public sealed class MLP<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Linear<T>[] _layers;
    private readonly Func<Variable<T>, Variable<T>> _activation;

    /// <summary>Layer sizes from input to output, e.g. (784, 100, 10); the activation defaults to sigmoid as in DeZero.</summary>
    public MLP(int[] sizes, Func<Variable<T>, Variable<T>>? activation = null, Random? rng = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length < 2) throw new ArgumentException($"MLP: needs an input and an output size, got ({string.Join(", ", sizes)}).");
        rng ??= new Random(0);
        _activation = activation ?? Ops.Sigmoid;
        _layers = new Linear<T>[sizes.Length - 1];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = AddLayer($"l{i}", new Linear<T>(sizes[i + 1], sizes[i], rng: rng));
    }

    /// <inheritdoc/>
    public override Variable<T> Forward(Variable<T> x)
    {
        for (int i = 0; i < _layers.Length - 1; i++) x = _activation(_layers[i].Forward(x));
        return _layers[^1].Forward(x);
    }
}

/// <summary>2-D convolution layer: filters (FN, C, KH, KW) from N(0, 1/(C·KH·KW)), bias (FN).</summary>
public sealed class Conv2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer.</summary>
    public Conv2d(int outChannels, int inChannels, int kernelSize, int stride = 1, int pad = 0, bool noBias = false, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(pad);
        Stride = stride; Pad = pad;
        double std = Math.Sqrt(1.0 / (inChannels * kernelSize * kernelSize));
        W = AddParameter("W", new Parameter<T>(Tensor<T>.RandomNormal(rng ?? new Random(0), T.CreateChecked(std), outChannels, inChannels, kernelSize, kernelSize)));
        B = noBias ? null : AddParameter("b", new Parameter<T>(Tensor<T>.Zeros(outChannels)));
    }

    /// <summary>Filters (FN, C, KH, KW).</summary>
    public Parameter<T> W { get; }
    /// <summary>Bias (FN), or null.</summary>
    public Parameter<T>? B { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding.</summary>
    public int Pad { get; }

    /// <inheritdoc/>
    public override Variable<T> Forward(Variable<T> x) => Ops.Conv2d(x, W, B, Stride, Pad);
}

/// <summary>
/// The book's chapter 5 network written with engine operations: Linear → ReLU → Linear, and
/// <see cref="Loss"/> adds softmax cross-entropy. Parameters W1, b1, W2, b2 are drawn as the book's
/// <c>TwoLayerNet</c> draws them (N(0, std²) weights, zero biases, from the same random sequence), so
/// the same seed gives the same starting network as the layer-based TwoLayerNet.
/// </summary>
public sealed class TwoLayerNet<T> : Model<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network.</summary>
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, double weightInitStd = 0.01, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        rng ??= new Random(0);
        T std = T.CreateChecked(weightInitStd);
        W1 = AddParameter("W1", new Parameter<T>(Tensor<T>.RandomNormal(rng, std, inputSize, hiddenSize)));
        B1 = AddParameter("b1", new Parameter<T>(Tensor<T>.Zeros(hiddenSize)));
        W2 = AddParameter("W2", new Parameter<T>(Tensor<T>.RandomNormal(rng, std, hiddenSize, outputSize)));
        B2 = AddParameter("b2", new Parameter<T>(Tensor<T>.Zeros(outputSize)));
    }

    /// <summary>First layer's weight (input, hidden).</summary>
    public Parameter<T> W1 { get; }
    /// <summary>First layer's bias.</summary>
    public Parameter<T> B1 { get; }
    /// <summary>Second layer's weight (hidden, output).</summary>
    public Parameter<T> W2 { get; }
    /// <summary>Second layer's bias.</summary>
    public Parameter<T> B2 { get; }

    /// <summary>The class scores (before softmax).</summary>
    public override Variable<T> Forward(Variable<T> x) => Ops.Linear(Ops.Relu(Ops.Linear(x, W1, B1)), W2, B2);

    /// <summary>The mean softmax cross-entropy of the scores of <paramref name="x"/> against <paramref name="labels"/>.</summary>
    public Variable<T> Loss(Variable<T> x, int[] labels) => Ops.SoftmaxCrossEntropy(Forward(x), labels);
}
