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
        bool oneHot = t.Rank == 2;
        long correct = 0;
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            var y = net.Predict(x.Slice(s, e));
            var ts = t.Slice(s, e);
            int c = y.Dim(1);
            var ys = y.Span; var tt = ts.Span;
            for (int i = 0; i < e - s; i++)
            {
                int pred = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(ys.Slice(i * c, c));
                int label = oneHot ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(tt.Slice(i * c, c)) : int.CreateSaturating(tt[i]);
                if (pred == label) correct++;
            }
        }
        return (double)correct / n;
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
