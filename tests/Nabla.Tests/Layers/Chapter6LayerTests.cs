using Nabla.Functions;
using Nabla.Layers;

namespace Nabla.Tests.Layers;

public class Chapter6LayerTests
{
    private static Tensor<double> Rand(Random rng, params int[] shape) => Tensor<double>.RandomNormal(rng, 1.0, shape);

    [Theory]
    [InlineData(new[] { 4, 3 })]
    [InlineData(new[] { 5, 2, 3 })]  // any rank: (N, 6)
    public void BatchNormBackwardMatchesNumerical(int[] shape)
    {
        var rng = new Random(shape.Sum());
        int d = shape.Skip(1).Aggregate(1, (a, b) => a * b);
        var gamma = Rand(rng, d).Map(v => 1 + 0.3 * v);
        var beta = Rand(rng, d);
        var bn = new BatchNormalization<double>(gamma, beta);
        var x = Rand(rng, shape) * 2.0 + 0.5;
        var g = Rand(rng, shape);
        double L(Tensor<double> _) => (bn.Forward(x, train: true) * g).Sum();
        bn.Forward(x); var dx = bn.Backward(g).Clone();
        var dGamma = bn.DGamma.Clone(); var dBeta = bn.DBeta.Clone();
        Assert.True(dx.MaxAbsDifference(Numerical.NumericalGradient(L, x)) < 1e-7);
        Assert.True(dGamma.MaxAbsDifference(Numerical.NumericalGradient(L, gamma)) < 1e-7);
        Assert.True(dBeta.MaxAbsDifference(Numerical.NumericalGradient(L, beta)) < 1e-7);
    }

    [Fact]
    public void BatchNormTrainingNormalisesAndInferenceUsesRunningStatistics()
    {
        var rng = new Random(1);
        var bn = new BatchNormalization<double>(Tensor<double>.Ones(3), Tensor<double>.Zeros(3));
        var x = Rand(rng, 50, 3) * 4.0 + 10.0;
        var y = bn.Forward(x, train: true).Clone();
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(0, y.Mean(0)[j], 1e-12);
            Assert.Equal(1, y.Square().Mean(0)[j], 1e-5);
        }
        // One step of running averages (momentum 0.9) is far from the batch statistics, so inference differs…
        var inf = bn.Forward(x, train: false).Clone();
        Assert.False(inf.AllClose(y, 1e-2, 1e-2));
        // …and after many identical batches the running statistics converge and the two agree.
        for (int i = 0; i < 300; i++) bn.Forward(x, train: true);
        Assert.True(bn.Forward(x, train: false).AllClose(y, 1e-4, 1e-4));
    }

    [Fact]
    public void DropoutBackwardUsesTheForwardMaskAndInferenceScales()
    {
        var rng = new Random(2);
        var x = Rand(rng, 20, 10);
        var g = Rand(rng, 20, 10);
        double L(Tensor<double> _) => (new Dropout<double>(0.3, new Random(9)).Forward(x) * g).Sum();
        var layer = new Dropout<double>(0.3, new Random(9));
        var o = layer.Forward(x);
        var dx = layer.Backward(g);
        Assert.True(dx.MaxAbsDifference(Numerical.NumericalGradient(L, x)) < 1e-8);
        double dropped = o.ToArray().Count(v => v == 0) / 200.0;
        Assert.InRange(dropped, 0.2, 0.4);
        Assert.True(layer.Forward(x, train: false).AllClose(x * 0.7, 1e-15));
    }

    [Fact]
    public void DropoutIsSeeded()
    {
        var x = Tensor<double>.Ones(100);
        var a = new Dropout<double>(0.5, new Random(4)).Forward(x).ToArray();
        var b = new Dropout<double>(0.5, new Random(4)).Forward(x).ToArray();
        Assert.Equal(a, b);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<double>(1.0));
    }
}
