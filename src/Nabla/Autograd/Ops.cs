using System.Numerics;

namespace Nabla.Autograd;

/// <summary>
/// The engine's operations (DeZero's <c>dezero.functions</c>), each recording one node of the graph.
/// Binary operations broadcast as NumPy does and sum their gradients back to each input's shape.
/// Every operation differentiates to any order (<c>createGraph: true</c>) except where noted: ReLU's
/// mask and max pooling's routing are constants, so their second derivatives are zero, as they are mathematically
/// almost everywhere.
/// </summary>
public static class Ops
{
    /// <summary>A scalar constant.</summary>
    public static Variable<T> Const<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => Variable<T>.Constant(Tensor<T>.Scalar(value));

    /// <summary>a + b.</summary>
    public static Variable<T> Add<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Add<T>().Apply(a, b);
    /// <summary>a − b.</summary>
    public static Variable<T> Sub<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Sub<T>().Apply(a, b);
    /// <summary>a · b element-wise.</summary>
    public static Variable<T> Mul<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Mul<T>().Apply(a, b);
    /// <summary>a / b element-wise.</summary>
    public static Variable<T> Div<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new Div<T>().Apply(a, b);
    /// <summary>−x.</summary>
    public static Variable<T> Neg<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Neg<T>().Apply(x);
    /// <summary>x ** c element-wise, for a constant c.</summary>
    public static Variable<T> Pow<T>(Variable<T> x, T c) where T : unmanaged, IFloatingPointIeee754<T> => new Pow<T>(c).Apply(x);

    /// <summary>eˣ.</summary>
    public static Variable<T> Exp<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Exp<T>().Apply(x);
    /// <summary>ln x.</summary>
    public static Variable<T> Log<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Log<T>().Apply(x);
    /// <summary>sin x.</summary>
    public static Variable<T> Sin<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sin<T>().Apply(x);
    /// <summary>cos x.</summary>
    public static Variable<T> Cos<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Cos<T>().Apply(x);
    /// <summary>tanh x.</summary>
    public static Variable<T> Tanh<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Tanh<T>().Apply(x);
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public static Variable<T> Sigmoid<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sigmoid<T>().Apply(x);
    /// <summary>max(0, x) (second derivative 0).</summary>
    public static Variable<T> Relu<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu<T>().Apply(x);

