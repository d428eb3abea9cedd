using System.Numerics;
using Nabla.Layers;
using Nabla.Models;

namespace Nabla.Tests.Models;

/// <summary>
/// <see cref="LayerNetwork{T}.FuseReluPooling"/>: a ReLU followed by a max pooling, run as one, must give the same
/// bits as the two layers run one after the other, in the loss, the predictions and every gradient.
/// </summary>
public class ReluPoolingFusionTests
{
    /// <summary>Conv – ReLU – Pool(pool, stride, pad) – Affine – SoftmaxWithLoss, with a negative conv bias so that many windows have no positive value.</summary>
    private sealed class ConvReluPoolNet<T> : LayerNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public ConvReluPoolNet(int pool, int stride, int pad, int seed)
        {
            var rng = new Random(seed);
            var conv = Add("Conv1", new Convolution<T>(Tensor<T>.RandomNormal(rng, T.CreateChecked(0.5), 3, 1, 3, 3), Tensor<T>.Full(T.CreateChecked(-0.4), 3), 1, 0));
            Add("Relu1", new Relu<T>());
            var p = Add("Pool1", new Pooling<T>(pool, pool, stride, pad));
            int side = (8 + 2 * pad - pool) / stride + 1;
            var a = Add("Affine1", new Affine<T>(Tensor<T>.RandomNormal(rng, T.CreateChecked(0.5), 3 * side * side, 4), Tensor<T>.Zeros(4)));
            Register("W1", conv.W, conv.DW); Register("b1", conv.B, conv.DB);
            Register("W2", a.W, a.DW); Register("b2", a.B, a.DB);
        }
    }

    private static void AssertSameBits<T>(LayerNetwork<T> fused, LayerNetwork<T> separate, Tensor<T> x, Tensor<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fused.FuseReluPooling = true;
        separate.FuseReluPooling = false;
        Assert.Equal(separate.Predict(x).ToArray(), fused.Predict(x).ToArray());
        var gs = separate.Gradient(x, t).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var gf = fused.Gradient(x, t);
        Assert.Equal(separate.LastLoss, fused.LastLoss);
        foreach (var (key, g) in gf) Assert.True(gs[key].AsSpan().SequenceEqual(g.ToArray()), $"{key} differs between the fused and the separate layers");
    }

    [Theory]
    [InlineData(2, 2, 0)] // the book's pool: the vectorised 2×2 kernels for float
    [InlineData(3, 1, 1)] // overlapping, padded windows: the general path, argmax may be padding
    [InlineData(3, 2, 0)]
    public void ConvReluPoolGivesTheSameBitsFusedAndSeparate(int pool, int stride, int pad)
    {
        var rng = new Random(7);
        var x = Tensor<float>.RandomUniform(rng, -1, 1, 3, 1, 10, 10);
        var t = Tensor.From(0f, 3f, 1f);
        AssertSameBits(new ConvReluPoolNet<float>(pool, stride, pad, 1), new ConvReluPoolNet<float>(pool, stride, pad, 1), x, t);
        var xd = Tensor<double>.RandomUniform(rng, -1, 1, 2, 1, 10, 10);
        AssertSameBits(new ConvReluPoolNet<double>(pool, stride, pad, 2), new ConvReluPoolNet<double>(pool, stride, pad, 2), xd, Tensor.From(2.0, 1.0));
    }

    [Fact]
    public void FusedGradientMatchesNumericalGradientWithPaddedWindows()
    {
        var net = new ConvReluPoolNet<double>(3, 1, 1, 3);
        var x = Tensor<double>.RandomUniform(new Random(4), -1, 1, 2, 1, 10, 10);
        var t = Tensor.From(1.0, 2.0);
        foreach (var r in net.GradientCheck(x, t))
            Assert.True(r.MeanAbsDifference < 1e-7, $"{r.Name}: mean difference {r.MeanAbsDifference}");
    }

    [Fact]
    public void SimpleConvNetFusesItsReluIntoThePoolAndGetsTheSameGradients()
    {
        var x = Tensor<float>.RandomUniform(new Random(8), 0, 1, 4, 1, 28, 28);
        var t = Tensor.From(1f, 7f, 3f, 0f);
        var fused = new SimpleConvNet<float>(weightInitStd: 0.1, rng: new Random(9));
        AssertSameBits(fused, new SimpleConvNet<float>(weightInitStd: 0.1, rng: new Random(9)), x, t);
        // The ReLU ahead of the pool did not run on its own, so its backward has nothing to work from.
        var relu1 = fused.Layers.Single(l => l.Name == "Relu1").Layer;
        Assert.Throws<InvalidOperationException>(() => relu1.Backward(Tensor<float>.Zeros(4, 30, 24, 24)));
    }

    [Fact]
    public void DeepConvNetGivesTheSameGradientsFusedAndSeparate()
    {
        var x = Tensor<float>.RandomUniform(new Random(10), 0, 1, 2, 1, 28, 28);
        var t = Tensor.From(4f, 9f);
        // Same seeds: the same weights and the same dropout masks.
        AssertSameBits(new DeepConvNet<float>(rng: new Random(11)), new DeepConvNet<float>(rng: new Random(11)), x, t);
    }
}
