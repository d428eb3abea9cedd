using System.Numerics;

namespace Nabla.Data;

/// <summary>
/// A loaded MNIST-format data set: the book's <c>(x_train, t_train), (x_test, t_test)</c> as tensors,
/// the integer labels, and where the files came from.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MnistDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal MnistDataset(DatasetKind kind, MnistLocation location,
        Tensor<T> xTrain, Tensor<T> tTrain, int[] labelsTrain,
        Tensor<T> xTest, Tensor<T> tTest, int[] labelsTest)
    {
        Kind = kind;
        Location = location;
        XTrain = xTrain;
        TTrain = tTrain;
        LabelsTrain = labelsTrain;
        XTest = xTest;
        TTest = tTest;
        LabelsTest = labelsTest;
    }

    /// <summary>The data set.</summary>
    public DatasetKind Kind { get; }

    /// <summary>Training images: (N, 784) when flattened, else (N, 1, 28, 28); 0 rows when only the test set was loaded.</summary>
    public Tensor<T> XTrain { get; }

    /// <summary>Training labels: (N, 10) one-hot, else (N,) class values.</summary>
    public Tensor<T> TTrain { get; }

    /// <summary>Test images, shaped like <see cref="XTrain"/>.</summary>
    public Tensor<T> XTest { get; }

    /// <summary>Test labels, shaped like <see cref="TTrain"/>.</summary>
    public Tensor<T> TTest { get; }

    /// <summary>Training class labels 0–9 as integers (empty when only the test set was loaded).</summary>
    public int[] LabelsTrain { get; }

    /// <summary>Test class labels 0–9 as integers.</summary>
    public int[] LabelsTest { get; }

    /// <summary>The folder and how it was found.</summary>
    public MnistLocation Location { get; }

    /// <summary>A sentence naming the folder used and how it was found (explicit directory, NABLA_DATA, user cache or Debian package).</summary>
    public string Source => Location.Source;

    /// <summary>Number of training examples.</summary>
    public int TrainCount => LabelsTrain.Length;

    /// <summary>Number of test examples.</summary>
    public int TestCount => LabelsTest.Length;
}
