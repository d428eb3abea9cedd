using CsCheck;
using Nabla.Autograd;
using static Nabla.Autograd.Ops;

namespace Nabla.Tests.AutogradEngine;

/// <summary>Every operation's gradient (and, where it is defined, its second derivative) against central differences in double.</summary>
public class OpGradientTests
{
    private static Tensor<double> R(int seed, params int[] shape) => Tensor<double>.RandomNormal(seed, shape);
    private static Tensor<double> Positive(int seed, params int[] shape) => R(seed, shape).Map(v => Math.Abs(v) + 0.5);
    /// <summary>Away from 0 (for ReLU's kink) and without ties (for max pooling).</summary>
    private static Tensor<double> Spread(int seed, params int[] shape)
    {
        var t = R(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (s[i] < 0 ? -0.2 : 0.2) + s[i] + i * 1e-3;
        return t;
    }

    private static void Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] xs)
    {
        var r = GradCheck.Check(f, xs);
        Assert.True(r.Passed, r.Message);
    }

    /// <summary>The gradient of Σ f(x)·w as a function of x, differentiated again: the second derivative against numbers.</summary>
    private static void CheckSecondOrder(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] xs)
    {
        var w = R(99, f(xs.Select(t => Variable<double>.Constant(t)).ToArray()).Shape.ToArray());
        Variable<double> FirstGradient(Variable<double>[] v)
        {
            Sum(f(v) * Variable<double>.Constant(w)).Backward(createGraph: true);
            var g = v[0].Grad ?? throw new InvalidOperationException("no gradient");
            foreach (var x in v) x.ClearGrad();
            return g;
        }
        // GradCheck evaluates numerically under NoGrad with constants, which have no gradient: give it variables there too.
        var r = GradCheck.Check(v => v[0].RequiresGrad ? FirstGradient(v) : NumericFirstGradient(f, w, v), xs);
        Assert.True(r.Passed, r.Message);
    }

    private static Variable<double> NumericFirstGradient(Func<Variable<double>[], Variable<double>> f, Tensor<double> w, Variable<double>[] v)
    {
        using var _ = new GradScope();
        var vars = v.Select(x => new Variable<double>(x.Data)).ToArray();
        Sum(f(vars) * Variable<double>.Constant(w)).Backward();
        return Variable<double>.Constant(vars[0].Grad!.Data);
    }

    /// <summary>Re-enables gradients inside GradCheck's NoGrad evaluation.</summary>
    private sealed class GradScope : IDisposable
    {
        private readonly int _depth;
        public GradScope()
        {
            var field = typeof(Nabla.Autograd.Autograd).GetField("_noGradDepth", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
            _depth = (int)field.GetValue(null)!;
            field.SetValue(null, 0);
        }
        public void Dispose() =>
            typeof(Nabla.Autograd.Autograd).GetField("_noGradDepth", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.SetValue(null, _depth);
    }

    public static TheoryData<string, int[], int[]> BroadcastPairs => new()
    {
        { "same", [3, 4], [3, 4] },
        { "row", [3, 4], [4] },
        { "column", [3, 4], [3, 1] },
        { "scalar", [3, 4], [] },
        { "left-row", [4], [3, 4] },
        { "outer", [3, 1], [1, 4] },
        { "3-d", [2, 3, 4], [3, 1] },
    };

    [Theory, MemberData(nameof(BroadcastPairs))]
    public void ArithmeticBroadcasts(string name, int[] a, int[] b)
    {
        _ = name;
        Check(v => v[0] + v[1], R(1, a), R(2, b));
        Check(v => v[0] - v[1], R(1, a), R(2, b));
        Check(v => v[0] * v[1], R(1, a), R(2, b));
        Check(v => v[0] / v[1], R(1, a), Positive(2, b));
        CheckSecondOrder(v => v[0] * v[1] * v[0], R(1, a), R(2, b));
        CheckSecondOrder(v => v[1] / v[0], Positive(1, a), R(2, b));
    }

    [Fact]
    public void ArithmeticOverRandomShapes() =>
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, 3], Gen.Int[0, 10_000]).Sample((m, n, kind, seed) =>
        {
            int[] a = [m, n];
            int[] b = kind switch { 0 => [m, n], 1 => [n], 2 => [m, 1], _ => [] };
            var r = GradCheck.Check(v => (v[0] * v[1] - v[1] / v[0]) + v[0] * v[0], Positive(seed, a), R(seed + 1, b));
            return r.Passed;
        }, iter: 25, threads: 1);

    [Fact]
    public void UnaryOperations()
    {
        var x = R(3, 2, 3); var p = Positive(4, 2, 3);
        Check(v => -v[0], x);
        Check(v => Exp(v[0]), x);
        Check(v => Log(v[0]), p);
        Check(v => Sin(v[0]), x);
        Check(v => Cos(v[0]), x);
        Check(v => Tanh(v[0]), x);
        Check(v => Sigmoid(v[0]), x);
        Check(v => Relu(v[0]), Spread(5, 2, 3));
        Check(v => Pow(v[0], 3.0), x);
        Check(v => Pow(v[0], 2.5), p);
        foreach (var f in new Func<Variable<double>[], Variable<double>>[]
                 { v => Exp(v[0]), v => Log(v[0]), v => Sin(v[0]), v => Cos(v[0]), v => Tanh(v[0]), v => Sigmoid(v[0]), v => Pow(v[0], 2.5), v => -v[0] })
            CheckSecondOrder(f, p);
    }

    [Fact]
    public void ShapeOperations()
    {
        var x = R(6, 2, 3, 4);
        Check(v => Reshape(v[0], 6, 4), x);
        Check(v => Reshape(v[0], -1), x);
        Check(v => Transpose(v[0]), x);
        Check(v => Transpose(v[0], 1, 0, 2), x);
        Check(v => Sum(v[0]), x);
        for (int axis = -1; axis < 3; axis++)
        {
            int a = axis;
            Check(v => Sum(v[0], a), x);
            Check(v => Sum(v[0], a, keepDims: true), x);
        }
        Check(v => BroadcastTo(v[0], 3, 2, 4), R(7, 2, 1));
        Check(v => SumTo(v[0], 3, 1), R(8, 2, 3, 4));
        CheckSecondOrder(v => Sum(v[0] * v[0], 1) * Transpose(v[0], 1, 0, 2).Reshape(3, 2, 4).Sum(0), x);
    }

    [Fact]
    public void RowSelection()
    {
        var x = R(9, 5, 3);
        Check(v => GetItem(v[0], [0, 3, 3, 1]), x);   // a repeated row's gradients add
        Check(v => GetItem(v[0], 2), x);
        Check(v => GetItem(v[0], -1), x);
        Check(v => Slice(v[0], 1, 4), x);
        CheckSecondOrder(v => GetItem(v[0], [4, 4, 0]) * GetItem(v[0], [1, 2, 3]), x);
    }

    [Fact]
    public void MatrixProducts()
    {
        Check(v => MatMul(v[0], v[1]), R(10, 3, 4), R(11, 4, 2));
        Check(v => MatMul(v[0], v[1], true, false), R(10, 4, 3), R(11, 4, 2));
        Check(v => MatMul(v[0], v[1], false, true), R(10, 3, 4), R(11, 2, 4));
        Check(v => MatMul(v[0], v[1], true, true), R(10, 4, 3), R(11, 2, 4));
        Check(v => Linear(v[0], v[1], v[2]), R(12, 5, 4), R(13, 4, 3), R(14, 3));
        Check(v => Linear(v[0], v[1]), R(12, 5, 4), R(13, 4, 3));
        Check(v => MatMul(v[0], v[0], false, true), R(15, 3, 4));   // the same matrix on both sides
        CheckSecondOrder(v => Tanh(Linear(v[0], v[1], v[2])), R(12, 5, 4), R(13, 4, 3), R(14, 3));
        CheckSecondOrder(v => MatMul(v[1], Sin(v[0]), false, true), R(10, 3, 4), R(11, 2, 4));
    }

    [Fact]
    public void MatrixProductsOverRandomShapes() =>
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[0, 10_000]).Sample((m, k, n, seed) =>
            GradCheck.Check(v => Linear(v[0], v[1], v[2]) * Linear(v[0], v[1]), R(seed, m, k), R(seed + 1, k, n), R(seed + 2, n)).Passed,
            iter: 25, threads: 1);

    [Fact]
    public void SoftmaxAndLosses()
    {
        var x = R(16, 4, 5);
        Check(v => Softmax(v[0]), x);
        Check(v => SoftmaxCrossEntropy(v[0], [0, 4, 2, 2]), x);
        var onehot = new Tensor<double>(4, 5);
        onehot[0, 1] = 1; onehot[1, 0] = 1; onehot[2, 4] = 1; onehot[3, 3] = 1;
        Check(v => SoftmaxCrossEntropy(v[0], onehot), x);
        Check(v => MeanSquaredError(v[0], v[1]), x, R(17, 4, 5));
        CheckSecondOrder(v => Softmax(v[0]), x);
        CheckSecondOrder(v => SoftmaxCrossEntropy(v[0], [0, 4, 2, 2]), x);
    }

    [Fact]
    public void DropoutWithAFixedMask() =>
        Check(v => Dropout(v[0], 0.3, new Random(7)), R(18, 4, 6));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(1, 1)]
    public void Convolution(int stride, int pad)
    {
        var x = R(19, 2, 2, 5, 5); var w = R(20, 3, 2, 3, 3); var b = R(21, 3);
        Check(v => Conv2d(v[0], v[1], v[2], stride, pad), x, w, b);
        Check(v => Conv2d(v[0], v[1], null, stride, pad), x, w);
        CheckSecondOrder(v => Tanh(Conv2d(v[0], v[1], v[2], stride, pad)), x, w, b);
    }

    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 1, 0)]
    [InlineData(2, 2, 1)]
    public void MaxPooling(int kernel, int stride, int pad)
    {
        var x = Spread(22, 2, 3, 6, 6);
        Check(v => MaxPool2d(v[0], kernel, stride, pad), x);
        CheckSecondOrder(v => MaxPool2d(v[0] * v[0], kernel, stride, pad), x);
    }

    [Fact]
    public void MaxPoolingMatchesThePoolingLayer()
    {
        var x = Spread(23, 2, 3, 6, 6);
        var layer = new Nabla.Layers.Pooling<double>(2, 2, 2);
        var expected = layer.Forward(x.Clone());
        Assert.True(MaxPool2d(new Variable<double>(x), 2).Data.AllClose(expected, 0, 0));
    }

    [Fact]
    public void ConvolutionMatchesTheConvolutionLayer()
    {
        var x = R(24, 2, 3, 7, 7); var w = R(25, 4, 3, 3, 3); var b = R(26, 4);
        var layer = new Nabla.Layers.Convolution<double>(w.Clone(), b.Clone(), stride: 2, pad: 1);
        var expected = layer.Forward(x.Clone());
        var y = Conv2d(new Variable<double>(x), new Variable<double>(w), new Variable<double>(b), 2, 1);
        Assert.True(y.Data.AllClose(expected, 1e-12, 1e-12));
    }
}
