using System.Numerics;

namespace Nabla.Functions;

/// <summary>The book's loss functions (chapter 4).</summary>
public static class Losses
{
    /// <summary>The guard added inside the logarithm so that log(0) never occurs: 1e-7.</summary>
    public const double Delta = 1e-7;

    /// <summary>
    /// Softmax of each row of <paramref name="x"/> (rows of <paramref name="classes"/>) into <paramref name="y"/>, each row's
    /// maximum into <paramref name="rowMax"/>, and the mean cross-entropy against <paramref name="labels"/> (already checked),
    /// returned. The loss is log-sum-exp, −log softmax(x)ₗ = log Σ exp(x − max) − (xₗ − max): exact, finite, and precisely the
    /// function whose gradient <see cref="SoftmaxCrossEntropyGradient{T}"/> is (the book's −log(y + 1e-7) is not). What
    /// SoftmaxWithLoss and the autograd engine's softmax cross-entropy both compute.
    /// </summary>
    internal static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> labels, Span<T> y, int classes, Span<T> rowMax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = labels.Length;
        Activations.ExpMinusRowMax<T>(x[..(n * classes)], y, classes, rowMax);
        T sum = T.Zero;
        for (int i = 0; i < n; i++)
        {
            var yr = y.Slice(i * classes, classes);
            T z = System.Numerics.Tensors.TensorPrimitives.Sum<T>(yr);
            if (!Kernels.RowwiseKernel<T>.Short(classes)) System.Numerics.Tensors.TensorPrimitives.Divide(yr, z, yr);
            else for (int j = 0; j < classes; j++) yr[j] /= z; // a short row: the same quotients without the call
            sum += T.Log(z) - (x[i * classes + labels[i]] - rowMax[i]);
        }
        return sum / T.CreateChecked(n);
    }

    /// <summary>
    /// ∂L/∂x of the mean softmax cross-entropy in one pass: (softmax <paramref name="y"/> − onehot(labels)) ·
    /// <paramref name="scale"/> into <paramref name="dx"/>, with scale = ∂L/∂loss / N.
    /// </summary>
    internal static void SoftmaxCrossEntropyGradient<T>(ReadOnlySpan<T> y, ReadOnlySpan<int> labels, Span<T> dx, int classes, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = labels.Length;
        y[..(n * classes)].CopyTo(dx);
        for (int i = 0; i < n; i++) dx[i * classes + labels[i]] -= T.One;
        System.Numerics.Tensors.TensorPrimitives.Multiply(dx[..(n * classes)], scale, dx);
    }

    /// <summary>Mean squared error as the book defines it: <c>0.5 · Σ (y − t)²</c>.</summary>
    public static T MeanSquaredError<T>(Tensor<T> y, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T>.RequireSameShape(y, t, "MeanSquaredError(y, t)");
        T s = T.Zero;
        var a = y.Span; var b = t.Span;
        for (int i = 0; i < a.Length; i++) { T d = a[i] - b[i]; s += d * d; }
        return T.CreateChecked(0.5) * s;
    }

    /// <summary>
    /// Cross-entropy error, averaged over the batch: <c>−Σ log(y[i, tᵢ] + 1e-7) / N</c>.
    /// <paramref name="y"/> is one sample (1-D) or a batch (N, C); <paramref name="t"/> is either one-hot
    /// (same size as y) or the class labels (one per sample, as values of T).
    /// </summary>
    public static T CrossEntropyError<T>(Tensor<T> y, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = Rows(y);
        if (t.Length == y.Length)
        {
            if (t.Rank != 0 && t.Rank != y.Rank && !(y.Rank == 1 && t.Rank == 2 && t.Dim(0) == 1))
                throw new ArgumentException($"CrossEntropyError: one-hot targets {Tensor<T>.ShapeString(t.Shape)} do not match outputs {Tensor<T>.ShapeString(y.Shape)}.");
            return CrossEntropyError(y, t.Reshape(n, c).ArgMax(1));
        }
        if (t.Length != n)
            throw new ArgumentException($"CrossEntropyError: targets {Tensor<T>.ShapeString(t.Shape)} are neither one-hot for outputs {Tensor<T>.ShapeString(y.Shape)} nor one label per sample ({n}).");
        var labels = new int[n];
        var ts = t.Span;
        for (int i = 0; i < n; i++) labels[i] = int.CreateChecked(ts[i]);
        return CrossEntropyError(y, labels);
    }

    /// <summary>Cross-entropy error with integer class labels, one per sample.</summary>
    public static T CrossEntropyError<T>(Tensor<T> y, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = Rows(y);
        if (labels.Length != n)
            throw new ArgumentException($"CrossEntropyError: {labels.Length} labels for {n} samples of shape {Tensor<T>.ShapeString(y.Shape)}.");
        var ys = y.Span;
        T delta = T.CreateChecked(Delta), sum = T.Zero;
        for (int i = 0; i < n; i++)
        {
            int l = labels[i];
            if ((uint)l >= (uint)c) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {l} at sample {i} is outside 0..{c - 1}.");
            sum += T.Log(ys[i * c + l] + delta);
        }
        return -sum / T.CreateChecked(n);
    }

    private static (int n, int c) Rows<T>(Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T> => y.Rank switch
    {
        1 => (1, y.Dim(0)),
        2 => (y.Dim(0), y.Dim(1)),
        _ => throw new ArgumentException($"CrossEntropyError needs 1-D or 2-D outputs, got {Tensor<T>.ShapeString(y.Shape)}."),
    };
}
