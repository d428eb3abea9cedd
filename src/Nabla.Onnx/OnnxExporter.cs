using System.Numerics;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Onnx.Layers;
using Nabla.Onnx.Protobuf;

namespace Nabla.Onnx;

/// <summary>
/// Writes a <see cref="LayerNetwork{T}"/> as an ONNX graph, one or a few nodes per layer, with the book's inference
/// semantics (dropout scales by 1 − ratio, batch norm per flattened feature with the book's ε, Affine's W is (in, out)).
/// </summary>
internal sealed class OnnxExporter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly OnnxGraphWriter<T> _w = new();
    private readonly Dictionary<Tensor<T>, string> _paramNames = new(ReferenceEqualityComparer.Instance);
    private string _current = Onnx.InputName;
    private int[] _shape; // the current value's shape, −1 for the batch

    private OnnxExporter(LayerNetwork<T> net, int[] inputShape)
    {
        foreach (var (name, p) in net.Params) _paramNames.TryAdd(p, name);
        _shape = inputShape;
    }

    public static ModelProto Build(LayerNetwork<T> net, int opset, OnnxExportOptions options)
    {
        OnnxGraphWriter<T>.CheckOpset(opset);
        if (net.Layers.Count == 0) throw new OnnxException(null, "The network has no layers to export.");
        var input = InputShape(net, options);
        var e = new OnnxExporter<T>(net, input);
        string typeName = net.GetType().Name.Split('`')[0];
        e._w.Graph.Name = net is OnnxNetwork<T> o ? o.GraphName : typeName;
        e._w.Graph.Input.Add(e._w.ValueInfo(Onnx.InputName, input));
        for (int i = 0; i < net.Layers.Count; i++)
            e.Emit(net.Layers[i].Name, net.Layers[i].Layer, last: i == net.Layers.Count - 1);
        if (e._shape.Length != 2)
            throw new OnnxException(null, $"The network ends with shape {Tensor<T>.ShapeString(e._shape)}; class scores must be (N, K).");
        e._w.AddOutputs(e._shape, options.IncludeSoftmax);
        return e._w.Model(opset);
    }

    /// <summary>The input's shape with −1 for the batch: from the options, an imported network, or the first layer.</summary>
    private static int[] InputShape(LayerNetwork<T> net, OnnxExportOptions options)
    {
        if (options.InputShape is { } s)
        {
            if (s.Count == 0 || s.Any(d => d < 1)) throw new ArgumentException($"OnnxExportOptions.InputShape must be one sample's positive dimensions, got ({string.Join(", ", s)}).");
            return [-1, .. s];
        }
        if (net is OnnxNetwork<T> o && o.InputShape.Skip(1).All(d => d > 0)) return [.. o.InputShape];
        return net.Layers[0].Layer switch
        {
            Affine<T> a => [-1, a.W.Dim(0)],
            // The book's convnets take MNIST images; other sizes are given in OnnxExportOptions.InputShape.
            Convolution<T> c => [-1, c.W.Dim(1), 28, 28],
            var l => throw new OnnxException(null, $"Cannot tell the input shape of a network starting with {l.GetType().Name.Split('`')[0]}: set OnnxExportOptions.InputShape."),
        };
    }

    private void Emit(string name, ILayer<T> layer, bool last)
    {
        string Out() => last ? Onnx.ScoresName : Unique(name);
        switch (layer)
        {
            case Affine<T> a:
                {
                    if (_shape.Length != 2) Flatten($"{name}.flatten");
                    if (_shape[1] != a.W.Dim(0))
                        throw new OnnxException(null, $"Layer '{name}': Affine W {Tensor<T>.ShapeString(a.W.Shape)} does not take input of {_shape[1]} features (shape {Tensor<T>.ShapeString(_shape)}).");
                    var n = Node("Gemm", name, [_current, Initializer(a.W, $"{name}.W"), Initializer(a.B, $"{name}.b")], Out());
                    n.Attribute.Add(Int("transB", 0));
                    _shape = [-1, a.W.Dim(1)];
                    break;
                }
            case Convolution<T> c:
                {
                    RequireImages(name, c.W.Dim(1));
                    int fh = c.W.Dim(2), fw = c.W.Dim(3), p = c.Pad, s = c.Stride;
                    int oh = (_shape[2] + 2 * p - fh) / s + 1, ow = (_shape[3] + 2 * p - fw) / s + 1;
                    if (oh < 1 || ow < 1) throw new OnnxException(null, $"Layer '{name}': a {fh}×{fw} filter does not fit input {Tensor<T>.ShapeString(_shape)} with pad {p}.");
                    var n = Node("Conv", name, [_current, Initializer(c.W, $"{name}.W"), Initializer(c.B, $"{name}.b")], Out());
                    n.Attribute.Add(Ints("kernel_shape", fh, fw));
                    n.Attribute.Add(Ints("pads", p, p, p, p));
                    n.Attribute.Add(Ints("strides", s, s));
                    _shape = [-1, c.W.Dim(0), oh, ow];
                    break;
                }
            case Pooling<T> pool:
                {
                    RequireImages(name, _shape.Length == 4 ? _shape[1] : -1);
                    int p = pool.Pad, s = pool.Stride;
                    if (p > 0)
                    {
                        // The book pads with zeros before taking the maximum; ONNX MaxPool's own pads count as −∞.
                        string padded = Unique($"{name}.pad");
                        Node("Pad", padded, [_current, Int64Initializer($"{name}.pads", 0, 0, p, p, 0, 0, p, p)], padded);
                        _shape = [-1, _shape[1], _shape[2] + 2 * p, _shape[3] + 2 * p];
                    }
                    int oh = (_shape[2] - pool.PoolH) / s + 1, ow = (_shape[3] - pool.PoolW) / s + 1;
                    if (oh < 1 || ow < 1) throw new OnnxException(null, $"Layer '{name}': a {pool.PoolH}×{pool.PoolW} pool does not fit input {Tensor<T>.ShapeString(_shape)}.");
                    var n = Node("MaxPool", name, [_current], Out());
                    n.Attribute.Add(Ints("kernel_shape", pool.PoolH, pool.PoolW));
                    n.Attribute.Add(Ints("strides", s, s));
                    _shape = [-1, _shape[1], oh, ow];
                    break;
                }
            case Relu<T>: Node("Relu", name, [_current], Out()); break;
            case Sigmoid<T>: Node("Sigmoid", name, [_current], Out()); break;
            case Tanh<T>: Node("Tanh", name, [_current], Out()); break;
            case Softmax<T>:
                {
                    if (_shape.Length != 2) throw new OnnxException(null, $"Layer '{name}': softmax exports for (N, K) input, got {Tensor<T>.ShapeString(_shape)}.");
                    Node("Softmax", name, [_current], Out()).Attribute.Add(Int("axis", -1));
                    break;
                }
            case Dropout<T> d:
                // Inference in the book: every unit scaled by 1 − ratio (ONNX's Dropout would be the identity).
                Node("Mul", name, [_current, Initializer(Tensor<T>.Scalar(T.CreateChecked(1 - d.Ratio)), $"{name}.scale", register: false)], Out());
                break;
            case Scale<T> sc:
                Node("Mul", name, [_current, Initializer(sc.Factor, $"{name}.scale", register: false)], Out());
                break;
            case Reshape<T> r:
                if (r.SampleShape.Count == 1) Node("Flatten", name, [_current], Out()).Attribute.Add(Int("axis", 1));
                else Node("Reshape", name, [_current, Int64Initializer($"{name}.shape", [-1, .. r.SampleShape.Select(x => (long)x)])], Out());
                _shape = [-1, .. r.SampleShape];
                break;
            case BatchNormalization<T> bn:
                {
                    // The book normalises each flattened feature: for (N, D) input that is ONNX's per-channel form with C = D.
                    var sample = _shape[1..];
                    if (_shape.Length != 2) Flatten($"{name}.flatten");
                    if (_shape[1] != bn.Gamma.Length)
                        throw new OnnxException(null, $"Layer '{name}': batch norm over {bn.Gamma.Length} features gets input {Tensor<T>.ShapeString(_shape)}.");
                    bool reshape = sample.Length != 1;
                    string outName = reshape ? Unique(name) : Out();
                    var n = Node("BatchNormalization", name, [_current, Initializer(bn.Gamma, $"{name}.gamma"), Initializer(bn.Beta, $"{name}.beta"),
                        Initializer(bn.RunningMean, $"{name}.running_mean", register: false), Initializer(bn.RunningVar, $"{name}.running_var", register: false)], outName);
                    n.Attribute.Add(Float("epsilon", (float)BatchNormalization<T>.Epsilon));
                    if (reshape)
                    {
                        string back = $"{name}.unflatten";
                        Node("Reshape", back, [_current, Int64Initializer($"{back}.shape", [-1, .. sample.Select(x => (long)x)])], last ? Onnx.ScoresName : Unique(back));
                        _shape = [-1, .. sample];
                    }
                    break;
                }
            case ChannelBatchNorm<T> cbn:
                {
                    // An imported per-channel batch norm goes back as it came: channels on axis 1, its own ε.
                    if (_shape.Length < 2 || _shape[1] != cbn.ScaleValues.Length)
                        throw new OnnxException(null, $"Layer '{name}': batch norm over {cbn.ScaleValues.Length} channels gets input {Tensor<T>.ShapeString(_shape)}.");
                    Node("BatchNormalization", name, [_current, Initializer(cbn.ScaleValues, $"{name}.scale", register: false), Initializer(cbn.Bias, $"{name}.B", register: false),
                        Initializer(cbn.Mean, $"{name}.mean", register: false), Initializer(cbn.Var, $"{name}.var", register: false)], Out())
                        .Attribute.Add(Float("epsilon", (float)cbn.Epsilon));
                    break;
                }
            default:
                throw new OnnxException(null, $"Layer '{name}' ({layer.GetType().Name.Split('`')[0]}) has no ONNX form.");
        }
    }

    private void RequireImages(string name, int channels)
    {
        if (_shape.Length != 4 || _shape[1] != channels || _shape[2] < 1 || _shape[3] < 1)
            throw new OnnxException(null, $"Layer '{name}' needs (N, {(channels < 0 ? "C" : channels)}, H, W) input, gets {Tensor<T>.ShapeString(_shape)}.");
    }

    private void Flatten(string name)
    {
        int size = 1;
        foreach (var d in _shape.AsSpan(1)) size *= d;
        Node("Flatten", name, [_current], Unique(name)).Attribute.Add(Int("axis", 1));
        _shape = [-1, size];
    }

    private NodeProto Node(string op, string name, string[] inputs, string output)
    {
        _current = output;
        return _w.Node(op, name, inputs, output);
    }

    private string Unique(string name) => _w.Unique(name);

    /// <summary>Adds <paramref name="t"/> as an initializer under its parameter name (else <paramref name="fallback"/>).</summary>
    private string Initializer(Tensor<T> t, string fallback, bool register = true) =>
        _w.Initializer(t, register && _paramNames.TryGetValue(t, out var p) ? p : fallback);

    private string Int64Initializer(string name, params long[] values) => _w.Int64Initializer(name, values);

    private static AttributeProto Int(string name, long v) => OnnxGraphWriter<T>.Int(name, v);
    private static AttributeProto Float(string name, float v) => OnnxGraphWriter<T>.Float(name, v);
    private static AttributeProto Ints(string name, params long[] v) => OnnxGraphWriter<T>.Ints(name, v);
}
