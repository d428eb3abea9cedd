using System.Numerics;
using Nabla.Functions;
using Nabla.Kernels;

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

    /// <summary>Whether input of <paramref name="density"/> goes to <paramref name="net"/> in sparse rows: it takes them, and the input is sparse enough.</summary>
    public static bool TakesSparseRows<T>(this INetwork<T> net, double density, KernelOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        options.MaxSparseDensity > 0 && density <= options.MaxSparseDensity && net.Accepts(TensorLayout.SparseRows);

    /// <summary>How many rows of the predictions <paramref name="y"/> pick the class of their target (one-hot or label).</summary>
    internal static int CountCorrect<T>(Tensor<T> y, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> =>
        CountCorrect(y, Labels(t));

    /// <summary>
    /// How many rows of the predictions <paramref name="y"/> pick their class in <paramref name="labels"/> (the targets'
    /// classes found once by <see cref="Labels{T}"/>, rather than a one-hot row searched again for every evaluation).
    /// </summary>
    internal static int CountCorrect<T>(Tensor<T> y, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = y.Dim(1), correct = 0;
        var ys = y.Span;
        for (int i = 0; i < y.Dim(0); i++)
            if (Kernels.RowwiseKernel<T>.IndexOfMax(ys.Slice(i * c, c)) == labels[i]) correct++;
        return correct;
    }

    /// <summary>Each target's class: the index of the largest value of a one-hot row (rank 2), or the value itself (rank 1).</summary>
    internal static int[] Labels<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var labels = new int[t.Rank == 0 ? 0 : t.Dim(0)];
        for (int i = 0; i < labels.Length; i++) labels[i] = Label(t, i);
        return labels;
    }

    private static int Label<T>(Tensor<T> t, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Rank != 2) return int.CreateSaturating(t.Span[i]);
        int c = t.Dim(1);
        return Kernels.RowwiseKernel<T>.IndexOfMax(t.Span.Slice(i * c, c));
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

    /// <summary>
    /// The book's gradient check (chapter 5) on <paramref name="network"/>: <see cref="INetwork{T}.Gradient"/> against
    /// central differences of <see cref="INetwork{T}.Loss"/> for every parameter (<see cref="Functions.GradientCheck"/>).
    /// </summary>
    public static IReadOnlyList<GradientCheckResult> GradientCheck<T>(this INetwork<T> network, Tensor<T> x, Tensor<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var numerical = network.NumericalGradient(x, t);
        return Functions.GradientCheck.Compare(network.Gradient(x, t), numerical);
    }
}
