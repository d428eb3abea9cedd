using Nabla.Functions;
using Nabla.Models;

namespace Nabla.Tests.Functions;

public class FunctionTests
{
    private static readonly double[] BookY = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
    private static readonly double[] BookY2 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0];
    private static readonly double[] BookT = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

    [Fact]
    public void ActivationsMatchTheirDefinitions()
    {
        var x = Tensor.From(-1.0, 0.0, 2.0);
        Assert.Equal([0.0, 0, 1], Activations.Step(x).ToArray());
        Assert.Equal([0.0, 0, 2], Activations.Relu(x).ToArray());
        Assert.Same(x, Activations.Identity(x));
        var s = Activations.Sigmoid(x).ToArray();
        Assert.Equal(0.2689414213699951, s[0], 1e-15);
        Assert.Equal(0.5, s[1], 1e-15);
        Assert.Equal(0.8807970779778823, s[2], 1e-15);
    }

    [Fact]
    public void SoftmaxMatchesTheBookAndIsOverflowSafe()
    {
        var y = Activations.Softmax(Tensor.From(0.3, 2.9, 4.0)).ToArray();
        Assert.Equal(0.01821127, y[0], 1e-8);
        Assert.Equal(0.24519181, y[1], 1e-8);
        Assert.Equal(0.73659691, y[2], 1e-8);
        var big = Activations.Softmax(Tensor.From(1010.0, 1000.0, 990.0)).ToArray();
        Assert.All(big, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(9.99954600e-01, big[0], 1e-9);
        Assert.Equal(4.53978686e-05, big[1], 1e-13);
        var f = Activations.Softmax(Tensor.From(1010f, 1000f, 990f));
        Assert.All(f.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SoftmaxIsRowWiseOnBatches()
    {
        var x = Tensor.From(new double[,] { { 0.3, 2.9, 4.0 }, { 1010, 1000, 990 } });
        var y = Activations.Softmax(x);
        Assert.Equal(1.0, y.Sum(1)[0], 1e-12);
        Assert.Equal(1.0, y.Sum(1)[1], 1e-12);
        Assert.Equal(0.73659691, y[0, 2], 1e-8);
        Assert.Equal(9.99954600e-01, y[1, 0], 1e-9);
    }

    [Fact]
    public void LossesMatchTheBook()
    {
        var t = Tensor.From(BookT);
        Assert.Equal(0.09750000000000003, Losses.MeanSquaredError(Tensor.From(BookY), t), 1e-15);
        Assert.Equal(0.5975, Losses.MeanSquaredError(Tensor.From(BookY2), t), 1e-15);
        Assert.Equal(0.510825457099338, Losses.CrossEntropyError(Tensor.From(BookY), t), 1e-14);
        Assert.Equal(2.3025840929945454, Losses.CrossEntropyError(Tensor.From(BookY2), t), 1e-13);
    }

    [Fact]
    public void CrossEntropyAgreesForOneHotAndLabelsOnBatches()
    {
        var y = new Tensor<double>([.. BookY, .. BookY2], 2, 10);
        var oneHot = new Tensor<double>([.. BookT, .. BookT], 2, 10);
        double expected = (0.510825457099338 + 2.3025840929945454) / 2;
        Assert.Equal(expected, Losses.CrossEntropyError(y, oneHot), 1e-13);
        Assert.Equal(expected, Losses.CrossEntropyError(y, Tensor.From(2.0, 2.0)), 1e-13);
        Assert.Equal(expected, Losses.CrossEntropyError(y, [2, 2]), 1e-13);
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropyError(y, [2, 10]));
        Assert.Throws<ArgumentException>(() => Losses.CrossEntropyError(y, Tensor.From(1.0, 2.0, 3.0)));
    }

    [Fact]
    public void CrossEntropyGuardKeepsLogZeroFinite()
    {
        double l = Losses.CrossEntropyError(Tensor.From(1.0, 0.0), [1]);
        Assert.Equal(-Math.Log(1e-7), l, 1e-9);
    }

    [Fact]
    public void NumericalDiffMatchesTheBook()
    {
        static double F1(double x) => 0.01 * (x * x) + 0.1 * x; // the book: 0.01*x**2 + 0.1*x
        Assert.Equal(0.1999999999990898, Numerical.NumericalDiff(F1, 5), 1e-15);
        Assert.Equal(0.2999999999986347, Numerical.NumericalDiff(F1, 10), 1e-15);
    }

    private static double Function2(Tensor<double> x) => x[0] * x[0] + x[1] * x[1];

    [Theory]
    [InlineData(3.0, 4.0, 6.0, 8.0)]
    [InlineData(0.0, 2.0, 0.0, 4.0)]
    [InlineData(3.0, 0.0, 6.0, 0.0)]
    public void NumericalGradientOfSumOfSquares(double x0, double x1, double g0, double g1)
    {
        var x = Tensor.From(x0, x1);
        var g = Numerical.NumericalGradient(Function2, x);
        Assert.Equal(g0, g[0], 1e-6);
        Assert.Equal(g1, g[1], 1e-6);
        Assert.Equal([x0, x1], x.ToArray()); // restored
    }

    [Fact]
    public void NumericalGradientMatchesAnalyticOnRank3()
    {
        var rng = new Random(7);
        var x = Tensor<double>.RandomNormal(rng, 1, 2, 3, 4);
        var before = x.ToArray();
        // f(x) = Σ sin(x)·x²  → f'(x) = cos(x)·x² + 2x·sin(x)
        var g = Numerical.NumericalGradient(t => t.ToArray().Sum(v => Math.Sin(v) * v * v), x);
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(Math.Cos(xs[i]) * xs[i] * xs[i] + 2 * xs[i] * Math.Sin(xs[i]), g.Span[i], 1e-7);
        Assert.Equal(before, xs);
    }

    [Theory]
    [InlineData(0.1, -6.11110793e-10, 8.14814391e-10, 1e-17)]
    [InlineData(10.0, -2.58983747e+13, -1.29524862e+12, 1e5)]
    [InlineData(1e-10, -2.99999994, 3.99999992, 1e-8)]
    [InlineData(1e-5, -2.99400594, 3.99200791, 1e-8)]
    public void GradientDescentMatchesTheBook(double lr, double e0, double e1, double tol)
    {
        var (x, history) = Numerical.GradientDescent(Function2, Tensor.From(-3.0, 4.0), lr, 100);
        Assert.Equal(100, history.Count);
        Assert.Equal([-3.0, 4.0], history[0].ToArray());
        Assert.Equal(e0, x[0], tol);
        Assert.Equal(e1, x[1], tol);
    }

    [Fact]
    public void GatesTruthTables()
    {
        int[][] inputs = [[0, 0], [1, 0], [0, 1], [1, 1]];
        Assert.Equal([0, 0, 0, 1], inputs.Select(i => Perceptron.And(i[0], i[1])));
        Assert.Equal([1, 1, 1, 0], inputs.Select(i => Perceptron.Nand(i[0], i[1])));
        Assert.Equal([0, 1, 1, 1], inputs.Select(i => Perceptron.Or(i[0], i[1])));
        Assert.Equal([0, 1, 1, 0], inputs.Select(i => Perceptron.Xor(i[0], i[1])));
    }

    [Fact]
    public void SimpleNetMatchesTheBook()
    {
        var net = new SimpleNet<double>(Tensor.From(new[,] { { 0.47355232, 0.9977393, 0.84668094 }, { 0.85557411, 0.03563661, 0.69422093 } }));
        var x = Tensor.From(0.6, 0.9);
        var p = net.Predict(x);
        Assert.True(p.AllClose(Tensor.From(1.05414809, 0.63071653, 1.1328074), 1e-7));
        Assert.Equal(2, p.ArgMax());
        var t = Tensor.From(0.0, 0.0, 1.0);
        Assert.Equal(0.9280682857864075, net.Loss(x, t), 1e-12);
        var dW = Numerical.NumericalGradient(_ => net.Loss(x, t), net.W);
        var expected = Tensor.From(new[,] { { 0.21924757, 0.14356243, -0.36281 }, { 0.32887136, 0.21534364, -0.544215 } });
        Assert.True(dW.AllClose(expected, 1e-6), dW.ToString());
    }
}
