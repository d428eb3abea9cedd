using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>ReLU layer: keeps its output, whose non-positive entries are the book's <c>mask</c>, for backward.</summary>
public sealed class Relu<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx, _adopted;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        Tensor<T>.Relu(x, o);                          // out = max(0, x)
        _adopted = null;
        return o;
    }

    /// <summary>
    /// Takes <paramref name="rectified"/>, the output of the layer before with this ReLU already applied (a convolution
    /// that rectified its own output: <see cref="Models.LayerNetwork{T}.FuseConvolutionRelu"/>), as this forward's output,
    /// for <see cref="Backward"/>'s mask; returns it.
    /// </summary>
    internal Tensor<T> Adopt(Tensor<T> rectified) => _adopted = rectified;

    /// <summary>Whether the last forward's output was taken from the layer before (<see cref="Adopt"/>).</summary>
    internal bool LastOutputAdopted => _adopted is not null;

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _adopted ?? _out ?? throw new InvalidOperationException("Relu.Backward called before Forward.");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        Tensor<T>.ReluBackward(o, dout, dx);           // dx = dout where out > 0, else 0
        return dx;
    }
}

/// <summary>Sigmoid layer: keeps its output y, since ∂y/∂x = y(1 − y).</summary>
public sealed class Sigmoid<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        TP.Sigmoid<T>(x.Span, o.Span);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var y = _out ?? throw new InvalidOperationException("Sigmoid.Backward called before Forward.");
        Tensor<T>.RequireSameShape(y, dout, "Sigmoid.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        // dx = dout · (1 − y) · y
        TP.Subtract(T.One, y.Span, dx.Span);
        TP.Multiply(dx.Span, y.Span, dx.Span);
        TP.Multiply(dx.Span, dout.Span, dx.Span);
        return dx;
    }
}
