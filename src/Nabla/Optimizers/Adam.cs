using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>
/// Adam in the book's form: the bias correction is folded into the step size,
/// lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); m += (1 − β₁)(g − m); v += (1 − β₂)(g² − v); W −= lr_t·m/(√v + 1e-7).
/// </summary>
public sealed class Adam<T>(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _lrT;

    /// <summary>β₁.</summary>
    public double Beta1 { get; } = beta1;
    /// <summary>β₂.</summary>
    public double Beta2 { get; } = beta2;
    /// <summary>Steps taken so far.</summary>
    public int Iteration { get; private set; }

    /// <inheritdoc/>
    protected override int StateCount => 3;

    /// <inheritdoc/>
    protected override void BeginStep()
    {
        Iteration++;
        _lrT = T.CreateChecked(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, Iteration)) / (1 - Math.Pow(Beta1, Iteration)));
    }

    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var m = state[0]; var v = state[1]; var s = state[2];
        TP.Subtract(g, m, s);
        TP.MultiplyAdd(s, T.CreateChecked(1 - Beta1), m, m);
        TP.Multiply(g, g, s);
        TP.Subtract(s, v, s);
        TP.MultiplyAdd(s, T.CreateChecked(1 - Beta2), v, v);
        AdaptiveStep(p, m, v, s, _lrT);
    }
}
