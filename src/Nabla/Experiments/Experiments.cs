using System.Numerics;
using Nabla.Data;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Experiments;

/// <summary>Accuracy per epoch of one training run.</summary>
/// <param name="Train">Train accuracy after each epoch's first iteration (epoch 0 included), as the book records it.</param>
/// <param name="Test">Test accuracy at the same points.</param>
/// <param name="DivergedAtIteration">The iteration whose loss was no longer finite, if the run diverged (the
/// book's NumPy code carries on with NaN weights at chance accuracy; here the remaining epochs repeat the
/// accuracy of the diverged network).</param>
public sealed record AccuracyCurves(double[] Train, double[] Test, int? DivergedAtIteration = null);

/// <summary>One trial of a random hyper-parameter search.</summary>
/// <param name="LearningRate">The learning rate tried.</param>
/// <param name="WeightDecay">The weight decay λ tried.</param>
/// <param name="ValidationAccuracy">Validation accuracy after each epoch.</param>
/// <param name="TrainAccuracy">Train accuracy after each epoch.</param>
public sealed record HyperparameterTrial(double LearningRate, double WeightDecay, double[] ValidationAccuracy, double[] TrainAccuracy);

/// <summary>
/// The book's chapter 6 experiments as plain computations that return their results (the CLI plots
/// them). Book defaults are the parameters' defaults; every experiment is seeded.
/// </summary>
public static class Experiments
{
    /// <summary>The book's 2-D function f(x, y) = x²/20 + y².</summary>
    public static double Bowl(double x, double y) => x * x / 20 + y * y;

    /// <summary>
    /// Paths of SGD (lr 0.95), Momentum (0.1), AdaGrad (1.5) and Adam (0.3) on f(x, y) = x²/20 + y²
    /// from (−7, 2), as optimizer_compare_naive.py: the points visited before each of the steps.
    /// </summary>
    public static IReadOnlyDictionary<string, (double X, double Y)[]> OptimizerTrajectories(int steps = 30)
    {
        var result = new Dictionary<string, (double, double)[]>();
        foreach (var (name, opt) in new (string, IOptimizer<double>)[]
                 { ("SGD", new Sgd<double>(0.95)), ("Momentum", new Momentum<double>(0.1)), ("AdaGrad", new AdaGrad<double>(1.5)), ("Adam", new Adam<double>(0.3)) })
        {
            var p = new Dictionary<string, Tensor<double>> { ["x"] = Tensor.From(-7.0), ["y"] = Tensor.From(2.0) };
            var g = new Dictionary<string, Tensor<double>> { ["x"] = Tensor.From(0.0), ["y"] = Tensor.From(0.0) };
            var path = new (double, double)[steps];
            for (int i = 0; i < steps; i++)
            {
                double x = p["x"][0], y = p["y"][0];
                path[i] = (x, y);
                g["x"][0] = x / 10.0; g["y"][0] = 2.0 * y;
                opt.Update(p, g);
            }
            result[name] = path;
        }
        return result;
    }

    /// <summary>
    /// Trains every (network, optimizer) pair on the same random minibatches and returns each one's loss
    /// per iteration: the protocol of optimizer_compare_mnist.py and weight_init_compare.py.
    /// </summary>
    public static IReadOnlyDictionary<string, double[]> CompareTraining<T>(IReadOnlyDictionary<string, (INetwork<T> Network, IOptimizer<T> Optimizer)> runs,
        Tensor<T> x, Tensor<T> t, int iterations = 2000, int batchSize = 128, int seed = 0, CancellationToken cancellationToken = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MiniBatch<T>(x, t, batchSize);
        var rng = new Random(seed);
        var losses = runs.ToDictionary(kv => kv.Key, _ => new double[iterations]);
        for (int i = 0; i < iterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Sample(rng);
            foreach (var (name, (net, opt)) in runs)
            {
                var grads = net.Gradient(batch.XBatch, batch.TBatch);
                losses[name][i] = double.CreateTruncating(net.LastLoss);
                opt.Update(net.Params, grads);
            }
        }
        return losses;
    }

