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
        CheckBuffers(x.Length, col.Length, g, backward: false);
        fixed (T* xp = x) fixed (T* cp = col) Job<T>.Run(xp, cp, g, backward: false);
    }

    /// <summary>Adds every window of <paramref name="col"/> back into <paramref name="x"/> (cleared first); padding is dropped.</summary>
    public static unsafe void Backward<T>(ReadOnlySpan<T> col, Span<T> x, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBuffers(x.Length, col.Length, g, backward: true);
        fixed (T* xp = x) fixed (T* cp = col) Job<T>.Run(xp, cp, g, backward: true);
    }

    /// <summary>The geometry valid and both buffers large enough for it, or an exception naming the shapes.</summary>
    private static void CheckBuffers(int x, int col, ConvGeometry g, bool backward)
    {
        g.Validate();
        if (x >= (long)g.N * g.C * g.H * g.W && col >= (long)g.ColRows * g.ColCols) return;
        string input = $"input ({g.N}, {g.C}, {g.H}, {g.W})", matrix = $"({g.ColRows}, {g.ColCols})";
        throw new ArgumentException(backward ? $"Col2Im: buffers too small for {matrix} → {input}." : $"Im2Col: buffers too small for {input} → {matrix}.");
    }

    /// <summary>Images [n0, n1) of im2col: their rows of col from their planes of x.</summary>
    private static unsafe void ForwardImages<T>(T* xp, T* cp, ConvGeometry g, int n0, int n1) where T : unmanaged, IFloatingPointIeee754<T> =>
        WalkWindows<T, Gather<T>>(xp, cp, g, n0, n1);

    /// <summary>
    /// Images [n0, n1) of col2im: their planes of x cleared, then every window row of their rows of col added in. Each
    /// image's sums go in the same order whichever task runs it.
    /// </summary>
    private static unsafe void BackwardImages<T>(T* cp, T* xp, ConvGeometry g, int n0, int n1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long planeSize = (long)g.H * g.W;
        new Span<T>(xp + n0 * g.C * planeSize, (int)((n1 - n0) * g.C * planeSize)).Clear();
        WalkWindows<T, Scatter<T>>(xp, cp, g, n0, n1);
    }

    /// <summary>
    /// Every window row of images [n0, n1), in col's order (image, output row, output column, channel, filter row), through
    /// <typeparamref name="TRow"/>: x's row (null where the window row lies in the padding above or below) from the
    /// window's first column x0, and its FW values of col. Pointer loops: a window row is only FW (3–5) values long, so a
    /// Span or library call per row costs more than the row itself (col2im's `TensorPrimitives.Add` per row was 11 % of a
    /// stride-2 layer's samples).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WalkWindows<T, TRow>(T* xp, T* cp, ConvGeometry g, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T> where TRow : struct, IWindowRow<T>
    {
        int oh = g.OH, ow = g.OW, fh = g.FH, fw = g.FW, h = g.H, w = g.W;
        long planeSize = (long)h * w;
        T* colRow = cp + (long)n0 * oh * ow * g.ColCols;
        for (int n = n0; n < n1; n++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int y0 = i * g.Stride - g.Pad, x0 = j * g.Stride - g.Pad;
                    bool inside = x0 >= 0 && x0 + fw <= w;
                    for (int c = 0; c < g.C; c++)
                    {
                        T* plane = xp + (n * g.C + c) * planeSize;
                        for (int fy = 0; fy < fh; fy++, colRow += fw)
                        {
                            int y = y0 + fy;
                            TRow.Run((uint)y < (uint)h ? plane + (long)y * w + x0 : null, colRow, x0, w, fw, inside);
                        }
                    }
                }
    }

    /// <summary>What im2col or col2im does with one window row (see <see cref="WalkWindows{T, TRow}"/>).</summary>
    private interface IWindowRow<T> where T : unmanaged
    {
        /// <summary>
        /// One window row: x's row at xrow from column x0 (null: all padding), col's FW values at colRow; inside: every
        /// column of the window lies in the row (0 ≤ x0, x0 + FW ≤ W).
        /// </summary>
        static abstract unsafe void Run(T* xrow, T* colRow, int x0, int w, int fw, bool inside);
    }

    /// <summary>im2col: col's values from x, zeros for the padding.</summary>
    private struct Gather<T> : IWindowRow<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static unsafe void Run(T* xrow, T* colRow, int x0, int w, int fw, bool inside)
        {
            if (xrow == null) { for (int fx = 0; fx < fw; fx++) colRow[fx] = T.Zero; return; }
            if (inside) for (int fx = 0; fx < fw; fx++) colRow[fx] = xrow[fx];
            else
                for (int fx = 0; fx < fw; fx++)
                    colRow[fx] = (uint)(x0 + fx) < (uint)w ? xrow[fx] : T.Zero;
        }
    }

    /// <summary>col2im: col's values added into x; the padding's are dropped.</summary>
    private struct Scatter<T> : IWindowRow<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static unsafe void Run(T* xrow, T* colRow, int x0, int w, int fw, bool inside)
        {
            if (xrow == null) return;
            if (inside) for (int fx = 0; fx < fw; fx++) xrow[fx] += colRow[fx];
            else
                for (int fx = 0; fx < fw; fx++)
                    if ((uint)(x0 + fx) < (uint)w) xrow[fx] += colRow[fx];
        }
    }

    /// <summary>
    /// im2col or col2im over the cores, a range of whole images per task (each image's rows of col and planes of x are
    /// its own), from 2¹⁸ values of col; one task below that or with one image.
    /// </summary>
    private sealed unsafe class Job<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static Job<T>? _job;
        private T* _x, _col;
        private ConvGeometry _g;
        private bool _backward;
        private int _tasks;

        public static void Run(T* x, T* col, ConvGeometry g, bool backward)
        {
            int tasks = g.N > 1 && (long)g.ColRows * g.ColCols >= 1 << 18 ? Math.Min(g.N, WorkerPool.Concurrency) : 1;
            if (tasks == 1)
            {
                if (backward) BackwardImages(col, x, g, 0, g.N);
                else ForwardImages(x, col, g, 0, g.N);
                return;
            }
            var job = _job ??= new Job<T>();
            job._x = x; job._col = col; job._g = g; job._backward = backward; job._tasks = tasks;
            try { WorkerPool.Run(job, tasks); }
            finally { job._x = job._col = null; }
        }

        public void Execute(int task)
        {
            int n0 = (int)((long)task * _g.N / _tasks), n1 = (int)((long)(task + 1) * _g.N / _tasks);
            if (_backward) BackwardImages(_col, _x, _g, n0, n1);
            else ForwardImages(_x, _col, _g, n0, n1);
        }
    }
}
