using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>
/// The book's optimizer contract (chapter 6): <c>Update(params, grads)</c> changes every parameter in
/// place from the gradient of the same name. State (velocities, squared sums) is created on the first
/// call for each parameter, so later steps allocate nothing.
/// </summary>
public interface IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Updates every parameter in <paramref name="parameters"/> from <paramref name="gradients"/> (matched by name).</summary>
    void Update(IReadOnlyDictionary<string, Tensor<T>> parameters, IReadOnlyDictionary<string, Tensor<T>> gradients);
}

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
            WorkerPool.Run(_job, (p.Length + SliceLength - 1) / SliceLength);
        }
    }

    /// <summary>Elements per slice: the five arrays of an Adam step on one slice (float) take 80 KB, well inside L2.</summary>
    private const int SliceLength = 4096;
    private SliceJob? _job;

    private void StepSlice(Tensor<T> p, Tensor<T> g, Tensor<T>[] st, int start, int length) =>
        Step(p.Span.Slice(start, length), g.Span.Slice(start, length), new StepState(st, start, length));

    /// <summary>The slices of one large parameter, one task each, on all cores.</summary>
    private sealed class SliceJob(OptimizerBase<T> owner) : IParallelJob
    {
        private Tensor<T>? _p, _g;
        private Tensor<T>[] _st = [];

        public void Set(Tensor<T> p, Tensor<T> g, Tensor<T>[] st) { _p = p; _g = g; _st = st; }

        public void Execute(int task)
        {
            int start = task * SliceLength;
            owner.StepSlice(_p!, _g!, _st, start, Math.Min(SliceLength, _p!.Length - start));
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

/// <summary>Stochastic gradient descent: W ← W − lr·∂L/∂W.</summary>
public sealed class Sgd<T>(double learningRate = 0.01) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override int StateCount => 0;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state) => TP.MultiplyAdd(g, -Lr, p, p);
}

/// <summary>Momentum: v ← αv − lr·g; W ← W + v.</summary>
public sealed class Momentum<T>(double learningRate = 0.01, double momentum = 0.9) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momentum α.</summary>
    public double MomentumCoefficient { get; } = momentum;
    /// <inheritdoc/>
    protected override int StateCount => 1;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var v = state[0];
        TP.Multiply(v, T.CreateChecked(MomentumCoefficient), v);
        TP.MultiplyAdd(g, -Lr, v, v);
        TP.Add(p, v, p);
    }
}

/// <summary>Nesterov's accelerated gradient, in the book's form.</summary>
public sealed class Nesterov<T>(double learningRate = 0.01, double momentum = 0.9) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momentum α.</summary>
    public double MomentumCoefficient { get; } = momentum;
    /// <inheritdoc/>
    protected override int StateCount => 1;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var v = state[0];
        T m = T.CreateChecked(MomentumCoefficient);
        TP.Multiply(v, m, v);                                      // v *= α
        TP.MultiplyAdd(g, -Lr, v, v);                              // v -= lr·g
        TP.MultiplyAdd(v, m * m, p, p);                            // W += α²·v
        TP.MultiplyAdd(g, -(T.One + m) * Lr, p, p);                // W -= (1 + α)·lr·g
    }
}

/// <summary>AdaGrad: h ← h + g²; W ← W − lr·g/(√h + 1e-7).</summary>
public sealed class AdaGrad<T>(double learningRate = 0.01) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override int StateCount => 2;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var h = state[0];
        TP.MultiplyAdd(g, g, h, h);
        AdaptiveStep(p, g, h, state[1], Lr);
    }
}

/// <summary>RMSprop: h ← ρh + (1 − ρ)g²; W ← W − lr·g/(√h + 1e-7).</summary>
public sealed class RmsProp<T>(double learningRate = 0.01, double decayRate = 0.99) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The decay ρ.</summary>
    public double DecayRate { get; } = decayRate;
    /// <inheritdoc/>
    protected override int StateCount => 2;
    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var h = state[0]; var s = state[1];
        T rho = T.CreateChecked(DecayRate);
        TP.Multiply(h, rho, h);
        TP.Multiply(g, g, s);
        TP.MultiplyAdd(s, T.One - rho, h, h);
        AdaptiveStep(p, g, h, s, Lr);
    }
}

