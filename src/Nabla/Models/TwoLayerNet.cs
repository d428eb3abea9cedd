using System.Numerics;
using Nabla.Layers;

namespace Nabla.Models;

/// <summary>The hidden activation of <see cref="TwoLayerNet{T}"/>.</summary>
public enum HiddenActivation
{
    /// <summary>ReLU, the chapter 5 network.</summary>
    Relu,
    /// <summary>Sigmoid, the chapter 4 network (smooth everywhere, so numerical gradients are exact to ~1e-10).</summary>
    Sigmoid,
}

/// <summary>
/// The book's two-layer network: Affine1 → ReLU (or Sigmoid) → Affine2 → SoftmaxWithLoss, with
/// parameters W1, b1, W2, b2 (W drawn from N(0, std²), b zero).
/// </summary>
public sealed class TwoLayerNet<T> : INetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Affine<T> _affine1, _affine2;
    private readonly ILayer<T> _activation;
    private readonly Dictionary<string, Tensor<T>> _params, _grads;

    /// <summary>Creates the network with seeded random weights.</summary>
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, double weightInitStd = 0.01,
        HiddenActivation activation = HiddenActivation.Relu, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        rng ??= new Random(0);
        T std = T.CreateChecked(weightInitStd);
        _params = new Dictionary<string, Tensor<T>>
        {
            ["W1"] = Tensor<T>.RandomNormal(rng, std, inputSize, hiddenSize),
            ["b1"] = Tensor<T>.Zeros(hiddenSize),
            ["W2"] = Tensor<T>.RandomNormal(rng, std, hiddenSize, outputSize),
            ["b2"] = Tensor<T>.Zeros(outputSize),
        };
        Activation = activation;
        _affine1 = new Affine<T>(_params["W1"], _params["b1"]) { ComputeInputGradient = false };
        _activation = activation == HiddenActivation.Relu ? new Relu<T>() : new Sigmoid<T>();
        _affine2 = new Affine<T>(_params["W2"], _params["b2"]);
        _grads = new Dictionary<string, Tensor<T>>
        {
            ["W1"] = _affine1.DW, ["b1"] = _affine1.DB, ["W2"] = _affine2.DW, ["b2"] = _affine2.DB,
        };
        Layers = [("Affine1", _affine1), (activation == HiddenActivation.Relu ? "Relu1" : "Sigmoid1", _activation), ("Affine2", _affine2)];
    }

    /// <summary>The hidden activation.</summary>
    public HiddenActivation Activation { get; }

    /// <summary>Input size (rows of W1).</summary>
    public int InputSize => _params["W1"].Dim(0);
    /// <summary>Hidden size (columns of W1).</summary>
    public int HiddenSize => _params["W1"].Dim(1);
    /// <summary>Output size (columns of W2).</summary>
    public int OutputSize => _params["W2"].Dim(1);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor<T>> Params => _params;

    /// <summary>The layers in order, by the book's names.</summary>
    public IReadOnlyList<(string Name, ILayer<T> Layer)> Layers { get; }

    /// <summary>The output layer.</summary>
    public SoftmaxWithLoss<T> LastLayer { get; } = new();

    /// <inheritdoc/>
    public T LastLoss { get; private set; }

    /// <inheritdoc/>
    public Tensor<T> Predict(Tensor<T> x, bool train = false)
    {
        foreach (var (_, layer) in Layers) x = layer.Forward(x, train);
        return x;
    }

    /// <inheritdoc/>
    public T Loss(Tensor<T> x, Tensor<T> t, bool train = false) => LastLayer.Forward(Predict(x, train), t);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor<T>> Gradient(Tensor<T> x, Tensor<T> t)
    {
        LastLoss = Loss(x, t, train: true);
        var dout = LastLayer.Backward();
        for (int i = Layers.Count - 1; i >= 0; i--) dout = Layers[i].Layer.Backward(dout);
        return _grads;
    }

    /// <summary>Copies parameter values from <paramref name="source"/> (same names and shapes).</summary>
    public void LoadParams(IReadOnlyDictionary<string, Tensor<T>> source)
    {
        foreach (var (name, p) in _params)
        {
            if (!source.TryGetValue(name, out var s))
                throw new ArgumentException($"TwoLayerNet.LoadParams: parameter '{name}' is missing.");
            if (!s.HasShape(p.Shape))
                throw new ArgumentException($"TwoLayerNet.LoadParams: '{name}' has shape {Tensor<T>.ShapeString(s.Shape)}, the network needs {Tensor<T>.ShapeString(p.Shape)}.");
            s.CopyTo(p);
        }
    }
}
