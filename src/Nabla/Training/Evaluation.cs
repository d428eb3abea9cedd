using System.Numerics;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Models;

namespace Nabla.Training;

/// <summary>Accuracy on a data set kept as bytes (<see cref="ByteImages{T}"/>).</summary>
public static class Evaluation
{
    /// <summary>
    /// Accuracy on images kept as bytes: each batch is gathered into one reused tensor — in sparse rows, from the set's
    /// index of non-zero pixels, when the network takes them and the images are sparse enough
    /// (<see cref="NetworkExtensions.TakesSparseRows{T}"/>), else converted to a dense batch — and predicted. The same result as
    /// <see cref="NetworkExtensions.Accuracy{T}(INetwork{T}, Tensor{T}, Tensor{T}, int)"/> on the converted
    /// tensor. With <paramref name="count"/>, only the first <paramref name="count"/> images are evaluated.
    /// </summary>
    /// <exception cref="ArgumentException">The images and targets differ in number.</exception>
    public static double Accuracy<T>(this INetwork<T> net, ByteImages<T> x, Tensor<T> t, int batchSize = 1000, int? count = null, KernelOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        if (count is < 0) throw new ArgumentOutOfRangeException(nameof(count), $"count must not be negative, got {count}.");
        // The batch buffers (and the sparse product's, kept with a sparse batch) are large: reused from call to call on a thread.
        var scratch = Scratch<T>.Batch;
        var rows = Scratch<T>.Rows;
        try { return Accuracy(net, x, t, count ?? x.Count, batchSize, options ?? KernelOptions.Default, ref scratch, ref rows); }
        finally { Scratch<T>.Batch = scratch; Scratch<T>.Rows = rows; }
    }

    private static class Scratch<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static Tensor<T>? Batch;
        [ThreadStatic] public static int[]? Rows;
    }

    /// <summary>
    /// Accuracy on the first <paramref name="count"/> images, gathering each batch into <paramref name="scratch"/> by the
    /// row list <paramref name="rows"/> (both made or grown as needed, kept by the caller); with <paramref name="labels"/>
    /// (<see cref="NetworkExtensions.Labels{T}"/> of <paramref name="t"/>), the targets' classes are not searched again.
    /// </summary>
    internal static double Accuracy<T>(INetwork<T> net, ByteImages<T> x, Tensor<T> t, int count, int batchSize, KernelOptions options,
        ref Tensor<T>? scratch, ref int[]? rows, int[]? labels = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Rank == 0 || t.Dim(0) != x.Count)
            throw new ArgumentException($"Accuracy: {x.Count} images {Tensor<T>.ShapeString(x.Shape)} but targets {Tensor<T>.ShapeString(t.Shape)}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int n = Math.Min(count, x.Count);
        if (n == 0) return 0;
        int block = Math.Min(batchSize, n);
        var layout = x.CanGatherSparseRows && net.TakesSparseRows(x.Density, options) ? TensorLayout.SparseRows : TensorLayout.Dense;
        if (scratch is null || scratch.Layout != layout || !scratch.HasShape(x.ShapeOfRows(block)))
            scratch = layout == TensorLayout.SparseRows
                ? Tensor<T>.FromSparseRows(new SparseRowStorage<T>(x.RowSize), x.ShapeOfRows(block))
                : new Tensor<T>(x.ShapeOfRows(block));
        if (rows is null || rows.Length < block) rows = new int[block];
        long correct = 0;
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            var xs = e - s == block ? scratch
                : layout == TensorLayout.SparseRows ? Tensor<T>.FromSparseRows(scratch.SparseRows, x.ShapeOfRows(e - s)) : new Tensor<T>(x.ShapeOfRows(e - s));
            for (int i = s; i < e; i++) rows[i - s] = i;
            x.Gather(rows.AsSpan(0, e - s), xs);
            correct += labels is not null
                ? NetworkExtensions.CountCorrect(net.Predict(xs), labels.AsSpan(s, e - s))
                : NetworkExtensions.CountCorrect(net.Predict(xs), t.Slice(s, e));
        }
        return (double)correct / n;
    }
}
