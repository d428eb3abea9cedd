using System.Numerics;

namespace Nabla;

/// <summary>
/// Ties a product <c>x·W</c> to the transposed product <c>xᵀ·D</c> that follows it on the same left operand (a layer's
/// forward product and its dW): when <c>x</c> is dense but mostly zeros, <see cref="Tensor{T}.MatMul(Tensor{T}, Tensor{T}, Tensor{T}, Kernels.KernelOptions, MatMulCache{T}, bool)"/>
/// multiplies it from a compressed copy of its non-zeros, kept here, and the transposed product reuses that copy. Hold one
/// per layer, as the layer holds its <c>x</c>, and do not change <c>x</c> between the two products.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MatMulCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal readonly Kernels.SparseProduct<T> Kernel = new();
    /// <summary>The operand the kernel holds the non-zeros of (null: the last product was dense).</summary>
    internal Tensor<T>? Compressed;
    /// <summary>Products left to run dense before trying the sparse kernel again (after input too dense for it).</summary>
    internal int DenseStreak;

    /// <summary>Whether the last product through this cache ran on its left operand's non-zeros.</summary>
    public bool LastProductWasSparse => Compressed is not null;
}
