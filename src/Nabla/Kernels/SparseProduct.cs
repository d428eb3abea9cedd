using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Products whose left operand X is mostly zeros — MNIST pixels are 81 % zeros — done on X's non-zero entries
/// (compressed sparse rows), so the work is proportional to the non-zeros. One instance belongs to one operand
/// (a sparse-row tensor's storage, or a caller's dense operand) and reuses its buffers: products allocate nothing
/// once the buffers have grown.
/// </summary>
/// <remarks>
/// <para>X comes either compressed already (<see cref="MultiplyCompressed"/>: column indices, values and, for every
/// group of columns, where a row's entries for it begin) or dense (<see cref="TryMultiply"/>: compressed here, a block of
/// rows per task, giving up as soon as a block holds more non-zeros than the density limit allows, the dense GEMM being
/// faster then). Both compute C = X·W, a block of rows per task on all cores. <see cref="MultiplyTransposedInto"/> then
/// computes Xᵀ·D (a layer's dW) from the same entries, each core owning a range of C's rows.</para>
/// <para>Each entry x = X[i, k] touches a whole row of W (or of dW). Those rows are worked on in copies whose
/// rows are padded to whole vectors (<see cref="PadWidth"/>: 56 floats for the book's 50 with 256-bit vectors) in
/// buffers that start on 64-byte boundaries, so that no vector load straddles two cache lines (the book's W1 has rows
/// of 200 bytes, and a straddling load costs two). The copies are walked a block of rows at a time (<see cref="DefaultBlockBytes"/>),
/// so that the block is read from L1, or mostly so.</para>
/// <para>A zero of X is skipped, so an infinite W entry times a zero input gives 0, not NaN as the dense product would.</para>
/// </remarks>
internal sealed unsafe class SparseProduct<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private enum Phase { Build, Compressed, Scatter }

    /// <summary>Columns of a padded row chunk of the 512-bit kernels: four 512-bit vectors (256 bytes).</summary>
    private static int Chunk => 256 / Unsafe.SizeOf<T>();
    /// <summary>
    /// Padded width of a row of W, D or dW: whole chunks for the 512-bit kernels, whole vectors for the others
    /// (the book's 50 floats become 56, seven 256-bit vectors; 64 would cost an eighth more loads and FMAs).
    /// </summary>
    private static int PadWidth(int n, bool wide) => wide ? RoundUp(n, Chunk) : RoundUp(n, Vector<T>.Count);
    /// <summary>Whether the 512-bit kernels run: the hardware has them and <see cref="KernelOptions.Allow512"/> lets them.</summary>
    public static bool Wide(KernelOptions options) => options.Allow512 && Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported;
    // The kernels' width, fixed for a product and its transposed product when the product is set up: the rows' padding depends on it.
    private bool _wide;
    private static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    // Row i's entries of block b (columns b·blockRows … (b+1)·blockRows − 1) are _blocks[i·(nb+1) + b] up to
    // _blocks[i·(nb+1) + b + 1] in _xc/_xv; neither product has to search for where a block's entries begin.
    private int[] _blocks = [], _cols = [];
    private T[] _vals = [];
    // X's entries: this instance's own buffers (TryMultiply) or the compressed operand's arrays (MultiplyCompressed).
    private int[] _xc = [];
    private T[] _xv = [];
    private T[] _wPad = [], _cPad = [], _dPad = [], _dwPad = [];
    private int _rows, _colsCount, _rowsPerTask, _regionSize, _failed, _n, _np, _tasks, _blockRows, _nb;
    private bool _valid;
    private Phase _phase;
    private T* _x, _w, _c;
    // W's padding, shared among a product's tasks: the next block to claim, and the product (generation) each block was
    // last padded for.
    private int _padNext, _padGeneration;
    // The phase runs one pinned task per core: each pads its own run of W's blocks (PadBlocks).
    private bool _pinnedSplit;
    private int[] _padded = [];
    // MultiplyCompressed: the operand's group starts, and which fill of it the block table was made from.
    private int[] _groupStarts = [];
    private int _groups, _groupWidth, _version = -1;
    // MultiplyCompressed: the operand's rows still to be written, each task writing its own before multiplying them.
    private IRowFill? _fill;

    /// <summary>Whether X's entries are held (the last <see cref="TryMultiply"/> succeeded, or <see cref="MultiplyCompressed"/> ran).</summary>
    public bool IsValid => _valid;

    /// <summary>Whether the last product ran the 512-bit kernels (for tests).</summary>
    public bool RanWide => _wide;

    /// <summary>Non-zeros currently held (for tests and diagnostics; walks the row table).</summary>
    public int NonZeros
    {
        get
        {
            if (!_valid) return 0;
            int s = 0;
            for (int i = 0; i < _rows; i++) s += _blocks[i * (_nb + 1) + _nb] - _blocks[i * (_nb + 1)];
            return s;
        }
    }

    /// <summary>Whether a product of this size is worth doing sparse: wide enough rows of W, and enough of them.</summary>
    public static bool Worthwhile(int rows, int cols, int n) => rows > 0 && n >= 16 && (long)cols * n >= 4096;

    /// <summary>
    /// Compresses X (rows × cols, row-major) and writes C = X·W (rows × n) for W (cols × n).
    /// Returns false, leaving C unspecified, when some block of X has more than
    /// <paramref name="maxDensity"/> of its entries non-zero.
    /// </summary>
    public bool TryMultiply(ReadOnlySpan<T> x, int rows, int cols, ReadOnlySpan<T> w, Span<T> c, int n, double maxDensity, bool wide)
    {
        if (x.Length < (long)rows * cols || w.Length < (long)cols * n || c.Length < (long)rows * n)
            throw new ArgumentException($"SparseProduct: X needs {rows}×{cols}, W {cols}×{n}, C {rows}×{n} elements.");
        _valid = false;
        if (rows == 0 || cols == 0 || n == 0 || maxDensity <= 0) return false;
        int tasks = SplitRows(rows, cols);
        // Each task writes its rows' entries into its own region, sized by the density limit, with room
        // for one full vector store past the last entry.
        long region = (long)(maxDensity * _rowsPerTask * cols) + 2L * Vector512<T>.Count;
        int np = PadWidth(n, wide);
        if (region * tasks > Array.MaxLength || (long)cols * np > Array.MaxLength - 64) return false;
        _regionSize = (int)region;
        Grow(ref _cols, _regionSize * tasks);
        Grow(ref _vals, _regionSize * tasks);
        _xc = _cols; _xv = _vals; _version = -1;
        Prepare(rows, cols, n, np, tasks, wide);
        _failed = 0;
        fixed (T* px = x, pw = w, pc = c)
        {
            _x = px; _w = pw; _c = pc;
            try
            {
                StartPadding();
                RunPhase(Phase.Build, tasks);
            }
            finally { _x = _w = _c = null; }
        }
        _valid = _failed == 0;
        return _valid;
    }

    /// <summary>
    /// Writes C = X·W (rows × n) for W (cols × n), X given by its entries: row i's are <paramref name="columns"/> and
    /// <paramref name="values"/> from <c>groupStarts[i·(groups + 1)]</c> to <c>groupStarts[i·(groups + 1) + groups]</c>, in
    /// column order, and <c>groupStarts[i·(groups + 1) + g]</c> is where its entries of columns g·groupWidth and up begin.
    /// The arrays are kept (not copied) for <see cref="MultiplyTransposedInto"/>; <paramref name="version"/> names this fill
    /// of them, so that a later product knows whether its block table still describes them. The same sums, in the same
    /// order, as <see cref="TryMultiply"/> on the dense rows. With <paramref name="fill"/>, only the rows' starts and ends are
    /// written yet: each task has it write its own rows before multiplying them.
    /// </summary>
    public void MultiplyCompressed(int[] groupStarts, int groups, int groupWidth, int[] columns, T[] values, int rows, int cols, int version,
        ReadOnlySpan<T> w, Span<T> c, int n, bool wide, IRowFill? fill = null)
    {
        if (w.Length < (long)cols * n || c.Length < (long)rows * n)
            throw new ArgumentException($"SparseProduct: W needs {cols}×{n}, C {rows}×{n} elements.");
        if (groupStarts.Length < (long)rows * (groups + 1) || groups * groupWidth < cols)
            throw new ArgumentException($"SparseProduct: {rows} rows of {groups} groups of {groupWidth} columns do not cover {cols} columns.");
        _valid = false;
        if (rows == 0 || n == 0) return;
        int tasks = SplitRows(rows, cols);
        Prepare(rows, cols, n, PadWidth(n, wide), tasks, wide);
        tasks = GuidedSplit(rows, tasks);
        if (_blockRows % groupWidth != 0) throw new InvalidOperationException("SparseProduct: blocks must hold whole column groups.");
        _xc = columns; _xv = values;
        _groupStarts = groupStarts; _groups = groups; _groupWidth = groupWidth; _version = version;
        fixed (T* pw = w, pc = c)
        {
            _w = pw; _c = pc; _fill = fill;
            try
            {
                StartPadding();
                RunPhase(Phase.Compressed, tasks);
            }
            finally { _w = _c = null; _fill = null; }
        }
        _valid = true;
    }

    /// <summary>Whether <see cref="MultiplyTransposedInto"/> can use the entries of the last <see cref="MultiplyCompressed"/> for this fill.</summary>
    public bool Holds(int[] columns, int version) => _valid && ReferenceEquals(_xc, columns) && _version == version;

    /// <summary>
    /// Makes the entries of a compressed X current without a product (a transposed product with no forward product
    /// before it): the block table for products with n columns, from the group starts.
    /// </summary>
    public void Describe(int[] groupStarts, int groups, int groupWidth, int[] columns, T[] values, int rows, int cols, int version, int n, bool wide)
    {
        SplitRows(rows, cols);
        Prepare(rows, cols, n, PadWidth(n, wide), 1, wide);
        if (_blockRows % groupWidth != 0) throw new InvalidOperationException("SparseProduct: blocks must hold whole column groups.");
        _xc = columns; _xv = values;
        _groupStarts = groupStarts; _groups = groups; _groupWidth = groupWidth; _version = version;
        for (int i = 0; i < rows; i++) BlockTable(i);
        _valid = true;
    }

    /// <summary>Row i's block table from its group starts.</summary>
    private void BlockTable(int i)
    {
        int nb = _nb, groupsPerBlock = _blockRows / _groupWidth, gs = i * (_groups + 1);
        var bt = _blocks.AsSpan(i * (nb + 1), nb + 1);
        for (int b = 0; b < nb; b++) bt[b] = _groupStarts[gs + b * groupsPerBlock];
        bt[nb] = _groupStarts[gs + _groups];
    }

    /// <summary>
    /// Tasks for a product of <paramref name="rows"/> rows (sets <see cref="_rowsPerTask"/>): one block of rows per core
    /// for a training batch (the rows of a task share every block of W it loads), blocks of 64 rows for bigger inputs
    /// (an accuracy pass over 1,000 images), one task for small inputs.
    /// </summary>
    private int SplitRows(int rows, int cols)
    {
        int threads = (long)rows * cols >= 16_384 ? WorkerPool.Concurrency : 1;
        int tasks = threads == 1 ? 1 : Math.Max(threads, (rows + 63) / 64);
        _rowsPerTask = (rows + tasks - 1) / tasks;
        return (rows + _rowsPerTask - 1) / _rowsPerTask;
    }

    // MultiplyCompressed: task t's rows are _taskStart[t] … _taskStart[t + 1] − 1.
    private int[] _taskStart = [];

    /// <summary>
    /// Rows per task of <see cref="MultiplyCompressed"/> into <see cref="_taskStart"/>; returns the number of tasks. A
    /// training batch keeps its <paramref name="tasks"/> equal blocks (one per core). An input of 256 rows or more (an
    /// accuracy pass's 1,000 images) goes in blocks that shrink as the rows run out — the rows left over twice the
    /// cores, down to 16 — so that the cores finish together instead of one waiting on the other's last block of 64.
    /// </summary>
    private int GuidedSplit(int rows, int tasks)
    {
        if (_taskStart.Length < rows / 16 + tasks + 2) _taskStart = new int[rows / 16 + tasks + 2];
        int t = 0;
        if (rows < 256 || WorkerPool.Concurrency == 1)
        {
            for (; t < tasks; t++) _taskStart[t] = Math.Min(rows, t * _rowsPerTask);
            _taskStart[tasks] = rows;
            return tasks;
        }
        for (int r = 0; r < rows; t++)
        {
            _taskStart[t] = r;
            r += Math.Min(rows - r, Math.Max(16, (rows - r) / (2 * WorkerPool.Concurrency)));
        }
        _taskStart[t] = rows;
        return t;
    }

    /// <summary>
    /// The shape of a product X·W (rows × cols · cols × n, W's rows padded to np) and what both ways of building X need
    /// for it: the blocks of W's rows, each row's block table, the padded copy of W and each task's padded rows of C.
    /// </summary>
    private void Prepare(int rows, int cols, int n, int np, int tasks, bool wide)
    {
        _wide = wide;
        _rows = rows; _colsCount = cols; _n = n; _np = np;
        _blockRows = BlockRowsFor(np, BlockBytes ?? DefaultBlockBytes);
        _nb = (cols + _blockRows - 1) / _blockRows;
        Grow(ref _blocks, rows * (_nb + 1));
        GrowPinned(ref _wPad, cols * np);
        GrowPinned(ref _cPad, _rowsPerTask * tasks * np);
    }

    /// <summary>
    /// Opens the padding of W (<see cref="_w"/>) for a product: its blocks of rows are padded by the product's tasks
    /// (<see cref="PadBlocks"/>), on every core, rather than all of W on the calling thread while the other cores wait.
    /// </summary>
    private void StartPadding()
    {
        if (_padded.Length < _nb) _padded = new int[_nb];
        _padNext = 0;
        if (++_padGeneration == 0) _padGeneration = 1; // 0 is a new table's "never padded"
    }

    /// <summary>
    /// Pads blocks of W's rows into the aligned copy. A pinned task (<see cref="RunPhase"/>) copies its own run of blocks;
    /// otherwise tasks claim blocks until none is left unclaimed, each copying a block at once and marking it done, so a
    /// task that waits for a block (<see cref="WaitPadded"/>) waits only on a copy in progress.
    /// </summary>
    private void PadBlocks(int task)
    {
        if (_pinnedSplit)
        {
            // The task's own run of blocks, the same as its scatter's (ScatterTask): W's rows that this core updated.
            for (int b = (int)((long)task * _nb / _tasks), end = (int)((long)(task + 1) * _nb / _tasks); b < end; b++) PadBlock(b);
            return;
        }
        for (int b = Interlocked.Increment(ref _padNext) - 1; b < _nb; b = Interlocked.Increment(ref _padNext) - 1) PadBlock(b);
    }

    /// <summary>Copies block <paramref name="b"/> of W's rows into the padded copy and marks it done for this product.</summary>
    private void PadBlock(int b)
    {
        T* wp = Aligned(_wPad);
        int n = _n, np = _np;
        int k1 = Math.Min(_colsCount, (b + 1) * _blockRows);
        for (int k = b * _blockRows; k < k1; k++) Simd.CopyRow(_w + (long)k * n, wp + (long)k * np, n);
        Volatile.Write(ref _padded[b], _padGeneration);
    }

    /// <summary>Waits until block <paramref name="b"/> of W is padded for this product (its copy has been claimed already).</summary>
    private void WaitPadded(int b)
    {
        while (Volatile.Read(ref _padded[b]) != _padGeneration) Thread.SpinWait(4);
    }

    /// <summary>C (cols × n) = Xᵀ·D for D (rows × n), from the X of the last successful <see cref="TryMultiply"/>, <see cref="MultiplyCompressed"/> or <see cref="Describe"/>.</summary>
    public void MultiplyTransposedInto(ReadOnlySpan<T> d, Span<T> c, int n)
    {
        if (!_valid) throw new InvalidOperationException("SparseProduct: no compressed matrix (TryMultiply did not succeed).");
        if (d.Length < (long)_rows * n || c.Length < (long)_colsCount * n)
            throw new ArgumentException($"SparseProduct: D needs {_rows}×{n} and C {_colsCount}×{n} elements.");
        int threads = (long)NonZeros * n >= 65_536 ? WorkerPool.Concurrency : 1;
        _n = n; _np = PadWidth(n, _wide);
        GrowPinned(ref _dPad, _rows * _np);
        GrowPinned(ref _dwPad, _colsCount * _np);
        // D padded once, on this thread: it is small (a batch of the layer's outputs) and every task reads all of it.
        fixed (T* pd = d)
        {
            T* dp = Aligned(_dPad);
            for (int i = 0; i < _rows; i++) Simd.CopyRow(pd + (long)i * n, dp + (long)i * _np, n);
        }
        fixed (T* pc = c)
        {
            _c = pc;
            // One task per core, pinned (see RunPhase), when there are blocks enough; otherwise up to two per core.
            try { RunPhase(Phase.Scatter, _nb >= threads && threads > 1 ? threads : Math.Min(_nb, threads * 2)); }
            finally { _c = null; }
        }
    }

    /// <summary>
    /// Runs a phase's tasks. One task per core runs pinned (<see cref="WorkerPool.RunPinned"/>): then the forward's task
    /// t pads, and the scatter's task t fills, the same blocks of W's rows on the same core every step (the t-th of
    /// <see cref="WorkerPool.Concurrency"/> runs of blocks), the rows the optimizer's pinned slices update there too, so
    /// that W and dW stay in that core's cache rather than crossing to the other core on every step.
    /// </summary>
    private void RunPhase(Phase phase, int tasks)
    {
        _phase = phase; _tasks = tasks;
        _pinnedSplit = tasks > 1 && tasks == WorkerPool.Concurrency;
        if (_pinnedSplit) WorkerPool.RunPinned(this);
        else WorkerPool.Run(this, tasks);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task)
    {
        // A pinned task pads its own blocks first, before anything that may end it early (BuildTask gives up on dense
        // rows): the other task's product waits for them.
        if (_pinnedSplit && _phase != Phase.Scatter) PadBlocks(task);
        switch (_phase)
        {
            case Phase.Build: BuildTask(task); break;
            case Phase.Compressed: CompressedTask(task); break;
            default: ScatterTask(task); break;
        }
    }

    /// <summary>
    /// Bytes of W's padded copy per block, by default: 24 KB, a share of a 32 KB L1 that leaves room for the entries and C's rows
    /// streaming past; on cores with an L1 of 48 KB or more (Zen 5), the whole L1: with fewer blocks, each row of X is
    /// visited fewer times, and that saves more there than the misses cost (docs/benchmarks.md, 2026-12-02, third session).
    /// </summary>
    /// <remarks>Settable for the benchmark that compares sizes in one process (<c>sparse-blocks</c>); read when a product is set up.</remarks>
    internal static int DefaultBlockBytes { get; set; } = CpuCaches.L1DataBytes >= 48 * 1024 ? CpuCaches.L1DataBytes : 24 * 1024;

    /// <summary>This instance's block size instead of <see cref="DefaultBlockBytes"/> (tests try sizes without touching the shared default).</summary>
    internal int? BlockBytes { get; set; }

    /// <summary>
    /// Rows of W's padded copy per block of <paramref name="bytes"/>. A multiple of 16, so that every block begins at the
    /// start of a group of columns that <see cref="Compress"/> looks at together.
    /// </summary>
    private static int BlockRowsFor(int np, int bytes) => Math.Max(16, bytes / (np * Unsafe.SizeOf<T>()) / 16 * 16);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BuildTask(int task)
    {
        int r0 = task * _rowsPerTask, r1 = Math.Min(_rows, r0 + _rowsPerTask), cols = _colsCount;
        int regionStart = task * _regionSize;
        int limit = regionStart + _regionSize - 2 * Vector512<T>.Count;
        int stride = _nb + 1;
        fixed (int* colBase = _cols, blocks = _blocks)
        fixed (T* valBase = _vals)
        {
            int p = regionStart;
            for (int i = r0; i < r1; i++)
            {
                if (Volatile.Read(ref _failed) != 0) return;
                if (!Compress(_x + (long)i * cols, cols, colBase, valBase, ref p, limit, _blockRows, blocks + (long)i * stride))
                {
                    Volatile.Write(ref _failed, 1);
                    return;
                }
            }
        }
        MultiplyTaskRows(task, r0, r1);
    }

    /// <summary>One task of <see cref="MultiplyCompressed"/>: its rows' block tables from their group starts, then the product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CompressedTask(int task)
    {
        int r0 = _taskStart[task], r1 = _taskStart[task + 1];
        _fill?.FillRows(r0, r1);
        for (int i = r0; i < r1; i++) BlockTable(i);
        MultiplyTaskRows(task, r0, r1);
    }

    /// <summary>C's rows r0 … r1 − 1 from their compressed entries (a task's share of the product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MultiplyTaskRows(int task, int r0, int r1)
    {
        int n = _n, np = _np;
        T* wp = Aligned(_wPad), cp = Aligned(_cPad) + (long)r0 * np;
        int nb = _nb, stride = nb + 1;
        if (!_pinnedSplit) PadBlocks(task); // a pinned task padded its blocks first (Execute)
        fixed (int* colBase = _xc, blocks = _blocks)
        fixed (T* valBase = _xv)
        {
            // C = X·W one block of W's rows at a time, so the block is read from L1 by every row of the task.
            for (int b = 0; b < nb; b++)
            {
                WaitPadded(b);
                MultiplyBlockRows(blocks + (long)r0 * stride + b, stride, r1 - r0, colBase, valBase, wp, cp, np, accumulate: b > 0, _wide);
            }
            for (int i = r0; i < r1; i++) Simd.CopyRow(cp + (long)(i - r0) * np, _c + (long)i * n, n);
        }
    }

    /// <summary>How many entries of <paramref name="x"/> are not zero (a vector compare at a time).</summary>
    public static long CountNonZeros(ReadOnlySpan<T> x)
    {
        long zeros = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                zeros += BitOperations.PopCount(Vector256.Equals(Vector256.Create(x.Slice(i, Vector256<T>.Count)), Vector256<T>.Zero).ExtractMostSignificantBits());
        for (; i < x.Length; i++) if (x[i] == T.Zero) zeros++;
        return x.Length - zeros;
    }

    /// <summary>Room a compressed X of <paramref name="nonZeros"/> entries needs: the vector stores may write one vector past the last entry.</summary>
    public static int Room(long nonZeros) => (int)Math.Min(Array.MaxLength, nonZeros + 2L * Vector512<T>.Count);

    /// <summary>
    /// Compresses the rows of X (rows × cols) into <paramref name="columns"/> and <paramref name="values"/> (each at least
    /// <see cref="Room"/> of X's non-zeros long), recording in <paramref name="groupStarts"/> (rows × (⌈cols / groupWidth⌉ + 1))
    /// where each row's entries of each group of <paramref name="groupWidth"/> columns begin, and where the row ends.
    /// </summary>
    public static void CompressRows(ReadOnlySpan<T> x, int rows, int cols, int groupWidth, int[] columns, T[] values, int[] groupStarts)
    {
        int groups = (cols + groupWidth - 1) / groupWidth;
        if (x.Length < (long)rows * cols || groupStarts.Length < (long)rows * (groups + 1))
            throw new ArgumentException($"SparseProduct: X needs {rows}×{cols} elements and {rows}×{groups + 1} group starts.");
        int limit = Math.Min(columns.Length, values.Length) - 2 * Vector512<T>.Count, p = 0;
        fixed (T* px = x, pv = values)
        fixed (int* pc = columns, gs = groupStarts)
            for (int i = 0; i < rows; i++)
                if (!Compress(px + (long)i * cols, cols, pc, pv, ref p, limit, groupWidth, gs + (long)i * (groups + 1)))
                    throw new ArgumentException("SparseProduct: the buffers cannot hold X's non-zeros.");
    }

    /// <summary>
    /// Appends the non-zeros of one row at <paramref name="position"/>; false when they would pass <paramref name="limit"/>.
    /// Records in <paramref name="blockStarts"/> where each block of <paramref name="blockRows"/> columns begins,
    /// and after the last block where the row ends (⌈cols / blockRows⌉ + 1 entries).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Compress(T* row, int cols, int* colOut, T* valOut, ref int position, int limit, int blockRows, int* blockStarts)
    {
        // A local position: the stores through the output pointers could alias a ref, and the JIT would reload it after each.
        int p = position;
        for (int j0 = 0; j0 < cols; j0 += blockRows)
        {
            *blockStarts++ = p;
            int j1 = Math.Min(cols, j0 + blockRows);
            p = CompressRange(row, j0, j1, colOut, valOut, p, limit);
            if (p < 0) return false;
        }
        *blockStarts = p;
        position = p;
        return true;
    }

    /// <summary>Columns j0..j1 of one row appended at p; returns the new position, or −1 past <paramref name="limit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CompressRange(T* row, int j, int j1, int* colOut, T* valOut, int p, int limit)
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported)
        {
            var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; j <= j1 - 16; j += 16)
            {
                var v = Vector512.Load((float*)row + j);
                var nz = ~Vector512.Equals(v, Vector512<float>.Zero);
                uint bits = (uint)nz.ExtractMostSignificantBits();
                if (bits == 0) continue;
                int count = BitOperations.PopCount(bits);
                if (p + count > limit) return -1;
                // Register-form compress and a full store: the memory form of vcompressps is slow on some processors (AMD Zen 4).
                Avx512F.Compress(Vector512<float>.Zero, nz, v).Store((float*)valOut + p);
                Avx512F.Compress(Vector512<int>.Zero, nz.AsInt32(), iota + Vector512.Create(j)).Store(colOut + p);
                p += count;
            }
        }
        else if (typeof(T) == typeof(float) && Avx2.IsSupported)
        {
            // AVX2 has no compress instruction: a table maps each 8-bit mask of non-zero lanes to the permutation
            // that moves those lanes to the front, and the permutation plus j is also their column indices.
            int* lut = CompressTable;
            for (; j <= j1 - 8; j += 8)
            {
                var v = Vector256.Load((float*)row + j);
                uint bits = Vector256.Equals(v, Vector256<float>.Zero).ExtractMostSignificantBits() ^ 0xFFu;
                if (bits == 0) continue;
                int count = BitOperations.PopCount(bits);
                if (p + count > limit) return -1;
                var perm = Vector256.Load(lut + bits * 8);
                Avx2.PermuteVar8x32(v, perm).Store((float*)valOut + p);
                (perm + Vector256.Create(j)).Store(colOut + p);
                p += count;
            }
        }
        for (; j < j1; j++)
        {
            T v = row[j];
            if (v == T.Zero) continue;
            if (p >= limit) return -1;
            colOut[p] = j;
            valOut[p++] = v;
        }
        return p;
    }

    /// <summary>For each 8-bit mask, the lanes whose bit is set, in order, then zeros (256 × 8 ints, pinned).</summary>
    private static readonly int* CompressTable = BuildCompressTable();

    private static int* BuildCompressTable()
    {
        var table = GC.AllocateArray<int>(256 * 8, pinned: true);
        for (int mask = 0; mask < 256; mask++)
        {
            int q = 0;
            for (int lane = 0; lane < 8; lane++)
                if ((mask & (1 << lane)) != 0) table[mask * 8 + q++] = lane;
        }
        KeepAlive = table;
        return (int*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(table));
    }

    private static int[]? KeepAlive;

    /// <summary>
    /// One block of W's rows for <paramref name="rows"/> consecutive rows of C (padded, aligned, np apart):
    /// c[i, 0..np) (+)= Σ vals[q]·W[cols[q], 0..np) over row i's entries of the block, q from <c>starts[i·stride]</c> to
    /// <c>starts[i·stride + 1]</c>; without <paramref name="accumulate"/> (the first block) every row is written, entries or
    /// not. The rows are looped over inside the kernel: a row has about 17 entries in a block of an MNIST image, too few
    /// to carry a call and its setup per row and block (docs/benchmarks.md has the figures). The 512-bit kernel keeps a chunk of a row of C in registers,
    /// accumulated in two sets (even and odd entries) so that the FMA chains are independent enough to hide their
    /// latency; the 256-bit ones keep up to eight vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyBlockRows(int* starts, int stride, int rows, int* cols, T* vals, T* w, T* c, int np, bool accumulate, bool wide)
    {
        if (wide)
        {
            int l = Vector512<T>.Count;
            for (int c0 = 0; c0 < np; c0 += 4 * l)
            {
                T* wc = w + c0;
                for (int i = 0; i < rows; i++)
                {
                    int s = starts[(long)i * stride], e = starts[(long)i * stride + 1];
                    if (accumulate && e == s) continue;
                    Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
                    int* cp = cols + s, end = cols + e, pairEnd = cols + s + ((e - s) & ~1);
                    T* vp = vals + s;
                    for (; cp < pairEnd; cp += 2, vp += 2)
                    {
                        var x0 = Vector512.Create(vp[0]);
                        var x1 = Vector512.Create(vp[1]);
                        T* r0 = wc + (long)cp[0] * np, r1 = wc + (long)cp[1] * np;
                        a0 = Simd.Fma(x0, Vector512.LoadAligned(r0), a0);
                        a1 = Simd.Fma(x0, Vector512.LoadAligned(r0 + l), a1);
                        a2 = Simd.Fma(x0, Vector512.LoadAligned(r0 + 2 * l), a2);
                        a3 = Simd.Fma(x0, Vector512.LoadAligned(r0 + 3 * l), a3);
                        b0 = Simd.Fma(x1, Vector512.LoadAligned(r1), b0);
                        b1 = Simd.Fma(x1, Vector512.LoadAligned(r1 + l), b1);
                        b2 = Simd.Fma(x1, Vector512.LoadAligned(r1 + 2 * l), b2);
                        b3 = Simd.Fma(x1, Vector512.LoadAligned(r1 + 3 * l), b3);
                    }
                    if (cp < end)
                    {
                        var x0 = Vector512.Create(vp[0]);
                        T* r0 = wc + (long)cp[0] * np;
                        a0 = Simd.Fma(x0, Vector512.LoadAligned(r0), a0);
                        a1 = Simd.Fma(x0, Vector512.LoadAligned(r0 + l), a1);
                        a2 = Simd.Fma(x0, Vector512.LoadAligned(r0 + 2 * l), a2);
                        a3 = Simd.Fma(x0, Vector512.LoadAligned(r0 + 3 * l), a3);
                    }
                    a0 += b0; a1 += b1; a2 += b2; a3 += b3;
                    T* cr = c + (long)i * np + c0;
                    if (accumulate)
                    {
                        a0 += Vector512.LoadAligned(cr); a1 += Vector512.LoadAligned(cr + l);
                        a2 += Vector512.LoadAligned(cr + 2 * l); a3 += Vector512.LoadAligned(cr + 3 * l);
                    }
                    a0.StoreAligned(cr); a1.StoreAligned(cr + l); a2.StoreAligned(cr + 2 * l); a3.StoreAligned(cr + 3 * l);
                }
            }
            return;
        }
        int lv = Vector<T>.Count, k = 0;
        for (; np - k >= 8 * lv; k += 8 * lv) MultiplyChunkRows<V8>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate);
        switch ((np - k) / lv)
        {
            case 1: MultiplyChunkRows<V1>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 2: MultiplyChunkRows<V2>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 3: MultiplyChunkRows<V3>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 4: MultiplyChunkRows<V4>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 5: MultiplyChunkRows<V5>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 6: MultiplyChunkRows<V6>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
            case 7: MultiplyChunkRows<V7>(starts, stride, rows, cols, vals, w + k, c + k, np, accumulate); break;
        }
    }

    /// <summary>c[i, 0..V·lanes) (+)= Σ vals[q]·w[cols[q]·np + 0..V·lanes) for consecutive rows i of C, their entries located as in <see cref="MultiplyBlockRows"/>: V accumulators in registers.</summary>
    // Not inlined: eight inlined copies would exhaust the JIT's inlining budget for the caller, leaving the vector
    // helpers as calls, far slower than the FMAs they wrap.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyChunkRows<TV>(int* starts, int stride, int rows, int* cols, T* vals, T* w, T* c, int np, bool accumulate) where TV : struct, IVectors
    {
        int lv = Vector<T>.Count;
        for (int i = 0; i < rows; i++)
        {
            int s = starts[(long)i * stride], e = starts[(long)i * stride + 1];
            if (accumulate && e == s) continue;
            Vector<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int q = s; q < e; q++)
            {
                var xv = new Vector<T>(vals[q]);
                T* r = w + (long)cols[q] * np;
                a0 = Simd.Fma(xv, Vector.Load(r), a0);
                if (TV.Count > 1) a1 = Simd.Fma(xv, Vector.Load(r + lv), a1);
                if (TV.Count > 2) a2 = Simd.Fma(xv, Vector.Load(r + 2 * lv), a2);
                if (TV.Count > 3) a3 = Simd.Fma(xv, Vector.Load(r + 3 * lv), a3);
                if (TV.Count > 4) a4 = Simd.Fma(xv, Vector.Load(r + 4 * lv), a4);
                if (TV.Count > 5) a5 = Simd.Fma(xv, Vector.Load(r + 5 * lv), a5);
                if (TV.Count > 6) a6 = Simd.Fma(xv, Vector.Load(r + 6 * lv), a6);
                if (TV.Count > 7) a7 = Simd.Fma(xv, Vector.Load(r + 7 * lv), a7);
            }
            T* cr = c + (long)i * np;
            if (accumulate)
            {
                a0 += Vector.Load(cr);
                if (TV.Count > 1) a1 += Vector.Load(cr + lv);
                if (TV.Count > 2) a2 += Vector.Load(cr + 2 * lv);
                if (TV.Count > 3) a3 += Vector.Load(cr + 3 * lv);
                if (TV.Count > 4) a4 += Vector.Load(cr + 4 * lv);
                if (TV.Count > 5) a5 += Vector.Load(cr + 5 * lv);
                if (TV.Count > 6) a6 += Vector.Load(cr + 6 * lv);
                if (TV.Count > 7) a7 += Vector.Load(cr + 7 * lv);
            }
            a0.Store(cr);
            if (TV.Count > 1) a1.Store(cr + lv);
            if (TV.Count > 2) a2.Store(cr + 2 * lv);
            if (TV.Count > 3) a3.Store(cr + 3 * lv);
            if (TV.Count > 4) a4.Store(cr + 4 * lv);
            if (TV.Count > 5) a5.Store(cr + 5 * lv);
            if (TV.Count > 6) a6.Store(cr + 6 * lv);
            if (TV.Count > 7) a7.Store(cr + 7 * lv);
        }
    }

    /// <summary>A number of vectors known to the JIT: each instantiation of a kernel over it keeps only the accumulators it needs.</summary>
    private interface IVectors { static abstract int Count { get; } }
    private struct V1 : IVectors { public static int Count => 1; }
    private struct V2 : IVectors { public static int Count => 2; }
    private struct V3 : IVectors { public static int Count => 3; }
    private struct V4 : IVectors { public static int Count => 4; }
    private struct V5 : IVectors { public static int Count => 5; }
    private struct V6 : IVectors { public static int Count => 6; }
    private struct V7 : IVectors { public static int Count => 7; }
    private struct V8 : IVectors { public static int Count => 8; }

    /// <summary>
    /// One range of C's rows (= X's columns): clears their padded copy, adds x·D[i] for every non-zero
    /// x = X[i, k] with k in the range, a block of rows at a time, and copies the rows out to C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScatterTask(int task)
    {
        // Whole blocks per task: the block table says where each row's entries for them are.
        int nb = _nb, stride = nb + 1;
        int bFirst = (int)((long)task * nb / _tasks), bLast = (int)((long)(task + 1) * nb / _tasks);
        int k1 = Math.Min(_colsCount, bLast * _blockRows);
        int n = _n, np = _np;
        T* dwp = Aligned(_dwPad), dp = Aligned(_dPad);
        fixed (int* colBase = _xc, blocks = _blocks)
        fixed (T* valBase = _xv)
        {
            for (int b = bFirst; b < bLast; b++)
            {
                // A block of dW is cleared, filled and copied out while it is in L1.
                int b0 = b * _blockRows, b1 = Math.Min(k1, b0 + _blockRows);
                new Span<T>(dwp + (long)b0 * np, (b1 - b0) * np).Clear();
                ScatterBlockRows(blocks + b, stride, _rows, colBase, valBase, dp, dwp, np, _wide);
                for (int k = b0; k < b1; k++) Simd.CopyRow(dwp + (long)k * np, _c + (long)k * n, n);
            }
        }
    }

    /// <summary>
    /// dW[cols[q], 0..np) += vals[q]·D[i, 0..np) on padded, aligned rows, for every row i of D (np apart) and its entries
    /// of one block, q from <c>starts[i·stride]</c> to <c>starts[i·stride + 1]</c>; a chunk of D's row in registers. The
    /// rows are looped over inside the kernel, as in <see cref="MultiplyBlockRows"/>; each element of dW still receives
    /// its terms in the order of the rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScatterBlockRows(int* starts, int stride, int rows, int* cols, T* vals, T* d, T* dw, int np, bool wide)
    {
        if (wide)
        {
            int l = Vector512<T>.Count;
            for (int i = 0; i < rows; i++)
            {
                int s = starts[(long)i * stride], e = starts[(long)i * stride + 1];
                if (s == e) continue;
                T* di = d + (long)i * np;
                int* end = cols + e;
                for (int c0 = 0; c0 < np; c0 += 4 * l)
                {
                    var d0 = Vector512.LoadAligned(di + c0); var d1 = Vector512.LoadAligned(di + c0 + l);
                    var d2 = Vector512.LoadAligned(di + c0 + 2 * l); var d3 = Vector512.LoadAligned(di + c0 + 3 * l);
                    T* vp = vals + s;
                    for (int* cp = cols + s; cp < end; cp++, vp++)
                    {
                        var xv = Vector512.Create(*vp);
                        T* r = dw + c0 + (long)*cp * np;
                        Simd.Fma(xv, d0, Vector512.LoadAligned(r)).StoreAligned(r);
                        Simd.Fma(xv, d1, Vector512.LoadAligned(r + l)).StoreAligned(r + l);
                        Simd.Fma(xv, d2, Vector512.LoadAligned(r + 2 * l)).StoreAligned(r + 2 * l);
                        Simd.Fma(xv, d3, Vector512.LoadAligned(r + 3 * l)).StoreAligned(r + 3 * l);
                    }
                }
            }
            return;
        }
        // 256-bit (or narrower) vectors: up to eight of D's row in registers, each entry updating that part of its row of dW.
        int lv = Vector<T>.Count, k = 0;
        for (; np - k >= 8 * lv; k += 8 * lv) ScatterChunkRows<V8>(starts, stride, rows, cols, vals, d + k, dw + k, np);
        switch ((np - k) / lv)
        {
            case 1: ScatterChunkRows<V1>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 2: ScatterChunkRows<V2>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 3: ScatterChunkRows<V3>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 4: ScatterChunkRows<V4>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 5: ScatterChunkRows<V5>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 6: ScatterChunkRows<V6>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
            case 7: ScatterChunkRows<V7>(starts, stride, rows, cols, vals, d + k, dw + k, np); break;
        }
    }

    /// <summary>dw[cols[q]·np + 0..V·lanes) += vals[q]·d[i·np + 0..V·lanes) for every row i and its entries (as in <see cref="ScatterBlockRows"/>): that part of D's row held in V registers.</summary>
    // Not inlined: eight inlined copies would exhaust the JIT's inlining budget for the caller, leaving the vector
    // helpers as calls, far slower than the FMAs they wrap.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ScatterChunkRows<TV>(int* starts, int stride, int rows, int* cols, T* vals, T* d, T* dw, int np) where TV : struct, IVectors
    {
        int lv = Vector<T>.Count;
        for (int i = 0; i < rows; i++)
        {
            int s = starts[(long)i * stride], e = starts[(long)i * stride + 1];
            if (s == e) continue;
            T* di = d + (long)i * np;
            Vector<T> d0 = Vector.Load(di), d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
            if (TV.Count > 1) d1 = Vector.Load(di + lv);
            if (TV.Count > 2) d2 = Vector.Load(di + 2 * lv);
            if (TV.Count > 3) d3 = Vector.Load(di + 3 * lv);
            if (TV.Count > 4) d4 = Vector.Load(di + 4 * lv);
            if (TV.Count > 5) d5 = Vector.Load(di + 5 * lv);
            if (TV.Count > 6) d6 = Vector.Load(di + 6 * lv);
            if (TV.Count > 7) d7 = Vector.Load(di + 7 * lv);
            for (int q = s; q < e; q++)
            {
                var xv = new Vector<T>(vals[q]);
                T* r = dw + (long)cols[q] * np;
                Simd.Fma(xv, d0, Vector.Load(r)).Store(r);
                if (TV.Count > 1) Simd.Fma(xv, d1, Vector.Load(r + lv)).Store(r + lv);
                if (TV.Count > 2) Simd.Fma(xv, d2, Vector.Load(r + 2 * lv)).Store(r + 2 * lv);
                if (TV.Count > 3) Simd.Fma(xv, d3, Vector.Load(r + 3 * lv)).Store(r + 3 * lv);
                if (TV.Count > 4) Simd.Fma(xv, d4, Vector.Load(r + 4 * lv)).Store(r + 4 * lv);
                if (TV.Count > 5) Simd.Fma(xv, d5, Vector.Load(r + 5 * lv)).Store(r + 5 * lv);
                if (TV.Count > 6) Simd.Fma(xv, d6, Vector.Load(r + 6 * lv)).Store(r + 6 * lv);
                if (TV.Count > 7) Simd.Fma(xv, d7, Vector.Load(r + 7 * lv)).Store(r + 7 * lv);
            }
        }
    }

    /// <summary>The first 64-byte boundary inside a pinned array (padded buffers are allocated with 64 bytes to spare).</summary>
    private static T* Aligned(T[] pinned)
    {
        nint p = (nint)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(pinned));
        return (T*)((p + 63) & ~(nint)63);
    }

    private static void Grow<TE>(ref TE[] a, int length)
    {
        if (a.Length < length) a = new TE[length];
    }

    private static void GrowPinned(ref T[] a, int length)
    {
        int needed = length + 64 / Unsafe.SizeOf<T>();
        // Zeroed: padding lanes are never written afterwards, and garbage there could be slow denormals.
        if (a.Length < needed) a = GC.AllocateArray<T>(needed, pinned: true);
    }
}
