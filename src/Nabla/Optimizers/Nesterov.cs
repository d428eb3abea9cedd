using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>Nesterov's accelerated gradient, in the book's form.</summary>
public sealed class Nesterov<T>(double learningRate = 0.01, double momentum = 0.9) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momentum α.</summary>
    public double MomentumCoefficient { get; } = momentum;
    /// <inheritdoc/>
    protected override int StateCount => 1;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var v = state[0];
        T m = T.CreateChecked(MomentumCoefficient);
        TP.Multiply(v, m, v);                                      // v *= α
        TP.MultiplyAdd(g, -Lr, v, v);                              // v -= lr·g
        TP.MultiplyAdd(v, m * m, p, p);                            // W += α²·v
        TP.MultiplyAdd(g, -(T.One + m) * Lr, p, p);                // W -= (1 + α)·lr·g
    }
}
