using Nabla.Optimizers;

namespace Nabla.Tests.Optimizers;

public class OptimizerTests
{
    private static (Dictionary<string, Tensor<double>> P, Dictionary<string, Tensor<double>> G) One(double w, double g) =>
        (new() { ["w"] = Tensor.From(w) }, new() { ["w"] = Tensor.From(g) });

    [Fact]
    public void FirstStepsMatchHandComputedValues()
    {
        // w = 1, g = 0.5, lr = 0.1
        var (p, g) = One(1, 0.5);
        new Sgd<double>(0.1).Update(p, g);
        Assert.Equal(0.95, p["w"][0], 1e-15);

        (p, g) = One(1, 0.5);
        var mom = new Momentum<double>(0.1, 0.9);
        mom.Update(p, g);                      // v = −0.05, w = 0.95
        mom.Update(p, g);                      // v = 0.9·(−0.05) − 0.05 = −0.095, w = 0.855
        Assert.Equal(0.855, p["w"][0], 1e-15);

        (p, g) = One(1, 0.5);
        new Nesterov<double>(0.1, 0.9).Update(p, g); // v = −0.05; w += 0.81·(−0.05) − 1.9·0.05
        Assert.Equal(1 - 0.0405 - 0.095, p["w"][0], 1e-15);

        (p, g) = One(1, 0.5);
        new AdaGrad<double>(0.1).Update(p, g);  // h = 0.25; w −= 0.1·0.5/(0.5 + 1e-7)
        Assert.Equal(1 - 0.05 / (0.5 + 1e-7), p["w"][0], 1e-15);

        (p, g) = One(1, 0.5);
        new RmsProp<double>(0.1, 0.99).Update(p, g); // h = 0.01·0.25
        Assert.Equal(1 - 0.1 * 0.5 / (Math.Sqrt(0.0025) + 1e-7), p["w"][0], 1e-14);

        (p, g) = One(1, 0.5);
        new Adam<double>(0.1).Update(p, g);     // lr_t = 0.1·√0.001/0.1; m = 0.05; v = 0.00025
        double lrT = 0.1 * Math.Sqrt(1 - 0.999) / (1 - 0.9);
        Assert.Equal(1 - lrT * 0.05 / (Math.Sqrt(0.00025) + 1e-7), p["w"][0], 1e-14);
    }

    [Theory]
    [InlineData("sgd", 0.1)]
    [InlineData("momentum", 0.05)]
    [InlineData("nesterov", 0.05)]
    [InlineData("adagrad", 0.5)]
    [InlineData("rmsprop", 0.005)]
    [InlineData("adam", 0.1)]
    public void ReachTheMinimumOfAConvexBowl(string name, double lr)
    {
        // f(x, y) = x²/20 + y², the book's chapter 6 function, gradient (x/10, 2y); minimum at 0.
        var opt = OptimizerFactory.Create<double>(name, lr);
        var p = new Dictionary<string, Tensor<double>> { ["xy"] = Tensor.From(-7.0, 2.0) };
        var g = new Dictionary<string, Tensor<double>> { ["xy"] = Tensor<double>.Zeros(2) };
        for (int i = 0; i < 3000; i++)
        {
            g["xy"][0] = p["xy"][0] / 10; g["xy"][1] = 2 * p["xy"][1];
            opt.Update(p, g);
        }
        Assert.InRange(Math.Abs(p["xy"][0]), 0, 1e-2);
        Assert.InRange(Math.Abs(p["xy"][1]), 0, 1e-2);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>(double.NaN));
        var e = Assert.Throws<ArgumentException>(() => OptimizerFactory.Create<float>("lbfgs", 0.1));
        Assert.Contains("lbfgs", e.Message);
        var p = new Dictionary<string, Tensor<double>> { ["w"] = Tensor<double>.Zeros(2) };
        Assert.Throws<ArgumentException>(() => new Sgd<double>().Update(p, new Dictionary<string, Tensor<double>>()));
    }
}

public class OptimizerByNameTests
{
    [Fact]
    public void TheBooksParameterDictionariesAreAccepted()
    {
        var adam = Assert.IsType<Adam<double>>(OptimizerFactory.Create<double>("Adam", new Dictionary<string, double> { ["lr"] = 0.01, ["beta2"] = 0.99 }));
        Assert.Equal(0.01, adam.LearningRate);
        Assert.Equal(0.99, adam.Beta2);
        Assert.Equal(0.9, adam.Beta1);
        var mom = Assert.IsType<Momentum<float>>(OptimizerFactory.Create<float>("momentum", new Dictionary<string, double> { ["momentum"] = 0.5 }));
        Assert.Equal(0.5, mom.MomentumCoefficient);
        Assert.Equal(0.01, mom.LearningRate);
        var e = Assert.Throws<ArgumentException>(() => OptimizerFactory.Create<float>("sgd", new Dictionary<string, double> { ["momentum"] = 0.9 }));
        Assert.Contains("momentum", e.Message);
    }

    [Fact]
    public void TrainerTakesTheOptimizerByNameLikeTheBook()
    {
        var (x, t, _) = Synthetic.Blobs<double>(200, 4, 3);
        var trainer = new Nabla.Training.Trainer<double>(new Nabla.Models.TwoLayerNet<double>(4, 5, 3), "sgd", new Dictionary<string, double> { ["lr"] = 0.1 },
            x, t, x, t, new Nabla.Training.TrainerOptions { Epochs = 2, BatchSize = 50 });
        Assert.Equal(8, trainer.Train().Loss.Count);
    }
}
