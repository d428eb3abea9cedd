using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void ShortRunRaisesAccuracyWellAboveChance()
    {
        var (x, t, _) = Synthetic.Blobs<float>(2000, 20, 10, spread: 0.35, seed: 1);
        var (xt, tt, _) = Synthetic.Blobs<float>(500, 20, 10, spread: 0.35, seed: 2);
        var net = new TwoLayerNet<float>(20, 32, 10, rng: new Random(3));
        double before = net.Accuracy(xt, tt);
        var reports = new List<TrainingProgress>();
        var trainer = new Trainer<float>(net, new Sgd<float>(0.5), x, t, xt, tt, new TrainerOptions { Iterations = 600, BatchSize = 50, Seed = 4 });
        var history = trainer.Train(new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.Equal(600, history.Loss.Count);
        Assert.Equal(15, history.Epochs.Count); // evaluated at i = 0, 40, …, 560
        Assert.InRange(before, 0, 0.3);
        Assert.True(history.Epochs[^1].TestAccuracy > 0.85, $"test accuracy {history.Epochs[^1].TestAccuracy}");
        Assert.True(history.Loss.Skip(550).Average() < history.Loss.Take(50).Average() / 3);
        Assert.Equal(600, reports[^1].Iteration);
        Assert.Equal(15, reports.Count(r => r.Epoch is not null));
    }

    [Fact]
    public void NaNLossStopsTrainingNamingTheIteration()
    {
        var (x, t, _) = Synthetic.Blobs<double>(100, 5, 3);
        x[17, 2] = double.NaN;
        var net = new TwoLayerNet<double>(5, 4, 3);
        var trainer = new Trainer<double>(net, new Sgd<double>(0.1), x, t, x, t, new TrainerOptions { Iterations = 1000, BatchSize = 10 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train());
        Assert.Contains($"iteration {e.Iteration}", e.Message);
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        var (x, t, _) = Synthetic.Blobs<double>(10, 2, 2);
        var net = new TwoLayerNet<double>(2, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<double>(net, new Sgd<double>(), x, t, x, t, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<double>(net, new Sgd<double>(), x, t, x, t, new TrainerOptions { Iterations = -5 }));
    }

    [Fact]
    public void HistoryCsvIsWrittenAtomically()
    {
        var h = new TrainingHistory();
        h.Epochs.Add(new EpochMetrics(0, 0, 0.1, 0.2, 2.3, TimeSpan.FromSeconds(1.5)));
        string path = Path.Combine(Path.GetTempPath(), $"nabla-{Guid.NewGuid():N}.csv");
        try
        {
            h.WriteCsv(path);
            Assert.Equal(["epoch,iteration,loss,train_acc,test_acc,seconds", "0,0,2.3,0.1,0.2,1.500"], File.ReadAllLines(path));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*"));
        }
        finally { File.Delete(path); }
    }
}

public class TrainerEpochTests
{
    [Fact]
    public void EpochsSetTheIterationCountLikeTheBooksTrainer()
    {
        var (x, t, _) = Synthetic.Blobs<double>(250, 4, 3);
        var trainer = new Trainer<double>(new TwoLayerNet<double>(4, 5, 3), new Sgd<double>(0.1), x, t, x, t,
            new TrainerOptions { Epochs = 3, BatchSize = 50, Iterations = 999 });
        Assert.Equal(15, trainer.TotalIterations);
        var h = trainer.Train();
        Assert.Equal(15, h.Loss.Count);
        Assert.Equal([0, 5, 10], h.Epochs.Select(e => e.Iteration));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<double>(new TwoLayerNet<double>(4, 5, 3), new Sgd<double>(0.1), x, t, x, t, new TrainerOptions { Epochs = 0 }));
    }
}
