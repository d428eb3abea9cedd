using BenchmarkDotNet.Attributes;
using Nabla.Kernels;
using Nabla.Layers;

namespace Nabla.Bench.Kernels;

/// <summary>A convolution layer's shape: batch N, C input channels of H×W, FN filters of F×F, stride 1, padding Pad.</summary>
public sealed record ConvShape(string Name, int N, int C, int H, int W, int FN, int F, int Pad)
{
    public override string ToString() => Name;
}

/// <summary>
/// Stride-1 convolution, float32, batch 100, at the layer shapes of SimpleConvNet and DeepConvNet that the direct kernels
/// take (and one 4-wide filter, for the general dW kernel): the direct kernels against im2col + GEMM (with the layout changes around the GEMM, as the layer does them).
/// Forward; and backward's dW and db (∂L/∂x is left out: both routes compute it the same way, by GEMM and col2im).
/// </summary>
public class ConvBenchmarks
{
    public static IEnumerable<ConvShape> Shapes =>
    [
        new("Simple conv1 1x28x28 30x5x5", 100, 1, 28, 28, 30, 5, 0),
        new("Deep conv1 1x28x28 16x3x3", 100, 1, 28, 28, 16, 3, 1),
        new("Deep conv2 16x28x28 16x3x3", 100, 16, 28, 28, 16, 3, 1),
        new("Deep conv3 16x14x14 32x3x3", 100, 16, 14, 14, 32, 3, 1),
        new("Deep conv4 32x14x14 32x3x3", 100, 32, 14, 14, 32, 3, 1),
        // No book layer has filters 2, 4 or 6+ wide; this one exercises the dW kernel that takes them (pairs of taps).
        new("4-wide 16x14x14 16x4x4", 100, 16, 14, 14, 16, 4, 0),
    ];

    [ParamsSource(nameof(Shapes))]
    public ConvShape Shape { get; set; } = null!;

    private Convolution<float> _direct = null!, _im2col = null!;
    private Tensor<float> _x = null!, _dout = null!;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        var rng = new Random(1);
        var w = Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, s.FN, s.C, s.F, s.F);
        var b = Tensor<float>.RandomUniform(rng, -0.1f, 0.1f, s.FN);
        _x = Tensor<float>.RandomUniform(rng, 0f, 1f, s.N, s.C, s.H, s.W);
        _direct = Layer(w, b, s.Pad, direct: true);
        _im2col = Layer(w, b, s.Pad, direct: false);
        if (!TakesDirect(s)) throw new InvalidOperationException($"The direct kernels do not take {s}.");
        var o = Forward(_direct);
        Forward(_im2col);
        _dout = Tensor<float>.RandomUniform(rng, -1e-3f, 1e-3f, o.Shape.ToArray());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("forward")]
    public Tensor<float> Im2ColForward() => Forward(_im2col);

    [Benchmark, BenchmarkCategory("forward")]
    public Tensor<float> DirectForward() => Forward(_direct);

    [Benchmark(Baseline = true), BenchmarkCategory("dW, db")]
    public Tensor<float> Im2ColBackward() => Backward(_im2col);

    [Benchmark, BenchmarkCategory("dW, db")]
    public Tensor<float> DirectBackward() => Backward(_direct);

    // The calls into the library, one per benchmark (and the setup's).
    private static Convolution<float> Layer(Tensor<float> w, Tensor<float> b, int pad, bool direct) =>
        new(w, b, stride: 1, pad: pad) { Options = KernelOptions.Default with { AllowDirectConvolution = direct, AllowWinograd = false }, ComputeInputGradient = false };
    private static bool TakesDirect(ConvShape s) => DirectConv<float>.Supports(new ConvGeometry(s.N, s.C, s.H, s.W, s.F, s.F, 1, s.Pad), s.FN);
    private Tensor<float> Forward(Convolution<float> layer) => layer.Forward(_x);
    private Tensor<float> Backward(Convolution<float> layer) => layer.Backward(_dout);
}
