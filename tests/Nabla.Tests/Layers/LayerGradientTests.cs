using Nabla.Functions;
using Nabla.Layers;

namespace Nabla.Tests.Layers;

/// <summary>Every layer's backward against central differences, in double.</summary>
public class LayerGradientTests
{
    private static Tensor<double> Rand(Random rng, params int[] shape) => Tensor<double>.RandomNormal(rng, 1.0, shape);

    private static void Check(ILayer<double> layer, Tensor<double> x, Random rng, double tol = 1e-7) => LayerCheck.Run(layer, x, rng, tol);

    [Theory]
    [InlineData(1, 5)]
    [InlineData(4, 7)]
    public void ReluBackwardMatchesNumerical(int n, int d)
    {
        var rng = new Random(n * 10 + d);
        // Keep inputs away from the kink at 0, where the central difference is not the derivative.
        var x = Rand(rng, n, d).Map(v => Math.Abs(v) < 0.1 ? v + 0.3 : v);
        Check(new Relu<double>(), x, rng);
    }

    /// <summary>Big enough (and an odd length) to be shared among the cores in pieces: every element still right.</summary>
    [Fact]
    public void ReluOnALargeTensorMatchesTheElementwiseRule()
    {
        var rng = new Random(5);
        int n = 300_007;
        var x = new Tensor<float>(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), n);
        var dout = new Tensor<float>(Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), n);
        var relu = new Relu<float>();
        var o = relu.Forward(x).ToArray();
        var dx = relu.Backward(dout).ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Math.Max(x[i], 0f), o[i]);
            Assert.Equal(x[i] > 0 ? dout[i] : 0f, dx[i]);
        }
    }

    [Fact]
    public void ReluMasksNonPositiveInputs()
    {
        var relu = new Relu<double>();
        var o = relu.Forward(Tensor.From(-1.0, 0.0, 2.0));
        Assert.Equal([0.0, 0, 2], o.ToArray());
        Assert.Equal([0.0, 0, 5], relu.Backward(Tensor.From(5.0, 5.0, 5.0)).ToArray());
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(5, 4)]
    public void SigmoidBackwardMatchesNumerical(int n, int d)
    {
        var rng = new Random(n + d);
        Check(new Sigmoid<double>(), Rand(rng, n, d), rng);
    }

    [Theory]
    [InlineData(new[] { 1, 4 }, 3)]
    [InlineData(new[] { 5, 6 }, 2)]
    [InlineData(new[] { 3, 2, 3 }, 4)]     // any-rank input: flattened to (3, 6)
    [InlineData(new[] { 2, 1, 2, 2 }, 3)]
    public void AffineBackwardMatchesNumerical(int[] xShape, int outSize)
    {
        var rng = new Random(xShape.Sum() + outSize);
        int d = xShape.Skip(1).Aggregate(1, (a, b) => a * b);
        var layer = new Affine<double>(Rand(rng, d, outSize), Rand(rng, outSize));
        Check(layer, Rand(rng, xShape), rng);
    }

    [Fact]
    public void AffineRejectsMismatchedInputNamingShapes()
    {
        var layer = new Affine<double>(Tensor<double>.Zeros(4, 3), Tensor<double>.Zeros(3));
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor<double>.Zeros(2, 5)));
        Assert.Contains("(2, 5)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => new Affine<double>(Tensor<double>.Zeros(4, 3), Tensor<double>.Zeros(4)));
    }

    [Fact]
    public void AffineReusesItsBuffers()
    {
        var rng = new Random(3);
        var layer = new Affine<float>(Tensor<float>.RandomNormal(rng, 1f, 4, 3), Tensor<float>.Zeros(3));
        var x = Tensor<float>.RandomNormal(rng, 1f, 2, 4);
        var o1 = layer.Forward(x);
        var dx1 = layer.Backward(o1);
        Assert.Same(o1, layer.Forward(x));
        Assert.Same(dx1, layer.Backward(o1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void SoftmaxWithLossBackwardMatchesNumericalForOneHotAndLabels(int n)
    {
        var rng = new Random(n);
        const int c = 5;
        var x = Rand(rng, n, c);
        var labels = Enumerable.Range(0, n).Select(i => rng.Next(c)).ToArray();
        var oneHot = Tensor<double>.Zeros(n, c);
        for (int i = 0; i < n; i++) oneHot[i, labels[i]] = 1;
        var layer = new SoftmaxWithLoss<double>();
        var lossOneHot = layer.Forward(x, oneHot);
        var dxOneHot = layer.Backward().Clone();
        var lossLabels = layer.Forward(x, labels);
        var dxLabels = layer.Backward().Clone();
        var lossTensorLabels = layer.Forward(x, new Tensor<double>(labels.Select(l => (double)l).ToArray(), n));
        Assert.Equal(lossOneHot, lossLabels, 1e-15);
        Assert.Equal(lossOneHot, lossTensorLabels, 1e-15);
        Assert.True(dxOneHot.AllClose(dxLabels, 0, 1e-15));
        var num = Numerical.NumericalGradient(_ => layer.Forward(x, labels), x);
        Assert.True(dxLabels.MaxAbsDifference(num) < 1e-8, $"differs by {dxLabels.MaxAbsDifference(num)}");
        // (y − t) / N
        var y = Activations.Softmax(x);
        Assert.True(dxOneHot.AllClose((y - oneHot) / (double)n, 0, 1e-15));
    }

    [Fact]
    public void SoftmaxWithLossRejectsBadTargets()
    {
        var layer = new SoftmaxWithLoss<double>();
        var x = Tensor<double>.Zeros(2, 3);
        Assert.Throws<ArgumentException>(() => layer.Forward(x, Tensor<double>.Zeros(4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(x, [0, 3]));
    }

    [Fact]
    public void ShoppingWithApplesMatchesTheBook()
    {
        var mulApple = new MulLayer();
        var mulTax = new MulLayer();
        double price = mulTax.Forward(mulApple.Forward(100, 2), 1.1);
        var (dApplePrice, dTax) = mulTax.Backward(1);
        var (dApple, dAppleNum) = mulApple.Backward(dApplePrice);
        Assert.Equal(220, (int)price);
        Assert.Equal(2.2, dApple, 1e-12);
        Assert.Equal(110, (int)dAppleNum);
        Assert.Equal(200, dTax, 1e-12);
    }

    [Fact]
    public void ShoppingWithApplesAndOrangesMatchesTheBook()
    {
        MulLayer mulApple = new(), mulOrange = new(), mulTax = new();
        AddLayer add = new();
        double applePrice = mulApple.Forward(100, 2), orangePrice = mulOrange.Forward(150, 3);
        double price = mulTax.Forward(add.Forward(applePrice, orangePrice), 1.1);
        var (dAll, dTax) = mulTax.Backward(1);
        var (dApplePrice, dOrangePrice) = add.Backward(dAll);
        var (dOrange, dOrangeNum) = mulOrange.Backward(dOrangePrice);
        var (dApple, dAppleNum) = mulApple.Backward(dApplePrice);
        Assert.Equal(715, (int)price);
        Assert.Equal(110, (int)dAppleNum);
        Assert.Equal(2.2, dApple, 1e-12);
        Assert.Equal(3.3, dOrange, 1e-12);
        Assert.Equal(165, (int)dOrangeNum);
        Assert.Equal(650, dTax, 1e-12);
    }
}
