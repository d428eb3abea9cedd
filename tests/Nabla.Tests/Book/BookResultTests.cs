using Nabla.Data;
using Nabla.Functions;
using Nabla.IO;
using Nabla.Models;

namespace Nabla.Tests.Book;

/// <summary>The book's printed results on the real data in ../shared/data.</summary>
public class BookResultTests
{
    [SharedDataFact]
    public void Chapter3InferenceWithSampleWeightsScores0_9352()
    {
        var w = Pickle.LoadArrays(SharedData.Path("book-weights", "sample_weight.pkl")).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());
        var test = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = SharedData.Path("mnist"), TestOnly = true });
        int correct = 0;
        for (int i = 0; i < test.XTest.Dim(0); i += 100)
        {
            var x = test.XTest.Slice(i, i + 100);
            var z1 = Activations.Sigmoid(x.Dot(w["W1"]) + w["b1"]);
            var z2 = Activations.Sigmoid(z1.Dot(w["W2"]) + w["b2"]);
            var y = Activations.Softmax(z2.Dot(w["W3"]) + w["b3"]);
            var p = y.ArgMax(1);
            for (int j = 0; j < p.Length; j++) if (p[j] == test.LabelsTest[i + j]) correct++;
        }
        Assert.Equal(9352, correct);
    }

    [SharedDataFact]
    public void Chapter5GradientCheckOnThreeMnistImages()
    {
        var data = MnistLoader.Load<double>(DatasetKind.Mnist, new MnistOptions { Directory = SharedData.Path("mnist"), OneHot = true });
        var net = new TwoLayerNet<double>(784, 50, 10, rng: new Random(0));
        foreach (var r in net.GradientCheck(data.XTrain.Slice(0, 3), data.TTrain.Slice(0, 3)))
            Assert.True(r.MeanAbsDifference < 1e-9, $"{r.Name}: {r.MeanAbsDifference}"); // the book prints 1e-13 … 1e-10
    }
}

/// <summary>Chapters 7 and 8: the book's trained convolutional networks on the real MNIST test set.</summary>
public class BookConvNetTests
{
    private static (Tensor<float> X, Tensor<float> T) TestSet()
    {
        var test = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = SharedData.Path("mnist"), TestOnly = true, Flatten = false });
        return (test.XTest, test.TTest);
    }

    private static Dictionary<string, Tensor<float>> Weights(string file) =>
        Pickle.LoadArrays(SharedData.Path("book-weights", file)).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());

    [SharedDataFact]
    public void SimpleConvNetWithTheBooksWeightsScores0_9890()
    {
        var net = new SimpleConvNet<float>();
        net.LoadParams(Weights("simple_convnet_params.pkl"));
        var (x, t) = TestSet();
        Assert.Equal(0.9890, net.Accuracy(x, t, batchSize: 100), 4);
    }

    [SharedDataFact]
    public void DeepConvNetWithTheBooksWeightsScores0_9935()
    {
        var net = new DeepConvNet<float>();
        net.LoadParams(Weights("deep_convnet_params.pkl"));
        var (x, t) = TestSet();
        Assert.Equal(0.9935, net.Accuracy(x, t, batchSize: 100), 4);
    }
}
