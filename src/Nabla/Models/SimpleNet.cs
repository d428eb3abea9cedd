using System.Numerics;
using Nabla.Functions;

namespace Nabla.Models;

/// <summary>The book's <c>simpleNet</c> (chapter 4): one 2×3 weight matrix, softmax and cross-entropy.</summary>
public sealed class SimpleNet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the net with W drawn from N(0, 1) using <paramref name="rng"/>.</summary>
    public SimpleNet(Random rng) => W = Tensor<T>.RandomNormal(rng, T.One, 2, 3);

    /// <summary>Creates the net with the given 2×3 weights.</summary>
    public SimpleNet(Tensor<T> w)
    {
        if (!w.HasShape([2, 3])) throw new ArgumentException($"SimpleNet needs W of shape (2, 3), got {Tensor<T>.ShapeString(w.Shape)}.", nameof(w));
        W = w;
    }

    /// <summary>The weights, shape (2, 3).</summary>
    public Tensor<T> W { get; }

    /// <summary>x · W.</summary>
    public Tensor<T> Predict(Tensor<T> x) => Tensor<T>.MatMul(x, W);

    /// <summary>Cross-entropy of softmax(x · W) against <paramref name="t"/>.</summary>
    public T Loss(Tensor<T> x, Tensor<T> t) => Losses.CrossEntropyError(Activations.Softmax(Predict(x)), t);
}
