using Nabla.Autograd;
using static Nabla.Autograd.Ops;

namespace Nabla.Tests.AutogradEngine;

/// <summary>The book's (and its sequel's) worked examples, with values and gradients read from the engine.</summary>
public class BookGraphTests
{
    private static Variable<double> V(double v, string name) => new(v, name);

    [Fact]
    public void BuyAppleMatchesTheBook()
    {
        var apple = V(100, "apple"); var num = V(2, "apple_num"); var tax = V(1.1, "tax");
        var price = apple * num * tax;
        Assert.Equal(220, price.Data.ToScalar(), 10);
        price.Backward();
        Assert.Equal(2.2, apple.Grad!.Data.ToScalar(), 10);
        Assert.Equal(110, num.Grad!.Data.ToScalar(), 10);
        Assert.Equal(200, tax.Grad!.Data.ToScalar(), 10);
    }

    [Fact]
    public void BuyAppleOrangeMatchesTheBook()
    {
        var apple = V(100, "apple"); var an = V(2, "apple_num");
        var orange = V(150, "orange"); var on = V(3, "orange_num"); var tax = V(1.1, "tax");
        var price = (apple * an + orange * on) * tax;
        Assert.Equal(715, price.Data.ToScalar(), 10);
        price.Backward();
        Assert.Equal(2.2, apple.Grad!.Data.ToScalar(), 10);
        Assert.Equal(110, an.Grad!.Data.ToScalar(), 10);
        Assert.Equal(3.3, orange.Grad!.Data.ToScalar(), 10);
        Assert.Equal(165, on.Grad!.Data.ToScalar(), 10);
        Assert.Equal(650, tax.Grad!.Data.ToScalar(), 10);
    }

    [Fact]
    public void IntermediateGradientsAreReleasedUnlessRetained()
    {
        var x = V(3, "x");
        var a = x * x; var y = a + x;
        y.Backward();
        Assert.Null(a.Grad);
        Assert.Equal(7, x.Grad!.Data.ToScalar());
        x.ClearGrad();
        var a2 = x * x; var y2 = a2 + x;
        y2.Backward(retainGrad: true);
        Assert.Equal(1, a2.Grad!.Data.ToScalar());
    }

    [Fact]
    public void SphereAndMatyas()
    {
        var x = V(1, "x"); var y = V(1, "y");
        (x * x + y * y).Backward();
        Assert.Equal(2, x.Grad!.Data.ToScalar(), 12); Assert.Equal(2, y.Grad!.Data.ToScalar(), 12);
        x = V(1, "x"); y = V(1, "y");
        (0.26 * (x * x + y * y) - 0.48 * x * y).Backward();
        // ∂/∂x = 0.52x − 0.48y = 0.04 at (1, 1), and the same for y by symmetry.
        Assert.Equal(0.04, x.Grad!.Data.ToScalar(), 12); Assert.Equal(0.04, y.Grad!.Data.ToScalar(), 12);
    }

    internal static Variable<double> GoldsteinPrice(Variable<double> x, Variable<double> y) =>
        (1.0 + (x + y + 1.0).Pow(2) * (19.0 - 14.0 * x + 3.0 * x.Pow(2) - 14.0 * y + 6.0 * x * y + 3.0 * y.Pow(2)))
        * (30.0 + (2.0 * x - 3.0 * y).Pow(2) * (18.0 - 32.0 * x + 12.0 * x.Pow(2) + 48.0 * y - 36.0 * x * y + 27.0 * y.Pow(2)));

    [Fact]
    public void GoldsteinPriceAtOneOne()
    {
        var x = V(1, "x"); var y = V(1, "y");
        GoldsteinPrice(x, y).Backward();
        Assert.Equal(-5376, x.Grad!.Data.ToScalar(), 8);
        Assert.Equal(8064, y.Grad!.Data.ToScalar(), 8);
    }

    [Fact]
    public void RosenbrockAtZeroTwoAndDescent()
    {
        static Variable<double> Rosen(Variable<double> a, Variable<double> b) => 100.0 * (b - a.Pow(2)).Pow(2) + (a - 1.0).Pow(2);
        var x0 = V(0, "x0"); var x1 = V(2, "x1");
        Rosen(x0, x1).Backward();
        Assert.Equal(-2, x0.Grad!.Data.ToScalar(), 10);
        Assert.Equal(400, x1.Grad!.Data.ToScalar(), 10);
        for (int i = 0; i < 50_000; i++)
        {
            x0.ClearGrad(); x1.ClearGrad();
            Assert.True(Nabla.Autograd.Autograd.IsGradEnabled, $"gradients disabled on this thread at iteration {i}");
            var y = Rosen(x0, x1);
            Assert.True(y.Creator is not null, $"no creator at iteration {i}");
            y.Backward();
            Assert.True(x0.Grad is not null, $"no gradient at iteration {i}");
            x0.Data = x0.Data - 0.001 * x0.Grad!.Data;
            x1.Data = x1.Data - 0.001 * x1.Grad!.Data;
        }
        Assert.Equal(1, x0.Data.ToScalar(), 2); Assert.Equal(1, x1.Data.ToScalar(), 2);
    }

