using System.Numerics;
using System.Runtime.InteropServices;
using Nabla.Kernels;
using Nabla.Models;

namespace Nabla.Tests.Models;

/// <summary>
/// <see cref="LayerNetwork{T}.FuseConvolutionRelu"/>: a ReLU after a convolution, run in the convolution's forward (its
/// output rectified as it is stored), must give the same bits as the two layers one after the other — in the predictions,
/// the loss and every gradient — on every kernel path.
/// </summary>
public class ConvolutionReluFusionTests
{
    private static void AssertSameBits<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : unmanaged
    {
        var e = MemoryMarshal.AsBytes(expected);
        var a = MemoryMarshal.AsBytes(actual);
        Assert.True(e.SequenceEqual(a), $"{what} differs between the fused and the separate layers");
    }

    private static void AssertFusedMatchesSeparate<T>(Func<LayerNetwork<T>> create, Tensor<T> x, Tensor<T> t, KernelOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var fused = create();
        var separate = create();
        fused.Options = separate.Options = options;
        fused.FuseConvolutionRelu = true;
        separate.FuseConvolutionRelu = false;
        AssertSameBits<T>(separate.Predict(x).Span, fused.Predict(x).Span, "the prediction");
        var gs = separate.Gradient(x, t).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var gf = fused.Gradient(x, t);
        AssertSameBits<T>([separate.LastLoss], [fused.LastLoss], "the loss");
        foreach (var (key, g) in gf) AssertSameBits<T>(gs[key], g.Span, key);
        // The ReLUs between convolutions ran in them; those ahead of a pooling ran in the pooling as before.
        foreach (var (name, adopted) in new[] { ("Relu1", true), ("Relu3", true), ("Relu5", true), ("Relu2", false), ("Relu7", false) })
        {
            Assert.Equal(adopted, ((Nabla.Layers.Relu<T>)fused.Layers.Single(l => l.Name == name).Layer).LastOutputAdopted);
            Assert.False(((Nabla.Layers.Relu<T>)separate.Layers.Single(l => l.Name == name).Layer).LastOutputAdopted);
        }
    }

    public static TheoryData<int, string> Cases => new()
    {
        { 8, "default" },  // float: F(4×4, 3×3) from conv2 on, the ReLU in its stores (conv1: direct, the pass in place)
        { 3, "default" },  // fewer images than a vector: F(2×2, 3×3) and the direct kernels, the ReLU's pass in place
        { 3, "im2col" },   // im2col and GEMM everywhere
        { 8, "nan" },      // a NaN pixel: NaN through the ReLUs
    };

    private static KernelOptions OptionsFor(string kind) => kind == "im2col"
        ? KernelOptions.Default with { AllowWinograd = false, AllowDirectConvolution = false }
        : KernelOptions.Default;

    [Theory, MemberData(nameof(Cases))]
    public void DeepConvNetInFloatGivesTheSameBitsFusedAndSeparate(int images, string kind)
    {
        var x = Tensor<float>.RandomUniform(new Random(20 + images), 0, 1, images, 1, 28, 28);
        if (kind == "nan") x.Span[3 * 28 + 5] = float.NaN;
        var t = Tensor<float>.Zeros(images);
        for (int i = 0; i < images; i++) t.Span[i] = (i * 7) % 10;
        // Same seeds: the same weights and the same dropout masks.
        AssertFusedMatchesSeparate(() => new DeepConvNet<float>(rng: new Random(21)), x, t, OptionsFor(kind));
    }

    [Theory]
    [InlineData(4, "default")] // double: F(4×4, 3×3) from 4 images
    [InlineData(2, "default")]
    [InlineData(2, "im2col")]
    public void DeepConvNetInDoubleGivesTheSameBitsFusedAndSeparate(int images, string kind)
    {
        var x = Tensor<double>.RandomUniform(new Random(30 + images), 0, 1, images, 1, 28, 28);
        var t = Tensor<double>.Zeros(images);
        for (int i = 0; i < images; i++) t.Span[i] = (i * 3) % 10;
        AssertFusedMatchesSeparate(() => new DeepConvNet<double>(rng: new Random(31)), x, t, OptionsFor(kind));
    }

    [Fact]
    public void DeepConvNetRectifiesInF4x4sStores()
    {
        var net = new DeepConvNet<float>(rng: new Random(40));
        net.Gradient(Tensor<float>.RandomUniform(new Random(41), 0, 1, 8, 1, 28, 28), Tensor<float>.Zeros(8));
        var conv3 = (Nabla.Layers.Convolution<float>)net.Layers.Single(l => l.Name == "Conv3").Layer;
        Assert.True(conv3.LastForwardWasWinograd4);
    }
    /// <summary>The direct kernels' rectified output (each image's, by the task that computed it) against the ReLU's pass.</summary>
    [Theory]
    [InlineData(3, 3, 1, 5)]   // DeepConvNet's conv1 shape, smaller
    [InlineData(5, 5, 0, 3)]   // SimpleConvNet's filter size
    [InlineData(2, 4, 1, 7)]   // a filter size no book layer has
    public void DirectKernelsRectifiedOutputGivesTheReluPassesBits(int fh, int fw, int pad, int images)
    {
        DirectRectified<float>(fh, fw, pad, images);
        DirectRectified<double>(fh, fw, pad, images);
    }

    private static void DirectRectified<T>(int fh, int fw, int pad, int images) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(fh * 10 + fw);
        var g = new ConvGeometry(images, 3, 13, 19, fh, fw, 1, pad);
        const int fn = 6;
        Assert.True(DirectConv<T>.Supports(g, fn));
        var x = Tensor<T>.RandomUniform(rng, -T.One, T.One, images, 3, 13, 19);
        x.Span[11] = T.NaN;
        var w = Tensor<T>.RandomUniform(rng, -T.One, T.One, fn, 3, fh, fw);
        var b = Tensor<T>.RandomUniform(rng, -T.One, T.One, fn);
        int length = images * fn * g.OH * g.OW;
        var plain = new T[length];
        var rectified = new T[length];
        var kernel = new DirectConv<T>();
        kernel.Forward(x.Span, w.Span, b.Span, plain, g, fn);
        kernel.Forward(x.Span, w.Span, b.Span, rectified, g, fn, rectify: true);
        var expected = new T[length];
        ReluKernel<T>.Forward(plain, expected);
        Assert.Contains(expected, v => T.IsNaN(v));
        AssertSameBits<T>(expected, rectified, "the direct kernels' rectified output");
    }
}
