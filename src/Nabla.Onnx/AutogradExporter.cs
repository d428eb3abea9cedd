using System.Numerics;
using System.Runtime.CompilerServices;
using Nabla.Onnx.Protobuf;

namespace Nabla.Onnx;

using Nabla.Autograd;
using Engine = Nabla.Autograd.Autograd;

/// <summary>
/// Writes a model built from the engine's operations (<see cref="Nabla.Autograd"/>) as an ONNX graph by tracing it: the
/// forward runs once, in test mode and recording its graph, on a batch of two samples; the graph is then walked from the
/// output back to the input, one or a few ONNX nodes per operation. Parameters and every value that does not depend on
/// the input become initializers (their traced values). The batch stays dynamic: the exporter follows which axis of
/// each value is the batch and writes reshapes and broadcasts so that they hold for any N.
/// </summary>
internal sealed class AutogradExporter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The operations export knows, for messages.</summary>
    internal const string Supported = "Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Sin, Cos, Tanh, Sigmoid, Relu, MatMul, Linear, Conv2d, MaxPool2d, " +
        "Softmax, Reshape, Transpose, Sum, BroadcastTo, SumTo, and Dropout (which is the identity in test mode)";

    /// <summary>A value of the ONNX graph: its name and shape, −1 on the batch axis.</summary>
    private readonly record struct Value(string Name, int[] Shape);

    /// <summary>The batch size of the trace.</summary>
    internal const int TraceBatch = 2;

    private readonly OnnxGraphWriter<T> _w = new();
    private readonly Variable<T> _input, _output;
    private readonly Dictionary<Variable<T>, string> _paramNames = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Variable<T>, Value> _values = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Variable<T>, bool> _fromInput = new(ReferenceEqualityComparer.Instance);

    private AutogradExporter(Variable<T> input, Variable<T> output, IEnumerable<(string Name, Parameter<T> Param)> parameters)
    {
        _input = input; _output = output;
        foreach (var (name, p) in parameters) _paramNames.TryAdd(p, name);
    }

    public static ModelProto Build(Func<Variable<T>, Variable<T>> forward, IEnumerable<(string, Parameter<T>)> parameters, string graphName,
        int[] sampleShape, int opset, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(sampleShape);
        OnnxGraphWriter<T>.CheckOpset(opset);
        if (sampleShape.Length == 0 || sampleShape.Any(d => d < 1))
            throw new ArgumentException($"The sample shape must be one sample's positive dimensions, e.g. [784] or [1, 28, 28], got ({string.Join(", ", sampleShape)}).", nameof(sampleShape));
        if (options.InputShape is { } s && !s.SequenceEqual(sampleShape))
            throw new ArgumentException($"OnnxExportOptions.InputShape ({string.Join(", ", s)}) disagrees with the sample shape ({string.Join(", ", sampleShape)}).", nameof(options));
        if (!Engine.IsGradEnabled)
            throw new OnnxException(null, "Export traces the model's graph, which is not recorded inside Autograd.NoGrad(): export outside that scope.");

        // Any values do: only the operations and the shapes are read from the trace. Two samples, not one, so that a size
        // of 1 is never the batch: an operation the engine skips when shapes already agree (SumTo over the batch) is
        // recorded, and a shape that fixes the batch size shows as a 2 where the batch axis meets it, and is refused.
        var x = new Variable<T>(Tensor<T>.RandomNormal(new Random(0), T.One, [TraceBatch, .. sampleShape]), Onnx.InputName);
        Variable<T> y;
        using (Engine.TestMode()) y = forward(x) ?? throw new OnnxException(null, "The model's forward returned null.");

        var e = new AutogradExporter<T>(x, y, parameters);
        if (ReferenceEquals(y, x)) throw new OnnxException(null, "The model returns its input unchanged: there is nothing to export.");
        if (!e.FromInput(y))
            throw new OnnxException(null, $"The model's output {y.ShapeText} is not computed from its input (was the graph cut by UnchainBackward, or the input unused?).");
        if (y.Rank == 0 && y.Creator is not SoftmaxCrossEntropy<T>) throw NoBatch(y.Shape.ToArray()); // the loss is named below
        e._w.Graph.Name = graphName;
        e._w.Graph.Input.Add(e._w.ValueInfo(Onnx.InputName, [-1, .. sampleShape]));
        Value scores;
        try { scores = e.Emit(y, null); }
        catch (InsufficientExecutionStackException) { throw new OnnxException(null, "The model's graph is too deep to export (thousands of operations in a row)."); }
        if (scores.Shape.Length == 0 || scores.Shape[0] != -1 || scores.Shape.Count(d => d < 0) != 1)
            throw NoBatch(scores.Shape);
        e._w.AddOutputs(scores.Shape, options.IncludeSoftmax);
        return e._w.Model(opset);
    }

    private static OnnxException NoBatch(int[] shape) =>
        new(null, $"The model's output has shape {Sym(shape)}, without the batch as its first axis " +
            "(a loss such as MeanSquaredError reduces the batch to one number): export the forward that gives each sample's outputs.");

    /// <summary>True when <paramref name="v"/> is the input or computed from it.</summary>
    private bool FromInput(Variable<T> v)
    {
        if (ReferenceEquals(v, _input)) return true;
        if (v.Creator is null) return false;
        if (_fromInput.TryGetValue(v, out bool known)) return known;
        RuntimeHelpers.EnsureSufficientExecutionStack();
        bool r = false;
        foreach (var x in v.Creator.Inputs) r |= FromInput(x);
        return _fromInput[v] = r;
    }

    /// <summary>The ONNX value of <paramref name="v"/>, writing the nodes that compute it first (a depth-first, so topological, order).</summary>
    private Value Emit(Variable<T> v, Function<T>? user)
    {
        if (_values.TryGetValue(v, out var known)) return known;
        RuntimeHelpers.EnsureSufficientExecutionStack();
        Value r = ReferenceEquals(v, _input) ? new Value(Onnx.InputName, [-1, .. v.Shape[1..]])
            : FromInput(v) ? Operation(v.Creator!, v)
            : Constant(v, user);
        _values[v] = r;
        return r;
    }

    /// <summary>A parameter, constant, or value computed from them alone: an initializer holding its traced value.</summary>
    private Value Constant(Variable<T> v, Function<T>? user)
    {
        var leaf = FreeLeaf(v);
        if (leaf is not null)
            throw new OnnxException(null, $"{(user is null ? "The output" : $"Operation {user.Name} (output {Tensor<T>.ShapeString(user.OutputShape(0))})")} uses variable " +
                $"'{leaf.Name ?? "(unnamed)"}' {leaf.ShapeText}, a second graph input besides the traced one: an exported model takes one input. " +
                "Make it a Parameter<T> (exported as a weight) or Variable<T>.Constant.");
        string name = _paramNames.TryGetValue(v, out var p) ? p : v.Name ?? (v.Creator is { } c ? $"{c.Name}.value" : "const");
        return new Value(_w.Initializer(v.Data, name), v.Shape.ToArray());
    }

    /// <summary>A leaf behind <paramref name="v"/> that is neither a parameter nor a constant (another input), or null.</summary>
    private static Variable<T>? FreeLeaf(Variable<T> v)
    {
        var seen = new HashSet<Variable<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Variable<T>>([v]);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (!seen.Add(x)) continue;
            if (x.Creator is { } f) { foreach (var i in f.Inputs) stack.Push(i); }
            else if (x.RequiresGrad && x is not Parameter<T>) return x;
        }
        return null;
    }

    private Value Operation(Function<T> f, Variable<T> v)
    {
        string Out(string? name = null) => ReferenceEquals(v, _output) ? Onnx.ScoresName : _w.Unique(name ?? f.Name);
        Value In(int i) => Emit(f.Inputs[i], f);
        Value Unary(string op) { var a = In(0); var o = Out(); _w.Node(op, o, [a.Name], o); return new(o, a.Shape); }
        Value Binary(string op)
        {
            var a = In(0); var b = In(1);
            var shape = Broadcast(f, a.Shape, b.Shape);
            var o = Out(); _w.Node(op, o, [a.Name, b.Name], o);
            return new(o, shape);
        }
        int[] traced = f.OutputShape(0);

        switch (f)
        {
            case Add<T>: return Binary("Add");
            case Sub<T>: return Binary("Sub");
            case Mul<T>: return Binary("Mul");
            case Div<T>: return Binary("Div");
            case Neg<T>: return Unary("Neg");
            case Exp<T>: return Unary("Exp");
            case Log<T>: return Unary("Log");
            case Sin<T>: return Unary("Sin");
            case Cos<T>: return Unary("Cos");
            case Tanh<T>: return Unary("Tanh");
            case Sigmoid<T>: return Unary("Sigmoid");
            case Relu<T>: return Unary("Relu");
            case Pow<T> pow:
                {
                    var a = In(0); var o = Out();
                    _w.Node("Pow", o, [a.Name, _w.Initializer(Tensor<T>.Scalar(pow.Exponent), $"{o}.exponent")], o);
                    return new(o, a.Shape);
                }
            case Softmax<T>:
                {
                    var a = In(0); var o = Out();
                    _w.Node("Softmax", o, [a.Name], o).Attribute.Add(OnnxGraphWriter<T>.Int("axis", -1));
                    return new(o, a.Shape);
                }
            case MatMul<T> mm:
                {
                    var a = In(0); var b = In(1);
                    var (ta, tb) = mm.Transposed;
                    Require(f, a.Shape.Length == 2 && b.Shape.Length == 2, $"exports products of matrices, got {Sym(a.Shape)} and {Sym(b.Shape)}");
                    int ka = ta ? a.Shape[0] : a.Shape[1], kb = tb ? b.Shape[1] : b.Shape[0];
                    Require(f, (ka < 0) == (kb < 0), $"contracts the batch axis of one operand with a fixed axis of the other ({Sym(a.Shape)}, {Sym(b.Shape)})");
                    var o = Out();
                    var n = _w.Node(ta || tb ? "Gemm" : "MatMul", o, [a.Name, b.Name], o);
                    if (ta) n.Attribute.Add(OnnxGraphWriter<T>.Int("transA", 1));
                    if (tb) n.Attribute.Add(OnnxGraphWriter<T>.Int("transB", 1));
                    return new(o, [ta ? a.Shape[1] : a.Shape[0], tb ? b.Shape[0] : b.Shape[1]]);
                }
            case LinearFunction<T>:
                {
                    // x·W + b is ONNX's Gemm (its C broadcasts as Linear's bias does), which Onnx.Load reads back as Affine.
                    var x = In(0); var w = In(1);
                    Require(f, x.Shape.Length == 2 && w.Shape.Length == 2 && x.Shape[1] >= 0 && w.Shape[0] >= 0, $"exports (N, k)·(k, m), got {Sym(x.Shape)} and {Sym(w.Shape)}");
                    string[] inputs = f.Inputs.Count > 2 ? [x.Name, w.Name, In(2).Name] : [x.Name, w.Name];
                    var o = Out();
                    _w.Node("Gemm", o, inputs, o);
                    return new(o, [x.Shape[0], w.Shape[1]]);
                }
            case Transpose<T> t:
                {
                    if (Conv2d(t, traced, Out) is { } conv) return conv;
                    var a = In(0);
                    var perm = t.Permutation;
                    var o = Out();
                    _w.Node("Transpose", o, [a.Name], o).Attribute.Add(OnnxGraphWriter<T>.Ints("perm", [.. perm.Select(i => (long)i)]));
                    return new(o, [.. perm.Select(i => a.Shape[i])]);
                }
            case Reshape<T>:
                {
                    var a = In(0);
                    int batch = Array.IndexOf(a.Shape, -1);
                    long[] target;
                    int[] shape;
                    if (batch < 0) { target = [.. traced.Select(d => (long)d)]; shape = traced; }
                    else if (batch == 0 && a.Shape.Count(d => d < 0) == 1 && traced.Length > 0 && traced[0] == TraceBatch)
                    {
                        // 0 copies the batch from the input, whatever N is; the other dimensions are the traced ones.
                        target = [0, .. traced[1..].Select(d => (long)d)];
                        shape = [-1, .. traced[1..]];
                    }
                    else throw Fail(f, $"reshapes {Sym(a.Shape)} to {Tensor<T>.ShapeString(traced)}, which does not keep the batch as the first axis; reshape as x.Reshape(n, …) with n the batch size");
                    var o = Out();
                    _w.Node("Reshape", o, [a.Name, _w.Int64Initializer($"{o}.shape", target)], o);
                    return new(o, shape);
                }
            case Sum<T> sum:
                {
                    var a = In(0);
                    var (axis, keep) = sum.Reduction;
                    var o = Out();
                    if (axis is null)
                    {
                        _w.Node("ReduceSum", o, [a.Name], o).Attribute.Add(OnnxGraphWriter<T>.Int("keepdims", keep ? 1 : 0));
                        return new(o, keep ? [.. a.Shape.Select(_ => 1)] : []);
                    }
                    int ax = axis.Value < 0 ? axis.Value + a.Shape.Length : axis.Value;
                    _w.Node("ReduceSum", o, [a.Name, _w.Int64Initializer($"{o}.axes", ax)], o).Attribute.Add(OnnxGraphWriter<T>.Int("keepdims", keep ? 1 : 0));
                    return new(o, keep ? [.. a.Shape.Select((d, i) => i == ax ? 1 : d)] : [.. a.Shape.Where((_, i) => i != ax)]);
                }
            case BroadcastTo<T>:
                {
                    // Expand broadcasts both ways, so a 1 on the batch axis keeps the batch whatever N is.
                    var a = In(0);
                    int lead = traced.Length - a.Shape.Length;
                    var target = traced.Select(d => (long)d).ToArray();
                    var shape = (int[])traced.Clone();
                    for (int i = 0; i < a.Shape.Length; i++)
                        if (a.Shape[i] < 0) { target[lead + i] = 1; shape[lead + i] = -1; }
                    var o = Out();
                    _w.Node("Expand", o, [a.Name, _w.Int64Initializer($"{o}.shape", target)], o);
                    return new(o, shape);
                }
            case SumTo<T>:
                {
                    // Sum over the leading axes and those that become 1 (the batch among them), then drop the leading ones.
                    var a = In(0);
                    int lead = a.Shape.Length - traced.Length;
                    var axes = Enumerable.Range(0, a.Shape.Length).Where(i => i < lead || (traced[i - lead] == 1 && a.Shape[i] != 1)).Select(i => (long)i).ToArray();
                    string o = Out(), summed = lead > 0 ? _w.Unique($"{o}.sum") : o;
                    _w.Node("ReduceSum", summed, [a.Name, _w.Int64Initializer($"{o}.axes", axes)], summed).Attribute.Add(OnnxGraphWriter<T>.Int("keepdims", 1));
                    if (lead > 0) _w.Node("Reshape", o, [summed, _w.Int64Initializer($"{o}.shape", [.. traced.Select(d => (long)d)])], o);
                    return new(o, traced);
                }
            case MaxPool2d<T> mp:
                {
                    var a = In(0);
                    var (kh, kw, stride, pad) = mp.Window;
                    Require(f, a.Shape.Length == 4 && a.Shape[1..].All(d => d > 0), $"exports (N, C, H, W) input, got {Sym(a.Shape)}");
                    var o = Out();
                    string x = a.Name;
                    if (pad > 0)
                    {
                        // The engine pads with zeros before taking the maximum; ONNX MaxPool's own pads count as −∞.
                        x = _w.Unique($"{o}.pad");
                        _w.Node("Pad", x, [a.Name, _w.Int64Initializer($"{o}.pads", 0, 0, pad, pad, 0, 0, pad, pad)], x);
                    }
                    var n = _w.Node("MaxPool", o, [x], o);
                    n.Attribute.Add(OnnxGraphWriter<T>.Ints("kernel_shape", kh, kw));
                    n.Attribute.Add(OnnxGraphWriter<T>.Ints("strides", stride, stride));
                    return new(o, [a.Shape[0], a.Shape[1], traced[2], traced[3]]);
                }
            case SoftmaxCrossEntropy<T>:
                throw Fail(f, "is a loss function, which has no place in an exported model: export the forward that gives the scores (the model without its loss)");
            case Im2col<T>:
                throw Fail(f, "has no ONNX form on its own; Ops.Conv2d (im2col, one product, a reshape and a transpose) exports as one Conv");
            default:
                throw Fail(f, $"has no ONNX export ({f.GetType().Name.Split('`')[0]}); export supports {Supported}");
        }
    }

    /// <summary>
    /// Ops.Conv2d's pattern, ending at <paramref name="t"/>: Transpose(0, 3, 1, 2) of Reshape of Linear(Im2col(x), Transpose(Reshape(W)), b),
    /// written as one Conv; null when <paramref name="t"/> is not the end of a convolution.
    /// </summary>
    private Value? Conv2d(Transpose<T> t, int[] traced, Func<string?, string> Out)
    {
        if (t.Permutation is not [0, 3, 1, 2]
            || t.Inputs[0].Creator is not Reshape<T> rows
            || rows.Inputs[0].Creator is not LinearFunction<T> lin
            || lin.Inputs[0].Creator is not Im2col<T> col
            || lin.Inputs[1].Creator is not Transpose<T> wt
            || wt.Inputs[0].Creator is not Reshape<T> wr
            || wr.Inputs[0].Rank != 4)
            return null;
        var (kh, kw, stride, pad) = col.Window;
        var wVar = wr.Inputs[0];
        if (wVar.Data.Dim(2) != kh || wVar.Data.Dim(3) != kw) return null;
        var x = Emit(col.Inputs[0], col);
        Require(col, x.Shape.Length == 4 && x.Shape[1..].All(d => d > 0), $"exports (N, C, H, W) input, got {Sym(x.Shape)}");
        var w = Emit(wVar, wr);
        string[] inputs = lin.Inputs.Count > 2 ? [x.Name, w.Name, Emit(lin.Inputs[2], lin).Name] : [x.Name, w.Name];
        var o = Out("Conv2d");
        var n = _w.Node("Conv", o, inputs, o);
        n.Attribute.Add(OnnxGraphWriter<T>.Ints("kernel_shape", kh, kw));
        n.Attribute.Add(OnnxGraphWriter<T>.Ints("pads", pad, pad, pad, pad));
        n.Attribute.Add(OnnxGraphWriter<T>.Ints("strides", stride, stride));
        return new Value(o, [x.Shape[0], traced[1], traced[2], traced[3]]);
    }

    /// <summary>NumPy broadcasting of shapes with −1 on the batch axis; the batch must not meet a fixed size (a value traced with the batch size baked in).</summary>
    private static int[] Broadcast(Function<T> f, int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) is var ia && ia >= 0 ? a[ia] : 1;
            int db = i - (rank - b.Length) is var ib && ib >= 0 ? b[ib] : 1;
            if (da == db || db == 1) r[i] = da;
            else if (da == 1) r[i] = db;
            else throw Fail(f, $"broadcasts {Sym(a)} with {Sym(b)}: the batch axis meets a fixed size {Math.Max(da, db)} " +
                "(a value shaped from the traced batch, such as BroadcastTo(b, x.Shape) of a parameter?); write the operation so that it broadcasts (b + x)");
        }
        return r;
    }

    private static string Sym(int[] shape) => "(" + string.Join(", ", shape.Select(d => d < 0 ? Onnx.BatchDimension : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + (shape.Length == 1 ? ",)" : ")");

    private static void Require(Function<T> f, bool ok, string problem)
    {
        if (!ok) throw Fail(f, problem);
    }

    private static OnnxException Fail(Function<T> f, string problem) =>
        new(null, $"Operation {f.Name} (output {Tensor<T>.ShapeString(f.OutputShape(0))}) {problem}.");
}
