#:project ../src/Nabla/Nabla.csproj
// Chapter 3 (3.6, neuralnet_mnist_batch.py): the book's pretrained 784-50-100-10 sigmoid network from
// sample_weight.pkl, run over the MNIST test set in batches of 100. The book prints Accuracy:0.9352.
// Run: dotnet run samples/ch03-inference.cs [-- --weights sample_weight.pkl --data MNIST_DIR]
using Nabla;
using Nabla.Data;
using Nabla.Functions;
using Nabla.IO;

string weights = Arg("--weights") ?? Shared(Path.Combine("book-weights", "sample_weight.pkl"))
    ?? throw new FileNotFoundException("sample_weight.pkl not found: pass --weights FILE (it is in ../shared/data/book-weights/).");
var network = Pickle.LoadArrays(weights).ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<float>());
var test = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, Flatten = true, TestOnly = true });
var (x, t) = (test.XTest, test.LabelsTest);

const int batchSize = 100;
int accuracyCount = 0;
for (int i = 0; i < x.Dim(0); i += batchSize)
{
    var p = Predict(x.Slice(i, Math.Min(i + batchSize, x.Dim(0)))).ArgMax(1);
    for (int j = 0; j < p.Length; j++) if (p[j] == t[i + j]) accuracyCount++;
}
Console.WriteLine($"Accuracy:{(double)accuracyCount / x.Dim(0)}");

// The book's predict: sigmoid(sigmoid(x·W1 + b1)·W2 + b2)·W3 + b3, then softmax.
Tensor<float> Predict(Tensor<float> x)
{
    var z1 = Activations.Sigmoid(x.Dot(network["W1"]) + network["b1"]);
    var z2 = Activations.Sigmoid(z1.Dot(network["W2"]) + network["b2"]);
    return Activations.Softmax(z2.Dot(network["W3"]) + network["b3"]);
}

// --name VALUE from the command line.
string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