    /// <summary>The book's optimizer comparison on MNIST-format data: MultiLayerNet 784-100×4-10, SGD/Momentum/AdaGrad lr 0.01, Adam lr 0.001.</summary>
    public static IReadOnlyDictionary<string, double[]> CompareOptimizers<T>(Tensor<T> x, Tensor<T> t, int iterations = 2000, int batchSize = 128, int seed = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = x.Dim(1), c = t.Dim(1);
        var runs = new Dictionary<string, (INetwork<T>, IOptimizer<T>)>();
        foreach (var (name, opt) in new (string, IOptimizer<T>)[] { ("SGD", new Sgd<T>(0.01)), ("Momentum", new Momentum<T>(0.01)), ("AdaGrad", new AdaGrad<T>(0.01)), ("Adam", new Adam<T>(0.001)) })
            runs[name] = (new MultiLayerNet<T>(d, [100, 100, 100, 100], c, rng: new Random(seed)), opt);
        return CompareTraining(runs, x, t, iterations, batchSize, seed);
    }

    /// <summary>The book's weight-init comparison: MultiLayerNet 784-100×4-10 (ReLU) with std 0.01, Xavier and He, SGD lr 0.01.</summary>
    public static IReadOnlyDictionary<string, double[]> CompareWeightInit<T>(Tensor<T> x, Tensor<T> t, int iterations = 2000, int batchSize = 128, int seed = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = x.Dim(1), c = t.Dim(1);
        var runs = new Dictionary<string, (INetwork<T>, IOptimizer<T>)>();
        foreach (var (name, init) in new[] { ("std=0.01", WeightInit.Std(0.01)), ("Xavier", WeightInit.Xavier), ("He", WeightInit.He) })
            runs[name] = (new MultiLayerNet<T>(d, [100, 100, 100, 100], c, HiddenActivation.Relu, init, rng: new Random(seed)), new Sgd<T>(0.01));
        return CompareTraining(runs, x, t, iterations, batchSize, seed);
    }

    /// <summary>
    /// The activations of <paramref name="layers"/> hidden layers of <paramref name="nodes"/> units fed with
    /// N(0, 1) input (weight_init_activation_histogram.py), as histograms of <paramref name="bins"/> bins over [0, 1].
    /// </summary>
    public static int[][] ActivationHistograms(HiddenActivation activation, WeightInit init, int layers = 5, int nodes = 100, int samples = 1000, int bins = 30, int seed = 0)
    {
        var rng = new Random(seed);
        var x = Tensor<double>.RandomNormal(rng, 1.0, samples, nodes);
        var result = new int[layers][];
        for (int l = 0; l < layers; l++)
        {
            var w = Tensor<double>.RandomNormal(rng, init.StdFor(nodes), nodes, nodes);
            var a = x.Dot(w);
            x = activation == HiddenActivation.Relu ? Functions.Activations.Relu(a) : Functions.Activations.Sigmoid(a);
            var h = result[l] = new int[bins];
            foreach (double v in x.Span)
                if (v >= 0 && v <= 1) h[Math.Min(bins - 1, (int)(v * bins))]++;
        }
        return result;
    }

    /// <summary>Trains <paramref name="network"/> for <paramref name="epochs"/> epochs (SGD by default) and returns its accuracy per epoch.</summary>
    public static AccuracyCurves TrainForEpochs<T>(INetwork<T> network, IOptimizer<T> optimizer, Tensor<T> xTrain, Tensor<T> tTrain, Tensor<T> xTest, Tensor<T> tTest,
        int epochs, int batchSize = 100, int seed = 0, CancellationToken cancellationToken = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trainer = new Trainer<T>(network, optimizer, xTrain, tTrain, xTest, tTest,
            new TrainerOptions { Epochs = epochs, BatchSize = batchSize, Seed = seed });
        var epochsSeen = new List<EpochMetrics>();
        trainer.EpochCompleted = epochsSeen.Add;
        int? diverged = null;
        try { trainer.Train(null, cancellationToken); }
        catch (TrainingDivergedException e) { diverged = e.Iteration; }
        var train = epochsSeen.Select(e => e.TrainAccuracy).ToList();
        var test = epochsSeen.Select(e => e.TestAccuracy).ToList();
        if (diverged is not null)
        {
            double trainNow = network.Accuracy(xTrain, tTrain), testNow = network.Accuracy(xTest, tTest);
            while (train.Count < epochs) { train.Add(trainNow); test.Add(testNow); }
        }
        return new AccuracyCurves([.. train], [.. test], diverged);
    }

