using System.Numerics;

namespace Nabla.Models;

/// <summary>What the trainer, the optimizers and the CLI need from a network.</summary>
public interface INetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters by name ("W1", "b1", …), updated in place.</summary>
    IReadOnlyDictionary<string, Tensor<T>> Params { get; }

    /// <summary>The network's scores for <paramref name="x"/> (before softmax).</summary>
    Tensor<T> Predict(Tensor<T> x, bool train = false);

    /// <summary>The loss for inputs <paramref name="x"/> and targets <paramref name="t"/> (one-hot or labels).</summary>
    T Loss(Tensor<T> x, Tensor<T> t, bool train = false);

    /// <summary>Backpropagation: the gradient of the loss for every parameter, by the same names as <see cref="Params"/>.</summary>
    IReadOnlyDictionary<string, Tensor<T>> Gradient(Tensor<T> x, Tensor<T> t);

    /// <summary>The loss computed by the last <see cref="Gradient"/> call's forward pass.</summary>
    T LastLoss { get; }

    /// <summary>
    /// Whether <see cref="Predict"/>, <see cref="Loss"/> and <see cref="Gradient"/> take input in <paramref name="layout"/>
    /// (a trainer hands mostly-zero data in <see cref="TensorLayout.SparseRows"/> to a network that takes it); every network takes dense input.
    /// </summary>
    bool Accepts(TensorLayout layout) => layout == TensorLayout.Dense;
}
