using System.Numerics;

namespace Nabla.Autograd;

/// <summary>
/// A value in a computational graph (DeZero's <c>Variable</c>): a <see cref="Tensor{T}"/> plus, once
/// <see cref="Backward(bool, bool)"/> has run, its gradient — itself a <see cref="Variable{T}"/>, so that
/// gradients can be differentiated again. A variable made by a <see cref="Function{T}"/> remembers it as its
/// <see cref="Creator"/>; <see cref="Generation"/> orders functions for backward.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Variable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="data"/> (no copy) as a variable that takes part in backward.</summary>
    public Variable(Tensor<T> data, string? name = null) : this(data, name, requiresGrad: true) { }

    /// <summary>Wraps <paramref name="data"/>; <paramref name="requiresGrad"/> false makes a constant that backward skips.</summary>
    public Variable(Tensor<T> data, string? name, bool requiresGrad)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        Name = name;
        RequiresGrad = requiresGrad;
    }

    /// <summary>A scalar variable holding <paramref name="value"/>.</summary>
    public Variable(T value, string? name = null) : this(Tensor<T>.Scalar(value), name) { }

    /// <summary>The value.</summary>
    public Tensor<T> Data { get; set; }

    /// <summary>
    /// ∂output/∂this after <see cref="Backward(bool, bool)"/> (null before, or after <see cref="ClearGrad"/>). A
    /// <see cref="Parameter{T}"/>'s gradient lives in a tensor the parameter keeps from step to step, as the layers keep
    /// theirs: a backward without <c>createGraph</c> after <see cref="ClearGrad"/> writes into it, and a second backward
    /// without <see cref="ClearGrad"/> adds into it. Clone it to keep a parameter's gradient past the next backward.
    /// </summary>
    public Variable<T>? Grad
    {
        get => _grad;
        set { _grad = value; if (value is null) _gradBufferLent = false; }
    }

    private Variable<T>? _grad;
    // A parameter's gradient tensor, reused by every backward that is not recorded (see Grad), and whether the
    // current backward has handed it out already (a parameter may be two inputs of one function).
    private Tensor<T>? _gradBuffer;
    private bool _gradBufferLent;

    /// <summary>A label for drawings and messages (optional).</summary>
    public string? Name { get; set; }

    /// <summary>The function that made this variable, or null for a leaf (an input or a parameter).</summary>
    public Function<T>? Creator { get; private set; }

    /// <summary>One more than the creator's generation; 0 for leaves. Backward visits later generations first.</summary>
    public int Generation { get; private set; }

    /// <summary>False for constants (data, masks, labels): no gradient is computed or stored for them.</summary>
    public bool RequiresGrad { get; }

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<int> Shape => Data.Shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Data.Rank;

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The shape as text, e.g. <c>(100, 784)</c>.</summary>
    public string ShapeText => Tensor<T>.ShapeString(Data.Shape);

    /// <summary>A constant (no gradient) over <paramref name="data"/>.</summary>
    public static Variable<T> Constant(Tensor<T> data, string? name = null) => new(data, name, requiresGrad: false);

    /// <summary>A tensor used where a variable is expected becomes a constant.</summary>
    public static implicit operator Variable<T>(Tensor<T> data) => Constant(data);

    internal void SetCreator(Function<T> f)
    {
        Creator = f;
        Generation = f.Generation + 1;
    }

    /// <summary>Forgets the gradient (before reusing the variable in a new computation).</summary>
    public void ClearGrad() => Grad = null;

    /// <summary>
    /// The tensor a function's backward should write this variable's gradient into when that backward is not recorded:
    /// a parameter's own gradient tensor, the first time it is asked for since <see cref="ClearGrad"/>; otherwise a new
    /// tensor. The contents are unspecified: the caller overwrites every element.
    /// </summary>
    internal Tensor<T> GradientDestination(ReadOnlySpan<int> shape)
    {
        if (this is not Parameter<T> || _grad is not null || _gradBufferLent || Autograd.IsGradEnabled || !shape.SequenceEqual(Data.Shape))
            return new Tensor<T>(shape.ToArray());
        _gradBufferLent = true;
        return Tensor<T>.Reuse(ref _gradBuffer, shape);
    }

    /// <summary>Adds <paramref name="gx"/> to the gradient (the engine's accumulation step).</summary>
    private void AccumulateGrad(Variable<T> gx, bool createGraph)
    {
        if (_grad is null) { _grad = gx; return; }
        // The parameter's own tensor is added into when nothing is recorded; otherwise a new sum (differentiable).
        if (!createGraph && _gradBuffer is not null && ReferenceEquals(_grad.Data, _gradBuffer)) { _gradBuffer.AddInPlace(gx.Data); return; }
        Grad = _grad + gx;
    }

    /// <summary>Cuts the link to the creator, making this variable a leaf (the graph behind it can be freed).</summary>
    public void UnchainBackward() { Creator = null; Generation = 0; }

    /// <summary>
    /// Back-propagates from this variable, which must hold one element (a loss); see
    /// <see cref="Backward(Variable{T}?, bool, bool)"/>.
    /// </summary>
    public void Backward(bool retainGrad = false, bool createGraph = false) => Backward(null, retainGrad, createGraph);

    /// <summary>
    /// Computes the gradient of this variable with respect to every variable it was computed from, adding it
    /// to their <see cref="Grad"/>. Functions run in decreasing generation order, so a variable used by several
    /// functions (a diamond, or <c>x * x</c>) has all its contributions summed before its own creator runs.
    /// </summary>
    /// <param name="seed">∂L/∂this; when null, this variable must be a scalar and the seed is 1.</param>
    /// <param name="retainGrad">Keep the gradients of intermediate variables (by default only leaves keep theirs).</param>
    /// <param name="createGraph">Record the backward computation itself, so that gradients can be differentiated again.</param>
    /// <exception cref="InvalidOperationException">No seed for a non-scalar output.</exception>
    public void Backward(Variable<T>? seed, bool retainGrad = false, bool createGraph = false)
    {
        if (seed is not null)
        {
            if (!seed.Data.HasShape(Data.Shape))
                throw new ArgumentException($"Backward: the seed gradient {seed.ShapeText} does not match the output {ShapeText}.");
            Grad = seed;
        }
        else if (Grad is null)
        {
            if (Length != 1)
                throw new InvalidOperationException($"Backward on a non-scalar output of shape {ShapeText} needs a seed gradient: call Backward(seed) with a gradient of that shape, or reduce the output to a scalar (Sum) first.");
            Grad = new Variable<T>(Tensor<T>.Ones(Data.Shape.ToArray()), null, requiresGrad: false);
        }
        if (Creator is null) return;

        var pending = new List<Function<T>>();
        var seen = new HashSet<Function<T>>(ReferenceEqualityComparer.Instance);
        void Push(Function<T> f)
        {
            if (!seen.Add(f)) return;
            // Keep the list sorted by generation so that the last element is always the next to run.
            int i = pending.Count;
            while (i > 0 && pending[i - 1].Generation > f.Generation) i--;
            pending.Insert(i, f);
        }
        Push(Creator);

        var noGrad = createGraph ? default(Autograd.Scope?) : Autograd.NoGrad();
        try
        {
            while (pending.Count > 0)
            {
                var f = pending[^1];
                pending.RemoveAt(pending.Count - 1);
                var outputs = f.LiveOutputs();
                var gys = new Variable<T>[outputs.Length];
                bool any = false;
                for (int i = 0; i < outputs.Length; i++)
                {
                    var g = outputs[i]?.Grad;
                    if (g is not null) any = true;
                    gys[i] = g ?? new Variable<T>(Tensor<T>.Zeros(f.OutputShape(i)), null, requiresGrad: false);
                }
                if (!any) continue;
                var gxs = f.RunBackward(gys);
                var inputs = f.Inputs;
                for (int i = 0; i < inputs.Count; i++)
                {
                    var x = inputs[i];
                    var gx = gxs[i];
                    if (gx is null || !x.RequiresGrad) continue;
                    if (!gx.Data.HasShape(x.Data.Shape))
                        throw new InvalidOperationException($"{f.Name}.Backward returned a gradient of shape {gx.ShapeText} for input {i} of shape {x.ShapeText}.");
                    x.AccumulateGrad(gx, createGraph);
                    if (x.Creator is not null) Push(x.Creator);
                }
                if (!retainGrad)
                    foreach (var y in outputs)
                        if (y is not null) y.Grad = null;
            }
        }
        finally
        {
            noGrad?.Dispose();
            // Functions hold their outputs weakly: keep this output alive until its creator has read its gradient,
            // even when the caller holds no reference to it (as in f(x).Backward()).
            GC.KeepAlive(this);
        }
    }

    /// <summary>The value and name, e.g. <c>variable(x, 2)</c>.</summary>
    public override string ToString() => $"variable({(Name is null ? "" : Name + ", ")}{Data})";

    // ---- operators: each builds one graph node; scalars become constants ----

    /// <summary>Sum with broadcasting.</summary>
    public static Variable<T> operator +(Variable<T> a, Variable<T> b) => Ops.Add(a, b);
    /// <summary>Difference with broadcasting.</summary>
    public static Variable<T> operator -(Variable<T> a, Variable<T> b) => Ops.Sub(a, b);
    /// <summary>Element-wise product with broadcasting.</summary>
    public static Variable<T> operator *(Variable<T> a, Variable<T> b) => Ops.Mul(a, b);
    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Variable<T> operator /(Variable<T> a, Variable<T> b) => Ops.Div(a, b);
    /// <summary>Negation.</summary>
    public static Variable<T> operator -(Variable<T> a) => Ops.Neg(a);
    /// <summary>Adds a scalar.</summary>
    public static Variable<T> operator +(Variable<T> a, T s) => Ops.Add(a, Ops.Const(s));
    /// <summary>Adds a scalar.</summary>
    public static Variable<T> operator +(T s, Variable<T> a) => Ops.Add(Ops.Const(s), a);
    /// <summary>Subtracts a scalar.</summary>
    public static Variable<T> operator -(Variable<T> a, T s) => Ops.Sub(a, Ops.Const(s));
    /// <summary>Subtracts from a scalar.</summary>
    public static Variable<T> operator -(T s, Variable<T> a) => Ops.Sub(Ops.Const(s), a);
    /// <summary>Multiplies by a scalar.</summary>
    public static Variable<T> operator *(Variable<T> a, T s) => Ops.Mul(a, Ops.Const(s));
    /// <summary>Multiplies by a scalar.</summary>
    public static Variable<T> operator *(T s, Variable<T> a) => Ops.Mul(Ops.Const(s), a);
    /// <summary>Divides by a scalar.</summary>
    public static Variable<T> operator /(Variable<T> a, T s) => Ops.Div(a, Ops.Const(s));
    /// <summary>Divides a scalar by each element.</summary>
    public static Variable<T> operator /(T s, Variable<T> a) => Ops.Div(Ops.Const(s), a);

    /// <summary><c>this ** c</c> element-wise.</summary>
    public Variable<T> Pow(T c) => Ops.Pow(this, c);
    /// <summary>A view with a new shape; see <see cref="Ops.Reshape{T}"/>.</summary>
    public Variable<T> Reshape(params int[] shape) => Ops.Reshape(this, shape);
    /// <summary>The transpose (axes reversed), or the given permutation.</summary>
    public Variable<T> Transpose(params int[] axes) => Ops.Transpose(this, axes);
    /// <summary>Sum of all elements.</summary>
    public Variable<T> Sum() => Ops.Sum(this);
    /// <summary>Sum along an axis.</summary>
    public Variable<T> Sum(int axis, bool keepDims = false) => Ops.Sum(this, axis, keepDims);
}
