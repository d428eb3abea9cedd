using Nabla.IO;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Onnx;

namespace Nabla.Cli;

/// <summary>
/// Models on disk: a NumPy <c>.npz</c> with one array per parameter (W1, b1, …, loadable with
/// <c>np.load</c>), batch-norm running statistics, and a small <c>nabla_meta</c> array saying which network
/// it is: [format version, architecture, activation, dropout ratio]. Written atomically. An <c>.onnx</c> file loads
/// through <see cref="Onnx.Onnx.Load(string)"/>.
/// </summary>
internal static class ModelFile
{
    private const string MetaKey = "nabla_meta";
    private const float FormatVersion = 1;
    private enum Architecture { TwoLayer = 1, MultiLayer = 2, SimpleConv = 3, DeepConv = 4 }

    public static void Save(string path, INetwork<float> net)
    {
        var arrays = new Dictionary<string, Tensor<float>>();
        foreach (var (k, v) in net.Params) arrays[k] = v;
        double activation = 0, dropout = 0;
        Architecture arch;
        switch (net)
        {
            case TwoLayerNet<float> two:
                arch = Architecture.TwoLayer; activation = two.Activation == HiddenActivation.Sigmoid ? 1 : 0; break;
            case MultiLayerNetExtend<float> multi:
                arch = Architecture.MultiLayer; activation = multi.Activation == HiddenActivation.Sigmoid ? 1 : 0;
                dropout = multi.UseDropout ? multi.Layers.Select(l => l.Layer).OfType<Dropout<float>>().First().Ratio : 0;
                foreach (var (name, layer) in multi.Layers)
                    if (layer is BatchNormalization<float> bn)
                    {
                        string i = name["BatchNorm".Length..];
                        arrays[$"running_mean{i}"] = bn.RunningMean;
                        arrays[$"running_var{i}"] = bn.RunningVar;
                    }
                break;
            case SimpleConvNet<float>: arch = Architecture.SimpleConv; break;
            case DeepConvNet<float>: arch = Architecture.DeepConv; break;
            default: throw new NotSupportedException($"Saving a {net.GetType().Name} is not supported.");
        }
        arrays[MetaKey] = Tensor.From(FormatVersion, (float)arch, (float)activation, (float)dropout);
        Npz.Write(path, arrays);
    }

