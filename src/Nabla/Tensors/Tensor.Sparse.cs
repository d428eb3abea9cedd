using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor<T>
{
    private Tensor(SparseRowStorage<T> storage, int[] shape)
    {
        _data = [];
        _sparse = storage;
        _shape = shape;
        Length = Product(shape);
    }

    /// <summary>How the elements are held: <see cref="TensorLayout.Dense"/>, or <see cref="TensorLayout.SparseRows"/> (no <see cref="Span"/>).</summary>
    public TensorLayout Layout => _sparse is null ? TensorLayout.Dense : TensorLayout.SparseRows;

    /// <summary>The storage of a <see cref="TensorLayout.SparseRows"/> tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is dense.</exception>
    public SparseRowStorage<T> SparseRows => _sparse ?? throw new InvalidOperationException($"A dense tensor {ShapeString(_shape)} has no sparse-row storage.");

    /// <summary>
    /// A <see cref="TensorLayout.SparseRows"/> tensor of <paramref name="shape"/> (N, …) over <paramref name="storage"/>
    /// (not copied; its rows of <see cref="SparseRowStorage{T}.Columns"/> values are the tensor's rows). The storage may be
    /// refilled later with the same number of rows, e.g. for the next minibatch.
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not have the storage's rows of its columns.</exception>
    public static Tensor<T> FromSparseRows(SparseRowStorage<T> storage, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var s = CheckShape(shape);
        if (s.Length == 0 || Product(s.AsSpan(1)) != storage.Columns)
            throw new ArgumentException($"A sparse-row tensor of shape {ShapeString(s)} needs rows of {storage.Columns} values.", nameof(shape));
        return new Tensor<T>(storage, s);
    }

    /// <summary>
    /// <paramref name="dense"/> (N, …) in the <see cref="TensorLayout.SparseRows"/> layout: a new storage holding its
    /// non-zero entries. Worth it for mostly-zero matrices multiplied from the left (<see cref="MatMul(Tensor{T}, Tensor{T}, Tensor{T}, bool, bool, bool)"/>).
    /// </summary>
    public static Tensor<T> ToSparseRows(Tensor<T> dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        if (dense.Rank == 0) throw new ArgumentException("A scalar has no rows to compress.", nameof(dense));
        var storage = new SparseRowStorage<T>(dense.Rank == 1 ? dense.Length : Product(dense._shape.AsSpan(1)));
        if (dense.Rank == 1) { storage.CompressFrom(dense.Span); return new Tensor<T>(storage, [1, dense.Length]); }
        storage.CompressFrom(dense.Span);
        return new Tensor<T>(storage, (int[])dense._shape.Clone());
    }

    /// <summary>Refills this <see cref="TensorLayout.SparseRows"/> tensor with the non-zeros of <paramref name="dense"/>, which has its shape.</summary>
    public void CompressFrom(Tensor<T> dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        var storage = SparseRows;
        if (!dense.HasShape(_shape)) throw new ArgumentException($"CompressFrom: {ShapeString(dense._shape)} is not this tensor's shape {ShapeString(_shape)}.", nameof(dense));
        storage.CompressFrom(dense.Span);
    }

    /// <summary>The same values in the <see cref="TensorLayout.Dense"/> layout (a copy; a dense tensor is cloned).</summary>
    public Tensor<T> ToDense()
    {
        if (_sparse is null) return Clone();
        var r = new Tensor<T>(_shape);
        _sparse.CopyTo(r.Span);
        return r;
    }

    /// <summary>How many elements are not zero.</summary>
    public long CountNonZeros() => _sparse?.NonZeros ?? SparseProduct<T>.CountNonZeros(Span);

    /// <summary>The fraction of elements that are not zero (0 for an empty tensor).</summary>
    public double Density() => Length == 0 ? 0 : (double)CountNonZeros() / Length;

    private Tensor<T> WithSparseShape(int[] shape)
    {
        if (shape.Length == 0 || shape[0] != _shape[0])
            throw new InvalidOperationException($"A sparse-row tensor {ShapeString(_shape)} keeps its rows: it cannot be viewed as {ShapeString(shape)}.");
        return new Tensor<T>(_sparse!, shape);
    }

    private InvalidOperationException NotDense() =>
        new($"This tensor {ShapeString(_shape)} holds sparse rows (only their non-zeros); call ToDense() for its elements.");
}
