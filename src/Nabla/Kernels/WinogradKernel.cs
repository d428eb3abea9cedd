using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// What the two Winograd convolutions (<see cref="Winograd{T}"/>, F(2×2, 3×3), and <see cref="Winograd4{T}"/>,
/// F(4×4, 3×3)) share: a call's buffers and pointers, the drivers of the forward and of the filter gradient (the checks,
/// the plan, the filter transform, then the tasks on <see cref="WorkerPool"/>), and which step a task runs. Each kernel
/// supplies its plan, its filter transform and the three steps.
/// </summary>
internal abstract unsafe class WinogradKernel<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
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

    /// <summary>Which of a call's steps <see cref="Execute"/> runs: the forward, or the dW's product into per-task M, then dW and db.</summary>
    private enum Step { Forward, FilterProduct, FilterOutput }

    /// <summary>The kernel's name in error messages.</summary>
    protected abstract string Name { get; }

    /// <summary>The kernel's filter transform (U from w), for <see cref="Winograd{T}.FilterJob"/>.</summary>
    protected abstract delegate*<T*, T*, int, int, int, int, int, void> FilterTransform { get; }

    /// <summary>Sizes the forward's blocks and buffers for this geometry (sets the plan's fields, grows the buffers).</summary>
    protected abstract void Plan(ConvGeometry g, int fn);

    /// <summary>Sizes the filter gradient's blocks and buffers, as <see cref="Plan"/>.</summary>
    protected abstract void PlanFilterGradient(ConvGeometry g, int fn);

    /// <summary>One task of the forward: its blocks' input transform, product and output transform.</summary>
    protected abstract void ForwardTask(int task);

    /// <summary>One task of the dW's product: its share of the tiles into its own M.</summary>
    protected abstract void FilterProductTask(int task);

    /// <summary>One task of the dW's last step: the tasks' M added and transformed into dW, and db, for its share of the filters.</summary>
    protected abstract void FilterOutputTask(int task);

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
            (_filterJob ??= new Winograd<T>.FilterJob()).Run(FilterTransform, pw, pu, filterCount, g.C, _fb);
            _x = px; _b = pb; _out = po; _u = pu; _scratch = ps;
            try
            {
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
            _x = px; _dout = pd; _scratch = ps; _u = pm; _dw = pw; _db = pb;
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
