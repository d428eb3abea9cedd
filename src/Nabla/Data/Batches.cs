using System.Numerics;

namespace Nabla.Data;

/// <summary>
/// Mini-batch helpers for training loops: the book's random <c>batch_mask</c> and gathering the chosen
/// rows into tensors you allocate once.
/// </summary>
public static class Batches
{
    /// <summary>
    /// Fills <paramref name="mask"/> with random indices in [0, <paramref name="populationSize"/>), drawn
    /// with replacement: the book's <c>np.random.choice(train_size, batch_size)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="populationSize"/> is not positive.</exception>
    public static void Choice(Random random, int populationSize, Span<int> mask)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(populationSize);
        for (int i = 0; i < mask.Length; i++) mask[i] = random.Next(populationSize);
    }

    /// <summary>Returns <paramref name="count"/> random indices in [0, <paramref name="populationSize"/>), drawn with replacement.</summary>
    public static int[] Choice(Random random, int populationSize, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var mask = new int[count];
        Choice(random, populationSize, mask);
        return mask;
    }

    /// <summary>
    /// Copies rows <paramref name="rows"/> of <paramref name="source"/> (its first axis) into
    /// <paramref name="destination"/>, in order, without allocating: <c>x_batch = x_train[batch_mask]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The destination does not have <c>rows.Length</c> rows of the source's row size.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source's rows.</exception>
    public static void Gather<T>(Tensor<T> source, ReadOnlySpan<int> rows, Tensor<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        source.TakeRows(rows, destination);
    }

    /// <summary>Copies the label values <paramref name="labels"/>[<paramref name="rows"/>] into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Gather(ReadOnlySpan<int> labels, ReadOnlySpan<int> rows, Span<int> destination)
    {
        if (destination.Length != rows.Length)
            throw new ArgumentException($"The destination holds {destination.Length} labels but {rows.Length} rows were asked for.", nameof(destination));
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)labels.Length)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Index {r} at position {i} is outside the {labels.Length} labels.");
            destination[i] = labels[r];
        }
    }
}

/// <summary>
/// A reusable mini-batch: one index mask and two tensors allocated once, refilled each iteration
/// from the training set, so the training loop does not allocate.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MiniBatch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>? _x;
    private readonly ByteImages<T>? _images;
    private readonly Tensor<T> _t;
    private readonly Tensor<T>? _dense; // a gathered batch before compression, for sparse rows from a dense set

    /// <summary>
    /// Prepares batches of <paramref name="batchSize"/> rows drawn from <paramref name="x"/> and <paramref name="t"/>, the inputs
    /// in <paramref name="inputLayout"/> (sparse rows: each batch gathered, then compressed).
    /// </summary>
    /// <exception cref="ArgumentException">The two tensors have different numbers of rows, or the batch size is not positive.</exception>
    public MiniBatch(Tensor<T> x, Tensor<T> t, int batchSize, TensorLayout inputLayout = TensorLayout.Dense)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (x.Shape.Length == 0 || t.Shape.Length == 0 || x.Shape[0] != t.Shape[0])
            throw new ArgumentException(
                $"Inputs {Tensor<T>.ShapeString(x.Shape)} and targets {Tensor<T>.ShapeString(t.Shape)} must have the same number of rows.", nameof(t));
        _x = x;
        _t = t;
        Rows = new int[batchSize];
        if (inputLayout == TensorLayout.SparseRows) _dense = new Tensor<T>(WithRows(x.Shape, batchSize));
        XBatch = Make(WithRows(x.Shape, batchSize), inputLayout);
        TBatch = new Tensor<T>(WithRows(t.Shape, batchSize));
    }

    /// <summary>
    /// Prepares batches of <paramref name="batchSize"/> images drawn from <paramref name="images"/>, converted from their
    /// bytes as they are gathered (a quarter of the memory traffic of gathering float32 rows), and <paramref name="t"/>.
    /// In the <see cref="TensorLayout.SparseRows"/> layout a batch is read from the set's index of non-zero pixels
    /// (<see cref="ByteImages{T}.Gather"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The images and targets have different numbers of rows, or the batch size is not positive.</exception>
    public MiniBatch(ByteImages<T> images, Tensor<T> t, int batchSize, TensorLayout inputLayout = TensorLayout.Dense)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (t.Shape.Length == 0 || images.Count != t.Shape[0])
            throw new ArgumentException(
                $"Images {Tensor<T>.ShapeString(images.Shape)} and targets {Tensor<T>.ShapeString(t.Shape)} must have the same number of rows.", nameof(t));
        _images = images;
        _t = t;
        Rows = new int[batchSize];
        XBatch = Make(images.ShapeOfRows(batchSize), inputLayout);
        TBatch = new Tensor<T>(WithRows(t.Shape, batchSize));
    }

    /// <summary>The row indices of the current batch (the book's <c>batch_mask</c>).</summary>
    public int[] Rows { get; }

    /// <summary>The current batch's inputs: <c>x_batch</c>, dense or in sparse rows as asked.</summary>
    public Tensor<T> XBatch { get; }

    /// <summary>The current batch's targets: <c>t_batch</c>.</summary>
    public Tensor<T> TBatch { get; }

    /// <summary>Number of rows in the whole set.</summary>
    public int Population => _t.Shape[0];

    /// <summary>Draws a new random mask (with replacement, as the book does) and gathers its rows.</summary>
    public void Sample(Random random)
    {
        Batches.Choice(random, Population, Rows);
        Fill();
    }

    /// <summary>Uses the rows <paramref name="start"/>, <paramref name="start"/>+1, … wrapping around the end of the set.</summary>
    public void Sequential(int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        for (int i = 0; i < Rows.Length; i++) Rows[i] = (int)(((long)start + i) % Population);
        Fill();
    }

    private void Fill()
    {
        if (_images is not null) _images.Gather(Rows, XBatch);
        else if (_dense is not null)
        {
            Batches.Gather(_x!, Rows, _dense);
            XBatch.CompressFrom(_dense);
        }
        else Batches.Gather(_x!, Rows, XBatch);
        Batches.Gather(_t, Rows, TBatch);
    }

    private static Tensor<T> Make(int[] shape, TensorLayout layout) => layout == TensorLayout.SparseRows
        ? Tensor<T>.FromSparseRows(new SparseRowStorage<T>(Tensor<T>.Product(shape.AsSpan(1))), shape)
        : new Tensor<T>(shape);

    private static int[] WithRows(ReadOnlySpan<int> shape, int rows)
    {
        var s = shape.ToArray();
        s[0] = rows;
        return s;
    }
}
