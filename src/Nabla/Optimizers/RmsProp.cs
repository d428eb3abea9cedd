using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>RMSprop: h ← ρh + (1 − ρ)g²; W ← W − lr·g/(√h + 1e-7).</summary>
public sealed class RmsProp<T>(double learningRate = 0.01, double decayRate = 0.99) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The decay ρ.</summary>
    public double DecayRate { get; } = decayRate;
    /// <inheritdoc/>
    protected override int StateCount => 2;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var h = state[0]; var s = state[1];
        T rho = T.CreateChecked(DecayRate);
        TP.Multiply(h, rho, h);
        TP.Multiply(g, g, s);
        TP.MultiplyAdd(s, T.One - rho, h, h);
        AdaptiveStep(p, g, h, s, Lr);
    }
}
