using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla;

/// <summary>
/// An n-dimensional array of <c>float</c> or <c>double</c> in contiguous row-major (C) order,
/// the C# counterpart of the NumPy arrays the book uses. Views (reshape, flatten, row ranges)
/// share storage with their source; everything else returns a new tensor or writes into a
/// destination you pass.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed partial class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _data;
    private readonly int _offset;
    private readonly int[] _shape;
    // Set for a tensor in the sparse-row layout, whose _data is then empty.
    private readonly SparseRowStorage<T>? _sparse;

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        _shape = CheckShape(shape);
        Length = Product(_shape);
        _data = Length == 0 ? [] : new T[Length];
    }

    /// <summary>Wraps <paramref name="data"/> (no copy) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array length.</exception>
    public Tensor(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        _shape = CheckShape(shape);
        Length = Product(_shape);
        if (Length != data.Length)
            throw new ArgumentException($"Cannot view {data.Length} elements as shape {ShapeString(_shape)} ({Length} elements).", nameof(shape));
        _data = data;
    }

    internal Tensor(T[] data, int offset, int[] shape)
    {
        _data = data;
        _offset = offset;
        _shape = shape;
        Length = Product(shape);
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape, outermost dimension first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => _shape[NormalizeAxis(axis)];

    /// <summary>The elements in row-major order (writable; shared with views).</summary>
    public Span<T> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _sparse is null ? new(_data, _offset, Length) : throw NotDense();
    }

    /// <summary>The elements as <see cref="Memory{T}"/> (shared with views).</summary>
    public Memory<T> Memory => _sparse is null ? new(_data, _offset, Length) : throw NotDense();

    /// <summary>Element access by full index, e.g. <c>x[1, 2]</c>.</summary>
    public T this[params int[] index]
    {
        get => _sparse is null ? _data[_offset + FlatIndex(index)] : throw NotDense();
        set => _data[_offset + (_sparse is null ? FlatIndex(index) : throw NotDense())] = value;
    }

    /// <summary>The single value of a one-element tensor (a loss, say).</summary>
    public T ToScalar()
    {
        if (Length != 1)
            throw new InvalidOperationException($"ToScalar() needs a tensor with one element, got shape {ShapeString(_shape)}.");
        if (_sparse is not null) throw NotDense();
        return _data[_offset];
    }

    /// <summary>Returns true when this tensor's shape equals <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);

    /// <summary>A view with a new shape over the same elements; one dimension may be -1 (inferred).</summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        int[] s = (int[])shape.Clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape {ShapeString(_shape)} to {ShapeString(shape)}: only one dimension can be -1.");
                infer = i;
            }
            else if (s[i] < 0) throw new ArgumentException($"Reshape to {ShapeString(shape)}: negative dimension.");
            else known *= s[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0)
                throw new ArgumentException($"Cannot reshape {ShapeString(_shape)} ({Length} elements) to {ShapeString(shape)}.");
            s[infer] = Length / known;
        }
        if (Product(s) != Length)
            throw new ArgumentException($"Cannot reshape {ShapeString(_shape)} ({Length} elements) to {ShapeString(shape)}.");
        if (_sparse is not null) return WithSparseShape(s);
        return new Tensor<T>(_data, _offset, s);
    }

    /// <summary>A 1-D view of all elements.</summary>
    public Tensor<T> Flatten() => _sparse is null ? new(_data, _offset, [Length]) : throw NotDense();

    /// <summary>
    /// A view of rows <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive)
    /// along the first axis, like NumPy's <c>x[start:end]</c>.
    /// </summary>
    public Tensor<T> Slice(int start, int end)
    {
        if (Rank == 0) throw new InvalidOperationException("Cannot slice a scalar.");
        if (_sparse is not null) throw NotDense();
        int n = _shape[0];
        if (start < 0 || end > n || start > end)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}:{end}] is outside the first axis of shape {ShapeString(_shape)}.");
        int rowSize = n == 0 ? 0 : Length / n;
        int[] s = (int[])_shape.Clone();
        s[0] = end - start;
        return new Tensor<T>(_data, _offset + start * rowSize, s);
    }

    /// <summary>Row <paramref name="i"/> of the first axis as a view (rank drops by one).</summary>
    public Tensor<T> Row(int i)
    {
        if (Rank == 0) throw new InvalidOperationException("Cannot index a scalar.");
        if (_sparse is not null) throw NotDense();
        if ((uint)i >= (uint)_shape[0])
            throw new ArgumentOutOfRangeException(nameof(i), $"Row {i} is outside shape {ShapeString(_shape)}.");
        int rowSize = Length / _shape[0];
        return new Tensor<T>(_data, _offset + i * rowSize, _shape[1..]);
    }

    /// <summary>Copy of the elements into a new array.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>A deep copy with its own storage (of a sparse-row tensor: its dense copy, as <see cref="ToDense"/>).</summary>
    public Tensor<T> Clone() => _sparse is null ? new(Span.ToArray(), (int[])_shape.Clone()) : ToDense();

    /// <summary>Copies this tensor's elements into <paramref name="destination"/> (same element count).</summary>
    public void CopyTo(Tensor<T> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"CopyTo: shapes {ShapeString(_shape)} and {ShapeString(destination._shape)} hold different element counts.");
        Span.CopyTo(destination.Span);
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public void Fill(T value) => Span.Fill(value);

    /// <summary>Formats a shape as NumPy does: <c>(3, 4)</c>.</summary>
    public static string ShapeString(ReadOnlySpan<int> shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";

    internal int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {ShapeString(_shape)}.");
        return a;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"Index of rank {index.Length} used on a tensor of shape {ShapeString(_shape)}.");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            int v = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)v >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"Index {index[i]} is out of range for axis {i} of shape {ShapeString(_shape)}.");
            flat = flat * _shape[i] + v;
        }
        return flat;
    }

    private static int[] CheckShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"Shape {ShapeString(shape)} has a negative dimension.", nameof(shape));
        return (int[])shape.Clone();
    }

    internal static int Product(ReadOnlySpan<int> shape)
    {
        long p = 1;
        foreach (int d in shape) p *= d;
        if (p > Array.MaxLength) throw new ArgumentException($"Shape {ShapeString(shape)} has too many elements ({p}).");
        return (int)p;
    }
}
