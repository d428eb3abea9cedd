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

    /// <summary>Sums <paramref name="src"/> viewed as (outer, n, inner) over n into <paramref name="dst"/> (outer, inner).</summary>
    internal static void SumInto(ReadOnlySpan<T> src, Span<T> dst, int outer, int n, int inner)
    {
        for (int o = 0; o < outer; o++)
        {
            var d = dst.Slice(o * inner, inner);
            if (inner == 1) { d[0] = TP.Sum<T>(src.Slice(o * n, n)); continue; }
            if (n == 0) { d.Clear(); continue; }
            src.Slice(o * n * inner, inner).CopyTo(d);
            for (int j = 1; j < n; j++) TP.Add(d, src.Slice((o * n + j) * inner, inner), d);
        }
    }

    private (int outer, int n, int inner, int[] shape) ReduceGeometry(int axis, bool keepDims)
    {
        int ax = NormalizeAxis(axis);
        int outer = Product(_shape.AsSpan(0, ax)), inner = Product(_shape.AsSpan(ax + 1));
        int[] shape;
        if (keepDims) { shape = (int[])_shape.Clone(); shape[ax] = 1; }
        else shape = [.. _shape[..ax], .. _shape[(ax + 1)..]];
        return (outer, _shape[ax], inner, shape);
    }

    /// <summary>
    /// Matrix product like <c>np.dot</c> for 1-D and 2-D operands: (m,k)·(k,n) → (m,n),
    /// (k)·(k,n) → (n), (m,k)·(k) → (m), (k)·(k) → scalar. Mismatched inner sizes name both shapes.
    /// </summary>
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b)
    {
        if (a.Rank is < 1 or > 2 || b.Rank is < 1 or > 2)
            throw new ArgumentException($"MatMul needs 1-D or 2-D operands, got {ShapeString(a._shape)} and {ShapeString(b._shape)}.");
        int m = a.Rank == 2 ? a._shape[0] : 1, k = a._shape[^1];
        int kb = b._shape[0], n = b.Rank == 2 ? b._shape[1] : 1;
        if (k != kb)
            throw new ArgumentException($"MatMul: shapes {ShapeString(a._shape)} and {ShapeString(b._shape)} are not aligned: {k} (dim {a.Rank - 1}) != {kb} (dim 0).");
        int[] shape = (a.Rank, b.Rank) switch { (2, 2) => [m, n], (1, 2) => [n], (2, 1) => [m], _ => [] };
        var r = new Tensor<T>(shape);
        Gemm.Multiply<T>(a.Span, b.Span, r.Span, m, n, k);
        return r;
    }

    /// <summary>
    /// Matrix product into a preallocated destination: <c>d (+)= op(a)·op(b)</c> for 2-D tensors, where
    /// op transposes when asked (without materialising the transpose). The layers' hot path.
    /// </summary>
    public static void MatMul(Tensor<T> a, Tensor<T> b, Tensor<T> destination, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        if (a.Rank != 2 || b.Rank != 2 || destination.Rank != 2)
            throw new ArgumentException($"MatMul into a destination needs 2-D tensors, got {ShapeString(a._shape)}, {ShapeString(b._shape)} → {ShapeString(destination._shape)}.");
        int m = transposeA ? a._shape[1] : a._shape[0], k = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0], n = transposeB ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: {ShapeString(a._shape)}{(transposeA ? "ᵀ" : "")} and {ShapeString(b._shape)}{(transposeB ? "ᵀ" : "")} are not aligned ({k} != {kb}).");
        if (destination._shape[0] != m || destination._shape[1] != n)
            throw new ArgumentException($"MatMul: the product is ({m}, {n}) but the destination is {ShapeString(destination._shape)}.");
        Gemm.Multiply<T>(a.Span, b.Span, destination.Span, m, n, k, transposeA, transposeB, accumulate);
    }

    /// <summary>Matrix product with <paramref name="other"/> (<c>np.dot(this, other)</c>).</summary>
    public Tensor<T> Dot(Tensor<T> other) => MatMul(this, other);

    /// <summary>The transpose: a copy with the axes reversed (<c>x.T</c>).</summary>
    public Tensor<T> Transpose()
    {
        if (Rank < 2) return Clone();
        var axes = new int[Rank];
        for (int i = 0; i < Rank; i++) axes[i] = Rank - 1 - i;
        return Transpose(axes);
    }

    /// <summary>A copy with the axes permuted, like <c>x.transpose(axes)</c>.</summary>
    public Tensor<T> Transpose(params int[] axes)
    {
        if (axes.Length != Rank || axes.Distinct().Count() != Rank || axes.Any(a => a < 0 || a >= Rank))
            throw new ArgumentException($"Transpose axes ({string.Join(", ", axes)}) are not a permutation of the axes of shape {ShapeString(_shape)}.");
        var shape = new int[Rank];
        var srcStrides = Strides(_shape);
        var stride = new int[Rank];
        for (int i = 0; i < Rank; i++) { shape[i] = _shape[axes[i]]; stride[i] = srcStrides[axes[i]]; }
        var r = new Tensor<T>(shape);
        var s = Span; var d = r.Span;
        if (Rank == 2)
        {
            int rows = shape[0], cols = shape[1];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) d[i * cols + j] = s[i * stride[0] + j * stride[1]];
            return r;
        }
        var idx = new int[Rank];
        int src = 0;
        for (int flat = 0; flat < d.Length; flat++)
        {
            d[flat] = s[src];
            for (int ax = Rank - 1; ax >= 0; ax--)
            {
                idx[ax]++; src += stride[ax];
                if (idx[ax] < shape[ax]) break;
                src -= stride[ax] * shape[ax]; idx[ax] = 0;
            }
        }
        return r;
    }

    internal static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int st = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = st; st *= shape[i]; }
        return s;
    }

    /// <summary>Rows picked by index along the first axis, like NumPy's <c>x[batch_mask]</c> (a copy).</summary>
    public Tensor<T> TakeRows(ReadOnlySpan<int> rows)
    {
        if (Rank == 0) throw new ArgumentException("Cannot take rows of a scalar (shape ()).");
        int[] shape = (int[])_shape.Clone();
        shape[0] = rows.Length;
        var r = new Tensor<T>(shape);
        TakeRows(rows, r);
        return r;
    }

    /// <summary>Rows picked by index into a preallocated <paramref name="destination"/> (no allocation).</summary>
    /// <exception cref="ArgumentException">The destination does not hold exactly those rows (both shapes are named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the first axis.</exception>
    public void TakeRows(ReadOnlySpan<int> rows, Tensor<T> destination)
    {
        if (Rank == 0) throw new ArgumentException("Cannot take rows of a scalar (shape ()).");
        int n = _shape[0];
        int rowSize = n == 0 ? Product(_shape.AsSpan(1)) : Length / n;
        if (destination.Rank == 0 || destination._shape[0] != rows.Length || destination.Length != (long)rows.Length * rowSize)
            throw new ArgumentException($"Taking {rows.Length} rows of {ShapeString(_shape)} needs a destination of {rows.Length} rows of {rowSize} elements, but it is {ShapeString(destination._shape)}.");
        for (int i = 0; i < rows.Length; i++)
            if ((uint)rows[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Index {rows[i]} at position {i} is outside the {n} rows of {ShapeString(_shape)}.");
        var s = Span; var d = destination.Span;
        if (Kernels.RowGather<T>.Worthwhile(Length, rowSize))
        {
            unsafe
            {
                fixed (T* src = s) fixed (T* dst = d) fixed (int* r = rows)
                    Kernels.RowGather<T>.Run(src, r, rows.Length, dst, rowSize);
            }
            return;
        }
        for (int i = 0; i < rows.Length; i++)
            s.Slice(rows[i] * rowSize, rowSize).CopyTo(d.Slice(i * rowSize, rowSize));
    }

    /// <summary>
    /// True when shapes match and every pair satisfies <c>|a − b| ≤ atol + rtol·|b|</c> (<c>np.allclose</c>).
    /// </summary>
    public bool AllClose(Tensor<T> other, double rtol = 1e-5, double atol = 1e-8)
    {
        if (!HasShape(other._shape)) return false;
        var a = Span; var b = other.Span;
        T rt = T.CreateTruncating(rtol), at = T.CreateTruncating(atol);
        for (int i = 0; i < a.Length; i++)
        {
            if (T.IsNaN(a[i]) || T.IsNaN(b[i])) return false;
            if (a[i] == b[i]) continue;
            if (T.Abs(a[i] - b[i]) > at + rt * T.Abs(b[i])) return false;
        }
        return true;
    }

    /// <summary>Largest absolute element-wise difference to <paramref name="other"/> (same shape).</summary>
    public T MaxAbsDifference(Tensor<T> other)
    {
        RequireSameShape(this, other, "MaxAbsDifference");
        T m = T.Zero;
        var a = Span; var b = other.Span;
        for (int i = 0; i < a.Length; i++) m = T.Max(m, T.Abs(a[i] - b[i]));
        return m;
    }
}
