using System.Numerics;
using Nabla.Layers;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Models;

/// <summary>
/// The book's fully connected network of any depth (chapter 6, <c>common/multi_layer_net_extend.py</c>):
/// Affine → [BatchNorm] → ReLU/Sigmoid → [Dropout] per hidden layer, then Affine → SoftmaxWithLoss.
/// Parameters W1, b1, …, and gamma1, beta1, … with batch norm. Weight decay λ adds ½λΣ‖W‖² to the loss and λW to each ∂L/∂W.
/// </summary>
public class MultiLayerNetExtend<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(Tensor<T> W, Tensor<T> DW, Tensor<T> Grad)> _decayed = [];
    private readonly int _inputSize, _outputSize;
    private readonly double _dropoutRatio;

    /// <summary>Creates the network with seeded random weights.</summary>
    public MultiLayerNetExtend(int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize,
        HiddenActivation activation = HiddenActivation.Relu, WeightInit? weightInit = null, double weightDecayLambda = 0,
        bool useDropout = false, double dropoutRatio = 0.5, bool useBatchNorm = false, Random? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        if (hiddenSizes.Any(h => h < 1)) throw new ArgumentOutOfRangeException(nameof(hiddenSizes), $"Hidden sizes must be positive, got [{string.Join(", ", hiddenSizes)}].");
        if (!(weightDecayLambda >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecayLambda), $"Weight decay must be ≥ 0, got {weightDecayLambda}.");
        rng ??= new Random(0);
        var init = weightInit ?? (activation == HiddenActivation.Relu ? WeightInit.He : WeightInit.Xavier);
        WeightDecayLambda = weightDecayLambda;
        HiddenSizes = [.. hiddenSizes];
        (_inputSize, _outputSize, _dropoutRatio) = (inputSize, outputSize, dropoutRatio);
        Activation = activation; UseBatchNorm = useBatchNorm; UseDropout = useDropout;
        int[] sizes = [inputSize, .. hiddenSizes, outputSize];
        for (int i = 1; i < sizes.Length; i++)
        {
            var w = Tensor<T>.RandomNormal(rng, T.CreateChecked(init.StdFor(sizes[i - 1])), sizes[i - 1], sizes[i]);
            var b = Tensor<T>.Zeros(sizes[i]);
            var affine = Add($"Affine{i}", new Affine<T>(w, b) { ComputeInputGradient = i > 1 });
            var gradW = weightDecayLambda > 0 ? Tensor<T>.ZerosLike(w) : affine.DW;
            if (weightDecayLambda > 0) _decayed.Add((w, affine.DW, gradW));
            Register($"W{i}", w, gradW);
            Register($"b{i}", b, affine.DB);
            if (i == sizes.Length - 1) break;
            if (useBatchNorm)
            {
                var bn = Add($"BatchNorm{i}", new BatchNormalization<T>(Tensor<T>.Ones(sizes[i]), Tensor<T>.Zeros(sizes[i])));
                Register($"gamma{i}", bn.Gamma, bn.DGamma);
                Register($"beta{i}", bn.Beta, bn.DBeta);
            }
            if (activation == HiddenActivation.Relu) Add($"Activation_function{i}", new Relu<T>());
            else Add($"Activation_function{i}", new Sigmoid<T>());
            if (useDropout) Add($"Dropout{i}", new Dropout<T>(dropoutRatio, new Random(rng.Next())));
        }
    }

    /// <summary>Hidden layer sizes.</summary>
    public IReadOnlyList<int> HiddenSizes { get; }
    /// <summary>Hidden activation.</summary>
    public HiddenActivation Activation { get; }
    /// <summary>λ of the L2 weight decay.</summary>
    public double WeightDecayLambda { get; }
    /// <summary>Whether batch normalisation follows each hidden Affine.</summary>
    public bool UseBatchNorm { get; }
    /// <summary>Whether dropout follows each hidden activation.</summary>
    public bool UseDropout { get; }

    /// <summary>
    /// A network of the same layers for predictions (weight decay plays no part in them); none with batch normalization,
    /// whose running statistics are not among the parameters a copy is brought up to date with.
    /// </summary>
    protected override LayerNetwork<T>? CreateEmptyCopy() => UseBatchNorm ? null
        : new MultiLayerNetExtend<T>(_inputSize, HiddenSizes, _outputSize, Activation, useDropout: UseDropout, dropoutRatio: _dropoutRatio);

    /// <summary>½λ Σ ‖W‖² over every weight matrix.</summary>
    protected override T RegularizationLoss()
    {
        T decay = T.Zero;
        foreach (var (w, _, _) in _decayed) decay += TP.SumOfSquares<T>(w.Span);
        return T.CreateChecked(0.5 * WeightDecayLambda) * decay;
    }

    /// <summary>∂L/∂W = dW + λW, into the reported gradient buffers.</summary>
    protected override void AfterBackward()
    {
        T lambda = T.CreateChecked(WeightDecayLambda);
        foreach (var (w, dw, grad) in _decayed) TP.MultiplyAdd(w.Span, lambda, dw.Span, grad.Span);
    }
}

/// <summary>The book's <c>MultiLayerNet</c>: <see cref="MultiLayerNetExtend{T}"/> without batch norm or dropout.</summary>
public sealed class MultiLayerNet<T> : MultiLayerNetExtend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network with seeded random weights.</summary>
    public MultiLayerNet(int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize,
        HiddenActivation activation = HiddenActivation.Relu, WeightInit? weightInit = null, double weightDecayLambda = 0, Random? rng = null)
        : base(inputSize, hiddenSizes, outputSize, activation, weightInit, weightDecayLambda, rng: rng) { }
}
