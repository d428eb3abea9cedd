// The console program scripts/pack-check.sh builds against the Nabla package from its folder: it trains the
// book's TwoLayerNet on a generated two-class problem (points inside or outside a circle) and fails below 90 %.
using Nabla;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

var rng = new Random(1);
(Tensor<float> X, Tensor<float> T) Make(int n)
{
    var x = new Tensor<float>(n, 2);
    var t = new Tensor<float>(n, 2);
    for (int i = 0; i < n; i++)
    {
        float a = (float)(rng.NextDouble() * 2 - 1), b = (float)(rng.NextDouble() * 2 - 1);
        x[i, 0] = a; x[i, 1] = b;
        t[i, a * a + b * b < 0.5f ? 1 : 0] = 1;
    }
    return (x, t);
}
var (xTrain, tTrain) = Make(2000);
var (xTest, tTest) = Make(500);
var net = new TwoLayerNet<float>(2, 32, 2, weightInitStd: 0.5, rng: new Random(0));
var trainer = new Trainer<float>(net, new Adam<float>(0.01), xTrain, tTrain, xTest, tTest, new TrainerOptions { Iterations = 3000, BatchSize = 50 });
var history = trainer.Train();
double accuracy = history.Epochs[^1].TestAccuracy;
Console.WriteLine($"TwoLayerNet from the Nabla package: test accuracy {accuracy:F3}");
return accuracy > 0.9 ? 0 : 1;