    /// <summary>The same elements in a new shape (one dimension may be −1).</summary>
    public static Variable<T> Reshape<T>(Variable<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Data.HasShape(shape) ? x : new Reshape<T>((int[])shape.Clone()).Apply(x);
    /// <summary>Axes permuted (reversed when <paramref name="axes"/> is empty).</summary>
    public static Variable<T> Transpose<T>(Variable<T> x, params int[] axes) where T : unmanaged, IFloatingPointIeee754<T> =>
        new Transpose<T>(axes is null || axes.Length == 0 ? null : (int[])axes.Clone()).Apply(x);
    /// <summary>Sum of all elements (a scalar).</summary>
    public static Variable<T> Sum<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Sum<T>(null, false).Apply(x);
    /// <summary>Sum along <paramref name="axis"/> (negative counts from the end).</summary>
    public static Variable<T> Sum<T>(Variable<T> x, int axis, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T> => new Sum<T>(axis, keepDims).Apply(x);
    /// <summary>x repeated along broadcast axes to <paramref name="shape"/>; backward sums back.</summary>
    public static Variable<T> BroadcastTo<T>(Variable<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Data.HasShape(shape) ? x : new BroadcastTo<T>((int[])shape.Clone()).Apply(x);
    /// <summary>x summed down to <paramref name="shape"/> (the adjoint of broadcasting); backward broadcasts.</summary>
    public static Variable<T> SumTo<T>(Variable<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        x.Data.HasShape(shape) ? x : new SumTo<T>((int[])shape.Clone()).Apply(x);

    /// <summary>Matrix product of 2-D variables; a mismatch names both shapes.</summary>
    public static Variable<T> MatMul<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T> => new MatMul<T>(false, false).Apply(a, b);
    /// <summary>op(a)·op(b), op transposing when asked (no transpose is materialised).</summary>
    public static Variable<T> MatMul<T>(Variable<T> a, Variable<T> b, bool transposeA, bool transposeB) where T : unmanaged, IFloatingPointIeee754<T> =>
        new MatMul<T>(transposeA, transposeB).Apply(a, b);
    /// <summary>x·W + b (b optional): the book's Affine.</summary>
    public static Variable<T> Linear<T>(Variable<T> x, Variable<T> w, Variable<T>? b = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        b is null ? new LinearFunction<T>().Apply(x, w) : new LinearFunction<T>().Apply(x, w, b);

    /// <summary>Row <paramref name="row"/> of the first axis (<c>x[i]</c>; rank drops by one).</summary>
    public static Variable<T> GetItem<T>(Variable<T> x, int row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("GetItem: cannot index a scalar (shape ()).");
        int r = row < 0 ? row + x.Data.Dim(0) : row;
        return new GetItem<T>([r], dropAxis: true).Apply(x);
    }
    /// <summary>Rows picked by index (<c>x[rows]</c>; rows may repeat, their gradients add).</summary>
    public static Variable<T> GetItem<T>(Variable<T> x, int[] rows) where T : unmanaged, IFloatingPointIeee754<T> =>
        new GetItem<T>((int[])rows.Clone(), dropAxis: false).Apply(x);
    /// <summary>Rows <paramref name="start"/> to <paramref name="end"/> (exclusive): <c>x[start:end]</c>.</summary>
    public static Variable<T> Slice<T>(Variable<T> x, int start, int end) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0) throw new ArgumentException("Slice: cannot slice a scalar (shape ()).");
        if (start < 0 || end > x.Data.Dim(0) || start > end)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: [{start}:{end}] is outside the first axis of shape {x.ShapeText}.");
        return new GetItem<T>(Enumerable.Range(start, end - start).ToArray(), dropAxis: false).Apply(x);
    }

    /// <summary>Softmax along the last axis.</summary>
    public static Variable<T> Softmax<T>(Variable<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Softmax<T>().Apply(x);

    /// <summary>Softmax then cross-entropy with integer labels, averaged over the batch (a scalar).</summary>
    public static Variable<T> SoftmaxCrossEntropy<T>(Variable<T> x, int[] labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new SoftmaxCrossEntropy<T>(labels).Apply(x);
    }

    /// <summary>Softmax then cross-entropy; <paramref name="t"/> holds one-hot rows (same shape as x) or one label per row.</summary>
    public static Variable<T> SoftmaxCrossEntropy<T>(Variable<T> x, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank != 2) throw new ArgumentException($"SoftmaxCrossEntropy: needs scores of shape (N, classes), got {x.ShapeText}.");
        int n = x.Data.Dim(0);
        int[] labels;
        if (t.HasShape(x.Shape)) labels = t.ArgMax(1);
        else if (t.Length == n)
        {
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = int.CreateTruncating(t.Span[i]);
        }
        else throw new ArgumentException($"SoftmaxCrossEntropy: targets {Tensor<T>.ShapeString(t.Shape)} are neither one-hot for scores {x.ShapeText} nor one label per row.");
        return new SoftmaxCrossEntropy<T>(labels).Apply(x);
    }

    /// <summary>Σ (a − b)² / N with N the first dimension (DeZero's mean_squared_error; the book's chapter 4 form is 0.5·Σ).</summary>
    public static Variable<T> MeanSquaredError<T>(Variable<T> a, Variable<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!a.Data.HasShape(b.Shape))
            throw new ArgumentException($"MeanSquaredError: shapes {a.ShapeText} and {b.ShapeText} differ.");
        var d = a - b;
        int n = a.Rank == 0 ? 1 : a.Data.Dim(0);
        return Sum(d * d) / T.CreateChecked(n);
    }

    /// <summary>
    /// Inverted dropout: in training (<see cref="Autograd.IsTraining"/>) each element is kept with probability
    /// 1 − <paramref name="ratio"/> and scaled by 1 / (1 − ratio); at test time x passes unchanged.
    /// </summary>
    public static Variable<T> Dropout<T>(Variable<T> x, double ratio = 0.5, Random? rng = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(ratio >= 0 && ratio < 1)) throw new ArgumentOutOfRangeException(nameof(ratio), $"Dropout: ratio must be in [0, 1), got {ratio}.");
        if (!Autograd.IsTraining || ratio == 0) return x;
        rng ??= Random.Shared;
        var mask = new Tensor<T>(x.Shape.ToArray());
        T keep = T.CreateChecked(1 / (1 - ratio));
        var m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = rng.NextDouble() > ratio ? keep : T.Zero;
        return x * Variable<T>.Constant(mask);
    }

    /// <summary>Every window of x (N, C, H, W) as a row of (N·OH·OW, C·KH·KW) (differentiable to any order).</summary>
    public static Variable<T> Im2col<T>(Variable<T> x, int kernelH, int kernelW, int stride = 1, int pad = 0) where T : unmanaged, IFloatingPointIeee754<T> =>
        new Im2col<T>(kernelH, kernelW, stride, pad).Apply(x);

    /// <summary>
    /// 2-D convolution: x (N, C, H, W), W (FN, C, KH, KW), b (FN) optional → (N, FN, OH, OW). Built as the book
    /// builds it, im2col then one product, so it differentiates to any order.
    /// </summary>
    public static Variable<T> Conv2d<T>(Variable<T> x, Variable<T> w, Variable<T>? b = null, int stride = 1, int pad = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank != 4 || w.Rank != 4 || x.Data.Dim(1) != w.Data.Dim(1))
            throw new ArgumentException($"Conv2d: input {x.ShapeText} and filters {w.ShapeText} do not fit (need (N, C, H, W) and (FN, C, KH, KW)).");
        if (b is not null && (b.Rank != 1 || b.Data.Dim(0) != w.Data.Dim(0)))
            throw new ArgumentException($"Conv2d: bias {b.ShapeText} does not match filters {w.ShapeText}.");
        int n = x.Data.Dim(0), fn = w.Data.Dim(0), kh = w.Data.Dim(2), kw = w.Data.Dim(3);
        var col = Im2col(x, kh, kw, stride, pad);
        int oh = (x.Data.Dim(2) + 2 * pad - kh) / stride + 1, ow = (x.Data.Dim(3) + 2 * pad - kw) / stride + 1;
        var y = Linear(col, Transpose(Reshape(w, fn, -1)), b);
        return Transpose(Reshape(y, n, oh, ow, fn), 0, 3, 1, 2);
    }

    /// <summary>Max pooling of x (N, C, H, W) over <paramref name="kernel"/>×<paramref name="kernel"/> windows (stride defaults to the kernel size).</summary>
    public static Variable<T> MaxPool2d<T>(Variable<T> x, int kernel, int? stride = null, int pad = 0) where T : unmanaged, IFloatingPointIeee754<T> =>
        new MaxPool2d<T>(kernel, kernel, stride ?? kernel, pad).Apply(x);

    /// <summary>The fraction of rows of <paramref name="y"/> whose largest score is at the label (not a graph operation).</summary>
    public static double Accuracy<T>(Variable<T> y, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Rank != 2 || y.Data.Dim(0) != labels.Length)
            throw new ArgumentException($"Accuracy: {labels.Length} labels for scores {y.ShapeText}.");
        var pred = y.Data.ArgMax(1);
        int ok = 0;
        for (int i = 0; i < pred.Length; i++) if (pred[i] == labels[i]) ok++;
        return pred.Length == 0 ? 0 : (double)ok / pred.Length;
    }
}
