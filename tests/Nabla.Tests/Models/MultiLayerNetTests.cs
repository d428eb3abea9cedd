using Nabla.Models;

namespace Nabla.Tests.Models;

public class MultiLayerNetTests
{
    private static (Tensor<double> X, Tensor<double> T) Batch(int n, int d, int c, int seed) => Synthetic.OneHotBatch(n, d, c, seed);

    [Fact]
    public void ReluNetWithBatchNormAndWeightDecayPassesGradientCheck()
    {
        var net = new MultiLayerNetExtend<double>(30, [20, 15, 10], 5, weightDecayLambda: 0.1, useBatchNorm: true, rng: new Random(3));
        var (x, t) = Batch(4, 30, 5, 1);
        var num = net.NumericalGradient(x, t);
        var bp = net.Gradient(x, t);
        Assert.Equal(net.Params.Keys.Order(), bp.Keys.Order());
        foreach (var (key, g) in bp)
        {
            double mean = (g - num[key]).Abs().Mean();
            Assert.True(mean <= 1e-6, $"{key}: mean |backprop − numerical| = {mean}");
        }
    }

    [Fact]
    public void SigmoidNetWithWeightDecayHasTinyRelativeErrors()
    {
        var net = new MultiLayerNet<double>(12, [10, 8], 4, HiddenActivation.Sigmoid, WeightInit.Std(0.5), weightDecayLambda: 0.1, rng: new Random(5));
        var (x, t) = Batch(3, 12, 4, 2);
        var num = net.NumericalGradient(x, t);
        foreach (var (key, g) in net.Gradient(x, t))
        {
            var a = g.Span; var b = num[key].Span;
            for (int i = 0; i < a.Length; i++)
            {
                double rel = Math.Abs(a[i] - b[i]) / Math.Max(1e-8, Math.Abs(a[i]) + Math.Abs(b[i]));
                Assert.True(rel <= 1e-7, $"{key}[{i}]: relative error {rel}");
            }
        }
    }

    [Fact]
    public void WeightDecayAddsHalfLambdaSumOfSquaresToTheLoss()
    {
        var plain = new MultiLayerNet<double>(6, [5], 3, rng: new Random(1));
        var decayed = new MultiLayerNet<double>(6, [5], 3, weightDecayLambda: 0.1, rng: new Random(1));
        var (x, t) = Batch(2, 6, 3, 3);
        double ss = plain.Params["W1"].Square().Sum() + plain.Params["W2"].Square().Sum();
        Assert.Equal(plain.Loss(x, t) + 0.05 * ss, decayed.Loss(x, t), 1e-12);
    }

    [Fact]
    public void InitialisationScalesFollowTheirRules()
    {
        var he = new MultiLayerNet<double>(800, [400], 10, weightInit: WeightInit.He, rng: new Random(1));
        var xavier = new MultiLayerNet<double>(800, [400], 10, HiddenActivation.Sigmoid, WeightInit.Xavier, rng: new Random(1));
        double Std(Tensor<double> w) => Math.Sqrt(w.Square().Mean());
        Assert.Equal(Math.Sqrt(2.0 / 800), Std(he.Params["W1"]), 2e-3);
        Assert.Equal(Math.Sqrt(1.0 / 800), Std(xavier.Params["W1"]), 2e-3);
        Assert.Equal(Math.Sqrt(1.0 / 400), Std(xavier.Params["W2"]), 2e-3);
        Assert.Equal(0.01, Std(new MultiLayerNet<double>(800, [400], 10, weightInit: WeightInit.Parse("0.01")).Params["W1"]), 1e-4);
        Assert.Equal(WeightInit.He, WeightInit.Parse("relu"));
        Assert.Equal(WeightInit.Xavier, WeightInit.Parse("sigmoid"));
        Assert.Throws<ArgumentException>(() => WeightInit.Parse("glorot-ish"));
    }

    [Fact]
    public void DropoutIsOffInInference()
    {
        var net = new MultiLayerNetExtend<double>(6, [50, 50], 3, useDropout: true, dropoutRatio: 0.5, rng: new Random(2));
        var (x, _) = Batch(4, 6, 3, 4);
        var a = net.Predict(x, train: false).Clone();
        var b = net.Predict(x, train: false).Clone();
        Assert.True(a.AllClose(b, 0, 0));
        var c = net.Predict(x, train: true).Clone();
        Assert.False(a.AllClose(c, 1e-6, 1e-9));
        Assert.Contains(net.Layers, l => l.Name == "Dropout1");
    }
}
