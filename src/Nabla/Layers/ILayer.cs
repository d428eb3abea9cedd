using System.Numerics;

namespace Nabla.Layers;

/// <summary>
/// A computational-graph node of chapter 5: <see cref="Forward"/> keeps exactly what
/// <see cref="Backward"/> needs. Returned tensors are the layer's own buffers, reused by the next
/// call with the same shape (so training allocates nothing per step): copy them if you need to keep them.
/// </summary>
public interface ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Computes the layer's output; <paramref name="train"/> matters to layers such as dropout and batch norm.</summary>
    Tensor<T> Forward(Tensor<T> x, bool train = true);

    /// <summary>Given ∂L/∂out, stores parameter gradients and returns ∂L/∂x.</summary>
    Tensor<T> Backward(Tensor<T> dout);

    /// <summary>Whether <see cref="Forward"/> takes input in <paramref name="layout"/>; every layer takes dense input.</summary>
    bool Accepts(TensorLayout layout) => layout == TensorLayout.Dense;
}

/// <summary>A layer with trainable parameters.</summary>
public interface IParameterizedLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The layer's parameters with their gradient buffers, in a fixed order.</summary>
    IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters { get; }
}
