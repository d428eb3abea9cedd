using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Functions;

/// <summary>The book's activation functions (chapter 3), element-wise on tensors of any shape.</summary>
public static class Activations
{
    /// <summary>Step function: 1 where x &gt; 0, else 0.</summary>
    public static Tensor<T> Step<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Map(v => v > T.Zero ? T.One : T.Zero);

    /// <summary>Sigmoid 1 / (1 + e^(−x)).</summary>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = Tensor<T>.ZerosLike(x);
        TP.Sigmoid<T>(x.Span, r.Span);
        return r;
    }

    /// <summary>ReLU max(0, x).</summary>
    public static Tensor<T> Relu<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>.Maximum(x, T.Zero);

    /// <summary>Identity: returns <paramref name="x"/> itself (the book's output activation for regression).</summary>
    public static Tensor<T> Identity<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x;

    /// <summary>
    /// Softmax along the last axis (row-wise on a batch). Overflow-safe: each row's maximum is
    /// subtracted first, so <c>softmax([1010, 1000, 990])</c> is finite.
    /// </summary>
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = Tensor<T>.ZerosLike(x);
        SoftmaxInto(x.Span, r.Span, x.Rank == 0 ? 1 : x.Dim(-1));
        return r;
    }

    /// <summary>Row-wise softmax of <paramref name="x"/> (rows of <paramref name="rowLength"/>) into <paramref name="y"/>; no allocation.</summary>
    public static void SoftmaxInto<T>(ReadOnlySpan<T> x, Span<T> y, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rowLength <= 0) return;
        if (x.Length != y.Length || x.Length % rowLength != 0)
            throw new ArgumentException($"Softmax: {x.Length} inputs, {y.Length} outputs, rows of {rowLength}.");
        ExpMinusRowMax(x, y, rowLength, default);
        for (int o = 0; o < y.Length; o += rowLength)
        {
            var yr = y.Slice(o, rowLength);
            TP.Divide(yr, TP.Sum<T>(yr), yr);
        }
    }

    /// <summary>
    /// y = exp(x − the row's maximum), row by row (rows of <paramref name="rowLength"/>), each row's maximum also into
    /// <paramref name="rowMax"/> unless it is empty. Rows of at least one 256-bit vector get one exponential call for all
    /// of them: the book's ten classes make rows too short for a call each to pay, and the same vector kernel computes
    /// every element either way. Shorter rows keep a call each, whose scalar path may round differently.
    /// </summary>
    internal static void ExpMinusRowMax<T>(ReadOnlySpan<T> x, Span<T> y, int rowLength, Span<T> rowMax) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool batched = rowLength >= System.Runtime.Intrinsics.Vector256<T>.Count;
        for (int o = 0, i = 0; o < x.Length; o += rowLength, i++)
        {
            var xr = x.Slice(o, rowLength); var yr = y.Slice(o, rowLength);
            T max = TP.Max(xr);
            if (!rowMax.IsEmpty) rowMax[i] = max;
            if (!Kernels.RowwiseKernel<T>.Short(rowLength)) TP.Subtract(xr, max, yr);
            else for (int j = 0; j < rowLength; j++) yr[j] = xr[j] - max; // a short row: the same differences without the call
            if (!batched) TP.Exp<T>(yr, yr);
        }
        if (batched) TP.Exp<T>(y[..x.Length], y);
    }
}