    public static INetwork<float> Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--model: '{path}' does not exist.");
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            try { return Onnx.Onnx.Load(path); }
            catch (OnnxException e) { throw new CliException($"--model: {e.Message}"); }
        }
        IReadOnlyDictionary<string, Tensor<float>> arrays;
        try
        {
            arrays = Npz.Read(path).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new CliException($"--model: '{path}' is not a model saved by nabla: {e.Message}");
        }
        if (!arrays.TryGetValue(MetaKey, out var meta) || meta.Length < 4 || meta[0] != FormatVersion)
            throw new CliException($"--model: '{path}' has no '{MetaKey}' entry of format {FormatVersion}; it was not saved by 'nabla train --save'.");
        var activation = meta[2] == 1 ? HiddenActivation.Sigmoid : HiddenActivation.Relu;
        LayerNetwork<float> net;
        try
        {
            switch ((Architecture)(int)meta[1])
            {
                case Architecture.TwoLayer:
                    var w1 = Need(arrays, "W1", path, 2); var w2 = Need(arrays, "W2", path, 2);
                    net = new TwoLayerNet<float>(w1.Dim(0), w1.Dim(1), w2.Dim(1), activation: activation);
                    break;
                case Architecture.MultiLayer:
                    int layers = Enumerable.Range(1, 100).TakeWhile(i => arrays.ContainsKey($"W{i}")).Count();
                    if (layers < 1) throw new CliException($"--model: '{path}' has no W1.");
                    var hidden = Enumerable.Range(1, layers - 1).Select(i => Need(arrays, $"W{i}", path, 2).Dim(1)).ToArray();
                    bool bn = arrays.ContainsKey("gamma1");
                    var multi = new MultiLayerNetExtend<float>(Need(arrays, "W1", path, 2).Dim(0), hidden, Need(arrays, $"W{layers}", path, 2).Dim(1), activation,
                        useDropout: meta[3] > 0, dropoutRatio: meta[3], useBatchNorm: bn);
                    foreach (var (name, layer) in multi.Layers)
                        if (layer is BatchNormalization<float> b)
                        {
                            string i = name["BatchNorm".Length..];
                            Need(arrays, $"running_mean{i}", path, 1).CopyTo(b.RunningMean);
                            Need(arrays, $"running_var{i}", path, 1).CopyTo(b.RunningVar);
                        }
                    net = multi;
                    break;
                case Architecture.SimpleConv:
                    var c1 = Need(arrays, "W1", path, 4);
                    net = new SimpleConvNet<float>(c1.Dim(1), 28, 28, c1.Dim(0), c1.Dim(2), hiddenSize: Need(arrays, "W2", path, 2).Dim(1), outputSize: Need(arrays, "W3", path, 2).Dim(1));
                    break;
                case Architecture.DeepConv:
                    net = new DeepConvNet<float>(Need(arrays, "W7", path, 2).Dim(1), Need(arrays, "W8", path, 2).Dim(1));
                    break;
                default:
                    throw new CliException($"--model: '{path}' names an unknown architecture ({meta[1]}).");
            }
            net.LoadParams(arrays);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--model: '{path}' does not fit its network: {e.Message}");
        }
        return net;
    }

    public static int InputSize(INetwork<float> net) =>
        net is OnnxNetwork<float> o ? (o.InputSize > 0 ? o.InputSize : 784) : net.Params["W1"].Rank == 2 ? net.Params["W1"].Dim(0) : 784;

    /// <summary>Convnets take images as (N, 1, 28, 28); the others flattened (N, 784).</summary>
    public static bool TakesImages(INetwork<float> net) => net is OnnxNetwork<float> o ? o.InputShape.Count == 4 : net.Params["W1"].Rank == 4;

    /// <summary>Shapes flattened images (N, 784) the way <paramref name="net"/> takes them.</summary>
    public static Tensor<float> Input(INetwork<float> net, Tensor<float> flat) => !TakesImages(net) ? flat
        : net is OnnxNetwork<float> o && o.InputShape.Skip(1).All(d => d > 0) ? flat.Reshape([flat.Dim(0), .. o.InputShape.Skip(1)])
        : flat.Reshape(flat.Dim(0), 1, 28, 28);

    public static string Describe(INetwork<float> net) => net switch
    {
        TwoLayerNet<float> t => $"TwoLayerNet {t.InputSize}-{t.HiddenSize}-{t.OutputSize}, {t.Activation.ToString().ToLowerInvariant()}",
        MultiLayerNetExtend<float> m => $"MultiLayerNet{(m.UseBatchNorm ? " + batch norm" : "")}{(m.UseDropout ? " + dropout" : "")}, hidden {string.Join(",", m.HiddenSizes)}, {m.Activation.ToString().ToLowerInvariant()}",
        OnnxNetwork<float> o => $"ONNX graph '{o.GraphName}': {string.Join(" → ", o.Layers.Select(l => l.Layer.GetType().Name.Split('`')[0]))}",
        _ => net.GetType().Name.Split('`')[0],
    };

    private static Tensor<float> Need(IReadOnlyDictionary<string, Tensor<float>> arrays, string key, string path, int rank)
    {
        if (!arrays.TryGetValue(key, out var t)) throw new CliException($"--model: '{path}' has no '{key}' array.");
        if (t.Rank != rank) throw new CliException($"--model: '{key}' in '{path}' has shape {Tensor<float>.ShapeString(t.Shape)}, expected {rank} dimensions.");
        return t;
    }
}
