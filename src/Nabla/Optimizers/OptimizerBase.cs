using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>Shared plumbing: per-parameter state buffers and name/shape checks.</summary>
public abstract class OptimizerBase<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, Tensor<T>[]> _state = [];

    /// <summary>How many state tensors (per parameter) this optimizer keeps.</summary>
    protected abstract int StateCount { get; }

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Creates the optimizer with a positive learning rate.</summary>
    protected OptimizerBase(double learningRate)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"The learning rate must be a positive number, got {learningRate}.");
        LearningRate = learningRate;
    }

    // The (parameter, gradient, state) triples of the last dictionaries seen: networks hand the same
    // dictionaries every step, so after the first step an update is a plain loop with no lookups.
    private IReadOnlyDictionary<string, Tensor<T>>? _lastParams, _lastGrads;
    private (Tensor<T> P, Tensor<T> G, Tensor<T>[] State)[] _plan = [];

    /// <inheritdoc/>
    public void Update(IReadOnlyDictionary<string, Tensor<T>> parameters, IReadOnlyDictionary<string, Tensor<T>> gradients)
    {
        if (!ReferenceEquals(parameters, _lastParams) || !ReferenceEquals(gradients, _lastGrads) || _plan.Length != parameters.Count)
            Plan(parameters, gradients);
        BeginStep();
        foreach (var (p, g, st) in _plan)
        {
            if (p.Length < 2 * SliceLength)
            {
                for (int start = 0; start < p.Length; start += SliceLength)
                    StepSlice(p, g, st, start, Math.Min(SliceLength, p.Length - start));
                continue;
            }
            _job ??= new SliceJob(this);
            _job.Set(p, g, st);
            WorkerPool.RunPinned(_job);
        }
    }

    /// <summary>Elements per slice: the five arrays of an Adam step on one slice (float) take 80 KB, well inside L2.</summary>
    private const int SliceLength = 4096;
    private SliceJob? _job;

    private void StepSlice(Tensor<T> p, Tensor<T> g, Tensor<T>[] st, int start, int length) =>
        Step(p.Span.Slice(start, length), g.Span.Slice(start, length), new StepState(st, start, length));

    /// <summary>
    /// The slices of one large parameter shared among the cores in contiguous runs, the same run to the same core on
    /// every step (<see cref="WorkerPool.RunPinned"/>): a parameter, its gradient and its state then stay in that core's
    /// cache from one step to the next, as do the kernels' pinned splits of the same arrays.
    /// </summary>
    private sealed class SliceJob(OptimizerBase<T> owner) : IParallelJob
    {
        private Tensor<T>? _p, _g;
        private Tensor<T>[] _st = [];

        public void Set(Tensor<T> p, Tensor<T> g, Tensor<T>[] st) { _p = p; _g = g; _st = st; }

        public void Execute(int task)
        {
            int length = _p!.Length, slices = (length + SliceLength - 1) / SliceLength, cores = WorkerPool.Concurrency;
            for (int s = (int)((long)task * slices / cores), end = (int)((long)(task + 1) * slices / cores); s < end; s++)
            {
                int start = s * SliceLength;
                owner.StepSlice(_p, _g!, _st, start, Math.Min(SliceLength, length - start));
            }
        }
    }

    private void Plan(IReadOnlyDictionary<string, Tensor<T>> parameters, IReadOnlyDictionary<string, Tensor<T>> gradients)
    {
        var plan = new List<(Tensor<T>, Tensor<T>, Tensor<T>[])>(parameters.Count);
        foreach (var (name, p) in parameters)
        {
            if (!gradients.TryGetValue(name, out var g))
                throw new ArgumentException($"{GetType().Name.Split('`')[0]}: no gradient for parameter '{name}'.");
            if (!g.HasShape(p.Shape))
                throw new ArgumentException($"{GetType().Name.Split('`')[0]}: gradient of '{name}' has shape {Tensor<T>.ShapeString(g.Shape)}, the parameter {Tensor<T>.ShapeString(p.Shape)}.");
            if (!_state.TryGetValue(name, out var st))
            {
                st = new Tensor<T>[StateCount];
                for (int i = 0; i < st.Length; i++) st[i] = Tensor<T>.ZerosLike(p);
                _state[name] = st;
            }
            plan.Add((p, g, st));
        }
        _plan = [.. plan];
        _lastParams = parameters; _lastGrads = gradients;
    }

    /// <summary>Called once per <see cref="Update"/> before the parameters (Adam counts steps here).</summary>
    protected virtual void BeginStep() { }

    /// <summary>
    /// Updates one parameter in place, or one slice of it: every optimizer here is element-wise, so
    /// <see cref="Update"/> hands out slices of a few thousand elements. The several passes of a step then
    /// find their slice in cache rather than memory, and a large parameter's slices are shared among the cores.
    /// </summary>
    protected abstract void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state);

    /// <summary>The slices of an optimizer's state tensors (velocity, h, m, v, scratch) that go with one slice of a parameter.</summary>
    protected readonly ref struct StepState
    {
        private readonly Span<T> _s0, _s1, _s2;

        internal StepState(Tensor<T>[] state, int start, int length)
        {
            if (state.Length > 0) _s0 = state[0].Span.Slice(start, length);
            if (state.Length > 1) _s1 = state[1].Span.Slice(start, length);
            if (state.Length > 2) _s2 = state[2].Span.Slice(start, length);
            if (state.Length > 3) throw new NotSupportedException("An optimizer keeps at most three state tensors per parameter.");
        }

        /// <summary>State tensor <paramref name="i"/> (0, 1 or 2), sliced like the parameter.</summary>
        public Span<T> this[int i] => i switch { 0 => _s0, 1 => _s1, 2 => _s2, _ => throw new ArgumentOutOfRangeException(nameof(i)) };
    }

    /// <summary>The learning rate as T.</summary>
    protected T Lr => T.CreateChecked(LearningRate);

    /// <summary>p −= lr · g / (√h + 1e-7), using <paramref name="scratch"/> for the quotient.</summary>
    protected static void AdaptiveStep(Span<T> p, ReadOnlySpan<T> g, ReadOnlySpan<T> h, Span<T> scratch, T lr)
    {
        TP.Sqrt<T>(h, scratch);
        TP.Add(scratch, T.CreateChecked(1e-7), scratch);
        TP.Divide(g, scratch, scratch);
        TP.MultiplyAdd(scratch, -lr, p, p);
    }
}
