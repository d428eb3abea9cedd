#:project ../src/Nabla/Nabla.csproj
// Chapter 6 (6.3, batch_norm_test.py): MultiLayerNetExtend 784-100×5-10 on 1,000 training images, with and without
// batch normalisation, for 16 initial weight scales from 1 down to 1e-4; prints the train accuracy per epoch of both
// as the book does ("epoch:N | without - with"): batch norm learns at nearly every scale, the plain network at few.
// Run: dotnet run -c Release samples/ch06-batch-norm.cs [-- --epochs N --scales N]
using Nabla.Data;
using Nabla.Experiments;

var mnist = await MnistLoader.LoadOrFetchAsync<float>(DatasetKind.Mnist,
    new MnistOptions { Directory = Arg("--data") ?? Shared("mnist"), Normalize = true, OneHot = true });
var (xTrain, tTrain) = (mnist.XTrain.Slice(0, 1000), mnist.TTrain.Slice(0, 1000));
int scales = int.Parse(Arg("--scales") ?? "16");
var results = Experiments.BatchNormComparison(xTrain, tTrain, scales, epochs: int.Parse(Arg("--epochs") ?? "20"));
for (int i = 0; i < results.Count; i++)
{
    var (scale, withBatchNorm, without) = results[i];
    Console.WriteLine($"============== {i + 1}/{scales} (weight scale {scale:G3}) ==============");
    for (int e = 0; e < without.Length; e++) Console.WriteLine($"epoch:{e} | {without[e]:F3} - {withBatchNorm[e]:F3}");
}

string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

// A file or folder under shared/data beside the repository (or any folder above the current one), if present.
static string? Shared(string relative)
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Path.Combine(d.FullName, "shared", "data", relative) is var p && (File.Exists(p) || Directory.Exists(p))) return p;
    return null;
}
