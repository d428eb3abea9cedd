#:project ../src/Nabla/Nabla.csproj
// Chapter 8 (8.1, deep_convnet.py and misclassified_mnist.py): the book's DeepConvNet — six 3×3 convolutions
// (16, 16, 32, 32, 64, 64 channels) with ReLU and three poolings, then affine 50 – dropout – affine 10 — with the
// book's trained weights (deep_convnet_params.pkl): the book prints "test accuracy:0.9935". Then the first
// misclassified test images, as misclassified_mnist.py lists them.
// Run: dotnet run -c Release samples/ch08-deep-convnet.cs [-- --weights FILE --data MNIST_DIR]
using Nabla.Data;
using Nabla.Models;

string weights = Arg("--weights") ?? Shared(Path.Combine("book-weights", "deep_convnet_params.pkl"))
    ?? throw new FileNotFoundException("deep_convnet_params.pkl not found: pass --weights FILE (it is in ../shared/data/book-weights/).");
var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, Flatten = false, OneHot = true, TestOnly = true });
var network = new DeepConvNet<float>();
network.LoadParams(weights);
Console.WriteLine("calculating test accuracy ... ");
Console.WriteLine($"test accuracy:{network.Accuracy(mnist.XTest, mnist.TTest, batchSize: 100):F4}");

var wrong = new List<(int Index, int Predicted, int Label)>();
for (int i = 0; i < mnist.XTest.Dim(0) && wrong.Count < 20; i += 100)
{
    var predicted = network.Predict(mnist.XTest.Slice(i, i + 100)).ArgMax(1);
    for (int j = 0; j < predicted.Length && wrong.Count < 20; j++)
        if (predicted[j] != mnist.LabelsTest[i + j]) wrong.Add((i + j, predicted[j], mnist.LabelsTest[i + j]));
}
Console.WriteLine("======= misclassified result =======");
Console.WriteLine("{view index: (label, inference), ...}");
Console.WriteLine("{" + string.Join(", ", wrong.Select((w, k) => $"{k + 1}: ({w.Label}, {w.Predicted})")) + "}");

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
