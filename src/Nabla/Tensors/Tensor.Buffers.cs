namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Returns <paramref name="buffer"/> when it already has <paramref name="shape"/>; otherwise a
    /// tensor of that shape over the old buffer's storage when it is large enough, or a new one.
    /// The contents are unspecified: callers overwrite them. Layers use this to reuse their outputs
    /// and gradients across iterations, so the steady-state training loop allocates nothing.
    /// </summary>
    public static Tensor<T> Reuse(ref Tensor<T>? buffer, ReadOnlySpan<int> shape)
    {
        if (buffer is not null && buffer.HasShape(shape) && buffer._sparse is null) return buffer;
        int n = Product(shape);
        buffer = buffer is not null && buffer._sparse is null && buffer._offset == 0 && buffer._data.Length >= n
            ? new Tensor<T>(buffer._data, 0, shape.ToArray())
            : new Tensor<T>(shape.ToArray());
        return buffer;
    }

    /// <summary>A view of this tensor as a matrix (first axis, then everything else flattened).</summary>
    public Tensor<T> AsMatrix()
    {
        if (Rank == 2) return this;
        if (Rank == 0) return Reshape(1, 1);
        int rows = _shape[0];
        if (_sparse is not null) return WithSparseShape([rows, _sparse.Columns]);
        return new Tensor<T>(_data, _offset, [rows, rows == 0 ? 0 : Length / rows]);
    }
}
