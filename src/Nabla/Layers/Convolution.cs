using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Layers;

/// <summary>
/// 2-D convolution (chapter 7): W is FN×C×FH×FW, b has FN entries, input N×C×H×W, output N×FN×OH×OW.
/// Backward gives dW, db and ∂L/∂x. As in the book the products are im2col and one GEMM (col2im for ∂L/∂x); the kernel
/// choice — Winograd or direct stride-1 kernels where they apply — is made below the layer (<see cref="Convolution2D{T}"/>).
/// </summary>
public sealed class Convolution<T> : IParameterizedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx, _input;
    private ConvGeometry _g;
    private readonly Convolution2D<T> _kernel = new();

    /// <summary>Creates the layer over <paramref name="w"/> (FN, C, FH, FW) and <paramref name="b"/> (FN), which it updates in place.</summary>
    public Convolution(Tensor<T> w, Tensor<T> b, int stride = 1, int pad = 0)
    {
        if (w.Rank != 4 || b.Rank != 1 || b.Dim(0) != w.Dim(0))
            throw new ArgumentException($"Convolution needs W (FN, C, FH, FW) and b (FN,), got W {Tensor<T>.ShapeString(w.Shape)} and b {Tensor<T>.ShapeString(b.Shape)}.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"Stride must be ≥ 1, got {stride}.");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), $"Pad must be ≥ 0, got {pad}.");
        W = w; B = b; Stride = stride; Pad = pad;
        DW = Tensor<T>.ZerosLike(w); DB = Tensor<T>.ZerosLike(b);
    }

    /// <summary>Filters (FN, C, FH, FW).</summary>
    public Tensor<T> W { get; }
    /// <summary>Bias (FN).</summary>
    public Tensor<T> B { get; }
    /// <summary>∂L/∂W.</summary>
    public Tensor<T> DW { get; }
    /// <summary>∂L/∂b.</summary>
    public Tensor<T> DB { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding.</summary>
    public int Pad { get; }

    /// <summary>When false, backward skips ∂L/∂x (the first layer never needs it).</summary>
    public bool ComputeInputGradient { get; set; } = true;

    /// <summary>The kernels' settings for this layer (whether the direct kernels may run).</summary>
    public KernelOptions Options { get; set; } = KernelOptions.Default;

    /// <summary>Whether the last forward pass ran the direct kernels rather than im2col and GEMM.</summary>
    internal bool LastForwardWasDirect => _kernel.RanDirect;

    /// <summary>Whether the last backward pass computed ∂L/∂x with the direct kernels rather than GEMM and col2im.</summary>
    internal bool LastInputGradientWasDirect => _kernel.RanDirectInputGradient;

    /// <summary>Whether the last forward pass ran the strided direct kernels (stride 2 or more, phase planes).</summary>
    internal bool LastForwardWasStrided => _kernel.RanStrided;

    /// <summary>Whether the last backward pass computed ∂L/∂x with the strided direct kernels.</summary>
    internal bool LastInputGradientWasStrided => _kernel.RanStridedInputGradient;

    /// <summary>Whether the last forward pass ran Winograd, F(2×2, 3×3) or F(4×4, 3×3).</summary>
    internal bool LastForwardWasWinograd => _kernel.RanWinograd;

    /// <summary>Whether the last backward pass computed ∂L/∂x with Winograd, F(2×2, 3×3) or F(4×4, 3×3).</summary>
    internal bool LastInputGradientWasWinograd => _kernel.RanWinogradInputGradient;

    /// <summary>Whether the last forward pass ran Winograd F(4×4, 3×3).</summary>
    internal bool LastForwardWasWinograd4 => _kernel.RanWinograd4;

    /// <summary>Whether the last backward pass computed ∂L/∂x with Winograd F(4×4, 3×3).</summary>
    internal bool LastInputGradientWasWinograd4 => _kernel.RanWinograd4InputGradient;

    /// <summary>Whether the last backward pass computed dW and db with Winograd, F(3×3, 2×2) or F(3×3, 4×4).</summary>
    internal bool LastFilterGradientWasWinograd => _kernel.RanWinogradFilterGradient;

    /// <summary>Whether the last backward pass computed dW and db with Winograd F(3×3, 4×4).</summary>
    internal bool LastFilterGradientWasWinograd4 => _kernel.RanWinograd4FilterGradient;

    /// <inheritdoc/>
    public IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters => [("W", W, DW), ("b", B, DB)];

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true) => Convolve(x, rectify: false);

    /// <summary>
    /// Forward with the ReLU after this layer folded in (<see cref="Models.LayerNetwork{T}.FuseConvolutionRelu"/> uses it):
    /// max(0, ·) of the output, the same values, bit for bit, as the ReLU layer would return.
    /// </summary>
    internal Tensor<T> ForwardWithRelu(Tensor<T> x) => Convolve(x, rectify: true);

    private Tensor<T> Convolve(Tensor<T> x, bool rectify)
    {
        int fn = W.Dim(0);
        if (x.Rank != 4 || x.Dim(1) != W.Dim(1))
            throw new ArgumentException($"Convolution: input {Tensor<T>.ShapeString(x.Shape)} must be (N, {W.Dim(1)}, H, W) for filters {Tensor<T>.ShapeString(W.Shape)}.");
        _g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), W.Dim(2), W.Dim(3), Stride, Pad);
        _g.Validate();
        _input = x;
        var o = Tensor<T>.Reuse(ref _out, [_g.N, fn, _g.OH, _g.OW]);
        _kernel.Forward(x.Span, W.Span, B.Span, o.Span, _g, fn, Options, rectify);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        if (_input is null) throw new InvalidOperationException("Convolution.Backward called before Forward.");
        int fn = W.Dim(0);
        if (!dout.HasShape([_g.N, fn, _g.OH, _g.OW]))
            throw new ArgumentException($"Convolution.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the output ({_g.N}, {fn}, {_g.OH}, {_g.OW}).");
        var dx = Tensor<T>.Reuse(ref _dx, [_g.N, _g.C, _g.H, _g.W]);
        _kernel.Backward(_input.Span, dout.Span, W.Span, DW.Span, DB.Span, ComputeInputGradient ? dx.Span : default, _g, fn);
        return dx;
    }
}
