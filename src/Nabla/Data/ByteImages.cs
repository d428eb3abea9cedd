using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Data;

/// <summary>
/// Images kept as their pixel bytes, a quarter of the memory of float32 (MNIST's 60,000 training images: 47 MB
/// instead of 188 MB), and converted to <typeparamref name="T"/> — v / 255 when normalised, as the loader's
/// tensors — only as rows are read: a minibatch gathered, or a block of an accuracy pass. Training from here
/// reads a quarter of the bytes from memory for every batch. <see cref="ToTensor"/> gives the whole set as a tensor.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class ByteImages<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // An array, or a mapped file's memory (a decoded copy in the data cache, MnistLoader).
    private readonly ReadOnlyMemory<byte> _pixels;
    private readonly int[] _shape;
    // Where the index of non-zero pixels is kept between runs (beside a cached copy), or null.
    private readonly string? _indexPath;
    private readonly object _indexGate = new();
    private long _nonZeros = -1;
    private bool _indexBuilt, _indexLoadTried;
    private NonZeroIndex? _index;

    /// <summary>
    /// Wraps <paramref name="pixels"/> (not copied) as images of <paramref name="shape"/> (N, …), e.g. (N, 784) or
    /// (N, 1, 28, 28); rows read are divided by 255 when <paramref name="normalize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is empty, has a negative axis, or does not hold exactly the bytes given.</exception>
    public ByteImages(byte[] pixels, int[] shape, bool normalize = true) : this(pixels ?? throw new ArgumentNullException(nameof(pixels)), shape, normalize, null)
    {
    }

    /// <summary>
    /// Images whose bytes may be a mapped file's (<see cref="MappedFile"/>); with <paramref name="indexPath"/>, the index of
    /// non-zero pixels is loaded from there when a valid one is there (<see cref="NonZeroIndex.TryLoad"/>), and saved there
    /// when it is built.
    /// </summary>
    internal ByteImages(ReadOnlyMemory<byte> pixels, int[] shape, bool normalize, string? indexPath)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d < 0))
            throw new ArgumentException($"ByteImages needs a shape (N, …) with no negative axis, got {Tensor<T>.ShapeString(shape)}.", nameof(shape));
        long size = shape.Aggregate(1L, (a, d) => a * d);
        if (size != pixels.Length)
            throw new ArgumentException($"ByteImages: shape {Tensor<T>.ShapeString(shape)} holds {size} pixels, but {pixels.Length} bytes were given.", nameof(pixels));
        _pixels = pixels;
        _indexPath = indexPath;
        _shape = (int[])shape.Clone();
        RowSize = shape.Skip(1).Aggregate(1, (a, d) => a * d);
        Normalize = normalize;
    }

    /// <summary>Number of images (the first axis).</summary>
    public int Count => _shape[0];

    /// <summary>The shape of the whole set, as <see cref="ToTensor"/> gives it.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Values per image.</summary>
    public int RowSize { get; }

    /// <summary>Whether values are divided by 255.</summary>
    public bool Normalize { get; }

    /// <summary>The pixel bytes, image after image.</summary>
    /// <remarks>When the images were loaded from the data cache the bytes are a mapped file's, valid while these images are reachable.</remarks>
    public ReadOnlySpan<byte> Pixels => _pixels.Span;

    /// <summary>The same bytes seen with another shape per image, e.g. (1, 28, 28) for a CNN instead of (784).</summary>
    /// <exception cref="ArgumentException">The image shape does not hold <see cref="RowSize"/> values.</exception>
    public ByteImages<T> WithImageShape(params int[] imageShape)
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        long size = imageShape.Aggregate(1L, (a, d) => a * d);
        if (size != RowSize || imageShape.Any(d => d < 0))
            throw new ArgumentException($"ByteImages: an image of {RowSize} values cannot be seen as {Tensor<T>.ShapeString(imageShape)}.", nameof(imageShape));
        return new ByteImages<T>(_pixels, [Count, .. imageShape], Normalize, _indexPath);
    }

    /// <summary>The shape of <paramref name="rows"/> images: (rows, …).</summary>
    public int[] ShapeOfRows(int rows)
    {
        var s = (int[])_shape.Clone();
        s[0] = rows;
        return s;
    }

    /// <summary>
    /// Converts images <paramref name="rows"/> into <paramref name="destination"/>, in order, without allocating:
    /// <c>x_batch = x_train[batch_mask]</c>.
    /// </summary>
    /// <remarks>A destination in the <see cref="TensorLayout.SparseRows"/> layout is filled from the set's index of non-zero
    /// pixels (built on first use): the batch is neither converted whole nor scanned for its non-zeros.</remarks>
    /// <exception cref="ArgumentException">The destination does not hold <c>rows.Length</c> images, or is sparse and the images are too wide to index.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the images.</exception>
    public unsafe void Gather(ReadOnlySpan<int> rows, Tensor<T> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckDestination(rows.Length, destination);
        CheckRows(rows, nameof(rows));
        if (destination.Layout == TensorLayout.SparseRows)
        {
            var index = NonZeros(1.0) ?? throw new ArgumentException($"Images of {RowSize} values are too wide to gather as sparse rows.", nameof(destination));
            index.Gather(rows, Normalize, destination.SparseRows);
            return;
        }
        fixed (byte* src = _pixels.Span) fixed (T* dst = destination.Span) fixed (int* r = rows)
            ByteRows<T>.Run(src, r, rows.Length, dst, RowSize, Normalize);
        GC.KeepAlive(this); // the pixels may be a mapped file's, mapped while this object is reachable
    }

    /// <summary>Converts images <paramref name="start"/> … <paramref name="start"/> + N − 1 into <paramref name="destination"/> (N = its first axis).</summary>
    /// <exception cref="ArgumentException">The destination's images do not have this set's size.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range passes the end of the set.</exception>
    public unsafe void CopyRows(int start, Tensor<T> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int n = destination.Rank == 0 ? 0 : destination.Dim(0);
        CheckDestination(n, destination);
        if (start < 0 || start > Count - n)
            throw new ArgumentOutOfRangeException(nameof(start), $"Images {start}…{start + n - 1} are outside the {Count} images.");
        fixed (byte* src = _pixels.Span) fixed (T* dst = destination.Span)
            ByteRows<T>.Run(src + (long)start * RowSize, null, n, dst, RowSize, Normalize);
        GC.KeepAlive(this);
    }

    /// <summary>Images <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 as a new tensor.</summary>
    public Tensor<T> Rows(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var t = new Tensor<T>(ShapeOfRows(count));
        CopyRows(start, t);
        return t;
    }

    /// <summary>The whole set as a tensor of <see cref="Shape"/> (allocates Count × RowSize values).</summary>
    public Tensor<T> ToTensor() => Rows(0, Count);

    /// <summary>The fraction of pixels that are not zero (counted once).</summary>
    public double Density
    {
        get
        {
            if (_pixels.Length == 0) return 0;
            lock (_indexGate)
            {
                LoadSavedIndex();
                if (_nonZeros < 0) _nonZeros = NonZeroIndex.CountNonZeros(_pixels.Span);
                GC.KeepAlive(this);
                return (double)_nonZeros / _pixels.Length;
            }
        }
    }

    /// <summary>Whether <see cref="Gather"/> can fill a <see cref="TensorLayout.SparseRows"/> destination (the images are narrow enough to index).</summary>
    public bool CanGatherSparseRows => RowSize is > 0 and <= ushort.MaxValue;

    /// <summary>
    /// Builds now, instead of at the first sparse-row gather, the index of non-zero pixels that
    /// <see cref="TensorLayout.SparseRows"/> batches are gathered from (a program can then time it, or pay for it before
    /// a loop starts). True when the images are indexed: at most <paramref name="maxDensity"/> of their pixels are
    /// non-zero and they are narrow enough (<see cref="CanGatherSparseRows"/>); false otherwise, and nothing is built.
    /// </summary>
    public bool BuildNonZeroIndex(double maxDensity) => CanGatherSparseRows && NonZeros(maxDensity) is not null;

    /// <summary>
    /// The index of these images' non-zero pixels (<see cref="NonZeroIndex"/>), loaded from beside their cached copy when
    /// a valid one is saved there, else built on first use (and saved there, when the images came from the cache), when at most
    /// <paramref name="maxDensity"/> of the pixels are non-zero; null for denser images (the dense product is faster
    /// then) or images too wide to index.
    /// </summary>
    internal NonZeroIndex? NonZeros(double maxDensity)
    {
        if (maxDensity <= 0 || Count == 0 || RowSize == 0) return null;
        lock (_indexGate)
        {
            LoadSavedIndex();
            if (_nonZeros < 0) _nonZeros = NonZeroIndex.CountNonZeros(_pixels.Span);
            if ((double)_nonZeros / _pixels.Length > maxDensity) return null;
            if (!_indexBuilt)
            {
                _index = NonZeroIndex.Build(_pixels.Span, RowSize);
                _indexBuilt = true;
                if (_index is not null && _indexPath is not null) _index.TrySave(_indexPath);
            }
            GC.KeepAlive(this);
            return _index;
        }
    }

    /// <summary>
    /// Loads the index saved beside a cached copy (once; under <see cref="_indexGate"/>), if there is a valid one: it also
    /// counts the non-zeros, so neither <see cref="Density"/> nor <see cref="NonZeros"/> has to scan the pixels.
    /// </summary>
    private void LoadSavedIndex()
    {
        if (_indexBuilt || _indexLoadTried || _indexPath is null || !CanGatherSparseRows) return;
        _indexLoadTried = true;
        if (NonZeroIndex.TryLoad(_indexPath, _pixels.Span, RowSize) is not { } loaded) return;
        _index = loaded;
        _indexBuilt = true;
        _nonZeros = loaded.Entries;
    }

    /// <summary>Throws unless every index in <paramref name="rows"/> names one of the images.</summary>
    internal void CheckRows(ReadOnlySpan<int> rows, string parameter)
    {
        for (int i = 0; i < rows.Length; i++)
            if ((uint)rows[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(parameter, $"Index {rows[i]} at position {i} is outside the {Count} images.");
    }

    private void CheckDestination(int rows, Tensor<T> destination)
    {
        if (destination.Rank == 0 || destination.Dim(0) != rows || destination.Length != (long)rows * RowSize)
            throw new ArgumentException(
                $"{rows} images of {RowSize} values need a destination of {rows} rows of {RowSize} elements, but it is {Tensor<T>.ShapeString(destination.Shape)}.",
                nameof(destination));
    }
}