    private static Variable<double> Quartic(Variable<double> x) => x.Pow(4) - 2.0 * x.Pow(2);

    [Fact]
    public void SecondDerivativeAndNewton()
    {
        var x = V(2, "x");
        var y = Quartic(x);
        y.Backward(createGraph: true);
        var gx = x.Grad!;
        Assert.Equal(24, gx.Data.ToScalar(), 10);
        x.ClearGrad();
        gx.Backward();
        Assert.Equal(44, x.Grad!.Data.ToScalar(), 10);

        x = V(2, "x");
        int steps = 0;
        while (Math.Abs(x.Data.ToScalar() - 1) > 1e-10 && steps < 20)
        {
            x.ClearGrad();
            Quartic(x).Backward(createGraph: true);
            var g1 = x.Grad!;
            x.ClearGrad();
            g1.Backward();
            x.Data = x.Data - g1.Data / x.Grad!.Data;
            steps++;
        }
        Assert.Equal(1, x.Data.ToScalar(), 10);
        Assert.InRange(steps, 1, 7);
    }

    [Fact]
    public void DoubleBackprop()
    {
        var x = V(2, "x");
        var y = x.Pow(2);
        y.Backward(createGraph: true);
        var gx = x.Grad!;
        x.ClearGrad();
        var z = gx.Pow(3) + y;
        z.Backward();
        Assert.Equal(100, x.Grad!.Data.ToScalar(), 10);
    }

    [Fact]
    public void HigherOrderTanhMatchesClosedForms()
    {
        // d/dx tanh = 1 − t², d²/dx² = −2t(1 − t²), d³/dx³ = −2(1 − t²)(1 − 3t²).
        double x0 = 0.7, t = Math.Tanh(x0);
        var x = V(x0, "x");
        Tanh(x).Backward(createGraph: true);
        var g = x.Grad!;
        Assert.Equal(1 - t * t, g.Data.ToScalar(), 12);
        x.ClearGrad(); g.Backward(createGraph: true);
        var g2 = x.Grad!;
        Assert.Equal(-2 * t * (1 - t * t), g2.Data.ToScalar(), 12);
        x.ClearGrad(); g2.Backward();
        Assert.Equal(-2 * (1 - t * t) * (1 - 3 * t * t), x.Grad!.Data.ToScalar(), 12);
    }

    [Fact]
    public void DiamondAndReuseAccumulate()
    {
        // a = x²; y = a² + a² (two paths through a): dy/dx = 2·2a·2x = 16 at x = 1... a = 1 → 8x³ = 8.
        var x = V(1, "x");
        var a = Square(x);
        var y = Square(a) + Square(a);
        y.Backward();
        Assert.Equal(8, x.Grad!.Data.ToScalar(), 12);
        // x + x + x: 3
        var u = V(5, "u");
        (u + u + u).Backward();
        Assert.Equal(3, u.Grad!.Data.ToScalar());
    }

    private static Variable<double> Square(Variable<double> x) => x * x;

    [Fact]
    public void NoGradBuildsNoGraphAndRestores()
    {
        var x = V(2, "x");
        using (Nabla.Autograd.Autograd.NoGrad())
        {
            Assert.False(Nabla.Autograd.Autograd.IsGradEnabled);
            var y = x * x;
            Assert.Null(y.Creator);
        }
        Assert.True(Nabla.Autograd.Autograd.IsGradEnabled);
        Assert.NotNull((x * x).Creator);
    }

    [Fact]
    public void TestModeTurnsDropoutOff()
    {
        var x = new Variable<double>(Tensor<double>.Ones(100));
        var train = Dropout(x, 0.5, new Random(1));
        Assert.Contains(0.0, train.Data.ToArray());
        Assert.Contains(2.0, train.Data.ToArray());
        using (Nabla.Autograd.Autograd.TestMode())
            Assert.Same(x, Dropout(x, 0.5));
    }
}
