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
