using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nabla.Layers;
using Nabla.Onnx.Layers;
using Nabla.Onnx.Protobuf;

namespace Nabla.Onnx;

/// <summary>
/// Reads an ONNX model into an <see cref="OnnxNetwork{T}"/>: the nodes from the input to the first output must form a chain
/// (each node takes the previous one's value plus constants), and each must be an operator Nabla has a layer for.
/// Hostile files fail fast with one message: sizes are checked before anything is allocated for them.
/// </summary>
internal sealed class OnnxImporter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The most a single tensor may hold: 2 GiB, the protobuf limit of the whole file.</summary>
    internal const long MaxTensorBytes = 2L << 30;
    private const int RecursionLimit = 64;

    private readonly string? _path, _folder;
    private readonly Dictionary<string, TensorProto> _constants = [];
    private readonly HashSet<string> _usedConstants = [];
    private readonly List<(string, ILayer<T>)> _layers = [];
    private readonly List<(string, Tensor<T>, Tensor<T>)> _params = [];
    private int[] _shape = []; // the current value's shape; −1 for the batch and any dimension the file leaves open
    private int _opset;

    private OnnxImporter(string? path, string? folder) { _path = path; _folder = folder; }

    private OnnxException Fail(string problem, Exception? inner = null) => new(_path, problem, inner);

    public static OnnxNetwork<T> Read(Stream stream, string? path, string? folder)
    {
        var im = new OnnxImporter<T>(path, folder);
        ModelProto model;
        try
        {
            long length = stream.CanSeek ? stream.Length - stream.Position : int.MaxValue;
            if (length > int.MaxValue) throw im.Fail($"is {length} bytes; an ONNX protobuf holds at most 2 GiB.");
            if (length == 0) throw im.Fail("is empty, not an ONNX model.");
            // The size limit stops a length prefix from claiming more than the file has; the recursion limit, deep nesting.
            var input = CodedInputStream.CreateWithLimits(stream, (int)length, RecursionLimit);
            model = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw im.Fail($"is not a readable ONNX protobuf (truncated or corrupt): {e.Message}", e);
        }
        return im.Build(model);
    }

    private OnnxNetwork<T> Build(ModelProto model)
    {
        if (model.Graph is null) throw Fail("has no graph: it is not an ONNX model (or is truncated).");
        if (!model.HasIrVersion || model.IrVersion < 3) throw Fail($"has IR version {model.IrVersion}; Nabla reads IR version 3 and later.");
        foreach (var o in model.OpsetImport)
            if (o.Domain is "" or "ai.onnx") _opset = (int)o.Version;
        if (_opset == 0) throw Fail("imports no version of the standard ONNX operator set (domain \"\").");
        var g = model.Graph;
        _graphForConsumers = g;

        foreach (var t in g.Initializer)
            if (!_constants.TryAdd(t.Name, t)) throw Fail($"has two initializers named '{t.Name}'.");
        var producers = new Dictionary<string, NodeProto>();
        foreach (var n in g.Node)
        {
            if (n.Output.Count == 0 || n.Output[0].Length == 0) throw Fail($"node '{n.Name}' ({n.OpType}) has no output.");
            int need = n.OpType switch { "BatchNormalization" => 5, "Gemm" or "MatMul" or "Mul" or "Add" or "Reshape" or "Conv" or "Pad" => 2, "Constant" => 0, _ => 1 };
            if (n.Input.Count < need) throw Fail($"node '{n.Name}' ({n.OpType}) has {n.Input.Count} inputs; it needs {need}.");
        }
        foreach (var n in g.Node)
            foreach (var o in n.Output)
                if (o.Length > 0 && !producers.TryAdd(o, n)) throw Fail($"has two nodes writing '{o}' ('{producers[o].Name}' and '{n.Name}').");
        foreach (var n in g.Node)
            if (n.OpType == "Constant" && n.Domain is "" or "ai.onnx")
                _constants[n.Output[0]] = ConstantValue(n);

        var inputs = g.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1) throw Fail($"has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); Nabla networks take one.");
        if (g.Output.Count == 0) throw Fail("has no graph output.");
        var input = inputs[0];
        _shape = ShapeOf(input);
        int[] inputShape = [.. _shape];
        string output = g.Output[0].Name;

        var order = TopologicalOrder(g, producers);
        var needed = Ancestors(output, producers);
        if (!needed.Contains(input.Name) && !producers.ContainsKey(output))
            throw Fail($"output '{output}' is not computed from input '{input.Name}'.");

        string current = input.Name;
        var fused = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < order.Count; i++)
        {
            var n = order[i];
            if (n.OpType == "Constant" || fused.Contains(n) || !n.Output.Any(needed.Contains)) continue;
            var data = n.Input.Where(x => x.Length > 0 && !_constants.ContainsKey(x)).ToList();
            if (data.Count != 1 || data[0] != current)
                throw Fail($"node '{n.Name}' ({n.OpType}) takes {(data.Count == 0 ? "only constants" : string.Join(" and ", data.Select(d => $"'{d}'")))}; Nabla runs a chain of layers, each taking the previous one's output ('{current}') and constants.");
            if (n.Input[0] != current) throw Fail($"node '{n.Name}' ({n.OpType}) takes the running value '{current}' as a second input; Nabla needs it first.");
            if (n.Domain is not ("" or "ai.onnx"))
                throw Fail($"node '{n.Name}' uses operator {n.Domain}:{n.OpType}, which Nabla does not support (only the standard ONNX domain).");
            // MatMul whose only reader is an Add of a constant: one Affine layer.
            NodeProto? add = null;
            if (n.OpType == "MatMul" && Consumers(g, n.Output[0]) == 1
                && g.Node.FirstOrDefault(x => x.Input.Contains(n.Output[0])) is { OpType: "Add" } next
                && next.Domain is "" or "ai.onnx" && next.Input.Count == 2 && next.Input.Count(x => !_constants.ContainsKey(x)) == 1)
            {
                add = next;
                fused.Add(next);
            }
            Import(n, add);
            current = (add ?? n).Output[0];
        }
        if (current != output) throw Fail($"the chain of nodes from input '{input.Name}' ends at '{current}', not at the first output '{output}'.");
        if (_layers.Count == 0) throw Fail("has no operators between its input and output.");
        return new OnnxNetwork<T>(_layers, _params, g.Name ?? "", input.Name, inputShape, output);
    }

    private static int Consumers(GraphProto g, string value) => g.Node.Sum(n => n.Input.Count(x => x == value)) + g.Output.Count(o => o.Name == value);

    /// <summary>Kahn's algorithm; a node left over sits on a cycle (or reads a value nothing provides).</summary>
    private List<NodeProto> TopologicalOrder(GraphProto g, Dictionary<string, NodeProto> producers)
    {
        var available = new HashSet<string>(g.Input.Select(i => i.Name).Concat(_constants.Keys)) { "" };
        foreach (var n in g.Node)
            foreach (var x in n.Input)
                if (!available.Contains(x) && !producers.ContainsKey(x))
                    throw Fail($"node '{n.Name}' ({n.OpType}) reads '{x}', which no node, input or initializer provides.");
        var waiting = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        var readers = new Dictionary<string, List<NodeProto>>();
        var ready = new Queue<NodeProto>();
        foreach (var n in g.Node)
        {
            int count = 0;
            foreach (var x in n.Input.Distinct())
                if (!available.Contains(x)) { count++; (readers.TryGetValue(x, out var l) ? l : readers[x] = []).Add(n); }
            waiting[n] = count;
            if (count == 0) ready.Enqueue(n);
        }
        var order = new List<NodeProto>(g.Node.Count);
        while (ready.Count > 0)
        {
            var n = ready.Dequeue();
            order.Add(n);
            foreach (var o in n.Output.Distinct())
                if (readers.TryGetValue(o, out var l))
                    foreach (var r in l)
                        if (--waiting[r] == 0) ready.Enqueue(r);
        }
        if (order.Count != g.Node.Count)
        {
            var stuck = g.Node.Where(n => waiting[n] > 0).Select(n => $"'{n.Name}' ({n.OpType})").Take(5);
            throw Fail($"has a cycle: nodes {string.Join(", ", stuck)} depend on each other's outputs.");
        }
        return order;
    }

    private static HashSet<string> Ancestors(string output, Dictionary<string, NodeProto> producers)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([output]);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (!seen.Add(v) || !producers.TryGetValue(v, out var n)) continue;
            foreach (var x in n.Input) stack.Push(x);
        }
        return seen;
    }

    private int[] ShapeOf(ValueInfoProto v)
    {
        if (v.Type?.TensorType is not { } t) throw Fail($"input '{v.Name}' is not a tensor.");
        if (t.ElemType != (int)TensorProto.Types.DataType.Float && t.ElemType != (int)TensorProto.Types.DataType.Double)
            throw Fail($"input '{v.Name}' has element type {(TensorProto.Types.DataType)t.ElemType}; Nabla runs float and double.");
        if (t.Shape is null || t.Shape.Dim.Count < 2) throw Fail($"input '{v.Name}' must have a batch dimension and at least one more (e.g. N×784), got {t.Shape?.Dim.Count ?? 0} dimensions.");
        return [.. t.Shape.Dim.Select((d, i) => i == 0 || d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue < 1 ? -1
            : d.DimValue > int.MaxValue ? throw Fail($"input '{v.Name}' has dimension {d.DimValue}.") : (int)d.DimValue)];
    }

    private void Import(NodeProto n, NodeProto? add)
    {
        string name = string.IsNullOrEmpty(n.Name) ? $"{n.OpType}{_layers.Count + 1}" : n.Name;
        switch (n.OpType)
        {
            case "Gemm": Gemm(n, name); break;
            case "MatMul": MatMul(n, add, name); break;
            case "Relu": Plain(n, name, new Relu<T>()); break;
            case "Sigmoid": Plain(n, name, new Sigmoid<T>()); break;
            case "Tanh": Plain(n, name, new Tanh<T>()); break;
            case "Softmax": SoftmaxNode(n, name); break;
            case "Conv": Conv(n, name); break;
            case "MaxPool": MaxPool(n, name); break;
            case "Pad": PadThenPool(n, name); break;
            case "BatchNormalization": BatchNorm(n, name); break;
            case "Flatten": FlattenNode(n, name); break;
            case "Reshape": ReshapeNode(n, name); break;
            case "Mul": MulNode(n, name); break;
            case "Dropout": // identity at inference (ONNX's Dropout scales in training only)
                if (n.Output.Count > 1 && n.Output[1].Length > 0 && Consumers(n.Output[1]))
                    throw Fail($"node '{name}' (Dropout): its mask output '{n.Output[1]}' is used; Nabla imports Dropout as the identity of inference.");
                break;
            case "Identity": break;
            default:
                throw Fail($"node '{name}' uses operator {n.OpType}, which Nabla cannot run (supported: Gemm, MatMul+Add, Relu, Sigmoid, Tanh, Softmax, Conv, MaxPool, BatchNormalization, Flatten, Reshape, Mul, Dropout, Identity).");
        }
    }

    private bool _pendingPad;
    private int _padAmount;
    private GraphProto? _graphForConsumers;

    private bool Consumers(string value) => _graphForConsumers is null || Consumers(_graphForConsumers, value) > 0;

    private void Plain(NodeProto n, string name, ILayer<T> layer)
    {
        RequireNoPendingPad(name);
        _layers.Add((name, layer));
    }

    private void RequireNoPendingPad(string name)
    {
        if (_pendingPad) throw Fail($"node '{name}' follows a Pad; Nabla imports Pad only directly before MaxPool (the book's zero-padded pooling).");
    }

    private void Gemm(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        if (n.Input.Count < 2) throw Fail($"node '{name}' (Gemm) has {n.Input.Count} inputs; it needs A, B and optionally C.");
        if (AttrInt(n, "transA", 0) != 0) throw Fail($"node '{name}' (Gemm) has transA = 1; Nabla takes the batch as the rows of A.");
        bool transB = AttrInt(n, "transB", 0) != 0;
        double alpha = AttrFloat(n, "alpha", 1), beta = AttrFloat(n, "beta", 1);
        RequireRank2(n, name);
        var w = Constant(n.Input[1], n, name, rank: 2);
        if (transB) w = Transpose(w);
        if (alpha != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(w.Span, T.CreateChecked(alpha), w.Span);
        Tensor<T> b;
        string bName;
        if (n.Input.Count > 2 && n.Input[2].Length > 0)
        {
            b = Bias(n.Input[2], n, name, w.Dim(1));
            bName = n.Input[2];
            if (beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(b.Span, T.CreateChecked(beta), b.Span);
        }
        else { b = Tensor<T>.Zeros(w.Dim(1)); bName = $"{name}.b"; }
        AddAffine(name, w, n.Input[1], b, bName);
    }

    private void MatMul(NodeProto n, NodeProto? add, string name)
    {
        RequireNoPendingPad(name);
        RequireRank2(n, name);
        var w = Constant(n.Input[1], n, name, rank: 2);
        Tensor<T> b; string bName;
        if (add is not null)
        {
            bName = add.Input[0] == n.Output[0] ? add.Input[1] : add.Input[0];
            b = Bias(bName, add, string.IsNullOrEmpty(add.Name) ? "Add" : add.Name, w.Dim(1));
        }
        else { b = Tensor<T>.Zeros(w.Dim(1)); bName = $"{name}.b"; }
        AddAffine(name, w, n.Input[1], b, bName);
    }

    private void RequireRank2(NodeProto n, string name)
    {
        if (_shape.Length != 2) throw Fail($"node '{name}' ({n.OpType}) gets input of shape {Tensor<T>.ShapeString(_shape)}; Nabla's Affine takes (N, D): flatten first.");
    }

    private void AddAffine(string name, Tensor<T> w, string wName, Tensor<T> b, string bName)
    {
        if (_shape[1] > 0 && _shape[1] != w.Dim(0))
            throw Fail($"node '{name}': weight '{wName}' {Tensor<T>.ShapeString(w.Shape)} does not take input of {_shape[1]} features.");
        var a = new Affine<T>(w, b);
        _layers.Add((name, a));
        _params.Add((wName, a.W, a.DW));
        _params.Add((bName, a.B, a.DB));
        _shape = [-1, w.Dim(1)];
    }

    private Tensor<T> Bias(string input, NodeProto n, string name, int m)
    {
        var b = Constant(input, n, name);
        // Accept (M,), (1, M) or a scalar broadcast to M.
        if (b.Length == m) return b.Rank == 1 ? b : b.Reshape(m);
        if (b.Length == 1) return Tensor<T>.Full(b.Span[0], m);
        throw Fail($"node '{name}': bias '{input}' has shape {Tensor<T>.ShapeString(b.Shape)}, not ({m}).");
    }

    private void SoftmaxNode(NodeProto n, string name)
    {
        long axis = AttrInt(n, "axis", _opset >= 13 ? -1 : 1);
        if (_shape.Length != 2 || (axis != -1 && axis != 1))
            throw Fail($"node '{name}' (Softmax) over axis {axis} of shape {Tensor<T>.ShapeString(_shape)}; Nabla takes softmax over the classes of (N, K) scores.");
        Plain(n, name, new Softmax<T>());
    }

    private void Conv(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        if (n.Input.Count < 2) throw Fail($"node '{name}' (Conv) has no weights.");
        var w = Constant(n.Input[1], n, name, rank: 4);
        if (_shape.Length != 4 || (_shape[1] > 0 && _shape[1] != w.Dim(1)))
            throw Fail($"node '{name}' (Conv): input {Tensor<T>.ShapeString(_shape)} does not have the {w.Dim(1)} channels of filters {Tensor<T>.ShapeString(w.Shape)}.");
        if (AttrInt(n, "group", 1) != 1) throw Fail($"node '{name}' (Conv) is grouped; Nabla's Convolution is not.");
        if (AttrString(n, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID")) throw Fail($"node '{name}' (Conv) uses auto_pad {AttrString(n, "auto_pad", "")}; give explicit pads.");
        RequireAll(n, name, "dilations", 1);
        var ks = AttrInts(n, "kernel_shape");
        if (ks is not null && (ks.Length != 2 || ks[0] != w.Dim(2) || ks[1] != w.Dim(3)))
            throw Fail($"node '{name}' (Conv): kernel_shape ({string.Join(", ", ks)}) disagrees with filters {Tensor<T>.ShapeString(w.Shape)}.");
        int stride = Same(n, name, "strides", 1), pad = Same(n, name, "pads", 0);
        var b = n.Input.Count > 2 && n.Input[2].Length > 0 ? Bias(n.Input[2], n, name, w.Dim(0)) : Tensor<T>.Zeros(w.Dim(0));
        string bName = n.Input.Count > 2 && n.Input[2].Length > 0 ? n.Input[2] : $"{name}.b";
        var c = new Convolution<T>(w, b, stride, pad);
        _layers.Add((name, c));
        _params.Add((n.Input[1], c.W, c.DW));
        _params.Add((bName, c.B, c.DB));
        _shape = [-1, w.Dim(0), Out(_shape[2], w.Dim(2), stride, pad, name), Out(_shape[3], w.Dim(3), stride, pad, name)];
    }

    private int Out(int size, int k, int stride, int pad, string name)
    {
        if (size < 0) return -1;
        int o = (size + 2 * pad - k) / stride + 1;
        if (o < 1) throw Fail($"node '{name}': a window of {k} does not fit {size} values with pad {pad}.");
        return o;
    }

    private void PadThenPool(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        // The book's pooling pads with zeros: ONNX Pad (constant 0, spatial, symmetric) directly before MaxPool.
        if (AttrString(n, "mode", "constant") != "constant" || _opset < 11 || n.Input.Count < 2 || _shape.Length != 4)
            throw Fail($"node '{name}' (Pad): Nabla imports only a constant zero Pad of (N, C, H, W) before MaxPool.");
        if (n.Input.Count > 2 && n.Input[2].Length > 0 && Constant(n.Input[2], n, name).Span.ToArray().Any(v => v != T.Zero))
            throw Fail($"node '{name}' (Pad) pads with a non-zero constant.");
        var pads = Int64s(n.Input[1], name);
        if (pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Skip(2).Where((_, i) => i is 0 or 1 or 4 or 5).Distinct().Count() != 1)
            throw Fail($"node '{name}' (Pad): pads ({string.Join(", ", pads)}) are not the same on every side of H and W.");
        _pendingPad = true;
        _padAmount = (int)pads[2];
    }

    private void MaxPool(NodeProto n, string name)
    {
        if (_shape.Length != 4) throw Fail($"node '{name}' (MaxPool) needs (N, C, H, W) input, gets {Tensor<T>.ShapeString(_shape)}.");
        if (n.Output.Count > 1 && n.Output[1].Length > 0) throw Fail($"node '{name}' (MaxPool): the Indices output is not supported.");
        if (AttrInt(n, "ceil_mode", 0) != 0) throw Fail($"node '{name}' (MaxPool) uses ceil_mode; Nabla rounds down.");
        if (AttrInt(n, "storage_order", 0) != 0) throw Fail($"node '{name}' (MaxPool) uses column-major storage_order.");
        if (AttrString(n, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID")) throw Fail($"node '{name}' (MaxPool) uses auto_pad.");
        RequireAll(n, name, "dilations", 1);
        var ks = AttrInts(n, "kernel_shape");
        if (ks is null || ks.Length != 2 || ks.Any(k => k < 1 || k > 1 << 16)) throw Fail($"node '{name}' (MaxPool) needs a 2-D kernel_shape.");
        if (Same(n, name, "pads", 0) != 0)
            throw Fail($"node '{name}' (MaxPool) pads with −∞; Nabla's pooling pads with zeros (write Pad then MaxPool).");
        int stride = Same(n, name, "strides", 1);
        int pad = _pendingPad ? _padAmount : 0;
        _pendingPad = false;
        var pool = new Pooling<T>((int)ks[0], (int)ks[1], stride, pad);
        _layers.Add((name, pool));
        _shape = [-1, _shape[1], Out(_shape[2], (int)ks[0], stride, pad, name), Out(_shape[3], (int)ks[1], stride, pad, name)];
    }

    private void BatchNorm(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        if (n.Input.Count < 5) throw Fail($"node '{name}' (BatchNormalization) needs X, scale, B, mean and var.");
        if (n.Output.Count > 1 && n.Output.Skip(1).Any(o => o.Length > 0)) throw Fail($"node '{name}' (BatchNormalization) is in training mode (it has running-statistics outputs).");
        if (AttrInt(n, "training_mode", 0) != 0) throw Fail($"node '{name}' (BatchNormalization) is in training mode.");
        if (_shape.Length < 2) throw Fail($"node '{name}' (BatchNormalization) needs (N, C, …) input.");
        var gamma = Constant(n.Input[1], n, name, rank: 1);
        int c = gamma.Length;
        if (_shape[1] > 0 && _shape[1] != c) throw Fail($"node '{name}' (BatchNormalization): {c} scales for input {Tensor<T>.ShapeString(_shape)}.");
        var beta = Constant(n.Input[2], n, name, rank: 1);
        var mean = Constant(n.Input[3], n, name, rank: 1);
        var var = Constant(n.Input[4], n, name, rank: 1);
        if (beta.Length != c || mean.Length != c || var.Length != c)
            throw Fail($"node '{name}' (BatchNormalization): scale, B, mean and var have {c}, {beta.Length}, {mean.Length}, {var.Length} values.");
        double eps = AttrFloat(n, "epsilon", 1e-5);
        if (_shape.Length == 2 && (float)eps == (float)BatchNormalization<T>.Epsilon)
        {
            // (N, D) with the book's ε: the book's own layer, which normalises each feature.
            var bn = new BatchNormalization<T>(gamma, beta);
            mean.CopyTo(bn.RunningMean);
            var.CopyTo(bn.RunningVar);
            _layers.Add((name, bn));
            _params.Add((n.Input[1], bn.Gamma, bn.DGamma));
            _params.Add((n.Input[2], bn.Beta, bn.DBeta));
        }
        else _layers.Add((name, new ChannelBatchNorm<T>(gamma, beta, mean, var, eps)));
    }

    private void FlattenNode(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        long axis = AttrInt(n, "axis", 1);
        if (axis != 1 && !(axis == -1 && _shape.Length == 2))
            throw Fail($"node '{name}' (Flatten) with axis {axis}; Nabla keeps the batch dimension (axis 1).");
        int size = SampleSize(name);
        _layers.Add((name, new Reshape<T>(size)));
        _shape = [-1, size];
    }

    private int SampleSize(string name)
    {
        long size = 1;
        foreach (var d in _shape.AsSpan(1))
        {
            if (d < 1) throw Fail($"node '{name}': the size of shape {Tensor<T>.ShapeString(_shape)} is not known from the graph input.");
            size *= d;
            if (size > int.MaxValue) throw Fail($"node '{name}': shape {Tensor<T>.ShapeString(_shape)} holds more than 2³¹ values per sample.");
        }
        return (int)size;
    }

    private void ReshapeNode(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        if (n.Input.Count < 2) throw Fail($"node '{name}' (Reshape) has no shape input.");
        var target = Int64s(n.Input[1], name);
        if (target.Length < 2 || (target[0] != 0 && target[0] != -1))
            throw Fail($"node '{name}' (Reshape) to ({string.Join(", ", target)}); Nabla keeps the batch: the first entry must be 0 or −1.");
        int size = SampleSize(name);
        var dims = new int[target.Length - 1];
        int infer = -1; long known = 1;
        for (int i = 1; i < target.Length; i++)
        {
            long d = target[i] == 0 && i < _shape.Length ? _shape[i] : target[i];
            if (d == -1 && infer < 0) { infer = i - 1; continue; }
            if (d < 1 || d > size) throw Fail($"node '{name}' (Reshape): entry {target[i]} of ({string.Join(", ", target)}) does not fit {size} values per sample.");
            dims[i - 1] = (int)d; known *= d;
        }
        if (infer >= 0)
        {
            if (known == 0 || size % known != 0) throw Fail($"node '{name}' (Reshape): ({string.Join(", ", target)}) does not divide {size} values per sample.");
            dims[infer] = (int)(size / known);
        }
        else if (known != size) throw Fail($"node '{name}' (Reshape): ({string.Join(", ", target)}) holds {known} values per sample, the input {size}.");
        _layers.Add((name, new Reshape<T>(dims)));
        _shape = [-1, .. dims];
    }

    private void MulNode(NodeProto n, string name)
    {
        RequireNoPendingPad(name);
        var f = Constant(n.Input[1], n, name);
        if (f.Length != 1)
        {
            var fd = f.Shape.ToArray().SkipWhile(d => d == 1).ToArray();
            var sd = _shape.Skip(1).SkipWhile(d => d == 1).ToArray();
            if (!fd.SequenceEqual(sd) || f.Rank > _shape.Length)
                throw Fail($"node '{name}' (Mul): constant {Tensor<T>.ShapeString(f.Shape)} does not multiply input {Tensor<T>.ShapeString(_shape)} value by value or as a scalar.");
        }
        _layers.Add((name, new Scale<T>(f))); // kept in its own shape, so it exports again as it came
    }

    // ---- constants and attributes ----

    private Tensor<T> Constant(string input, NodeProto n, string name, int rank = -1)
    {
        if (!_constants.TryGetValue(input, out var t))
            throw Fail($"node '{name}' ({n.OpType}): '{input}' must be an initializer or a Constant.");
        if (n.OpType is "Gemm" or "MatMul" or "Conv" && !_usedConstants.Add(input))
            throw Fail($"node '{name}' ({n.OpType}): weight '{input}' is shared with another node; Nabla layers own their weights.");
        var tensor = ToTensor(t);
        if (rank >= 0 && tensor.Rank != rank)
            throw Fail($"node '{name}' ({n.OpType}): '{input}' has shape {Tensor<T>.ShapeString(tensor.Shape)}, expected {rank} dimensions.");
        return tensor;
    }

    private long[] Int64s(string input, string name)
    {
        if (!_constants.TryGetValue(input, out var t)) throw Fail($"node '{name}': '{input}' must be a constant int64 tensor.");
        CheckTensor(t, 8, out long count);
        if (t.DataType != (int)TensorProto.Types.DataType.Int64) throw Fail($"tensor '{t.Name}' must be int64, is {(TensorProto.Types.DataType)t.DataType}.");
        if (t.HasRawData)
        {
            if (t.RawData.Length != count * 8) throw Fail($"tensor '{t.Name}': raw data has {t.RawData.Length} bytes, its dims need {count * 8}.");
            return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
        }
        if (t.Int64Data.Count != count) throw Fail($"tensor '{t.Name}': {t.Int64Data.Count} int64 values, its dims need {count}.");
        return [.. t.Int64Data];
    }

    /// <summary>
    /// Checks a tensor before anything is allocated for it: no external data, dims non-negative and their product within
    /// <see cref="MaxTensorBytes"/>.
    /// </summary>
    private void CheckTensor(TensorProto t, int elementSize, out long count)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
        {
            var location = t.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value;
            if (location is not null && EscapesFolder(location))
                throw Fail($"tensor '{t.Name}' refers to external data '{location}', outside the model's folder; Nabla never reads it.");
            throw Fail($"tensor '{t.Name}' keeps its data in an external file{(location is null ? "" : $" ('{location}')")}; Nabla reads only models with the data inside the file.");
        }
        if (t.Segment is not null) throw Fail($"tensor '{t.Name}' is segmented; Nabla reads whole tensors.");
        count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) throw Fail($"tensor '{t.Name}' has a negative dimension ({string.Join(", ", t.Dims)}).");
            if (d != 0 && count > MaxTensorBytes / elementSize / d)
                throw Fail($"tensor '{t.Name}' declares dims ({string.Join(", ", t.Dims)}), more than 2 GiB of data; refused before allocating.");
            count *= d;
        }
    }

    private bool EscapesFolder(string location)
    {
        if (Path.IsPathRooted(location) || location.Contains(':')) return true;
        string folder = _folder ?? Path.GetFullPath(".");
        string full = Path.GetFullPath(Path.Combine(folder, location));
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        return !full.StartsWith(root, StringComparison.Ordinal);
    }

    private Tensor<T> ToTensor(TensorProto t)
    {
        var type = (TensorProto.Types.DataType)t.DataType;
        int size = type switch
        {
            TensorProto.Types.DataType.Float => 4,
            TensorProto.Types.DataType.Double => 8,
            _ => throw Fail($"tensor '{t.Name}' has element type {type}; Nabla reads float and double weights."),
        };
        CheckTensor(t, size, out long count);
        int[] dims = [.. t.Dims.Select(d => (int)d)];
        T[] data;
        if (t.HasRawData)
        {
            if (t.RawData.Length != count * size)
                throw Fail($"tensor '{t.Name}': raw data has {t.RawData.Length} bytes, but dims ({string.Join(", ", t.Dims)}) need {count * size}.");
            data = new T[count];
            var raw = t.RawData.Span;
            if (size == 4) { var src = MemoryMarshal.Cast<byte, float>(raw); for (int i = 0; i < data.Length; i++) data[i] = T.CreateChecked(src[i]); }
            else { var src = MemoryMarshal.Cast<byte, double>(raw); for (int i = 0; i < data.Length; i++) data[i] = T.CreateChecked(src[i]); }
        }
        else if (size == 4)
        {
            if (t.FloatData.Count != count) throw Fail($"tensor '{t.Name}': {t.FloatData.Count} float values, but dims ({string.Join(", ", t.Dims)}) need {count}.");
            data = [.. t.FloatData.Select(T.CreateChecked)];
        }
        else
        {
            if (t.DoubleData.Count != count) throw Fail($"tensor '{t.Name}': {t.DoubleData.Count} double values, but dims ({string.Join(", ", t.Dims)}) need {count}.");
            data = [.. t.DoubleData.Select(T.CreateChecked)];
        }
        return new Tensor<T>(data, dims);
    }

    private static Tensor<T> Transpose(Tensor<T> w)
    {
        int r = w.Dim(0), c = w.Dim(1);
        var t = new Tensor<T>(c, r);
        var s = w.Span; var d = t.Span;
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) d[j * r + i] = s[i * c + j];
        return t;
    }

    private TensorProto ConstantValue(NodeProto n)
    {
        var a = n.Attribute.FirstOrDefault(x => x.Name == "value");
        if (a?.T is null) throw Fail($"node '{n.Name}' (Constant) has no tensor 'value'; Nabla reads only tensor constants.");
        var t = a.T.Clone();
        t.Name = n.Output[0];
        return t;
    }

    private static AttributeProto? Attr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name);
    private static long AttrInt(NodeProto n, string name, long fallback) => Attr(n, name) is { } a ? a.I : fallback;
    private static double AttrFloat(NodeProto n, string name, double fallback) => Attr(n, name) is { } a ? a.F : fallback;
    private static string AttrString(NodeProto n, string name, string fallback) => Attr(n, name) is { } a ? a.S.ToStringUtf8() : fallback;
    private static long[]? AttrInts(NodeProto n, string name) => Attr(n, name) is { } a ? [.. a.Ints] : null;

    private void RequireAll(NodeProto n, string name, string attr, long value)
    {
        if (AttrInts(n, attr) is { } v && v.Any(x => x != value))
            throw Fail($"node '{name}' ({n.OpType}): {attr} ({string.Join(", ", v)}) must all be {value}.");
    }

    /// <summary>An attribute list whose entries must all be equal (Nabla's layers have one stride and one pad).</summary>
    private int Same(NodeProto n, string name, string attr, int fallback)
    {
        var v = AttrInts(n, attr);
        if (v is null || v.Length == 0) return fallback;
        if (v.Distinct().Count() != 1 || v[0] < 0 || v[0] > 1 << 16)
            throw Fail($"node '{name}' ({n.OpType}): {attr} ({string.Join(", ", v)}) must be one non-negative value for every side; Nabla's layers are square.");
        return (int)v[0];
    }
}
