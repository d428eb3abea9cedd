using Nabla.Data;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>
/// <see cref="TrainerOptions.OverlapEvaluation"/>: each epoch's accuracies measured on a copy of the network on a core of
/// their own, while training goes on. Everything a run records must be what measuring in place records.
/// </summary>
public class OverlappedEvaluationTests
{
    private static bool CanOverlap => WorkerPool.Concurrency >= 2;

    /// <summary>
    /// Four classes of 784-pixel byte images (MNIST's size, so that the products split among the cores as MNIST's do);
    /// class c lights about 60 % of band c of the pixels and 6 % elsewhere.
    /// </summary>
    private static (ByteImages<float> X, Tensor<float> T) SparseBands(int n, int seed) => Synthetic.SparseBands(n, 784, seed, offBand: 0.06);

    private static object Record(EpochMetrics e) => (e.Epoch, e.Iteration, e.TrainAccuracy, e.TestAccuracy, e.Loss);

    [Fact]
    public void OverlappedRunRecordsWhatAnInPlaceRunRecords()
    {
        // 1,200 training images in batches of 100: an epoch is 12 iterations, so 10 measurements in 120 iterations, each
        // with a batch of 1,000 and one of 200 (a 1,000-image batch splits among the cores in the in-place run).
        var (x, t) = SparseBands(1200, 1);
        var (xt, tt) = SparseBands(1100, 2);
        TrainingHistory Run(bool? overlap, out TwoLayerNet<float> net)
        {
            net = new TwoLayerNet<float>(784, 50, 4, rng: new Random(3));
            var options = new TrainerOptions { Iterations = 120, BatchSize = 100, Seed = 4, OverlapEvaluation = overlap };
            return new Trainer<float>(net, new Sgd<float>(0.1), x, t, xt, tt, options).Train();
        }
        var inPlace = Run(false, out var a);
        var overlapped = Run(null, out var b);
        Assert.Equal(inPlace.Loss, overlapped.Loss);
        Assert.Equal(10, overlapped.Epochs.Count);
        Assert.Equal(inPlace.Epochs.Select(Record), overlapped.Epochs.Select(Record));
        Assert.All(inPlace.Epochs, e => Assert.False(e.Overlapped));
        Assert.All(overlapped.Epochs, e => Assert.Equal(CanOverlap, e.Overlapped));
        Assert.All(overlapped.Epochs, e => Assert.True(e.EvaluationTime > TimeSpan.Zero));
        foreach (var (name, p) in a.Params) Assert.Equal(p.ToArray(), b.Params[name].ToArray());
        Assert.True(overlapped.Epochs[^1].TestAccuracy > 0.9, $"test accuracy {overlapped.Epochs[^1].TestAccuracy}");
        // The lent core is back: this thread's jobs have every core again.
        Assert.Equal(Environment.ProcessorCount, WorkerPool.Concurrency);
    }

    [Fact]
    public void OverlappedRunOnTensorsRecordsWhatAnInPlaceRunRecords()
    {
        var (x, t, _) = Synthetic.Blobs<double>(400, 6, 3, seed: 1);
        var (xt, tt, _) = Synthetic.Blobs<double>(150, 6, 3, seed: 2);
        TrainingHistory Run(bool overlap) =>
            new Trainer<double>(new TwoLayerNet<double>(6, 10, 3, rng: new Random(3)), new Sgd<double>(0.2), x, t, xt, tt,
                new TrainerOptions { Epochs = 6, BatchSize = 40, EvaluationSampleSize = 300, OverlapEvaluation = overlap }).Train();
        var inPlace = Run(false);
        var overlapped = Run(true);
        Assert.Equal(inPlace.Loss, overlapped.Loss);
        Assert.Equal(inPlace.Epochs.Select(Record), overlapped.Epochs.Select(Record));
        Assert.All(overlapped.Epochs, e => Assert.Equal(CanOverlap, e.Overlapped));
    }

