using Nabla.Models;

namespace Nabla.Tests.Models;

public class ConvNetTests
{
    [Fact]
    public void SimpleConvNetHasTheBookShapes()
    {
        var net = new SimpleConvNet<float>();
        Assert.Equal([30, 1, 5, 5], net.Params["W1"].Shape.ToArray());
        Assert.Equal([4320, 100], net.Params["W2"].Shape.ToArray());
        Assert.Equal([100, 10], net.Params["W3"].Shape.ToArray());
        Assert.Equal([2, 10], net.Predict(Tensor<float>.Zeros(2, 1, 28, 28)).Shape.ToArray());
    }

    [Fact]
    public void SimpleConvNetGradientCheckOnATinyInput()
    {
        var net = new SimpleConvNet<double>(1, 10, 10, filterNum: 3, filterSize: 3, hiddenSize: 6, outputSize: 4, weightInitStd: 0.3, rng: new Random(2));
        var rng = new Random(3);
        var x = Tensor<double>.RandomUniform(rng, 0, 1, 2, 1, 10, 10);
        var t = Tensor.From(1.0, 3.0);
        var num = net.NumericalGradient(x, t);
        foreach (var (key, g) in net.Gradient(x, t))
        {
            double mean = (g - num[key]).Abs().Mean();
            Assert.True(mean < 1e-6, $"{key}: mean difference {mean}");
        }
    }

    [Fact]
    public void DeepConvNetHasTheBookShapes()
    {
        var net = new DeepConvNet<float>();
        int[][] expected = [[16, 1, 3, 3], [16, 16, 3, 3], [32, 16, 3, 3], [32, 32, 3, 3], [64, 32, 3, 3], [64, 64, 3, 3], [1024, 50], [50, 10]];
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], net.Params[$"W{i + 1}"].Shape.ToArray());
        Assert.Equal([3, 10], net.Predict(Tensor<float>.Zeros(3, 1, 28, 28)).Shape.ToArray());
        Assert.Equal(["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4", "W5", "b5", "W6", "b6", "W7", "b7", "W8", "b8"], net.Params.Keys);
    }
}

public class ConvNetTrainingTests
{
    /// <summary>Tiny 1×10×10 images: class k has a bright k-th row band.</summary>
    private static (Tensor<float> X, Tensor<float> T) Bands(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new Tensor<float>(n, 1, 10, 10);
        var t = new Tensor<float>(n);
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(4);
            t[i] = c;
            for (int y = 0; y < 10; y++)
                for (int z = 0; z < 10; z++) x[i, 0, y, z] = (y / 2 == c + 1 ? 0.9f : 0.1f) + (float)(rng.NextDouble() * 0.2 - 0.1);
        }
        return (x, t);
    }

    [Fact]
    public void ShortTrainingRunOnGeneratedImagesRaisesAccuracy()
    {
        var (x, t) = Bands(400, 1);
        var (xt, tt) = Bands(100, 2);
        var net = new SimpleConvNet<float>(1, 10, 10, filterNum: 6, filterSize: 3, hiddenSize: 20, outputSize: 4, rng: new Random(3));
        double before = net.Accuracy(xt, tt, 50);
        var trainer = new Nabla.Training.Trainer<float>(net, new Nabla.Optimizers.Adam<float>(0.01), x, t, xt, tt,
            new Nabla.Training.TrainerOptions { Iterations = 150, BatchSize = 20 });
        trainer.Train();
        double after = net.Accuracy(xt, tt, 50);
        Assert.True(after > 0.9 && after > before + 0.3, $"accuracy {before} → {after}");
    }

    [Fact]
    public void CheckpointRoundTripIsBitExact()
    {
        var net = new SimpleConvNet<float>(1, 10, 10, filterNum: 3, filterSize: 3, hiddenSize: 5, outputSize: 4, rng: new Random(5));
        string path = Path.Combine(Path.GetTempPath(), $"nabla-cnn-{Guid.NewGuid():N}.npz");
        try
        {
            net.SaveParams(path);
            var other = new SimpleConvNet<float>(1, 10, 10, filterNum: 3, filterSize: 3, hiddenSize: 5, outputSize: 4, rng: new Random(6));
            Assert.NotEqual(net.Params["W1"].ToArray(), other.Params["W1"].ToArray());
            other.LoadParams(path);
            foreach (var (k, v) in net.Params) Assert.Equal(v.ToArray(), other.Params[k].ToArray());
            var wrong = new SimpleConvNet<float>(1, 10, 10, filterNum: 4, filterSize: 3, hiddenSize: 5, outputSize: 4);
            var e = Assert.Throws<ArgumentException>(() => wrong.LoadParams(path));
            Assert.Contains("W1", e.Message);
        }
        finally { File.Delete(path); }
    }
}

public class DeepConvNetTrainingTests
{
    [Fact]
    public void AdamStepsTeachItAnEasyTaskAndDropoutIsOffInInference()
    {
        var rng = new Random(4);
        // 28×28 images whose class (0–3) is the band of bright rows 5c+4 … 5c+7.
        var x = new Tensor<float>(32, 1, 28, 28);
        var t = new Tensor<float>(32);
        for (int i = 0; i < 32; i++)
        {
            int c = i % 4;
            t[i] = c;
            for (int y = 0; y < 28; y++)
                for (int z = 0; z < 28; z++) x[i, 0, y, z] = (y >= 5 * c + 4 && y < 5 * c + 8 ? 0.9f : 0.1f) + (float)(rng.NextDouble() * 0.1);
        }
        var net = new DeepConvNet<float>(rng: rng);
        var adam = new Nabla.Optimizers.Adam<float>(0.001);
        float first = net.Loss(x, t);
        for (int i = 0; i < 40; i++) adam.Update(net.Params, net.Gradient(x, t));
        Assert.True(net.Loss(x, t) < first * 0.5f, $"loss {first} → {net.Loss(x, t)}");
        Assert.Equal(1.0, net.Accuracy(x, t, 16));
        var a = net.Predict(x).Clone();
        Assert.True(a.AllClose(net.Predict(x), 0, 0));
        Assert.Equal(16, net.Gradient(x, t).Count);
    }

    /// <summary>
    /// Once warm, a whole DeepConvNet training step — forward, backward and Adam, every layer of the book's network
    /// including the affine layer reading the pooled 4-D maps — allocates nothing on the calling thread.
    /// </summary>
    [Fact]
    public void AWarmTrainingStepAllocatesNothing()
    {
        var rng = new Random(9);
        var x = Tensor<float>.RandomUniform(rng, 0f, 1f, 12, 1, 28, 28);
        var t = new Tensor<float>(12);
        for (int i = 0; i < 12; i++) t[i] = i % 10;
        var net = new DeepConvNet<float>(rng: rng);
        var adam = new Nabla.Optimizers.Adam<float>(0.001);
        Assert.Equal(0, WarmAllocations.OfSteps(() => adam.Update(net.Params, net.Gradient(x, t))));
    }
}
