using Nabla.Samples;

// One small program per book section. Run: dotnet run --project samples/Nabla.Samples -- <name>
var samples = new SortedDictionary<string, (string What, Func<string[], int> Run)>
{
    ["ch02-gates"] = ("AND, NAND, OR and XOR truth tables from perceptrons", Ch02Gates.Run),
    ["ch03-activations"] = ("step, sigmoid, ReLU and softmax on the book's inputs", Ch03Activations.Run),
    ["ch03-inference"] = ("3-layer inference with the book's sample_weight.pkl on the MNIST test set", Ch03Inference.Run),
    ["ch04-diff"] = ("numerical differentiation, gradients and gradient descent", Ch04Gradients.Run),
    ["ch04-simplenet"] = ("the book's simpleNet and its numerical gradient", Ch04Gradients.SimpleNet),
    ["ch04-train-numerical"] = ("TwoLayerNet (sigmoid) trained a few iterations with numerical gradients", Ch04TrainNumerical.Run),
    ["ch05-buy-apple"] = ("the apple shopping graph: forward and backward", Ch05Shopping.Apple),
    ["ch05-buy-apple-orange"] = ("the apple and orange shopping graph", Ch05Shopping.AppleOrange),
    ["ch05-gradient-check"] = ("backprop vs numerical gradients on 3 MNIST images", Ch05GradientCheck.Run),
    ["ch05-train"] = ("the chapter 5 training loop (10,000 iterations)", Ch05Train.Run),
    ["ch07-filters"] = ("SimpleConvNet's first-layer filters before and after training, as PNG grids", Ch07Filters.Run),
};

if (args.Length == 0 || !samples.TryGetValue(args[0], out var sample))
{
    if (args.Length > 0) Console.Error.WriteLine($"Unknown sample '{args[0]}'.");
    Console.WriteLine("usage: dotnet run --project samples/Nabla.Samples -- <sample> [--data DIR]\n");
    foreach (var (name, (what, _)) in samples) Console.WriteLine($"  {name,-24} {what}");
    return args.Length == 0 ? 0 : 2;
}
try
{
    return sample.Run(args[1..]);
}
catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
