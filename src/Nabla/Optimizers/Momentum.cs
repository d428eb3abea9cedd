using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>Momentum: v ← αv − lr·g; W ← W + v.</summary>
public sealed class Momentum<T>(double learningRate = 0.01, double momentum = 0.9) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momentum α.</summary>
    public double MomentumCoefficient { get; } = momentum;
    /// <inheritdoc/>
    protected override int StateCount => 1;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var v = state[0];
        TP.Multiply(v, T.CreateChecked(MomentumCoefficient), v);
        TP.MultiplyAdd(g, -Lr, v, v);
        TP.Add(p, v, p);
    }
}
