using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Max pooling over N×C×H×W planes, forward (each output the first maximum of its window, its index kept) and backward
/// (each gradient added at its window's maximum), the planes shared out among the cores when there are enough values.
/// The book's 2×2, stride-2 pool runs eight windows per step in 256-bit vectors; padded windows count the padding as 0.
/// A ReLU directly before the pool can be folded in: max(relu(a), relu(b)) = relu(max(a, b)), so the pool runs on the
/// ReLU's input and the ReLU on the pooled values (a quarter as many for 2×2 windows); backward then passes the gradient
/// only where the pooled output is positive — the same values and gradients, bit for bit, as the two steps one after the other.
/// </summary>
internal sealed unsafe class MaxPool<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static MaxPool<T>? t_job;

    private ConvGeometry _g;
    private T* _src, _dst, _reluOut;
    private int* _am;
    private bool _backward;
    private int _tasks;

    /// <summary>
    /// output (N, C, OH, OW) = the maximum of each window of x, argMax its flat index in x (−1 for the padding); with
    /// <paramref name="relu"/>, max(0, ·) of it (the pooling of relu(x)).
    /// </summary>
    public static void Forward(ReadOnlySpan<T> x, Span<T> output, Span<int> argMax, ConvGeometry g, bool relu)
    {
        long outputs = (long)g.N * g.C * g.OH * g.OW;
        if (x.Length < (long)g.N * g.C * g.H * g.W || output.Length < outputs || argMax.Length < outputs)
            throw new ArgumentException($"MaxPool: x, output or argMax is too small for {g}.");
        if (g.Pad == 0) Run(x, output, argMax, default, g, backward: false);
        else ForwardPadded(x, output, argMax, g);
        if (relu) System.Numerics.Tensors.TensorPrimitives.Max(output[..(int)outputs], T.Zero, output[..(int)outputs]);
    }

    /// <summary>
    /// dx (N, C, H, W) = each of dout's values added at its window's maximum (argMax from <see cref="Forward"/>); after a fused
    /// ReLU, <paramref name="reluOutput"/> is the forward output and no gradient passes where it is 0.
    /// </summary>
    public static void Backward(ReadOnlySpan<T> dout, ReadOnlySpan<int> argMax, Span<T> dx, ConvGeometry g, ReadOnlySpan<T> reluOutput)
    {
        long outputs = (long)g.N * g.C * g.OH * g.OW;
        if (dx.Length < (long)g.N * g.C * g.H * g.W || dout.Length < outputs || argMax.Length < outputs || (!reluOutput.IsEmpty && reluOutput.Length < outputs))
            throw new ArgumentException($"MaxPool: dout, argMax or dx is too small for {g}.");
        Run(dout, dx, argMax, reluOutput, g, backward: true);
    }

    /// <summary>Forward (windows inside the input) or backward over all planes, shared out among the cores when big enough.</summary>
    private static void Run(ReadOnlySpan<T> src, Span<T> dst, ReadOnlySpan<int> argMax, ReadOnlySpan<T> reluOut, ConvGeometry g, bool backward)
    {
        var job = t_job ??= new MaxPool<T>();
        int planes = g.N * g.C;
        fixed (T* s = src) fixed (T* d = dst) fixed (int* am = argMax) fixed (T* r = reluOut)
        {
            job._g = g; job._src = s; job._dst = d; job._am = am; job._reluOut = reluOut.IsEmpty ? null : r; job._backward = backward;
            job._tasks = (long)planes * g.H * g.W >= 65_536 ? Math.Min(planes, WorkerPool.Concurrency) : 1;
            try
            {
                if (job._tasks == 1) job.Execute(0);
                else WorkerPool.Run(job, job._tasks);
            }
            finally { job._src = job._dst = job._reluOut = null; job._am = null; }
        }
    }

    /// <inheritdoc/>
    public void Execute(int task)
    {
        int planes = _g.N * _g.C;
        int p0 = (int)((long)task * planes / _tasks), p1 = (int)((long)(task + 1) * planes / _tasks);
        if (_backward) BackwardPlanes(_src, _dst, _am, _reluOut, p0, p1);
        else ForwardInside(_src, _dst, _am, p0, p1);
    }

    /// <summary>Every window lies inside the input: no bounds tests, first maximum wins. Planes p0..p1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ForwardInside(T* xp, T* op, int* am, int p0, int p1)
    {
        int h = _g.H, w = _g.W, oh = _g.OH, ow = _g.OW, ph = _g.FH, pw = _g.FW, stride = _g.Stride;
        bool vector2x2 = ph == 2 && pw == 2 && stride == 2 && WalksInEights(oh, ow) && typeof(T) == typeof(float) && Avx2.IsSupported;
        int k = p0 * oh * ow;
        for (int nc = p0; nc < p1; nc++)
        {
            int plane = nc * h * w;
            if (vector2x2)
            {
                Pool2x2Float((float*)xp, (float*)op + k, am + k, plane, w, oh, ow);
                k += oh * ow;
                continue;
            }
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, k++)
                {
                    int start = plane + i * stride * w + j * stride;
                    if (ph == 2 && pw == 2)
                    {
                        // The book's 2×2 pool, unrolled: max of each row, then of the two rows.
                        T a = xp[start], b = xp[start + 1], c = xp[start + w], d = xp[start + w + 1];
                        int ia = start + (b > a ? 1 : 0), ic = start + w + (d > c ? 1 : 0);
                        T ma = T.Max(a, b), mc = T.Max(c, d);
                        int lower = mc > ma ? 1 : 0;
                        op[k] = T.Max(ma, mc); am[k] = ia + lower * (ic - ia);
                        continue;
                    }
                    T best = xp[start]; int bestIdx = start;
                    for (int fy = 0; fy < ph; fy++)
                    {
                        int row = start + fy * w;
                        for (int fx = 0; fx < pw; fx++)
                        {
                            // Branch-free: which value of a window wins is unpredictable, and a branch
                            // here would cost more in mispredictions than the comparisons themselves.
                            int idx = row + fx;
                            T v = xp[idx];
                            int greater = v > best ? 1 : 0;
                            bestIdx += greater * (idx - bestIdx);
                            best = T.Max(best, v);
                        }
                    }
                    op[k] = best; am[k] = bestIdx;
                }
        }
    }

    /// <summary>
    /// The book's 2×2, stride-2 pool on one plane, eight windows per step: the two input rows are split into
    /// even and odd columns, and the same comparisons as the scalar code pick the value and its index (first
    /// maximum wins). A row's last step overlaps the one before when the output width is not a multiple of 8. Four
    /// windows a row (8-wide maps) go two rows a step.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Pool2x2Float(float* x, float* o, int* am, int plane, int w, int oh, int ow)
    {
        var step = new PoolStep { X = x, O = o, Am = am, W = Vector256.Create(w) };
        EightWindowSteps(ref step, plane, w, oh, ow);
    }

    /// <summary>What is done with eight 2×2 windows (<see cref="EightWindowSteps{TStep}"/>).</summary>
    private interface IEightWindows
    {
        /// <summary>
        /// The eight windows whose outputs start at output offset <paramref name="k"/> (within the plane): their top rows
        /// are the 16 values at flat indices t0 and t1 (8 each, in that order), their bottom rows those at b0 and b1;
        /// <paramref name="left"/> holds each window's top left flat index.
        /// </summary>
        void Step(int k, int t0, int t1, int b0, int b1, Vector256<int> left);
    }

    /// <summary>Whether <see cref="EightWindowSteps{TStep}"/> can walk an output of these rows and columns: at least 8 wide, or 4 wide with at least 2 rows.</summary>
    private static bool WalksInEights(int oh, int ow) => ow >= 8 || ow == 4 && oh >= 2;

    /// <summary>
    /// Walks one plane's 2×2 windows eight at a time: along each output row, the last step overlapping the one before
    /// when the row is not a multiple of 8 wide; an output 4 wide goes two rows a step (the second's input rows 2w further
    /// on), an odd last row overlapping the pair before. The forward and the backward share it.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void EightWindowSteps<TStep>(ref TStep step, int plane, int w, int oh, int ow) where TStep : struct, IEightWindows
    {
        if (ow == 4)
        {
            var pairLanes = Vector256.Create(0, 2, 4, 6, 2 * w, 2 * w + 2, 2 * w + 4, 2 * w + 6);
            for (int i = 0; i < oh; i += 2)
            {
                if (i > oh - 2) i = oh - 2;
                int rowStart = plane + 2 * i * w;
                step.Step(i * 4, rowStart, rowStart + 2 * w, rowStart + w, rowStart + 3 * w, Vector256.Create(rowStart) + pairLanes);
            }
            return;
        }
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        for (int i = 0; i < oh; i++)
        {
            int rowStart = plane + 2 * i * w;
            for (int j = 0; j < ow; j += 8)
            {
                if (j > ow - 8) j = ow - 8;
                int t = rowStart + 2 * j;
                step.Step(i * ow + j, t, t + 8, t + w, t + w + 8, Vector256.Create(t) + lane2);
            }
        }
    }

    /// <summary>The forward's step: the windows' maxima and their indices (<see cref="Pool8"/>).</summary>
    private struct PoolStep : IEightWindows
    {
        public float* X, O;
        public int* Am;
        public Vector256<int> W;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public readonly void Step(int k, int t0, int t1, int b0, int b1, Vector256<int> left) =>
            Pool8(Avx.LoadVector256(X + t0), Avx.LoadVector256(X + t1), Avx.LoadVector256(X + b0), Avx.LoadVector256(X + b1), O + k, Am + k, left, W);
    }

    /// <summary>
    /// Eight 2×2 windows: window k's top row is columns 2k, 2k + 1 of t0 followed by t1, its bottom row the same of b0
    /// followed by b1; left is the flat index of each window's top left value, w the row length. Writes the maxima to o
    /// and their indices (first maximum wins) to am.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Pool8(Vector256<float> t0, Vector256<float> t1, Vector256<float> b0, Vector256<float> b1, float* o, int* am,
        Vector256<int> left, Vector256<int> w)
    {
        // Even and odd columns, in order (the in-lane shuffle leaves the 64-bit pairs interleaved).
        var a = Avx2.Permute4x64(Avx.Shuffle(t0, t1, 0x88).AsDouble(), 0xD8).AsSingle();
        var b = Avx2.Permute4x64(Avx.Shuffle(t0, t1, 0xDD).AsDouble(), 0xD8).AsSingle();
        var c = Avx2.Permute4x64(Avx.Shuffle(b0, b1, 0x88).AsDouble(), 0xD8).AsSingle();
        var d = Avx2.Permute4x64(Avx.Shuffle(b0, b1, 0xDD).AsDouble(), 0xD8).AsSingle();
        var right = Vector256.GreaterThan(b, a).AsInt32();        // top row: does the right one win?
        var rightLow = Vector256.GreaterThan(d, c).AsInt32();     // bottom row
        var ma = Vector256.Max(a, b); var mc = Vector256.Max(c, d);
        var lower = Vector256.GreaterThan(mc, ma).AsInt32();      // ties keep the top row
        Vector256.Max(ma, mc).Store(o);
        var col = Vector256.ConditionalSelect(lower, rightLow, right) & Vector256<int>.One;
        (left + col + (lower & w)).Store(am);
    }

    /// <summary>
    /// Backward of <see cref="Pool2x2Float"/> when the windows tile the plane exactly: every window of dx is written
    /// whole — the gradient at its maximum, zeros elsewhere — so dx needs no clearing pass first. Eight windows per
    /// step, interleaved back into the two input rows; a row's last step may overlap and rewrites the same values. After a
    /// fused ReLU (<paramref name="reluOut"/> not null) the gradient is passed only where the pooled output is positive.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Unpool2x2Float(float* dout, int* am, float* reluOut, float* dx, int plane, int w, int oh, int ow)
    {
        var step = new UnpoolStep { Dout = dout, Am = am, ReluOut = reluOut, Dx = dx, W = w };
        EightWindowSteps(ref step, plane, w, oh, ow);
    }

    /// <summary>The backward's step (<see cref="Unpool8"/>).</summary>
    private struct UnpoolStep : IEightWindows
    {
        public float* Dout, ReluOut, Dx;
        public int* Am;
        public int W;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public readonly void Step(int k, int t0, int t1, int b0, int b1, Vector256<int> left) =>
            Unpool8(Dout + k, Am + k, ReluOut == null ? null : ReluOut + k, left, W, Dx + t0, Dx + t1, Dx + b0, Dx + b1);
    }

    /// <summary>
    /// Eight windows of <see cref="Pool8"/> backward: each gradient (zero where a fused ReLU gave 0) at its window's maximum,
    /// zeros at the other three values; the windows' top rows go to t0 then t1, their bottom rows to b0 then b1.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Unpool8(float* dout, int* am, float* reluOut, Vector256<int> left, int w, float* t0, float* t1, float* b0, float* b1)
    {
        var d = Avx.LoadVector256(dout);
        if (reluOut != null) d &= Vector256.GreaterThan(Avx.LoadVector256(reluOut), Vector256<float>.Zero);
        var off = Avx.LoadVector256(am) - left;
        var a = d & Vector256.Equals(off, Vector256<int>.Zero).AsSingle();
        var b = d & Vector256.Equals(off, Vector256<int>.One).AsSingle();
        var c = d & Vector256.Equals(off, Vector256.Create(w)).AsSingle();
        var e = d & Vector256.Equals(off, Vector256.Create(w + 1)).AsSingle();
        var lo = Avx.UnpackLow(a, b); var hi = Avx.UnpackHigh(a, b);
        Avx.Permute2x128(lo, hi, 0x20).Store(t0);
        Avx.Permute2x128(lo, hi, 0x31).Store(t1);
        lo = Avx.UnpackLow(c, e); hi = Avx.UnpackHigh(c, e);
        Avx.Permute2x128(lo, hi, 0x20).Store(b0);
        Avx.Permute2x128(lo, hi, 0x31).Store(b1);
    }

    /// <summary>Windows may reach into the zero padding, which counts as a value of 0 (the book's im2col pads with zeros).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPadded(ReadOnlySpan<T> xs, Span<T> os, Span<int> argMax, ConvGeometry g)
    {
        int k = 0, h = g.H, w = g.W, oh = g.OH, ow = g.OW;
        for (int nc = 0; nc < g.N * g.C; nc++)
        {
            int plane = nc * h * w;
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, k++)
                {
                    T best = T.Zero; int bestIdx = -1; bool first = true;
                    for (int fy = 0; fy < g.FH; fy++)
                    {
                        int y = i * g.Stride - g.Pad + fy;
                        for (int fx = 0; fx < g.FW; fx++)
                        {
                            int xx = j * g.Stride - g.Pad + fx;
                            bool inside = (uint)y < (uint)h && (uint)xx < (uint)w;
                            T v = inside ? xs[plane + y * w + xx] : T.Zero;
                            if (first || v > best) { best = v; bestIdx = inside ? plane + y * w + xx : -1; first = false; } // first maximum wins, like np.argmax
                        }
                    }
                    os[k] = best; argMax[k] = bestIdx;
                }
        }
    }

    /// <summary>dx of planes p0..p1: zeros, then each output's gradient added at its window's maximum (windows stay in their plane).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void BackwardPlanes(T* dout, T* dx, int* am, T* reluOut, int p0, int p1)
    {
        long inPlane = (long)_g.H * _g.W, outPlane = (long)_g.OH * _g.OW;
        if (_g.FH == 2 && _g.FW == 2 && _g.Stride == 2 && _g.Pad == 0 && _g.H == 2 * _g.OH && _g.W == 2 * _g.OW && WalksInEights(_g.OH, _g.OW)
            && typeof(T) == typeof(float) && Avx2.IsSupported)
        {
            for (int p = p0; p < p1; p++)
                Unpool2x2Float((float*)dout + p * outPlane, am + p * outPlane, reluOut == null ? null : (float*)reluOut + p * outPlane,
                    (float*)dx, (int)(p * inPlane), _g.W, _g.OH, _g.OW);
            return;
        }
        new Span<T>(dx + p0 * inPlane, (int)((p1 - p0) * inPlane)).Clear();
        for (long k = p0 * outPlane, end = p1 * outPlane; k < end; k++)
            if (am[k] >= 0) dx[am[k]] += reluOut == null || reluOut[k] > T.Zero ? dout[k] : T.Zero; // a fused ReLU passes no gradient where it gave 0
    }
}
