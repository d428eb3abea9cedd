namespace Nabla.Data;

/// <summary>The MNIST-format data sets Nabla knows how to find and fetch.</summary>
public enum DatasetKind
{
    /// <summary>Handwritten digits (Y. LeCun, C. Cortes, C. Burges): 60,000 train and 10,000 test images of 28×28.</summary>
    Mnist,

    /// <summary>Zalando's Fashion-MNIST: clothing images in exactly MNIST's layout and file names.</summary>
    FashionMnist,
}

/// <summary>Names and folders shared by the loader and the fetcher.</summary>
public static class MnistFiles
{
    /// <summary>Canonical name of the training images (raw; <c>.gz</c> appended when gzipped).</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>Canonical name of the training labels.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>Canonical name of the test images.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>Canonical name of the test labels.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The four canonical names, train images first.</summary>
    public static IReadOnlyList<string> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>The folder name a data set lives in under <c>NABLA_DATA</c> or the user cache: <c>mnist</c> or <c>fashion-mnist</c>.</summary>
    public static string FolderName(DatasetKind kind) => kind switch
    {
        DatasetKind.Mnist => "mnist",
        DatasetKind.FashionMnist => "fashion-mnist",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown data set."),
    };

    /// <summary>The data set's name as people write it: <c>MNIST</c> or <c>Fashion-MNIST</c>.</summary>
    public static string DisplayName(DatasetKind kind) => kind switch
    {
        DatasetKind.Mnist => "MNIST",
        DatasetKind.FashionMnist => "Fashion-MNIST",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown data set."),
    };
}
