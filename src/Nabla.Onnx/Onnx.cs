using System.Numerics;
using Google.Protobuf;
using Nabla.Autograd;
using Nabla.Models;

namespace Nabla.Onnx;

/// <summary>What <see cref="Onnx.Export{T}(INetwork{T}, string, int, OnnxExportOptions?)"/> writes besides the layers.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// One sample's shape, e.g. [784] or [1, 28, 28]. Default: W's rows for a network that starts with Affine, 1×28×28
    /// (MNIST) with the first filter's channels for a convnet, the file's shape for a network read from ONNX.
    /// </summary>
    public IReadOnlyList<int>? InputShape { get; init; }

    /// <summary>Whether to add the second output, <see cref="Onnx.ProbabilitiesName"/> (softmax of the scores). Default true.</summary>
    public bool IncludeSoftmax { get; init; } = true;
}

/// <summary>
/// ONNX export and import of Nabla networks. <c>Onnx.Export(net, "m.onnx")</c> writes a graph that ONNX Runtime runs to the
/// same scores; <c>Onnx.Load("m.onnx")</c> reads such a graph (or an equivalent one from another tool) back into a network.
/// </summary>
public static class Onnx
{
    /// <summary>The opset written by default: 17 (IR version 8), the highest Debian's python3-onnx 1.12 checker knows.</summary>
    public const int DefaultOpset = 17;
    /// <summary>The lowest opset export writes (Softmax's axis semantics and the operators used are stable from 13).</summary>
    public const int MinOpset = 13;
    /// <summary>The highest opset export writes.</summary>
    public const int MaxOpset = 21;
    /// <summary>The graph input's name: (N, features) or (N, C, H, W), N dynamic.</summary>
    public const string InputName = "input";
    /// <summary>The first graph output: the class scores (N, K), what <see cref="INetwork{T}.Predict"/> returns.</summary>
    public const string ScoresName = "scores";
    /// <summary>The optional second output: softmax of the scores, the class probabilities (N, K).</summary>
    public const string ProbabilitiesName = "probabilities";
    /// <summary>The symbolic name of the batch dimension.</summary>
    public const string BatchDimension = "N";

    /// <summary>The IR version that goes with an opset (ONNX's versioning table).</summary>
    public static long IrVersionFor(int opset) => opset switch { <= 14 => 7, <= 18 => 8, <= 20 => 9, _ => 10 };

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> as an ONNX model (atomically: a temporary file, then a rename).</summary>
    /// <exception cref="OnnxException">A layer has no ONNX form, or the shapes do not chain.</exception>
    public static void Export<T>(INetwork<T> network, string path, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Write(Build(network, opset, options, path), path);
    }

