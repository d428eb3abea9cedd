using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>
/// Softmax followed by cross-entropy error, the book's output layer. Backward is (y − t) / N,
/// for one-hot targets and for class-label targets alike. The loss is computed as log-sum-exp
/// rather than the book's <c>−log(y + 1e-7)</c>: the two agree to about 1e-7 / y, but only the
/// former is exactly the function whose gradient (y − t) / N is, which gradient checks can see.
/// </summary>
public sealed class SoftmaxWithLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _y, _dx;
    private int[] _labels = [];
    private T[] _max = [];
    private int _n;

    /// <summary>The softmax output of the last forward pass (N, C).</summary>
    public Tensor<T>? Y => _y;

    /// <summary>The loss of the last forward pass.</summary>
    public T Loss { get; private set; }

    /// <summary>
    /// Computes the mean cross-entropy of softmax(<paramref name="x"/>) against <paramref name="t"/>:
    /// one-hot (N, C) or labels (N,) given as values of T.
    /// </summary>
    public T Forward(Tensor<T> x, Tensor<T> t)
    {
        var (n, c) = Geometry(x);
        if (t.Length == n * c && !(c == 1 && t.Rank == 1))
        {
            if (_labels.Length != n) _labels = new int[n];
            var ts = t.Span;
            for (int i = 0; i < n; i++) _labels[i] = Kernels.RowwiseKernel<T>.IndexOfMax(ts.Slice(i * c, c));
        }
        else if (t.Length == n)
        {
            if (_labels.Length != n) _labels = new int[n];
            var ts = t.Span;
            for (int i = 0; i < n; i++) _labels[i] = int.CreateSaturating(ts[i]);
        }
        else
            throw new ArgumentException($"SoftmaxWithLoss: targets {Tensor<T>.ShapeString(t.Shape)} are neither one-hot nor labels for scores {Tensor<T>.ShapeString(x.Shape)}.");
        return ForwardCore(x, n, c);
    }

    /// <summary>Computes the loss against integer class labels.</summary>
    public T Forward(Tensor<T> x, ReadOnlySpan<int> labels)
    {
        var (n, c) = Geometry(x);
        if (labels.Length != n)
            throw new ArgumentException($"SoftmaxWithLoss: {labels.Length} labels for scores {Tensor<T>.ShapeString(x.Shape)}.");
        if (_labels.Length != n) _labels = new int[n];
        labels.CopyTo(_labels);
        return ForwardCore(x, n, c);
    }

    private T ForwardCore(Tensor<T> x, int n, int c)
    {
        _n = n;
        var y = Tensor<T>.Reuse(ref _y, [n, c]);
        var xs = x.Span; var ys = y.Span;
        if (_max.Length < n) _max = new T[n];
        for (int i = 0; i < n; i++)
        {
            int l = _labels[i];
            if ((uint)l >= (uint)c) throw new ArgumentOutOfRangeException(nameof(x), $"Label {l} at sample {i} is outside 0..{c - 1}.");
        }
        Loss = Functions.Losses.SoftmaxCrossEntropy<T>(xs, _labels.AsSpan(0, n), ys, c, _max.AsSpan(0, n));
        return Loss;
    }

    /// <summary>Returns ∂L/∂x = dout · (y − t) / N.</summary>
    public Tensor<T> Backward(T dout)
    {
        var y = _y ?? throw new InvalidOperationException("SoftmaxWithLoss.Backward called before Forward.");
        var dx = Tensor<T>.Reuse(ref _dx, y.Shape);
        Functions.Losses.SoftmaxCrossEntropyGradient<T>(y.Span, _labels.AsSpan(0, _n), dx.Span, y.Dim(1), dout / T.CreateChecked(_n));
        return dx;
    }

    /// <summary>Returns ∂L/∂x for dout = 1.</summary>
    public Tensor<T> Backward() => Backward(T.One);

    private static (int n, int c) Geometry(Tensor<T> x) => x.Rank switch
    {
        1 => (1, x.Dim(0)),
        2 => (x.Dim(0), x.Dim(1)),
        _ => throw new ArgumentException($"SoftmaxWithLoss needs scores (N, C), got {Tensor<T>.ShapeString(x.Shape)}."),
    };
}
