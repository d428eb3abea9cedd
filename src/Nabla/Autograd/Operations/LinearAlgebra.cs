using System.Numerics;

namespace Nabla.Autograd;

/// <summary>op(A)·op(B) for matrices, op transposing when asked; backward is two more products of the same kind.</summary>
internal sealed class MatMul<T>(bool transA, bool transB) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string? Detail => transA || transB ? $"{(transA ? "Aᵀ" : "A")}·{(transB ? "Bᵀ" : "B")}" : null;
    /// <summary>Whether A, B enter transposed (read by the ONNX exporter).</summary>
    internal (bool A, bool B) Transposed => (transA, transB);

    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [TensorKernels.MatMul(xs[0], xs[1], transA, transB, "MatMul")];

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var a = Inputs[0]; var b = Inputs[1]; var g = gy[0];
        Variable<T>? ga = null, gb = null;
        if (NeedsGrad(0)) ga = transA ? Ops.MatMul(b, g, transB, true) : Ops.MatMul(g, b, false, !transB);
        if (NeedsGrad(1)) gb = transB ? Ops.MatMul(g, a, true, transA) : Ops.MatMul(a, g, !transA, false);
        return [ga, gb];
    }
}

/// <summary>x·W + b (the book's Affine) as one operation: one product forward, two backward, the bias summed over rows.</summary>
internal sealed class LinearFunction<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "Linear";

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0]; var w = xs[1];
        if (x.Rank != 2 || w.Rank != 2 || x.Dim(1) != w.Dim(0))
            throw new ArgumentException($"Linear: input {Shapes.S(x.Shape)} and weight {Shapes.S(w.Shape)} do not fit (need (N, {(w.Rank == 2 ? w.Dim(0) : "k")}) · (k, m)).");
        // A constant, mostly-zero dense input (a batch of images) multiplies from a compressed copy, which backward reuses
        // for ∂W; a batch already in sparse rows (from the data set's non-zero index) goes to the library's product as it is.
        var y = !NeedsGrad(0) && x.Layout == TensorLayout.Dense ? TensorKernels.CachedProduct(x, w) : TensorKernels.MatMul(x, w, false, false, "Linear");
        if (xs.Length > 2) TensorKernels.AddBias(y, xs[2], "Linear");
        return [y];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var g = gy[0];
        if (!Autograd.IsGradEnabled) return BackwardOnTensors(g.Data);
        var gx = NeedsGrad(0) ? Ops.MatMul(g, Inputs[1], false, true) : null;
        // Recorded (createGraph): the differentiable products, so that these gradients can be differentiated again.
        var gw = NeedsGrad(1) ? Ops.MatMul(Inputs[0], g, true, false) : null;
        if (Inputs.Count == 2) return [gx, gw];
        return [gx, gw, NeedsGrad(2) ? Ops.SumTo(g, Inputs[2].Shape.ToArray()) : null];
    }

    /// <summary>
    /// The same gradients when backward is not recorded, as plain products written straight where they go (a parameter's
    /// own gradient tensor, see <see cref="Variable{T}.Grad"/>): ∂x = g·Wᵀ; ∂W = xᵀ·g through the product cache, which reuses
    /// the forward's compressed copy of a constant, mostly-zero x (or multiplies densely when it no longer holds it); ∂b = Σ g.
    /// </summary>
    private Variable<T>?[] BackwardOnTensors(Tensor<T> g)
    {
        var gx = NeedsGrad(0) ? TensorKernels.MatMulInto(g, X(1), GradientDestination(0), false, true) : null;
        var gw = NeedsGrad(1) ? TensorKernels.CachedTransposedProduct(X(0), g, GradientDestination(1)) : null;
        var gb = Inputs.Count > 2 && NeedsGrad(2) ? TensorKernels.SumToInto(g, GradientDestination(2)) : null;
        Variable<T>? C(Tensor<T>? t) => t is null ? null : Variable<T>.Constant(t);
        return Inputs.Count == 2 ? [C(gx), C(gw)] : [C(gx), C(gw), C(gb)];
    }
}
