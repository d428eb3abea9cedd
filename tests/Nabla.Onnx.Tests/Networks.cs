using System.Collections.Concurrent;
using Nabla.IO;
using Nabla.Models;
using Nabla.Optimizers;

namespace Nabla.Onnx.Tests;

/// <summary>
/// Every network the export covers, trained for a few hundred steps on real MNIST (so batch norm has real running
/// statistics and the class scores are well apart), or carrying the book's pickled weights. Built once per test run.
/// </summary>
public static class Networks
{
    /// <summary>The names the theories run over.</summary>
    public static TheoryData<string> All => new(Names);

    /// <summary>Every network's name.</summary>
    public static readonly string[] Names = [
        "TwoLayerNet-relu", "TwoLayerNet-sigmoid",
        "MultiLayerNet-relu-100,100,100", "MultiLayerNet-sigmoid-40",
        "MultiLayerNetExtend-relu-64,32-bn-dropout0.2", "MultiLayerNetExtend-sigmoid-50,50-bn", "MultiLayerNetExtend-relu-30-dropout0.5",
        "SimpleConvNet-book", "SimpleConvNet-pad2-stride2-filter7", "DeepConvNet-book"];

    private static readonly ConcurrentDictionary<string, Lazy<LayerNetwork<float>>> _built = new();

    /// <summary>The network named <paramref name="name"/> (see <see cref="All"/>); shared, so do not train it further.</summary>
    public static LayerNetwork<float> Get(string name) => _built.GetOrAdd(name, n => new Lazy<LayerNetwork<float>>(() => Build(n))).Value;

    /// <summary>Whether the network takes images (N, 1, 28, 28).</summary>
    public static bool TakesImages(string name) => name.Contains("Conv");

    private static LayerNetwork<float> Build(string name)
    {
        var parts = name.Split('-');
        var act = parts.Length > 1 && parts[1] == "sigmoid" ? HiddenActivation.Sigmoid : HiddenActivation.Relu;
        switch (parts[0])
        {
            case "TwoLayerNet": return Trained(new TwoLayerNet<float>(784, 50, 10, activation: act, rng: new Random(1)), 300, 0.1, sgd: true);
            case "MultiLayerNet": return Trained(new MultiLayerNet<float>(784, Sizes(parts[2]), 10, act, rng: new Random(2)), 300, 0.1, sgd: true);
            case "MultiLayerNetExtend":
                var dropout = parts.FirstOrDefault(p => p.StartsWith("dropout"));
                return Trained(new MultiLayerNetExtend<float>(784, Sizes(parts[2]), 10, act, useBatchNorm: parts.Contains("bn"),
                    useDropout: dropout is not null, dropoutRatio: dropout is null ? 0.5 : double.Parse(dropout["dropout".Length..]), rng: new Random(3)), 300, 0.01, sgd: false);
            case "SimpleConvNet" when parts[1] == "book":
                var simple = new SimpleConvNet<float>();
                simple.LoadParams(SharedData.Path("book-weights", "simple_convnet_params.pkl"));
                return simple;
            case "SimpleConvNet":
                // Another geometry (pad 2, stride 2, 7×7 filters), briefly trained.
                return Trained(new SimpleConvNet<float>(filterNum: 8, filterSize: 7, pad: 2, stride: 2, hiddenSize: 30, weightInitStd: 0.1, rng: new Random(4)), 100, 0.01, sgd: false);
            case "DeepConvNet":
                var deep = new DeepConvNet<float>();
                deep.LoadParams(SharedData.Path("book-weights", "deep_convnet_params.pkl"));
                return deep;
            default: throw new ArgumentException(name);
        }
    }

    private static int[] Sizes(string s) => [.. s.Split(',').Select(int.Parse)];

    private static LayerNetwork<float> Trained(LayerNetwork<float> net, int steps, double lr, bool sgd)
    {
        var train = SharedData.Train;
        IOptimizer<float> opt = sgd ? new Sgd<float>(lr) : new Adam<float>(lr);
        var rng = new Random(5);
        bool images = net.Params["W1"].Rank == 4;
        for (int step = 0; step < steps; step++)
        {
            int start = rng.Next(train.TrainCount / 100) * 100;
            var x = train.XTrain.Slice(start, start + 100);
            if (images) x = x.Reshape(100, 1, 28, 28);
            opt.Update(net.Params, net.Gradient(x, train.TTrain.Slice(start, start + 100)));
        }
        return net;
    }

    /// <summary>The first <paramref name="count"/> test images shaped for the network: (n, 784) or (n, 1, 28, 28).</summary>
    public static Tensor<float> TestImages(string name, int start, int count)
    {
        var x = SharedData.Test.XTest.Slice(start, start + count);
        return TakesImages(name) ? x.Reshape(count, 1, 28, 28) : x;
    }
}
