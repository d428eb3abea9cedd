using System.Numerics;

namespace Nabla;

/// <summary>How a tensor holds its elements.</summary>
public enum TensorLayout
{
    /// <summary>Every element, row-major (C order).</summary>
    Dense,
    /// <summary>
    /// A matrix (N, …) by its rows' non-zero entries (compressed sparse rows, as PyTorch's <c>sparse_csr</c>):
    /// see <see cref="SparseRowStorage{T}"/>. Products with it cost time in proportion to the non-zeros.
    /// </summary>
    SparseRows,
}

/// <summary>
/// The storage of a <see cref="TensorLayout.SparseRows"/> tensor: for each row, the columns and values of its non-zero
/// entries in column order, and, for every group of <see cref="GroupWidth"/> columns, where the row's entries of that group
/// begin — so that a product working on the other operand a block of rows at a time finds each block's entries without
/// searching. Refilled in place by its producer (a minibatch, say); <see cref="Version"/> changes with every fill.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class SparseRowStorage<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Columns per group whose start is recorded.</summary>
    public const int GroupWidth = 16;

    private int[] _groupStarts = [0], _columns = [];
    private T[] _values = [];

    /// <summary>Creates an empty storage (no rows) for rows of <paramref name="columns"/> values.</summary>
    public SparseRowStorage(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        Columns = columns;
        Groups = (columns + GroupWidth - 1) / GroupWidth;
        _groupStarts = new int[Groups + 1];
    }

    /// <summary>Rows held.</summary>
    public int Rows { get; private set; }

    /// <summary>Values per row (stored or not).</summary>
    public int Columns { get; }

    /// <summary>Groups of <see cref="GroupWidth"/> columns in a row (the last may be shorter).</summary>
    public int Groups { get; }

    /// <summary>Entries stored.</summary>
    public int NonZeros => Rows == 0 ? 0 : _groupStarts[Rows * (Groups + 1) - 1];

    /// <summary>Changes whenever the storage is refilled.</summary>
    public int Version { get; private set; }

    /// <summary>Where row <paramref name="row"/>'s entries begin in <see cref="ColumnIndices"/> and <see cref="Values"/>.</summary>
    public int RowStart(int row) => _groupStarts[CheckRow(row) * (Groups + 1)];

    /// <summary>Where row <paramref name="row"/>'s entries end.</summary>
    public int RowEnd(int row) => _groupStarts[CheckRow(row) * (Groups + 1) + Groups];

    /// <summary>The column of each entry.</summary>
    public ReadOnlySpan<int> ColumnIndices { get { Complete(); return _columns.AsSpan(0, NonZeros); } }

    /// <summary>The value of each entry (never zero when made by <see cref="CompressFrom"/>).</summary>
    public ReadOnlySpan<T> Values { get { Complete(); return _values.AsSpan(0, NonZeros); } }

    /// <summary>
    /// The producer's filler of the current rows while their entries are still to be written (see <see cref="Defer"/>),
    /// else null. Row starts and ends are always written; group starts, columns and values only once filled.
    /// </summary>
    internal Kernels.IRowFill? PendingFill { get; private set; }

    /// <summary>
    /// After <see cref="Resize"/> and the row starts and ends: the entries of every row are to be written by
    /// <paramref name="fill"/>, by the product that first uses them (each of its tasks its own rows) or by any other reader.
    /// </summary>
    internal void Defer(Kernels.IRowFill fill) => PendingFill = LastFill = fill;

    /// <summary>The filler last given to <see cref="Defer"/>, pending or not, for its producer to reuse.</summary>
    internal Kernels.IRowFill? LastFill { get; private set; }

    /// <summary>Marks the pending rows written (by a product that ran <paramref name="fill"/> over all of them).</summary>
    internal void Filled(Kernels.IRowFill fill)
    {
        if (ReferenceEquals(PendingFill, fill)) PendingFill = null;
    }

    /// <summary>Writes the pending rows, if any, on this thread.</summary>
    internal void Complete()
    {
        if (PendingFill is { } fill)
        {
            fill.FillRows(0, Rows);
            PendingFill = null;
        }
    }

    /// <summary>
    /// For row i and group g = 0 … <see cref="Groups"/>: the position of its first entry in columns g·<see cref="GroupWidth"/>
    /// and up, at <c>i·(Groups + 1) + g</c> (so g = 0 is the row's start and g = Groups its end).
    /// </summary>
    internal int[] GroupStartArray => _groupStarts;
    internal int[] ColumnArray => _columns;
    internal T[] ValueArray => _values;

    /// <summary>The product kernel's state for this operand (padded copies, block tables), kept from a product to its transposed product.</summary>
    internal Kernels.SparseProduct<T>? Product { get; set; }

    /// <summary>
    /// Makes room for <paramref name="rows"/> rows and <paramref name="entries"/> entries (contents unspecified: the
    /// producer writes the group starts, columns and values next) and starts a new <see cref="Version"/>.
    /// </summary>
    internal void Resize(int rows, long entries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int room = Kernels.SparseProduct<T>.Room(entries);
        if (entries > Array.MaxLength - 64) throw new ArgumentException($"{entries} non-zeros are more than an array holds.");
        // A quarter to spare: the non-zeros of a batch vary, and growing by what one batch needs would reallocate often.
        if (_columns.Length < room) _columns = new int[(int)Math.Min(Array.MaxLength, room + (long)room / 4)];
        if (_values.Length < room) _values = new T[(int)Math.Min(Array.MaxLength, room + (long)room / 4)];
        long starts = (long)rows * (Groups + 1);
        if (starts > Array.MaxLength) throw new ArgumentException($"{rows} rows of {Groups} column groups are too many.");
        if (_groupStarts.Length < Math.Max(starts, 1)) _groupStarts = new int[Math.Max(starts, 1)];
        Rows = rows;
        PendingFill = null;
        Version++;
    }

    /// <summary>
    /// Refills the storage with the non-zeros of <paramref name="dense"/>, read as rows of <see cref="Columns"/> values
    /// (a negative zero is a zero: it is not stored, and reads back as +0).
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of rows.</exception>
    public void CompressFrom(ReadOnlySpan<T> dense)
    {
        if (Columns == 0 ? dense.Length != 0 : dense.Length % Columns != 0)
            throw new ArgumentException($"{dense.Length} values are not whole rows of {Columns}.", nameof(dense));
        int rows = Columns == 0 ? 0 : dense.Length / Columns;
        Resize(rows, Kernels.SparseProduct<T>.CountNonZeros(dense));
        if (rows > 0) Kernels.SparseProduct<T>.CompressRows(dense, rows, Columns, GroupWidth, _columns, _values, _groupStarts);
    }

    /// <summary>Writes the rows, zeros included, into <paramref name="dense"/> (<see cref="Rows"/> × <see cref="Columns"/>).</summary>
    public void CopyTo(Span<T> dense)
    {
        if (dense.Length != (long)Rows * Columns)
            throw new ArgumentException($"{Rows} rows of {Columns} values do not fit {dense.Length} elements.", nameof(dense));
        Complete();
        dense.Clear();
        for (int i = 0; i < Rows; i++)
            for (int q = RowStart(i), e = RowEnd(i); q < e; q++) dense[i * Columns + _columns[q]] = _values[q];
    }

    private int CheckRow(int row) =>
        (uint)row < (uint)Rows ? row : throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside the {Rows} rows.");
}
