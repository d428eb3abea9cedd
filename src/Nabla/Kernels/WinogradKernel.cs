using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// What the two Winograd convolutions (<see cref="Winograd{T}"/>, F(2×2, 3×3), and <see cref="Winograd4{T}"/>,
/// F(4×4, 3×3)) share: a call's buffers and pointers, the drivers of the forward and of the filter gradient (the checks,
/// the plan, the filter transform, then the tasks on <see cref="WorkerPool"/>), and which step a task runs. Each kernel
/// supplies its plan, its filter transform and the three steps.
/// </summary>
internal abstract unsafe class WinogradKernel<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Filters per block of U (the products' register blocking).</summary>
    protected const int FilterBlock = 4;
    private static int L => Vector256<T>.Count;

    // The plan of the last call (the kernels' Plan and PlanFilterGradient set them).
    protected ConvGeometry _g;
    protected int _fn, _fb, _tw, _th, _units, _blockUnits, _blocks, _tasks, _ntp;
    protected long _vPosition, _mPosition, _vSize, _mSize, _rowsSize, _taskSize;
    // The call's operands (pinned for its duration), U (the filters' transform) and the tasks' scratch.
    protected T* _x, _out, _b, _u, _scratch;
    protected T[] _transformed = [], _buffers = [];
    // dW: where dout and its transform Y' lie, the per-task M (one per task of the plan), dW and db.
    protected long _yPosition, _ySize, _mdwSize;
    protected T* _dout, _dw, _db;
    protected T[] _partialM = [];
    private Winograd<T>.FilterJob? _filterJob;
    private Step _step;

    /// <summary>
    /// Makes <paramref name="buffer"/> a pinned array with room for <paramref name="length"/> values from its first cache line boundary on
    /// (<see cref="LineStart"/>): a pinned array starts wherever the heap put it (any multiple of 8 bytes), and at an
    /// odd multiple of 16 half the scratch's vector loads and stores would straddle two lines, by the luck of the
    /// allocation.
    /// </summary>
    protected static void EnsurePinned(ref T[] buffer, long length)
    {
        int room = 64 / Unsafe.SizeOf<T>();
        if (buffer.Length < length + room) buffer = GC.AllocateArray<T>((int)length + room, pinned: true);
    }

    /// <summary>The first cache line boundary at or after p (the start of an <see cref="EnsurePinned"/> buffer's room).</summary>
    protected static T* LineStart(T* p) => (T*)(((nint)p + 63) & ~(nint)63);

    /// <summary>Which of a call's steps <see cref="Execute"/> runs: the forward, or the dW's product into per-task M, then dW and db.</summary>
    private enum Step { Forward, FilterProduct, FilterOutput }

    /// <summary>The transform's positions: 16 for F(2×2, 3×3), 36 for F(4×4, 3×3).</summary>
    protected abstract int PositionCount { get; }

    /// <summary>The kernel's name in error messages.</summary>
    protected abstract string Name { get; }

    /// <summary>The kernel's filter transform (U from w), for <see cref="Winograd{T}.FilterJob"/>.</summary>
    protected abstract delegate*<T*, T*, int, int, int, int, int, void> FilterTransform { get; }

    /// <summary>
    /// Whether the products take their vectors of tiles in 512-bit pairs: set by the caller from
    /// <see cref="KernelOptions.Allow512"/> and the hardware (<see cref="Convolution2D{T}"/>). The forward's
    /// (<see cref="Winograd{T}.Multiply"/>) gives the same bits either way; the dW's
    /// (<see cref="Winograd{T}.MultiplyFilterGradient"/>) adds its tiles in another order, so other last bits.
    /// </summary>
    internal bool Wide { get; set; }

    /// <summary>Sizes the forward's blocks and buffers for this geometry (sets the plan's fields, grows the buffers).</summary>
    protected abstract void Plan(ConvGeometry g, int fn);

    /// <summary>Sizes the filter gradient's blocks and buffers, as <see cref="Plan"/>.</summary>
    protected abstract void PlanFilterGradient(ConvGeometry g, int fn);

    /// <summary>One task of the forward: its blocks' input transform, product and output transform.</summary>
    protected abstract void ForwardTask(int task);

    /// <summary>One task of the dW's product: its share of the tiles into its own M.</summary>
    protected abstract void FilterProductTask(int task);

    /// <summary>
    /// dW of L channels from their summed M (m[ξ], lane j: channel j) into stage (entry k of channel j at stage[k·L + j]),
    /// by the same operations as <see cref="OutputChannel"/> on each.
    /// </summary>
    protected abstract void OutputChannels(Vector256<T>* m, T* stage);

    /// <summary>dW's 9 entries of one channel from its summed M (m[ξ]) into d.</summary>
    protected abstract void OutputChannel(T* m, T* d);

    /// <summary>out (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, 3, 3) + b: checks, plan, U, then the tasks.</summary>
    protected void RunForward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int filterCount)
    {
        if (!Winograd<T>.Supports(g, filterCount)) throw new InvalidOperationException($"{Name} does not handle {g} with {filterCount} filters.");
        if (x.Length < (long)g.N * g.C * g.H * g.W || w.Length < (long)filterCount * g.C * 9 || b.Length < filterCount ||
            output.Length < (long)g.N * filterCount * g.OH * g.OW)
            throw new ArgumentException($"{Name}: buffers too small for {g} with {filterCount} filters.");
        Plan(g, filterCount);
        fixed (T* px = x, pw = w, pb = b, po = output)
        fixed (T* pu = _transformed, ps = _buffers)
        {
            _x = px; _b = pb; _out = po; _u = LineStart(pu); _scratch = LineStart(ps);
            try
            {
                (_filterJob ??= new Winograd<T>.FilterJob()).Run(FilterTransform, pw, _u, filterCount, g.C, _fb);
                _step = Step.Forward;
                WorkerPool.Run(this, _tasks);
            }
            finally { _x = _out = _b = _u = _scratch = null; }
        }
    }

    /// <summary>
    /// dW (FN, C, 3, 3) and db (FN) of the convolution out = x ⋆ w + b with stride 1, given x (N, C, H, W) and ∂L/∂out
    /// (N, FN, OH, OW): each task sums its share of the tiles into its own M; then dW and db are shared among the cores
    /// by filters in a second job (on one core, with the other waiting, conv6's whole dW took 1.07–1.34 times as long:
    /// docs/benchmarks.md).
    /// </summary>
    public void FilterGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dw, Span<T> db, ConvGeometry g, int filterCount)
    {
        if (!Winograd<T>.Supports(g, filterCount)) throw new InvalidOperationException($"{Name} does not handle {g} with {filterCount} filters.");
        if (x.Length < (long)g.N * g.C * g.H * g.W || dout.Length < (long)g.N * filterCount * g.OH * g.OW ||
            dw.Length < (long)filterCount * g.C * 9 || db.Length < filterCount)
            throw new ArgumentException($"{Name}: buffers too small for the filter gradient of {g} with {filterCount} filters.");
        PlanFilterGradient(g, filterCount);
        fixed (T* px = x, pd = dout, ps = _buffers, pm = _partialM, pw = dw, pb = db)
        {
            _x = px; _dout = pd; _scratch = LineStart(ps); _u = LineStart(pm); _dw = pw; _db = pb;
            try
            {
                _step = Step.FilterProduct;
                WorkerPool.Run(this, _tasks);
                _step = Step.FilterOutput;
                WorkerPool.Run(this, Math.Min(filterCount, _tasks));
            }
            finally { _x = _dout = _scratch = _u = _dw = _db = null; _step = Step.Forward; }
        }
    }

    /// <summary>
    /// One task of the dW's last step, for its share of the filters: for each filter, the tasks' M added and turned into
    /// dW L channels at a time in vectors (<see cref="OutputChannels"/>), the last channels one by one
    /// (<see cref="OutputChannel"/>); the filters' db first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FilterOutputTask(int task)
    {
        int c = _g.C, l = L, positions = PositionCount;
        var (f0, f1) = OutputFilters(task, _fn, _tasks, _dout, _db, _g);
        long mPosition = (long)_fb * FilterBlock * c;
        Vector256<T>* m = stackalloc Vector256<T>[positions];
        T* stage = stackalloc T[9 * Vector256<T>.Count];
        T* ms = stackalloc T[positions];
        for (int f = f0; f < f1; f++)
        {
            int ci = 0;
            for (; ci + l <= c; ci += l)
            {
                SumTaskPositions(_u + (long)f * c + ci, positions, mPosition, _tasks, _mdwSize, m);
                OutputChannels(m, stage);
                StoreChannels(stage, _dw + ((long)f * c + ci) * 9);
            }
            for (; ci < c; ci++)
            {
                SumTaskPositions(_u + (long)f * c + ci, positions, mPosition, _tasks, _mdwSize, ms);
                OutputChannel(ms, _dw + ((long)f * c + ci) * 9);
            }
        }
    }

    /// <summary>
    /// The filters [f0, f1) that task <paramref name="task"/> of a dW's last step takes (the filters shared among at most
    /// <paramref name="tasks"/> tasks), with their db summed from dout.
    /// </summary>
    private static (int F0, int F1) OutputFilters(int task, int fn, int tasks, T* dout, T* db, ConvGeometry g)
    {
        int outputTasks = Math.Min(fn, tasks);
        int f0 = (int)((long)task * fn / outputTasks), f1 = (int)((long)(task + 1) * fn / outputTasks);
        ConvolutionBias.Gradient(dout, db, g.N, fn, g.OH * g.OW, f0, f1);
        return (f0, f1);
    }

    /// <summary>
    /// m[ξ] = Σ over the tasks (in task order) of their M at mp + ξ·mPosition, for L channels side by side: the partial
    /// sums of a dW's per-task M (tasks mdwSize apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumTaskPositions(T* mp, int positions, long mPosition, int tasks, long mdwSize, Vector256<T>* m)
    {
        for (int xi = 0; xi < positions; xi++)
        {
            var sum = Vector256.Load(mp + xi * mPosition);
            for (int t = 1; t < tasks; t++) sum += Vector256.Load(mp + t * mdwSize + xi * mPosition);
            m[xi] = sum;
        }
    }

    /// <summary><see cref="SumTaskPositions(T*, int, long, int, long, Vector256{T}*)"/> for one channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumTaskPositions(T* mp, int positions, long mPosition, int tasks, long mdwSize, T* m)
    {
        for (int xi = 0; xi < positions; xi++)
        {
            T sum = mp[xi * mPosition];
            for (int t = 1; t < tasks; t++) sum += mp[t * mdwSize + xi * mPosition];
            m[xi] = sum;
        }
    }

    /// <summary>L channels' 3×3 dW entries from stage (entry k of channel j at stage[k·L + j]) to d (channel j's 9 entries at d + 9j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannels(T* stage, T* d)
    {
        int l = L;
        for (int j = 0; j < l; j++)
            for (int k = 0; k < 9; k++) d[j * 9 + k] = stage[k * l + j];
    }

    /// <inheritdoc/>
    public void Execute(int task)
    {
        switch (_step)
        {
            case Step.FilterProduct: FilterProductTask(task); break;
            case Step.FilterOutput: FilterOutputTask(task); break;
            default: ForwardTask(task); break;
        }
    }
}