    /// <summary>Writes <paramref name="network"/> to <paramref name="stream"/> as an ONNX model.</summary>
    /// <exception cref="OnnxException">A layer has no ONNX form, or the shapes do not chain.</exception>
    public static void Export<T>(INetwork<T> network, Stream stream, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Build(network, opset, options, null).WriteTo(stream);

    /// <summary>The ONNX model's bytes.</summary>
    public static byte[] ToBytes<T>(INetwork<T> network, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Build(network, opset, options, null).ToByteArray();

    private static Protobuf.ModelProto Build<T>(INetwork<T> network, int opset, OnnxExportOptions? options, string? path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is not LayerNetwork<T> layers)
            throw new OnnxException(path, $"ONNX export takes a network of layers (LayerNetwork), not {network.GetType().Name.Split('`')[0]}.");
        try { return OnnxExporter<T>.Build(layers, opset, options ?? new OnnxExportOptions()); }
        catch (OnnxException e) when (path is not null && e.FilePath is null) { throw new OnnxException(path, e.Problem, e.InnerException); }
    }

    /// <summary>
    /// Writes a model built from the engine's operations (<see cref="Nabla.Autograd"/>: an <see cref="Autograd.MLP{T}"/>, or any
    /// <see cref="Layer{T}"/> of yours) to <paramref name="path"/> as ONNX, by tracing its graph once on a batch of two samples of
    /// <paramref name="sampleShape"/> in test mode. Parameters are stored under their dotted names (<c>l0.W</c>); the input's
    /// batch dimension stays dynamic. See docs/onnx.md for the operations that export.
    /// </summary>
    /// <param name="model">The model; its <see cref="Layer{T}.Forward"/> is traced.</param>
    /// <param name="sampleShape">One sample's shape, e.g. [784] or [1, 28, 28]; the file's input is (N, …that).</param>
    /// <param name="path">The file to write (atomically: a temporary file, then a rename).</param>
    /// <param name="opset">The ONNX operator set.</param>
    /// <param name="options">Whether to add the softmax output.</param>
    /// <exception cref="OnnxException">An operation has no ONNX form (named), the graph is a loss or takes a second input, or a shape fixes the batch size.</exception>
    public static void Export<T>(Layer<T> model, int[] sampleShape, string path, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Write(Traced(model, sampleShape, opset, options, path), path);
    }

    /// <summary>
    /// Writes the computation <paramref name="forward"/> (engine operations on one input) to <paramref name="path"/> as ONNX by
    /// tracing it; parameters it uses are stored under their <see cref="Variable{T}.Name"/>.
    /// </summary>
    /// <exception cref="OnnxException">An operation has no ONNX form (named), the graph is a loss or takes a second input, or a shape fixes the batch size.</exception>
    public static void Export<T>(Func<Variable<T>, Variable<T>> forward, int[] sampleShape, string path, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Write(Traced(forward, [], "model", sampleShape, opset, options, path), path);

    /// <summary>The ONNX bytes of an engine model, traced as <see cref="Export{T}(Layer{T}, int[], string, int, OnnxExportOptions?)"/> does.</summary>
    /// <exception cref="OnnxException">An operation has no ONNX form (named), the graph is a loss or takes a second input, or a shape fixes the batch size.</exception>
    public static byte[] ToBytes<T>(Layer<T> model, int[] sampleShape, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Traced(model, sampleShape, opset, options, null).ToByteArray();
    }

    /// <summary>The ONNX bytes of the computation <paramref name="forward"/>, traced.</summary>
    /// <exception cref="OnnxException">An operation has no ONNX form (named), the graph is a loss or takes a second input, or a shape fixes the batch size.</exception>
    public static byte[] ToBytes<T>(Func<Variable<T>, Variable<T>> forward, int[] sampleShape, int opset = DefaultOpset, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Traced(forward, [], "model", sampleShape, opset, options, null).ToByteArray();

    /// <summary>A model traced through its Forward, its parameters named by their dotted names, the graph by its type.</summary>
    private static Protobuf.ModelProto Traced<T>(Layer<T> model, int[] sampleShape, int opset, OnnxExportOptions? options, string? path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return Traced(model.Forward, model.Parameters(), model.GetType().Name.Split('`')[0], sampleShape, opset, options, path);
    }

    private static Protobuf.ModelProto Traced<T>(Func<Variable<T>, Variable<T>> forward, IEnumerable<(string, Parameter<T>)> parameters, string name,
        int[] sampleShape, int opset, OnnxExportOptions? options, string? path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try { return AutogradExporter<T>.Build(forward, parameters, name, sampleShape, opset, options ?? new OnnxExportOptions()); }
        catch (OnnxException e) when (path is not null && e.FilePath is null) { throw new OnnxException(path, e.Problem, e.InnerException); }
    }

    private static void Write(Protobuf.ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var tmp = full + ".tmp";
        using (var fs = File.Create(tmp)) model.WriteTo(fs);
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Reads an ONNX model into a float network.</summary>
    /// <exception cref="OnnxException">The file is not a valid ONNX model, or uses an operator or form Nabla cannot run (named, with its node).</exception>
    public static OnnxNetwork<float> Load(string path) => Load<float>(path);

    /// <summary>Reads an ONNX model into a network of <typeparamref name="T"/>.</summary>
    /// <exception cref="OnnxException">The file is not a valid ONNX model, or uses an operator or form Nabla cannot run (named, with its node).</exception>
    public static OnnxNetwork<T> Load<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream fs;
        try { fs = File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new OnnxException(path, $"cannot be opened: {e.Message}", e); }
        using (fs) return OnnxImporter<T>.Read(fs, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads an ONNX model from <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="OnnxException">The stream is not a valid ONNX model, or uses an operator or form Nabla cannot run.</exception>
    public static OnnxNetwork<T> Load<T>(Stream stream, string? name = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        return OnnxImporter<T>.Read(stream, name, null);
    }
}
