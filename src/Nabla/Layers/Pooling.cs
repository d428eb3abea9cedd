using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Layers;

/// <summary>
/// Max pooling (chapter 7) over N×C×H×W input: each output is the largest value in its window
/// (padding counts as 0, as in the book's im2col version); backward routes the gradient to that position.
/// </summary>
public sealed class Pooling<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;
    private int[] _argMax = [], _xShape = [];
    private bool _reluFused;

    /// <summary>Creates a pool of <paramref name="poolH"/>×<paramref name="poolW"/> windows.</summary>
    public Pooling(int poolH, int poolW, int stride = 1, int pad = 0)
    {
        if (poolH < 1 || poolW < 1 || stride < 1 || pad < 0)
            throw new ArgumentException($"Bad pooling: window {poolH}×{poolW}, stride {stride}, pad {pad}.");
        PoolH = poolH; PoolW = poolW; Stride = stride; Pad = pad;
    }

    /// <summary>Window height.</summary>
    public int PoolH { get; }
    /// <summary>Window width.</summary>
    public int PoolW { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding.</summary>
    public int Pad { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true) => Pool(x, relu: false);

    /// <summary>
    /// Forward of a ReLU followed by this pool, from the ReLU's input (see <see cref="Tensor{T}.MaxPool"/>): the same values,
    /// and after <see cref="Backward"/> the same gradients, as the two layers one after the other.
    /// <see cref="Models.LayerNetwork{T}.FuseReluPooling"/> uses it.
    /// </summary>
    internal Tensor<T> ForwardWithRelu(Tensor<T> x, bool train = true) => Pool(x, relu: true);

    private Tensor<T> Pool(Tensor<T> x, bool relu)
    {
        if (x.Rank != 4) throw new ArgumentException($"Pooling needs (N, C, H, W) input, got {Tensor<T>.ShapeString(x.Shape)}.");
        var (oh, ow) = Tensor<T>.PoolShape(x, PoolH, PoolW, Stride, Pad);
        var o = Tensor<T>.Reuse(ref _out, [x.Dim(0), x.Dim(1), oh, ow]);
        if (_argMax.Length != o.Length) _argMax = new int[o.Length];
        Tensor<T>.MaxPool(x, o, _argMax, PoolH, PoolW, Stride, Pad, relu);
        _reluFused = relu;
        if (!x.HasShape(_xShape)) _xShape = x.Shape.ToArray();
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _out ?? throw new InvalidOperationException("Pooling.Backward called before Forward.");
        if (!dout.HasShape(o.Shape))
            throw new ArgumentException($"Pooling.Backward(dout): shapes {Tensor<T>.ShapeString(o.Shape)} and {Tensor<T>.ShapeString(dout.Shape)} differ.");
        var dx = Tensor<T>.Reuse(ref _dx, _xShape);
        Tensor<T>.MaxPoolBackward(dout, _argMax, dx, PoolH, PoolW, Stride, Pad, _reluFused ? o : null);
        return dx;
    }
}
