using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Autograd;

/// <summary>Softmax along the last axis; backward y·(g − Σ y·g), written with the output so it differentiates again.</summary>
internal sealed class Softmax<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        if (xs[0].Rank == 0) throw new ArgumentException("Softmax: needs at least one axis, got a scalar (shape ()).");
        return [Functions.Activations.Softmax(xs[0])];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var y = Output();
        var gx = y * gy[0];
        return [gx - y * Ops.Sum(gx, -1, keepDims: true)];
    }
}

/// <summary>
/// Softmax followed by the cross-entropy with integer labels, averaged over the batch (the book's SoftmaxWithLoss):
/// −mean(log softmax(x)[i, tᵢ]), computed with log-sum-exp. Backward (softmax(x) − onehot(t)) · g / N.
/// </summary>
internal sealed class SoftmaxCrossEntropy<T>(int[] labels) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _softmax; // softmax(x), made by the forward's log-sum-exp anyway, for a backward that is not recorded

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0];
        if (x.Rank != 2) throw new ArgumentException($"SoftmaxCrossEntropy: needs scores of shape (N, classes), got {Shapes.S(x.Shape)}.");
        int n = x.Dim(0), c = x.Dim(1);
        if (labels.Length != n) throw new ArgumentException($"SoftmaxCrossEntropy: {labels.Length} labels for scores of shape {Shapes.S(x.Shape)}.");
        if (c == 0) throw new ArgumentException($"SoftmaxCrossEntropy: scores of shape {Shapes.S(x.Shape)} have no classes.");
        for (int i = 0; i < n; i++)
            if ((uint)labels[i] >= (uint)c) throw new ArgumentOutOfRangeException(nameof(labels), $"SoftmaxCrossEntropy: label {labels[i]} of sample {i} is outside 0..{c - 1}.");
        _softmax = new Tensor<T>(n, c);
        return [Tensor<T>.Scalar(TensorKernels.SoftmaxCrossEntropy(x, labels, _softmax))];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var x = Inputs[0];
        int n = x.Data.Dim(0), c = x.Data.Dim(1);
        // Not recorded: the gradient in one pass over the forward's softmax, with the same arithmetic as the formula below.
        if (!Autograd.IsGradEnabled && _softmax is not null)
            return [Variable<T>.Constant(TensorKernels.SoftmaxCrossEntropyBackward(_softmax, labels, gy[0].Data.ToScalar() / T.CreateChecked(n)))];
        var onehot = new Tensor<T>(n, c);
        for (int i = 0; i < n; i++) onehot.Span[i * c + labels[i]] = T.One;
        var y = Ops.Softmax(x);
        return [(y - Variable<T>.Constant(onehot)) * (gy[0] / T.CreateChecked(n))];
    }
}

/// <summary>Every window of an (N, C, H, W) input as a row (im2col); backward is <see cref="Col2im{T}"/> and vice versa, so convolutions differentiate to any order.</summary>
internal sealed class Im2col<T>(int kh, int kw, int stride, int pad) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private ConvGeometry _g;
    public override string? Detail => $"{kh}×{kw}, stride {stride}, pad {pad}";
    /// <summary>The window and its stride and zero padding (read by the ONNX exporter).</summary>
    internal (int KH, int KW, int Stride, int Pad) Window => (kh, kw, stride, pad);

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0];
        if (x.Rank != 4) throw new ArgumentException($"Im2col: needs input (N, C, H, W), got {Shapes.S(x.Shape)}.");
        _g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), kh, kw, stride, pad);
        _g.Validate();
        return [TensorKernels.Im2col(x, _g)];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new Col2im<T>(_g).Apply(gy[0])];
}

/// <summary>The adjoint of <see cref="Im2col{T}"/>: rows added back into their windows.</summary>
internal sealed class Col2im<T>(ConvGeometry g) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [TensorKernels.Col2im(xs[0], g)];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new Im2col<T>(g.FH, g.FW, g.Stride, g.Pad).Apply(gy[0])];
}

/// <summary>Max pooling; backward routes each gradient to its window's maximum (a scatter whose own backward is a gather).</summary>
internal sealed class MaxPool2d<T>(int kh, int kw, int stride, int pad) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _argMax = [], _xShape = [];
    public override string? Detail => $"{kh}×{kw}, stride {stride}, pad {pad}";
    /// <summary>The window and its stride and zero padding (read by the ONNX exporter).</summary>
    internal (int KH, int KW, int Stride, int Pad) Window => (kh, kw, stride, pad);

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0];
        if (x.Rank != 4) throw new ArgumentException($"MaxPool2d: needs input (N, C, H, W), got {Shapes.S(x.Shape)}.");
        var g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), kh, kw, stride, pad);
        g.Validate();
        _xShape = x.Shape.ToArray();
        var (y, idx) = TensorKernels.MaxPool(x, g);
        _argMax = idx;
        return [y];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new Scatter<T>(_argMax, _xShape).Apply(gy[0])];
}

/// <summary>y[i] = x[index[i]] (0 for index −1), shaped like <paramref name="shape"/>; backward is <see cref="Scatter{T}"/>.</summary>
internal sealed class Gather<T>(int[] index, int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [TensorKernels.Gather(xs[0], index, shape)];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new Scatter<T>(index, X().Shape.ToArray()).Apply(gy[0])];
}

/// <summary>g[i] added at index[i] of a zero tensor of <paramref name="shape"/>; backward is <see cref="Gather{T}"/>.</summary>
internal sealed class Scatter<T>(int[] index, int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) => [TensorKernels.ScatterAdd(xs[0], index, shape)];
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new Gather<T>(index, X().Shape.ToArray()).Apply(gy[0])];
}
