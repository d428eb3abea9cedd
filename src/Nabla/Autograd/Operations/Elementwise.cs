using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Autograd;

internal sealed class Exp<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [xs[0].Exp()];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [gy[0] * Output()];
}

internal sealed class Log<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [xs[0].Log()];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [gy[0] / Inputs[0]];
}

internal sealed class Sin<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) { var r = Tensor<T>.ZerosLike(xs[0]); TP.Sin<T>(xs[0].Span, r.Span); return [r]; }
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [gy[0] * Ops.Cos(Inputs[0])];
}

internal sealed class Cos<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) { var r = Tensor<T>.ZerosLike(xs[0]); TP.Cos<T>(xs[0].Span, r.Span); return [r]; }
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [-(gy[0] * Ops.Sin(Inputs[0]))];
}

internal sealed class Tanh<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [xs[0].Tanh()];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) { var y = Output(); return [gy[0] * (T.One - y * y)]; }
}

internal sealed class Sigmoid<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [Functions.Activations.Sigmoid(xs[0])];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) { var y = Output(); return [gy[0] * y * (T.One - y)]; }
}

/// <summary>max(0, x); backward passes the gradient where x &gt; 0 (a constant mask, so its second derivative is 0).</summary>
internal sealed class Relu<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [Functions.Activations.Relu(xs[0])];
    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        // Not recorded: one masked copy of the gradient. Recorded: the mask as a constant factor, so the graph shows it.
        if (!Autograd.IsGradEnabled) return [Variable<T>.Constant(TensorKernels.ReluBackward(X(), gy[0].Data))];
        var mask = X().Map(v => v > T.Zero ? T.One : T.Zero);
        return [gy[0] * Variable<T>.Constant(mask)];
    }
}
