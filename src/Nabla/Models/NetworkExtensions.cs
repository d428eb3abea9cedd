using System.Numerics;
using Nabla.Functions;

namespace Nabla.Models;

/// <summary>Book methods every network shares: accuracy and numerical gradients.</summary>
public static class NetworkExtensions
{
    /// <summary>
    /// Fraction of samples whose highest score is the target class. Targets are one-hot (N, C) or
    /// labels (N,). Evaluated in chunks of <paramref name="batchSize"/> rows to bound memory.
    /// </summary>
    public static double Accuracy<T>(this INetwork<T> net, Tensor<T> x, Tensor<T> t, int batchSize = 1000)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0);
        if (t.Dim(0) != n) throw new ArgumentException($"Accuracy: {n} inputs {Tensor<T>.ShapeString(x.Shape)} but targets {Tensor<T>.ShapeString(t.Shape)}.");
        if (n == 0) return 0;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long correct = 0;
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            correct += CountCorrect(net.Predict(x.Slice(s, e)), t.Slice(s, e));
        }
        return (double)correct / n;
    }

    /// <summary>
    /// Accuracy on images kept as bytes (<see cref="Data.ByteImages{T}"/>): each batch is converted into one reused
    /// buffer and predicted; the same result as <see cref="Accuracy{T}(INetwork{T}, Tensor{T}, Tensor{T}, int)"/> on
    /// the converted tensor. With <paramref name="count"/>, only the first <paramref name="count"/> images are evaluated.
    /// </summary>
    /// <exception cref="ArgumentException">The images and targets differ in number.</exception>
    public static double Accuracy<T>(this INetwork<T> net, Data.ByteImages<T> x, Tensor<T> t, int batchSize = 1000, int? count = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        if (count is < 0) throw new ArgumentOutOfRangeException(nameof(count), $"count must not be negative, got {count}.");
        Tensor<T>? scratch = null;
        int[]? rows = null;
        return Accuracy(net, x, t, count ?? x.Count, batchSize, ref scratch, ref rows);
    }

    /// <summary>
    /// Accuracy on the first <paramref name="count"/> images, converting each batch into <paramref name="scratch"/> or, for a
    /// network that reads images from their index, listing its rows in <paramref name="rows"/> (both grown as needed, kept by the caller).
    /// </summary>
    internal static double Accuracy<T>(INetwork<T> net, Data.ByteImages<T> x, Tensor<T> t, int count, int batchSize, ref Tensor<T>? scratch, ref int[]? rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Rank == 0 || t.Dim(0) != x.Count)
            throw new ArgumentException($"Accuracy: {x.Count} images {Tensor<T>.ShapeString(x.Shape)} but targets {Tensor<T>.ShapeString(t.Shape)}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int n = Math.Min(count, x.Count);
        if (n == 0) return 0;
        int block = Math.Min(batchSize, n);
        long correct = 0;
        if (net is LayerNetwork<T> layered && layered.CanTakeImages(x))
        {
            if (rows is null || rows.Length < block) rows = new int[block];
            for (int s = 0; s < n; s += batchSize)
            {
                int e = Math.Min(n, s + batchSize);
                for (int i = s; i < e; i++) rows[i - s] = i;
                correct += CountCorrect(layered.Predict(x, rows.AsSpan(0, e - s)), t.Slice(s, e));
            }
            return (double)correct / n;
        }
        if (scratch is null || scratch.Dim(0) != block || scratch.Length != (long)block * x.RowSize) scratch = new Tensor<T>(x.ShapeOfRows(block));
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            var xs = e - s == block ? scratch : scratch.Slice(0, e - s);
            x.CopyRows(s, xs);
            correct += CountCorrect(net.Predict(xs), t.Slice(s, e));
        }
        return (double)correct / n;
    }

    /// <summary>How many rows of the predictions <paramref name="y"/> pick the class of their target (one-hot or label).</summary>
    private static int CountCorrect<T>(Tensor<T> y, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool oneHot = t.Rank == 2;
        int c = y.Dim(1), correct = 0;
        var ys = y.Span; var tt = t.Span;
        for (int i = 0; i < y.Dim(0); i++)
        {
            int pred = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(ys.Slice(i * c, c));
            int label = oneHot ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(tt.Slice(i * c, c)) : int.CreateSaturating(tt[i]);
            if (pred == label) correct++;
        }
        return correct;
    }

    /// <summary>Numerical gradient (central differences) of the loss for every parameter: slow, for checking backprop.</summary>
    public static Dictionary<string, Tensor<T>> NumericalGradient<T>(this INetwork<T> net, Tensor<T> x, Tensor<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grads = new Dictionary<string, Tensor<T>>();
        foreach (var (name, p) in net.Params)
            grads[name] = Numerical.NumericalGradient(_ => net.Loss(x, t, train: true), p);
        return grads;
    }
}
