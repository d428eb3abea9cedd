namespace Nabla;

public sealed partial class Tensor<T>
{
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
}