    [Fact]
    public void EveryEpochIsReportedOnceInOrderOnTheTrainingThread()
    {
        var (x, t) = SparseBands(600, 3);
        var reports = new List<(TrainingProgress Report, int Thread)>();
        var trainer = new Trainer<float>(new TwoLayerNet<float>(784, 20, 4, rng: new Random(1)), new Sgd<float>(0.1), x, t, x, t,
            new TrainerOptions { Iterations = 61, BatchSize = 50, ReportEvery = 7 });
        var history = trainer.Train(new SynchronousProgress<TrainingProgress>(p => reports.Add((p, Environment.CurrentManagedThreadId))));
        var epochs = reports.Where(r => r.Report.Epoch is not null).Select(r => r.Report.Epoch!).ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5], epochs.Select(e => e.Epoch));          // iterations 0, 12, …, 60
        Assert.Equal(history.Epochs, epochs);
        Assert.All(reports, r => Assert.Equal(Environment.CurrentManagedThreadId, r.Thread));
        // An epoch's report comes at or after its iteration, and the last one by the end of the run.
        Assert.All(reports.Where(r => r.Report.Epoch is not null), r => Assert.True(r.Report.Iteration > r.Report.Epoch!.Iteration));
        Assert.Equal(61, reports[^1].Report.Iteration);
        Assert.True(reports.Select(r => r.Report.Iteration).Zip(reports.Skip(1).Select(r => r.Report.Iteration)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void EpochsOfOneIterationAreEachMeasuredOnce()
    {
        // A measurement every iteration, quick beside the iteration (two images against a batch of 2,000): each one is done
        // when the next iteration ends, and must be reported then, the next one still started.
        var (x, t, _) = Synthetic.Blobs<float>(2000, 40, 3, seed: 7);
        var (xt, tt, _) = Synthetic.Blobs<float>(2, 40, 3, seed: 8);
        var reports = new List<TrainingProgress>();
        var trainer = new Trainer<float>(new TwoLayerNet<float>(40, 64, 3), new Sgd<float>(0.1), x, t, xt, tt,
            new TrainerOptions { Iterations = 100, BatchSize = 2000, EvaluationSampleSize = 2, OverlapEvaluation = true });
        var history = trainer.Train(new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.Equal(Enumerable.Range(0, 100), history.Epochs.Select(e => e.Epoch));
        Assert.Equal(Enumerable.Range(0, 100), history.Epochs.Select(e => e.Iteration));
        Assert.Equal(history.Epochs, reports.Where(r => r.Epoch is not null).Select(r => r.Epoch!));
    }

    [Fact]
    public void AnEpochHandlerTurnsTheDefaultOffAndRunsInOrderWhenAskedFor()
    {
        var (x, t, _) = Synthetic.Blobs<float>(300, 5, 3, seed: 4);
        List<EpochMetrics> Run(bool? overlap)
        {
            var seen = new List<EpochMetrics>();
            var trainer = new Trainer<float>(new TwoLayerNet<float>(5, 8, 3), new Sgd<float>(0.1), x, t, x, t,
                new TrainerOptions { Iterations = 50, BatchSize = 30, OverlapEvaluation = overlap }) { EpochCompleted = seen.Add };
            Assert.Equal(seen, trainer.Train().Epochs);
            return seen;
        }
        Assert.All(Run(null), e => Assert.False(e.Overlapped)); // a checkpoint must save the weights that were measured
        var asked = Run(true);
        Assert.Equal([0, 1, 2, 3, 4], asked.Select(e => e.Epoch));
        Assert.All(asked, e => Assert.Equal(CanOverlap, e.Overlapped));
    }

    [Fact]
    public void NetworksWithoutACopyAreMeasuredInPlace()
    {
        var (x, t, _) = Synthetic.Blobs<float>(200, 5, 3, seed: 5);
        // Batch normalization's running statistics are not parameters: a copy could not predict as the network does.
        var net = new MultiLayerNetExtend<float>(5, [6, 6], 3, useBatchNorm: true);
        var history = new Trainer<float>(net, new Sgd<float>(0.1), x, t, x, t, new TrainerOptions { Iterations = 20, BatchSize = 20, OverlapEvaluation = true }).Train();
        Assert.All(history.Epochs, e => Assert.False(e.Overlapped));
        var convolutional = new SimpleConvNet<float>(1, 6, 6, filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3);
        var (xi, ti, _) = Synthetic.Blobs<float>(40, 36, 3, seed: 5);
        var images = new Trainer<float>(convolutional, new Sgd<float>(0.1), xi.Reshape(40, 1, 6, 6), ti, xi.Reshape(40, 1, 6, 6), ti,
            new TrainerOptions { Iterations = 6, BatchSize = 10, OverlapEvaluation = true }).Train();
        Assert.All(images.Epochs, e => Assert.False(e.Overlapped));
    }

    [Fact]
    public void DeeperNetworksWithDropoutAndDecayOverlapToTheSameRecords()
    {
        var (x, t, _) = Synthetic.Blobs<float>(300, 8, 3, seed: 9);
        TrainingHistory Run(bool overlap) =>
            new Trainer<float>(new MultiLayerNetExtend<float>(8, [12, 10], 3, weightDecayLambda: 0.01, useDropout: true, dropoutRatio: 0.2, rng: new Random(2)),
                new Sgd<float>(0.1), x, t, x, t, new TrainerOptions { Iterations = 40, BatchSize = 30, OverlapEvaluation = overlap }).Train();
        var inPlace = Run(false);
        var overlapped = Run(true);
        Assert.Equal(inPlace.Loss, overlapped.Loss);
        Assert.Equal(inPlace.Epochs.Select(Record), overlapped.Epochs.Select(Record));
        Assert.All(overlapped.Epochs, e => Assert.Equal(CanOverlap, e.Overlapped));
    }

    /// <summary>A layer that passes its input on while training and fails when predicting.</summary>
    private sealed class FailsWhenPredicting : ILayer<double>
    {
        public Tensor<double> Forward(Tensor<double> x, bool train = true) =>
            train ? x : throw new InvalidOperationException("no predictions here");
        public Tensor<double> Backward(Tensor<double> dout) => dout;
    }

    private sealed class FailingNet : LayerNetwork<double>
    {
        public FailingNet()
        {
            var affine = Add("Affine1", new Affine<double>(Tensor<double>.RandomNormal(new Random(1), 0.1, 4, 3), Tensor<double>.Zeros(3)));
            Add("Fails", new FailsWhenPredicting());
            Register("W1", affine.W, affine.DW);
            Register("b1", affine.B, affine.DB);
        }

        protected override LayerNetwork<double> CreateEmptyCopy() => new FailingNet();
    }

    [Fact]
    public void AMeasurementsFailureReachesTheCallerAndTheCoreIsGivenBack()
    {
        var (x, t, _) = Synthetic.Blobs<double>(100, 4, 3, seed: 6);
        var trainer = new Trainer<double>(new FailingNet(), new Sgd<double>(0.1), x, t, x, t, new TrainerOptions { Iterations = 30, BatchSize = 10 });
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Train());
        Assert.Equal("no predictions here", e.Message);
        Assert.Equal(Environment.ProcessorCount, WorkerPool.Concurrency);
    }

    [Fact]
    public void ADivergedRunWaitsForTheMeasurementAndGivesTheCoreBack()
    {
        var (x, t, _) = Synthetic.Blobs<double>(100, 5, 3);
        x[17, 2] = double.NaN;
        var trainer = new Trainer<double>(new TwoLayerNet<double>(5, 4, 3), new Sgd<double>(0.1), x, t, x, t, new TrainerOptions { Iterations = 1000, BatchSize = 10 });
        Assert.Throws<TrainingDivergedException>(() => trainer.Train());
        Assert.Equal(Environment.ProcessorCount, WorkerPool.Concurrency);
    }
}
