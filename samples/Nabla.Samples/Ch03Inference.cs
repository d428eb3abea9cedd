using Nabla.Functions;
using Nabla.IO;

namespace Nabla.Samples;

/// <summary>
/// Chapter 3 (neuralnet_mnist_batch.py): the book's pretrained 784-50-100-10 sigmoid network from
/// sample_weight.pkl, run over the MNIST test set in batches of 100. The book prints Accuracy:0.9352.
/// </summary>
internal static class Ch03Inference
{
    public static int Run(string[] args)
    {
        string weights = SampleData.Arg(args, "--weights") ?? SampleData.FindShared(Path.Combine("book-weights", "sample_weight.pkl"))
            ?? throw new FileNotFoundException("sample_weight.pkl not found: pass --weights FILE (it is in ../shared/data/book-weights/).");
        var net = Pickle.LoadArrays(weights).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());
        var test = SampleData.Load<float>(args, normalize: true, flatten: true, oneHot: false, testOnly: true);
        var (x, t) = (test.XTest, test.LabelsTest);
        int accuracyCount = 0;
        const int batchSize = 100;
        for (int i = 0; i < x.Dim(0); i += batchSize)
        {
            var y = Predict(net, x.Slice(i, Math.Min(i + batchSize, x.Dim(0))));
            var p = y.ArgMax(1);
            for (int j = 0; j < p.Length; j++) if (p[j] == t[i + j]) accuracyCount++;
        }
        Console.WriteLine($"Accuracy:{(double)accuracyCount / x.Dim(0)}");
        return 0;
    }

    /// <summary>The book's predict: sigmoid(sigmoid(x·W1 + b1)·W2 + b2)·W3 + b3, then softmax.</summary>
    public static Tensor<float> Predict(IReadOnlyDictionary<string, Tensor<float>> network, Tensor<float> x)
    {
        var a1 = x.Dot(network["W1"]) + network["b1"];
        var z1 = Activations.Sigmoid(a1);
        var a2 = z1.Dot(network["W2"]) + network["b2"];
        var z2 = Activations.Sigmoid(a2);
        var a3 = z2.Dot(network["W3"]) + network["b3"];
        return Activations.Softmax(a3);
    }
}
