using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Samples;

/// <summary>Chapter 5 (train_neuralnet.py): TwoLayerNet by backprop, 10,000 iterations of batch 100, lr 0.1, printing train and test accuracy each epoch.</summary>
internal static class Ch05Train
{
    public static int Run(string[] args)
    {
        var data = SampleData.Load<float>(args, oneHot: true);
        var net = new TwoLayerNet<float>(784, 50, 10, rng: new Random(0));
        // From the data set itself: the images stay bytes and only the rows read are converted (data.XTrain works too).
        var trainer = new Trainer<float>(net, new Sgd<float>(0.1), data,
            new TrainerOptions { Iterations = int.Parse(SampleData.Arg(args, "--iters") ?? "10000"), BatchSize = 100 });
        var history = trainer.Train(new SynchronousProgress<TrainingProgress>(p => { if (p.Epoch is { } e) Console.WriteLine($"{e.TrainAccuracy} {e.TestAccuracy}"); }));
        Console.WriteLine($"# {history.Elapsed.TotalSeconds:F2} s");
        return 0;
    }
}
