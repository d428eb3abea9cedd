using Nabla.Data;

namespace Nabla.TestData;

/// <summary>The MNIST sets the ONNX tests share, loaded once (the locator is tests/Common/SharedData.cs).</summary>
public static partial class SharedData
{
    private static readonly Lazy<MnistDataset<float>> _test = new(() =>
        MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = Path("mnist"), TestOnly = true }));
    private static readonly Lazy<MnistDataset<float>> _train = new(() =>
        MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = Path("mnist"), OneHot = true }));

    /// <summary>The MNIST test set, flattened (10,000 × 784), loaded once.</summary>
    public static MnistDataset<float> Test => _test.Value;

    /// <summary>The MNIST training set with one-hot labels, loaded once.</summary>
    public static MnistDataset<float> Train => _train.Value;
}
