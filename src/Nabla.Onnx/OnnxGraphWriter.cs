using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nabla.Onnx.Protobuf;

namespace Nabla.Onnx;

/// <summary>
/// What both exporters (layer networks and traced autograd models) write the same way: unique value names, nodes,
/// initializers, the input and outputs (the scores and their optional softmax), and the model around the graph.
/// </summary>
internal sealed class OnnxGraphWriter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly HashSet<string> _names = [];

    public OnnxGraphWriter()
    {
        ElemType = typeof(T) == typeof(float) ? TensorProto.Types.DataType.Float
            : typeof(T) == typeof(double) ? TensorProto.Types.DataType.Double
            : throw new OnnxException(null, $"ONNX export supports float and double networks, not {typeof(T).Name}.");
        _names.Add(Onnx.InputName);
        _names.Add(Onnx.ScoresName);
        _names.Add(Onnx.ProbabilitiesName);
    }

    public GraphProto Graph { get; } = new();

    /// <summary>The ONNX element type of <typeparamref name="T"/>.</summary>
    public TensorProto.Types.DataType ElemType { get; }

    public static void CheckOpset(int opset)
    {
        if (opset < Onnx.MinOpset || opset > Onnx.MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), $"ONNX export writes opsets {Onnx.MinOpset} to {Onnx.MaxOpset}, got {opset}.");
    }

    /// <summary><paramref name="name"/>, or with a suffix (_2, _3, …) when it is taken.</summary>
    public string Unique(string name)
    {
        string u = name;
        for (int i = 2; !_names.Add(u); i++) u = $"{name}_{i}";
        return u;
    }

    public NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.Add(inputs);
        n.Output.Add(output);
        Graph.Node.Add(n);
        return n;
    }

    /// <summary>Adds <paramref name="t"/> as an initializer under <paramref name="name"/> (made unique); returns the name used.</summary>
    public string Initializer(Tensor<T> t, string name)
    {
        name = Unique(name);
        var proto = new TensorProto { Name = name, DataType = (int)ElemType };
        foreach (var d in t.Shape) proto.Dims.Add(d);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian.");
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(t.Span));
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>Adds a 1-D int64 initializer (a shape, axes, pads); returns the name used.</summary>
    public string Int64Initializer(string name, params long[] values)
    {
        name = Unique(name);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>A tensor value's type and shape, −1 standing for the batch dimension <see cref="Onnx.BatchDimension"/>.</summary>
    public ValueInfoProto ValueInfo(string name, int[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)ElemType, Shape = new TensorShapeProto() };
        foreach (var d in shape)
            tensorType.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = Onnx.BatchDimension } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>Declares <see cref="Onnx.ScoresName"/> (already computed) as the first output and, when asked, its softmax over the last axis as the second.</summary>
    public void AddOutputs(int[] scoresShape, bool includeSoftmax)
    {
        Graph.Output.Add(ValueInfo(Onnx.ScoresName, scoresShape));
        if (!includeSoftmax) return;
        Node("Softmax", Onnx.ProbabilitiesName, [Onnx.ScoresName], Onnx.ProbabilitiesName).Attribute.Add(Int("axis", -1));
        Graph.Output.Add(ValueInfo(Onnx.ProbabilitiesName, scoresShape));
    }

    /// <summary>The model around the graph: IR version for <paramref name="opset"/>, producer, the standard operator set.</summary>
    public ModelProto Model(int opset)
    {
        var model = new ModelProto
        {
            IrVersion = Onnx.IrVersionFor(opset),
            ProducerName = "Nabla",
            ProducerVersion = typeof(OnnxGraphWriter<T>).Assembly.GetName().Version?.ToString(3) ?? "0",
            Graph = Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(v);
        return a;
    }
}
