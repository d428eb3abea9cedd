using System.Numerics;
using Nabla.Layers;

namespace Nabla.Models;

/// <summary>
/// The book's chapter 7 <c>SimpleConvNet</c>: Conv(30 filters 5×5) – ReLU – Pool(2×2, stride 2) –
/// Affine(100) – ReLU – Affine(10) – SoftmaxWithLoss, for 1×28×28 input by default.
/// Parameters W1 (30, 1, 5, 5), b1, W2 (4320, 100), b2, W3 (100, 10), b3.
/// </summary>
public sealed class SimpleConvNet<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network with seeded random weights (std 0.01, as the book).</summary>
    public SimpleConvNet(int channels = 1, int height = 28, int width = 28, int filterNum = 30, int filterSize = 5, int pad = 0, int stride = 1,
        int hiddenSize = 100, int outputSize = 10, double weightInitStd = 0.01, Random? rng = null)
    {
        rng ??= new Random(0);
        T std = T.CreateChecked(weightInitStd);
        int convOut = (height + 2 * pad - filterSize) / stride + 1;
        int convOutW = (width + 2 * pad - filterSize) / stride + 1;
        if (convOut < 2 || convOutW < 2) throw new ArgumentException($"SimpleConvNet: a {filterSize}×{filterSize} filter leaves no room to pool on {height}×{width} input.");
        int poolOut = filterNum * (convOut / 2) * (convOutW / 2);
        var conv = Add("Conv1", new Convolution<T>(Tensor<T>.RandomNormal(rng, std, filterNum, channels, filterSize, filterSize), Tensor<T>.Zeros(filterNum), stride, pad) { ComputeInputGradient = false });
        Add("Relu1", new Relu<T>());
        Add("Pool1", new Pooling<T>(2, 2, 2));
        var a1 = Add("Affine1", new Affine<T>(Tensor<T>.RandomNormal(rng, std, poolOut, hiddenSize), Tensor<T>.Zeros(hiddenSize)));
        Add("Relu2", new Relu<T>());
        var a2 = Add("Affine2", new Affine<T>(Tensor<T>.RandomNormal(rng, std, hiddenSize, outputSize), Tensor<T>.Zeros(outputSize)));
        Register("W1", conv.W, conv.DW); Register("b1", conv.B, conv.DB);
        Register("W2", a1.W, a1.DW); Register("b2", a1.B, a1.DB);
        Register("W3", a2.W, a2.DW); Register("b3", a2.B, a2.DB);
    }
}

/// <summary>
/// The book's chapter 8 <c>DeepConvNet</c>: six 3×3 convolutions (16, 16, 32, 32, 64, 64 filters; the
/// fourth padded by 2) with ReLU and a 2×2 max pool after every second one, then Affine(50) – ReLU –
/// Dropout(0.5) – Affine(10) – Dropout(0.5) – SoftmaxWithLoss. He initialisation. Parameters W1…W8, b1…b8.
/// </summary>
public sealed class DeepConvNet<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network for 1×28×28 input with seeded He-initialised weights.</summary>
    public DeepConvNet(int hiddenSize = 50, int outputSize = 10, Random? rng = null)
    {
        rng ??= new Random(0);
        (int Filters, int Pad)[] convs = [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)];
        int[] fanIn = [1 * 9, 16 * 9, 16 * 9, 32 * 9, 32 * 9, 64 * 9, 64 * 4 * 4, hiddenSize];
        int channels = 1;
        for (int i = 0; i < convs.Length; i++)
        {
            T scale = T.CreateChecked(Math.Sqrt(2.0 / fanIn[i]));
            var conv = Add($"Conv{i + 1}", new Convolution<T>(Tensor<T>.RandomNormal(rng, scale, convs[i].Filters, channels, 3, 3), Tensor<T>.Zeros(convs[i].Filters), 1, convs[i].Pad)
            { ComputeInputGradient = i > 0 });
            Register($"W{i + 1}", conv.W, conv.DW); Register($"b{i + 1}", conv.B, conv.DB);
            Add($"Relu{i + 1}", new Relu<T>());
            if (i % 2 == 1) Add($"Pool{i / 2 + 1}", new Pooling<T>(2, 2, 2));
            channels = convs[i].Filters;
        }
        var a7 = Add("Affine1", new Affine<T>(Tensor<T>.RandomNormal(rng, T.CreateChecked(Math.Sqrt(2.0 / fanIn[6])), 64 * 4 * 4, hiddenSize), Tensor<T>.Zeros(hiddenSize)));
        Add("Relu7", new Relu<T>());
        Add("Dropout1", new Dropout<T>(0.5, new Random(rng.Next())));
        var a8 = Add("Affine2", new Affine<T>(Tensor<T>.RandomNormal(rng, T.CreateChecked(Math.Sqrt(2.0 / fanIn[7])), hiddenSize, outputSize), Tensor<T>.Zeros(outputSize)));
        Add("Dropout2", new Dropout<T>(0.5, new Random(rng.Next())));
        Register("W7", a7.W, a7.DW); Register("b7", a7.B, a7.DB);
        Register("W8", a8.W, a8.DW); Register("b8", a8.B, a8.DB);
    }
}
