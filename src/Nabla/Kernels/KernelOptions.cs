namespace Nabla.Kernels;

/// <summary>
/// The settings that choose among kernel paths, passed explicitly (to a tensor operation, a layer, a network or a
/// trainer) rather than held in process-wide switches. Every path computes the same sums; only the order of the
/// additions, hence the last bits, can differ between paths. Immutable: derive variants with <c>with</c>.
/// </summary>
public sealed record KernelOptions
{
    /// <summary>The defaults: every path allowed, sparse rows for input at most 30 % non-zero.</summary>
    public static KernelOptions Default { get; } = new();

    /// <summary>
    /// Input whose fraction of non-zero entries is at most this (MNIST pixels: about 19 %) is handed to a network that
    /// accepts it in the sparse-row layout, whose products cost time in proportion to the
    /// non-zeros; denser input stays dense. 0 keeps all input dense. Default 0.3.
    /// </summary>
    public double MaxSparseDensity { get; init; } = 0.3;

    /// <summary>Whether kernels may use 512-bit vectors where the processor has them (false: the 256-bit kernels everywhere). Default true.</summary>
    public bool Allow512 { get; init; } = true;

    /// <summary>
    /// Whether a convolution may run the direct kernels (stride 1, and the strided ones on phase planes for stride 2 or
    /// more) instead of im2col and GEMM. Default true.
    /// </summary>
    public bool AllowDirectConvolution { get; init; } = true;

    /// <summary>
    /// Whether a 3×3, stride-1 convolution (its forward, its dW, and the ∂L/∂x of one, itself such a convolution) may run
    /// Winograd's F(2×2, 3×3) or F(4×4, 3×3) where they pay, instead of the direct kernels or im2col and GEMM; false
    /// turns both off. They compute the same sums through transforms, so their rounding differs from the direct sum's
    /// (F(2×2, 3×3): a few units in the last place of the largest terms; F(4×4, 3×3), whose transforms have coefficients
    /// up to 8, more). Default true.
    /// </summary>
    public bool AllowWinograd { get; init; } = true;
}
