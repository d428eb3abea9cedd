using System.Numerics;

namespace Nabla.Autograd;

/// <summary>Base of the broadcasting binary operations: forward checks the shapes, backward sums each gradient back to its input's shape.</summary>
internal abstract class Binary<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected int[] Shape0 = [], Shape1 = [];

    protected sealed override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        Shape0 = xs[0].Shape.ToArray(); Shape1 = xs[1].Shape.ToArray();
        Shapes.Broadcast(Name, Shape0, Shape1);
        return [Compute(xs[0], xs[1])];
    }

    protected abstract Tensor<T> Compute(Tensor<T> a, Tensor<T> b);

    protected Variable<T>? To0(Variable<T> g) => NeedsGrad(0) ? Ops.SumTo(g, Shape0) : null;
    protected Variable<T>? To1(Variable<T> g) => NeedsGrad(1) ? Ops.SumTo(g, Shape1) : null;
}

internal sealed class Add<T> : Binary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T> Compute(Tensor<T> a, Tensor<T> b) => a + b;
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [To0(gy[0]), To1(gy[0])];
}

internal sealed class Sub<T> : Binary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T> Compute(Tensor<T> a, Tensor<T> b) => a - b;
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [To0(gy[0]), NeedsGrad(1) ? To1(-gy[0]) : null];
}

internal sealed class Mul<T> : Binary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T> Compute(Tensor<T> a, Tensor<T> b) => a * b;
    protected override Variable<T>?[] Backward(Variable<T>[] gy) =>
        [NeedsGrad(0) ? To0(gy[0] * Inputs[1]) : null, NeedsGrad(1) ? To1(gy[0] * Inputs[0]) : null];
}

internal sealed class Div<T> : Binary<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T> Compute(Tensor<T> a, Tensor<T> b) => a / b;
    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var x0 = Inputs[0]; var x1 = Inputs[1];
        return [NeedsGrad(0) ? To0(gy[0] / x1) : null, NeedsGrad(1) ? To1(-(gy[0] * x0) / (x1 * x1)) : null];
    }
}

internal sealed class Neg<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [-xs[0]];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [-gy[0]];
}

/// <summary>x ** c for a constant exponent c.</summary>
internal sealed class Pow<T>(T c) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string? Detail => $"c={c}";
    /// <summary>The constant exponent (read by the ONNX exporter).</summary>
    internal T Exponent => c;
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [xs[0].Map(v => T.Pow(v, c))];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) =>
        [c == T.One ? gy[0] : gy[0] * c * (c - T.One == T.One ? Inputs[0] : Ops.Pow(Inputs[0], c - T.One))];
}
