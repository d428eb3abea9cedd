using System.Numerics;

namespace Nabla.Kernels;

/// <summary>The geometry of a 2-D convolution or pooling window over N×C×H×W input.</summary>
/// <param name="N">Batch size.</param>
/// <param name="C">Channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="FH">Window height.</param>
/// <param name="FW">Window width.</param>
/// <param name="Stride">Step between windows.</param>
/// <param name="Pad">Zero padding on every side.</param>
public readonly record struct ConvGeometry(int N, int C, int H, int W, int FH, int FW, int Stride, int Pad)
{
    /// <summary>Output height (H + 2·pad − FH) / stride + 1.</summary>
    public int OH => (H + 2 * Pad - FH) / Stride + 1;
    /// <summary>Output width (W + 2·pad − FW) / stride + 1.</summary>
    public int OW => (W + 2 * Pad - FW) / Stride + 1;
    /// <summary>Rows of the column matrix: N·OH·OW.</summary>
    public int ColRows => N * OH * OW;
    /// <summary>Columns of the column matrix: C·FH·FW.</summary>
    public int ColCols => C * FH * FW;

    /// <summary>Throws with the offending numbers when the window does not fit.</summary>
    public void Validate()
    {
        if (N < 0 || C < 1 || H < 1 || W < 1 || FH < 1 || FW < 1 || Stride < 1 || Pad < 0)
            throw new ArgumentException($"Bad convolution geometry: input ({N}, {C}, {H}, {W}), window {FH}×{FW}, stride {Stride}, pad {Pad}.");
        if (H + 2 * Pad < FH || W + 2 * Pad < FW)
            throw new ArgumentException($"A {FH}×{FW} window does not fit input {H}×{W} with pad {Pad}.");
    }
}

/// <summary>
/// im2col / col2im (chapter 7): unroll every window of an N×C×H×W input into one row of a
/// (N·OH·OW) × (C·FH·FW) matrix so that a convolution becomes one GEMM, and fold it back.
/// The layout matches the book's <c>common/util.py</c>.
/// </summary>
public static class Im2Col
{
    /// <summary>Fills <paramref name="col"/> (N·OH·OW × C·FH·FW) from <paramref name="x"/> (N×C×H×W); padding reads as 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward<T>(ReadOnlySpan<T> x, Span<T> col, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate();
        int oh = g.OH, ow = g.OW, cols = g.ColCols, fh = g.FH, fw = g.FW, h = g.H, w = g.W;
        if (x.Length < g.N * g.C * g.H * g.W || col.Length < g.ColRows * cols)
            throw new ArgumentException($"Im2Col: buffers too small for input ({g.N}, {g.C}, {g.H}, {g.W}) → ({g.ColRows}, {cols}).");
        // Pointer loops: a window row is only FW (3–5) elements long, so a Span copy per row costs
        // more in call overhead than the copy itself.
        fixed (T* xp = x) fixed (T* cp = col)
        {
            T* dst = cp;
            for (int n = 0; n < g.N; n++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int y0 = i * g.Stride - g.Pad, x0 = j * g.Stride - g.Pad;
                        bool inside = x0 >= 0 && x0 + fw <= w;
                        for (int c = 0; c < g.C; c++)
                        {
                            T* plane = xp + (long)(n * g.C + c) * h * w;
                            for (int fy = 0; fy < fh; fy++, dst += fw)
                            {
                                int y = y0 + fy;
                                if ((uint)y >= (uint)h) { for (int fx = 0; fx < fw; fx++) dst[fx] = T.Zero; continue; }
                                T* src = plane + (long)y * w + x0;
                                if (inside) for (int fx = 0; fx < fw; fx++) dst[fx] = src[fx];
                                else
                                    for (int fx = 0; fx < fw; fx++)
                                        dst[fx] = (uint)(x0 + fx) < (uint)w ? src[fx] : T.Zero;
                            }
                        }
                    }
        }
    }

    /// <summary>Adds every window of <paramref name="col"/> back into <paramref name="x"/> (cleared first); padding is dropped.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> col, Span<T> x, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate();
        int oh = g.OH, ow = g.OW, cols = g.ColCols;
        if (x.Length < g.N * g.C * g.H * g.W || col.Length < g.ColRows * cols)
            throw new ArgumentException($"Col2Im: buffers too small for ({g.ColRows}, {cols}) → input ({g.N}, {g.C}, {g.H}, {g.W}).");
        x.Slice(0, g.N * g.C * g.H * g.W).Clear();
        int row = 0;
        for (int n = 0; n < g.N; n++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, row++)
                {
                    var src = col.Slice(row * cols, cols);
                    int y0 = i * g.Stride - g.Pad, x0 = j * g.Stride - g.Pad;
                    int k = 0;
                    for (int c = 0; c < g.C; c++)
                    {
                        int plane = (n * g.C + c) * g.H;
                        for (int fy = 0; fy < g.FH; fy++, k += g.FW)
                        {
                            int y = y0 + fy;
                            if ((uint)y >= (uint)g.H) continue;
                            var dst = x.Slice((plane + y) * g.W, g.W);
                            var s = src.Slice(k, g.FW);
                            if (x0 >= 0 && x0 + g.FW <= g.W)
                            {
                                var d = dst.Slice(x0, g.FW);
                                System.Numerics.Tensors.TensorPrimitives.Add(d, s, d);
                                continue;
                            }
                            for (int fx = 0; fx < g.FW; fx++)
                            {
                                int xx = x0 + fx;
                                if ((uint)xx < (uint)g.W) dst[xx] += s[fx];
                            }
                        }
                    }
                }
    }
}
