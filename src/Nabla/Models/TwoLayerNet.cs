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
public sealed class TwoLayerNet<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network with seeded random weights.</summary>
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, double weightInitStd = 0.01,
        HiddenActivation activation = HiddenActivation.Relu, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        rng ??= new Random(0);
        T std = T.CreateChecked(weightInitStd);
        Activation = activation;
        var affine1 = Add("Affine1", new Affine<T>(Tensor<T>.RandomNormal(rng, std, inputSize, hiddenSize), Tensor<T>.Zeros(hiddenSize)) { ComputeInputGradient = false });
        if (activation == HiddenActivation.Relu) Add("Relu1", new Relu<T>());
        else Add("Sigmoid1", new Sigmoid<T>());
        var affine2 = Add("Affine2", new Affine<T>(Tensor<T>.RandomNormal(rng, std, hiddenSize, outputSize), Tensor<T>.Zeros(outputSize)));
        Register("W1", affine1.W, affine1.DW);
        Register("b1", affine1.B, affine1.DB);
        Register("W2", affine2.W, affine2.DW);
        Register("b2", affine2.B, affine2.DB);
    }

    /// <inheritdoc/>
    protected override LayerNetwork<T> CreateEmptyCopy() => new TwoLayerNet<T>(InputSize, HiddenSize, OutputSize, 0.01, Activation);

    /// <summary>The hidden activation.</summary>
    public HiddenActivation Activation { get; }

    /// <summary>Input size (rows of W1).</summary>
    public int InputSize => Params["W1"].Dim(0);
    /// <summary>Hidden size (columns of W1).</summary>
    public int HiddenSize => Params["W1"].Dim(1);
    /// <summary>Output size (columns of W2).</summary>
    public int OutputSize => Params["W2"].Dim(1);
}