    /// <summary>
    /// batch_norm_test.py: for each weight scale (book: 16 values from 1 down to 1e-4 on a log scale), train
    /// MultiLayerNetExtend 784-100×5-10 with and without batch norm (SGD lr 0.01) and return the train accuracy per epoch of both.
    /// </summary>
    public static IReadOnlyList<(double Scale, double[] WithBatchNorm, double[] Without)> BatchNormComparison<T>(Tensor<T> x, Tensor<T> t,
        int scales = 16, int epochs = 20, int batchSize = 100, int seed = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new List<(double, double[], double[])>();
        for (int i = 0; i < scales; i++)
        {
            double scale = scales == 1 ? 1 : Math.Pow(10, -4.0 * i / (scales - 1));
            AccuracyCurves Run(bool bn) => TrainForEpochs(
                new MultiLayerNetExtend<T>(x.Dim(1), [100, 100, 100, 100, 100], t.Dim(1), HiddenActivation.Relu, WeightInit.Std(scale), useBatchNorm: bn, rng: new Random(seed + i)),
                new Sgd<T>(0.01), x, t, x, t, epochs, batchSize, seed + i);
            result.Add((scale, Run(true).Train, Run(false).Train));
        }
        return result;
    }

    /// <summary>
    /// overfit_weight_decay.py / overfit_dropout.py: MultiLayerNet 784-100×6-10 on the first
    /// <paramref name="trainSize"/> training images, plain, with weight decay λ, and with dropout, SGD lr 0.01.
    /// </summary>
    public static IReadOnlyDictionary<string, AccuracyCurves> Overfitting<T>(Tensor<T> xTrain, Tensor<T> tTrain, Tensor<T> xTest, Tensor<T> tTest,
        int trainSize = 300, int epochs = 201, double weightDecay = 0.1, double dropoutRatio = 0.2, int seed = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = xTrain.Slice(0, Math.Min(trainSize, xTrain.Dim(0)));
        var t = tTrain.Slice(0, x.Dim(0));
        int d = x.Dim(1), c = t.Dim(1);
        int[] hidden = [100, 100, 100, 100, 100, 100];
        return new Dictionary<string, AccuracyCurves>
        {
            ["none"] = TrainForEpochs(new MultiLayerNet<T>(d, hidden, c, rng: new Random(seed)), new Sgd<T>(0.01), x, t, xTest, tTest, epochs, 100, seed),
            [$"weight decay {weightDecay}"] = TrainForEpochs(new MultiLayerNet<T>(d, hidden, c, weightDecayLambda: weightDecay, rng: new Random(seed)), new Sgd<T>(0.01), x, t, xTest, tTest, epochs, 100, seed),
            [$"dropout {dropoutRatio}"] = TrainForEpochs(new MultiLayerNetExtend<T>(d, hidden, c, useDropout: true, dropoutRatio: dropoutRatio, rng: new Random(seed)), new Sgd<T>(0.01), x, t, xTest, tTest, epochs, 100, seed),
        };
    }

    /// <summary>
    /// hyperparameter_optimization.py: on <paramref name="trainSize"/> shuffled training images with 20 % held out for
    /// validation, <paramref name="trials"/> runs of MultiLayerNet 784-100×6-10 with lr = 10^U(−6, −2) and
    /// weight decay = 10^U(−8, −4), SGD, <paramref name="epochs"/> epochs. Returns the trials best-first by final validation accuracy.
    /// </summary>
    public static IReadOnlyList<HyperparameterTrial> HyperparameterSearch<T>(Tensor<T> xTrain, Tensor<T> tTrain, int trainSize = 500, int trials = 100,
        int epochs = 50, int seed = 0, CancellationToken cancellationToken = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        int n = Math.Min(trainSize, xTrain.Dim(0));
        var order = Enumerable.Range(0, xTrain.Dim(0)).OrderBy(_ => rng.Next()).Take(n).ToArray();
        int validation = (int)(n * 0.2);
        var xVal = xTrain.TakeRows(order.AsSpan(0, validation)); var tVal = tTrain.TakeRows(order.AsSpan(0, validation));
        var x = xTrain.TakeRows(order.AsSpan(validation)); var t = tTrain.TakeRows(order.AsSpan(validation));
        var results = new List<HyperparameterTrial>();
        for (int i = 0; i < trials; i++)
        {
            double decay = Math.Pow(10, -8 + 4 * rng.NextDouble()), lr = Math.Pow(10, -6 + 4 * rng.NextDouble());
            var net = new MultiLayerNet<T>(x.Dim(1), [100, 100, 100, 100, 100, 100], t.Dim(1), weightDecayLambda: decay, rng: new Random(seed + i));
            var curves = TrainForEpochs(net, new Sgd<T>(lr), x, t, xVal, tVal, epochs, Math.Min(100, x.Dim(0)), seed + i, cancellationToken);
            results.Add(new HyperparameterTrial(lr, decay, curves.Test, curves.Train));
        }
        return [.. results.OrderByDescending(r => r.ValidationAccuracy[^1])];
    }
}
