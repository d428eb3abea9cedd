using Nabla.Models;

namespace Nabla.Tests.Models;

public class TwoLayerNetTests
{
    /// <summary>Three MNIST-like inputs in [0, 1) with one-hot targets.</summary>
    private static (Tensor<double> X, Tensor<double> T) Batch(int n = 3, int d = 784, int c = 10) => Synthetic.OneHotBatch(n, d, c, seed: 5);

    [Fact]
    public void ReluNetGradientCheckMeanDifferenceBelow1e6()
    {
        var net = new TwoLayerNet<double>(784, 50, 10, rng: new Random(1));
        var (x, t) = Batch();
        var num = net.NumericalGradient(x, t);
        var bp = net.Gradient(x, t);
        foreach (var key in new[] { "W1", "b1", "W2", "b2" })
        {
            double mean = (bp[key] - num[key]).Abs().Mean();
            Assert.True(mean < 1e-6, $"{key}: mean |backprop − numerical| = {mean}");
        }
    }

    [Fact]
    public void SigmoidNetGradientCheckMaxRelativeErrorBelow1e7()
    {
        var net = new TwoLayerNet<double>(20, 8, 4, weightInitStd: 0.5, activation: HiddenActivation.Sigmoid, rng: new Random(2));
        var (x, t) = Batch(3, 20, 4);
        var num = net.NumericalGradient(x, t);
        var bp = net.Gradient(x, t);
        foreach (var (key, g) in bp)
        {
            var a = g.Span; var b = num[key].Span;
            for (int i = 0; i < a.Length; i++)
            {
                double rel = Math.Abs(a[i] - b[i]) / Math.Max(1e-8, Math.Abs(a[i]) + Math.Abs(b[i]));
                Assert.True(rel < 1e-7, $"{key}[{i}]: relative error {rel} ({a[i]} vs {b[i]})");
            }
        }
    }

    [Fact]
    public void HasTheBookApi()
    {
        var net = new TwoLayerNet<float>(784, 50, 10);
        Assert.Equal(["W1", "b1", "W2", "b2"], net.Params.Keys);
        Assert.Equal([784, 50], net.Params["W1"].Shape.ToArray());
        Assert.Equal(["Affine1", "Relu1", "Affine2"], net.Layers.Select(l => l.Name));
        var (x, t) = Batch();
        var xf = x.Cast<float>(); var tf = t.Cast<float>();
        Assert.Equal([3, 10], net.Predict(xf).Shape.ToArray());
        Assert.InRange(net.Loss(xf, tf), 2.2f, 2.4f); // ≈ ln 10 with tiny weights
        Assert.InRange(net.Accuracy(xf, tf), 0, 1);
    }

    [Fact]
    public void LoadParamsRejectsWrongShapes()
    {
        var net = new TwoLayerNet<double>(4, 3, 2);
        var other = new TwoLayerNet<double>(4, 5, 2);
        var e = Assert.Throws<ArgumentException>(() => net.LoadParams(other.Params));
        Assert.Contains("W1", e.Message);
    }
}
