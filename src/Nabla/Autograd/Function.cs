using System.Numerics;

namespace Nabla.Autograd;

/// <summary>
/// One operation of a computational graph (DeZero's <c>Function</c>). A subclass gives
/// <see cref="Forward"/> on tensors and <see cref="Backward"/> on variables: because backward is written
/// with the engine's own operations, it is recorded too when asked (<c>createGraph</c>), and gradients
/// can be differentiated again. A function keeps its inputs (backward needs them) and holds its outputs
/// only weakly, so a graph is freed as soon as nothing outside refers to its output.
/// </summary>
/// <example>
/// A new operation in a few lines:
/// <code>
/// sealed class Square : Function&lt;double&gt;
/// {
///     protected override Tensor&lt;double&gt;[] Forward(Tensor&lt;double&gt;[] x) => [x[0] * x[0]];
///     protected override Variable&lt;double&gt;?[] Backward(Variable&lt;double&gt;[] gy) => [2.0 * Inputs[0] * gy[0]];
/// }
/// var y = new Square().Apply(x);
/// </code>
/// </example>
public abstract class Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly Variable<T>[] NoInputs = [];
    private Variable<T>[] _inputs = NoInputs;
    private WeakReference<Variable<T>>[] _outputs = [];
    private int[][] _outputShapes = [];

    /// <summary>The variables this function was applied to.</summary>
    public IReadOnlyList<Variable<T>> Inputs => _inputs;

    /// <summary>The largest generation among the inputs.</summary>
    public int Generation { get; private set; }

    /// <summary>The operation's name for drawings and messages (the class name without generic arity).</summary>
    public virtual string Name
    {
        get { var n = GetType().Name; int i = n.IndexOf('`'); return i < 0 ? n : n[..i]; }
    }

    /// <summary>A short description of the operation's settings for drawings (axes, shapes), or null.</summary>
    public virtual string? Detail => null;

    /// <summary>Computes the outputs from the input values.</summary>
    protected abstract Tensor<T>[] Forward(Tensor<T>[] xs);

    /// <summary>
    /// Gradients with respect to each input, given the gradients <paramref name="gys"/> with respect to each
    /// output; null for an input that gets none. Use the engine's operations so the result is differentiable.
    /// </summary>
    protected abstract Variable<T>?[] Backward(Variable<T>[] gys);

    /// <summary>Applies the function to one or more inputs and returns its single output.</summary>
    /// <exception cref="InvalidOperationException">The function has several outputs (use <see cref="Call"/>).</exception>
    public Variable<T> Apply(params Variable<T>[] inputs)
    {
        var ys = Call(inputs);
        if (ys.Length != 1) throw new InvalidOperationException($"{Name} has {ys.Length} outputs; use Call.");
        return ys[0];
    }

    /// <summary>Applies the function, recording it as the creator of its outputs when gradients are enabled.</summary>
    public Variable<T>[] Call(params Variable<T>[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_outputs.Length > 0) throw new InvalidOperationException($"This {Name} has already been applied; create a new one for each use.");
        var xs = new Tensor<T>[inputs.Length];
        bool needsGrad = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{Name}: input {i} is null.");
            xs[i] = inputs[i].Data;
            needsGrad |= inputs[i].RequiresGrad;
        }
        _inputs = inputs;
        var ys = Forward(xs);
        bool record = needsGrad && Autograd.IsGradEnabled;
        var outputs = new Variable<T>[ys.Length];
        for (int i = 0; i < ys.Length; i++) outputs[i] = new Variable<T>(ys[i], null, record);
        if (record)
        {
            int gen = 0;
            foreach (var x in inputs) gen = Math.Max(gen, x.Generation);
            Generation = gen;
            _outputs = new WeakReference<Variable<T>>[ys.Length];
            _outputShapes = new int[ys.Length][];
            for (int i = 0; i < ys.Length; i++)
            {
                outputs[i].SetCreator(this);
                _outputs[i] = new WeakReference<Variable<T>>(outputs[i]);
                _outputShapes[i] = ys[i].Shape.ToArray();
            }
        }
        else _inputs = NoInputs; // nothing will run backward: keep nothing alive
        return outputs;
    }

    /// <summary>Output <paramref name="i"/> (for backward formulas written with the output, like exp's).</summary>
    /// <exception cref="InvalidOperationException">The output has been collected (it cannot be during its own backward).</exception>
    protected Variable<T> Output(int i = 0) =>
        i < _outputs.Length && _outputs[i].TryGetTarget(out var y) ? y
            : throw new InvalidOperationException($"{Name}: output {i} is no longer alive.");

    /// <summary>The outputs still alive (null where collected), in order.</summary>
    public Variable<T>?[] LiveOutputs()
    {
        var r = new Variable<T>?[_outputs.Length];
        for (int i = 0; i < r.Length; i++) r[i] = _outputs[i].TryGetTarget(out var y) ? y : null;
        return r;
    }

    /// <summary>Number of outputs.</summary>
    public int OutputCount => _outputs.Length;

    internal int[] OutputShape(int i) => _outputShapes[i];

    internal Variable<T>?[] RunBackward(Variable<T>[] gys)
    {
        var gxs = Backward(gys);
        if (gxs is null || gxs.Length != _inputs.Length)
            throw new InvalidOperationException($"{Name}.Backward returned {gxs?.Length ?? 0} gradients for {_inputs.Length} inputs.");
        return gxs;
    }

    /// <summary>Input <paramref name="i"/>'s value.</summary>
    protected Tensor<T> X(int i = 0) => _inputs[i].Data;

    /// <summary>
    /// A tensor of input <paramref name="i"/>'s shape for a backward that is not recorded to write that input's gradient
    /// into: a parameter's own gradient tensor when it has none yet in this backward, else a new one. Every element must
    /// be overwritten.
    /// </summary>
    internal Tensor<T> GradientDestination(int i) => _inputs[i].GradientDestination(_inputs[i].Data.Shape);

    /// <summary>True when input <paramref name="i"/> takes part in backward (a constant does not; its gradient may be skipped).</summary>
    protected bool NeedsGrad(int i) => _inputs[i].RequiresGrad;
}
