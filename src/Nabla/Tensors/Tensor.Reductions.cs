using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>Sum of all elements.</summary>
    public T Sum() => TP.Sum<T>(Span);

    /// <summary>Mean of all elements.</summary>
    public T Mean() => Length == 0 ? T.NaN : Sum() / T.CreateChecked(Length);

    /// <summary>Largest element.</summary>
    public T Max() => Length == 0 ? throw new InvalidOperationException("Max of an empty tensor.") : TP.Max<T>(Span);

    /// <summary>Flat index of the largest element (first one on ties).</summary>
    public int ArgMax() => Length == 0 ? throw new InvalidOperationException("ArgMax of an empty tensor.") : TP.IndexOfMax<T>(Span);

    /// <summary>Sum along <paramref name="axis"/>, like <c>np.sum(x, axis)</c>.</summary>
    public Tensor<T> Sum(int axis, bool keepDims = false)
    {
        var (outer, n, inner, shape) = ReduceGeometry(axis, keepDims);
        var r = new Tensor<T>(shape);
        SumInto(Span, r.Span, outer, n, inner);
        return r;
    }

    /// <summary>Maximum along <paramref name="axis"/>, like <c>np.max(x, axis)</c>.</summary>
    public Tensor<T> Max(int axis, bool keepDims = false)
    {
        var (outer, n, inner, shape) = ReduceGeometry(axis, keepDims);
        if (n == 0) throw new InvalidOperationException($"Max along an empty axis of shape {ShapeString(_shape)}.");
        var r = new Tensor<T>(shape);
        var s = Span; var d = r.Span;
        for (int o = 0; o < outer; o++)
        {
            var dst = d.Slice(o * inner, inner);
            if (inner == 1) { dst[0] = TP.Max<T>(s.Slice(o * n, n)); continue; }
            s.Slice(o * n * inner, inner).CopyTo(dst);
            for (int j = 1; j < n; j++) TP.Max(dst, s.Slice((o * n + j) * inner, inner), dst);
        }
        return r;
    }

    /// <summary>Mean along <paramref name="axis"/>.</summary>
    public Tensor<T> Mean(int axis, bool keepDims = false)
    {
        var r = Sum(axis, keepDims);
        TP.Divide(r.Span, T.CreateChecked(_shape[NormalizeAxis(axis)]), r.Span);
        return r;
    }

    /// <summary>
    /// Index of the largest element along <paramref name="axis"/> (first on ties), like
    /// <c>np.argmax(x, axis)</c>; the result lists the indices in row-major order of the remaining axes.
    /// </summary>
    public int[] ArgMax(int axis)
    {
        var (outer, n, inner, _) = ReduceGeometry(axis, false);
        if (n == 0) throw new InvalidOperationException($"ArgMax along an empty axis of shape {ShapeString(_shape)}.");
        var r = new int[outer * inner];
        var s = Span;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                if (inner == 1) { r[o] = TP.IndexOfMax<T>(s.Slice(o * n, n)); continue; }
                int best = 0; T bv = s[o * n * inner + i];
                for (int j = 1; j < n; j++)
                {
                    T v = s[(o * n + j) * inner + i];
                    if (v > bv || (T.IsNaN(v) && !T.IsNaN(bv))) { bv = v; best = j; }
                }
                r[o * inner + i] = best;
            }
        return r;
    }

    /// <summary>Column sums of a matrix (N, M) into <paramref name="destination"/> (M): <c>np.sum(x, axis=0)</c> without allocating.</summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public void SumRowsInto(Tensor<T> destination)
    {
        if (Rank != 2 || destination.Rank != 1 || destination._shape[0] != _shape[1])
            throw new ArgumentException($"SumRowsInto: {ShapeString(_shape)} summed over its rows does not fit {ShapeString(destination._shape)}.");
        SumInto(Span, destination.Span, 1, _shape[0], _shape[1]);
    }

    /// <summary>Sums <paramref name="src"/> viewed as (outer, n, inner) over n into <paramref name="dst"/> (outer, inner).</summary>
    internal static void SumInto(ReadOnlySpan<T> src, Span<T> dst, int outer, int n, int inner) =>
        Kernels.RowwiseKernel<T>.SumRows(src, dst, outer, n, inner);

    private (int outer, int n, int inner, int[] shape) ReduceGeometry(int axis, bool keepDims)
    {
        int ax = NormalizeAxis(axis);
        int outer = Product(_shape.AsSpan(0, ax)), inner = Product(_shape.AsSpan(ax + 1));
        int[] shape;
        if (keepDims) { shape = (int[])_shape.Clone(); shape[ax] = 1; }
        else shape = [.. _shape[..ax], .. _shape[(ax + 1)..]];
        return (outer, _shape[ax], inner, shape);
    }
}
