using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>Stochastic gradient descent: W ← W − lr·∂L/∂W.</summary>
public sealed class Sgd<T>(double learningRate = 0.01) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override int StateCount => 0;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state) => TP.MultiplyAdd(g, -Lr, p, p);
}