/// <summary>
/// Adam in the book's form: the bias correction is folded into the step size,
/// lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); m += (1 − β₁)(g − m); v += (1 − β₂)(g² − v); W −= lr_t·m/(√v + 1e-7).
/// </summary>
public sealed class Adam<T>(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999) : OptimizerBase<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _lrT;

    /// <summary>β₁.</summary>
    public double Beta1 { get; } = beta1;
    /// <summary>β₂.</summary>
    public double Beta2 { get; } = beta2;
    /// <summary>Steps taken so far.</summary>
    public int Iteration { get; private set; }

    /// <inheritdoc/>
    protected override int StateCount => 3;

    /// <inheritdoc/>
    protected override void BeginStep()
    {
        Iteration++;
        _lrT = T.CreateChecked(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, Iteration)) / (1 - Math.Pow(Beta1, Iteration)));
    }

    /// <inheritdoc/>
    protected override void Step(Span<T> p, ReadOnlySpan<T> g, in StepState state)
    {
        var m = state[0]; var v = state[1]; var s = state[2];
        TP.Subtract(g, m, s);
        TP.MultiplyAdd(s, T.CreateChecked(1 - Beta1), m, m);
        TP.Multiply(g, g, s);
        TP.Subtract(s, v, s);
        TP.MultiplyAdd(s, T.CreateChecked(1 - Beta2), v, v);
        AdaptiveStep(p, m, v, s, _lrT);
    }
}

/// <summary>Creates optimizers by the names the book and the CLI use.</summary>
public static class OptimizerFactory
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

    /// <summary>
    /// Creates an optimizer from a name and the book's parameter dictionary, e.g.
    /// <c>Create("adam", new Dictionary&lt;string, double&gt; { ["lr"] = 0.001, ["beta1"] = 0.9 })</c>.
    /// Keys: lr (all), momentum (momentum, nesterov), decay_rate (rmsprop), beta1 and beta2 (adam); missing keys take the book's defaults.
    /// </summary>
    public static IOptimizer<T> Create<T>(string name, IReadOnlyDictionary<string, double> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string key = name.ToLowerInvariant();
        string[] allowed = key switch
        {
            "momentum" or "nesterov" => ["lr", "momentum"],
            "rmsprop" => ["lr", "decay_rate"],
            "adam" => ["lr", "beta1", "beta2"],
            _ => ["lr"],
        };
        foreach (var k in parameters.Keys)
            if (!allowed.Contains(k))
                throw new ArgumentException($"Optimizer '{name}' has no parameter '{k}'; it takes {string.Join(", ", allowed)}.");
        double P(string k, double d) => parameters.TryGetValue(k, out double v) ? v : d;
        return key switch
        {
            "sgd" => new Sgd<T>(P("lr", 0.01)),
            "momentum" => new Momentum<T>(P("lr", 0.01), P("momentum", 0.9)),
            "nesterov" => new Nesterov<T>(P("lr", 0.01), P("momentum", 0.9)),
            "adagrad" => new AdaGrad<T>(P("lr", 0.01)),
            "rmsprop" => new RmsProp<T>(P("lr", 0.01), P("decay_rate", 0.99)),
            "adam" => new Adam<T>(P("lr", 0.001), P("beta1", 0.9), P("beta2", 0.999)),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; expected one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>Creates the optimizer called <paramref name="name"/> (case-insensitive) with learning rate <paramref name="lr"/>.</summary>
    public static IOptimizer<T> Create<T>(string name, double lr) where T : unmanaged, IFloatingPointIeee754<T> =>
        Create<T>(name, new Dictionary<string, double> { ["lr"] = lr });
}
