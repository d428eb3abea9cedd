using System.Numerics;
using Nabla.Layers;
using Nabla.Models;

namespace Nabla.Onnx;

/// <summary>
/// A network read from an ONNX file by <see cref="Onnx.Load{T}(string)"/>: the graph's operators as Nabla layers, in
/// order, with the initializers as parameters (under their ONNX names). It predicts, evaluates, trains and exports again
/// like any <see cref="LayerNetwork{T}"/>.
/// </summary>
public sealed class OnnxNetwork<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal OnnxNetwork(IEnumerable<(string Name, ILayer<T> Layer)> layers, IEnumerable<(string Name, Tensor<T> Value, Tensor<T> Gradient)> parameters,
        string graphName, string inputName, int[] inputShape, string outputName)
    {
        foreach (var (name, layer) in layers) Add(name, layer);
        foreach (var (name, value, gradient) in parameters) Register(name, value, gradient);
        GraphName = graphName;
        InputName = inputName;
        InputShape = inputShape;
        OutputName = outputName;
    }

    /// <summary>The graph's name in the file (kept when the network is exported again).</summary>
    public string GraphName { get; }

    /// <summary>The graph input's name.</summary>
    public string InputName { get; }

    /// <summary>The input's shape; −1 marks the batch dimension (and any other dimension the file leaves open).</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The name of the graph output the network computes (the class scores).</summary>
    public string OutputName { get; }

    /// <summary>The number of values in one input sample, or −1 when the file leaves a dimension open.</summary>
    public int InputSize => InputShape.Skip(1).Any(d => d < 1) ? -1 : InputShape.Skip(1).Aggregate(1, (a, d) => a * d);
}
