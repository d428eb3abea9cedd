using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>
/// The book's optimizer contract (chapter 6): <c>Update(params, grads)</c> changes every parameter in
/// place from the gradient of the same name. State (velocities, squared sums) is created on the first
/// call for each parameter, so later steps allocate nothing.
/// </summary>
public interface IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Updates every parameter in <paramref name="parameters"/> from <paramref name="gradients"/> (matched by name).</summary>
    void Update(IReadOnlyDictionary<string, Tensor<T>> parameters, IReadOnlyDictionary<string, Tensor<T>> gradients);
}
