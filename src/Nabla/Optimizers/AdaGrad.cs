using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>AdaGrad: h ← h + g²; W ← W − lr·g/(√h + 1e-7).</summary>
public sealed class AdaGrad<T>(double learningRate = 0.01) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override int StateCount => 2;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var h = state[0];
        TP.MultiplyAdd(g, g, h, h);
        AdaptiveStep(p, g, h, state[1], Lr);
    }
}
