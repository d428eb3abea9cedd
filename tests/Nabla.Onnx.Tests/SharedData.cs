using Nabla.Data;

namespace Nabla.Onnx.Tests;

/// <summary>
/// <c>../shared/data</c> beside the repository (MNIST, the book's weights), as in Nabla.Tests; tests that need it skip with
/// a message when it is missing.
/// </summary>
public static class SharedData
{
    /// <summary>The shared data folder, or null when it is not present.</summary>
    public static string? Dir { get; } = Find();

    /// <summary>Path of a file under the shared data folder; only call from tests that are not skipped.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Dir ?? throw new InvalidOperationException("../shared/data is missing"), .. parts]);

    private static readonly Lazy<MnistDataset<float>> _test = new(() =>
        MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = Path("mnist"), TestOnly = true }));
    private static readonly Lazy<MnistDataset<float>> _train = new(() =>
        MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = Path("mnist"), OneHot = true }));

    /// <summary>The MNIST test set, flattened (10,000 × 784), loaded once.</summary>
    public static MnistDataset<float> Test => _test.Value;

    /// <summary>The MNIST training set with one-hot labels, loaded once.</summary>
    public static MnistDataset<float> Train => _train.Value;

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("NABLA_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(candidate, "SHA256SUMS")))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs <c>../shared/data</c>; skipped with a message when it is missing.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data is missing.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.Dir is null) Skip = SharedDataTheoryAttribute.Message;
    }
}

/// <summary>A theory that needs <c>../shared/data</c>; skipped with a message when it is missing.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    internal const string Message = "../shared/data not found beside the repository (or via NABLA_SHARED_DATA); this test needs the real MNIST files / book weights.";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data is missing.</summary>
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Dir is null) Skip = Message;
    }
}
