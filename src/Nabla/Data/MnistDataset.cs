using System.Numerics;

namespace Nabla.Data;

/// <summary>
/// A loaded MNIST-format data set: the book's <c>(x_train, t_train), (x_test, t_test)</c> as tensors,
/// the integer labels, and where the files came from.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MnistDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _xTrain, _xTest;

    internal MnistDataset(DatasetKind kind, MnistLocation location,
        ByteImages<T> trainImages, Tensor<T> tTrain, int[] labelsTrain,
        ByteImages<T> testImages, Tensor<T> tTest, int[] labelsTest)
    {
        Kind = kind;
        Location = location;
        TrainImages = trainImages;
        TTrain = tTrain;
        LabelsTrain = labelsTrain;
        TestImages = testImages;
        TTest = tTest;
        LabelsTest = labelsTest;
    }

    /// <summary>
    /// The training images as their pixel bytes, converted only as rows are read (47 MB for MNIST instead of the
    /// 188 MB of <see cref="XTrain"/> in float32). <see cref="Training.Trainer{T}"/> and <see cref="MiniBatch{T}"/> train from them.
    /// </summary>
    public ByteImages<T> TrainImages { get; }

    /// <summary>The test images as their pixel bytes; see <see cref="TrainImages"/>.</summary>
    public ByteImages<T> TestImages { get; }

    /// <summary>The data set.</summary>
    public DatasetKind Kind { get; }

    /// <summary>Training images: (N, 784) when flattened, else (N, 1, 28, 28); 0 rows when only the test set was loaded.</summary>
    /// <remarks>Converted from <see cref="TrainImages"/> the first time it is read, then kept.</remarks>
    public Tensor<T> XTrain => LazyInitializer.EnsureInitialized(ref _xTrain, TrainImages.ToTensor);

    /// <summary>Training labels: (N, 10) one-hot, else (N,) class values.</summary>
    public Tensor<T> TTrain { get; }

    /// <summary>Test images, shaped like <see cref="XTrain"/>.</summary>
    /// <remarks>Converted from <see cref="TestImages"/> the first time it is read, then kept.</remarks>
    public Tensor<T> XTest => LazyInitializer.EnsureInitialized(ref _xTest, TestImages.ToTensor);

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
