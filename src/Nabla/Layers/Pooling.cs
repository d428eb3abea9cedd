using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nabla.Kernels;

namespace Nabla.Layers;

/// <summary>
/// Max pooling (chapter 7) over N×C×H×W input: each output is the largest value in its window
/// (padding counts as 0, as in the book's im2col version); backward routes the gradient to that position.
/// </summary>
public sealed unsafe class Pooling<T> : ILayer<T>, IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx, _doutMasked;
    private int[] _argMax = [];
    private bool _reluFused;
    private ConvGeometry _g;
    // Set for the duration of a parallel forward or backward: the planes are shared out among the cores.
    private T* _src, _dst;
    private int* _am;
    private bool _backward;
    private int _tasks;

    /// <summary>Creates a pool of <paramref name="poolH"/>×<paramref name="poolW"/> windows.</summary>
    public Pooling(int poolH, int poolW, int stride = 1, int pad = 0)
    {
        if (poolH < 1 || poolW < 1 || stride < 1 || pad < 0)
            throw new ArgumentException($"Bad pooling: window {poolH}×{poolW}, stride {stride}, pad {pad}.");
        PoolH = poolH; PoolW = poolW; Stride = stride; Pad = pad;
    }

    /// <summary>Window height.</summary>
    public int PoolH { get; }
    /// <summary>Window width.</summary>
    public int PoolW { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding.</summary>
    public int Pad { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        if (x.Rank != 4) throw new ArgumentException($"Pooling needs (N, C, H, W) input, got {Tensor<T>.ShapeString(x.Shape)}.");
        _g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), PoolH, PoolW, Stride, Pad);
        _g.Validate();
        int oh = _g.OH, ow = _g.OW, h = _g.H, w = _g.W;
        var o = Tensor<T>.Reuse(ref _out, [_g.N, _g.C, oh, ow]);
        if (_argMax.Length != o.Length) _argMax = new int[o.Length];
        if (Pad == 0) RunPlanes(x.Span, o.Span, backward: false);
        else ForwardPadded(x.Span, o.Span, h, w, oh, ow);
        _reluFused = false;
        return o;
    }

    /// <summary>
    /// Forward of a ReLU followed by this pool, from the ReLU's input: max(relu(window)) = relu(max(window)), so the
    /// pool runs on <paramref name="x"/> and the ReLU on its output, a quarter the size for 2×2 windows. Backward
    /// then passes the gradient only where the output is positive, to the window's maximum: the ReLU layer's
    /// backward folded in. Values and gradients equal the two layers run one after the other: where the window's
    /// maximum is positive both pick the same (first) maximum; where it is not, both give 0 and a zero gradient.
    /// <see cref="Models.LayerNetwork{T}.FuseReluPooling"/> uses it.
    /// </summary>
    internal Tensor<T> ForwardWithRelu(Tensor<T> x, bool train = true)
    {
        var o = Forward(x, train);
        System.Numerics.Tensors.TensorPrimitives.Max(o.Span, T.Zero, o.Span);
        _reluFused = true;
        return o;
    }

    /// <summary>Forward (windows inside the input) or backward over all planes, shared out among the cores when big enough.</summary>
    private void RunPlanes(ReadOnlySpan<T> src, Span<T> dst, bool backward)
    {
        int planes = _g.N * _g.C;
        fixed (T* s = src) fixed (T* d = dst) fixed (int* am = _argMax)
        {
            _src = s; _dst = d; _am = am; _backward = backward;
            _tasks = (long)planes * _g.H * _g.W >= 65_536 ? Math.Min(planes, WorkerPool.Concurrency) : 1;
            try
            {
                if (_tasks == 1) ((IParallelJob)this).Execute(0);
                else WorkerPool.Run(this, _tasks);
            }
            finally { _src = _dst = null; _am = null; }
        }
    }

    void IParallelJob.Execute(int task)
    {
        int planes = _g.N * _g.C;
        int p0 = (int)((long)task * planes / _tasks), p1 = (int)((long)(task + 1) * planes / _tasks);
        if (_backward) BackwardPlanes(_src, _dst, _am, p0, p1);
        else ForwardInside(_src, _dst, _am, p0, p1);
    }

    /// <summary>Every window lies inside the input: no bounds tests, first maximum wins. Planes p0..p1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ForwardInside(T* xp, T* op, int* am, int p0, int p1)
    {
        int h = _g.H, w = _g.W, oh = _g.OH, ow = _g.OW, ph = PoolH, pw = PoolW, stride = Stride;
        bool vector2x2 = ph == 2 && pw == 2 && stride == 2 && ow >= 8 && typeof(T) == typeof(float) && Avx2.IsSupported;
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
                            // Branch-free: which value of a window wins is unpredictable, and with an
                            // if here mispredictions made pooling ~6x slower than its arithmetic.
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
    /// maximum wins). A row's last step overlaps the one before when the output width is not a multiple of 8.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Pool2x2Float(float* x, float* o, int* am, int plane, int w, int oh, int ow)
    {
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var wv = Vector256.Create(w);
        for (int i = 0; i < oh; i++)
        {
            int rowStart = plane + 2 * i * w;
            float* top = x + rowStart, bottom = top + w;
            for (int j = 0; j < ow; j += 8)
            {
                if (j > ow - 8) j = ow - 8;
                var t0 = Avx.LoadVector256(top + 2 * j); var t1 = Avx.LoadVector256(top + 2 * j + 8);
                var b0 = Avx.LoadVector256(bottom + 2 * j); var b1 = Avx.LoadVector256(bottom + 2 * j + 8);
                // Even and odd columns, in order (the in-lane shuffle leaves the 64-bit pairs interleaved).
                var a = Avx2.Permute4x64(Avx.Shuffle(t0, t1, 0x88).AsDouble(), 0xD8).AsSingle();
                var b = Avx2.Permute4x64(Avx.Shuffle(t0, t1, 0xDD).AsDouble(), 0xD8).AsSingle();
                var c = Avx2.Permute4x64(Avx.Shuffle(b0, b1, 0x88).AsDouble(), 0xD8).AsSingle();
                var d = Avx2.Permute4x64(Avx.Shuffle(b0, b1, 0xDD).AsDouble(), 0xD8).AsSingle();
                var right = Vector256.GreaterThan(b, a).AsInt32();        // top row: does the right one win?
                var rightLow = Vector256.GreaterThan(d, c).AsInt32();     // bottom row
                var ma = Vector256.Max(a, b); var mc = Vector256.Max(c, d);
                var lower = Vector256.GreaterThan(mc, ma).AsInt32();      // ties keep the top row
                Vector256.Max(ma, mc).Store(o + i * ow + j);
                var col = Vector256.ConditionalSelect(lower, rightLow, right) & Vector256<int>.One;
                var idx = Vector256.Create(rowStart + 2 * j) + lane2 + col + (lower & wv);
                idx.Store(am + i * ow + j);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Pool2x2Float"/> when the windows tile the plane exactly: every window of dx is written
    /// whole — the gradient at its maximum, zeros elsewhere — so dx needs no clearing pass first. Eight windows per
    /// step, interleaved back into the two input rows; a row's last step may overlap and rewrites the same values.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Unpool2x2Float(float* dout, int* am, float* dx, int plane, int w, int oh, int ow)
    {
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var one = Vector256<int>.One;
        var wv = Vector256.Create(w);
        var w1 = Vector256.Create(w + 1);
        for (int i = 0; i < oh; i++)
        {
            int rowStart = plane + 2 * i * w;
            float* top = dx + rowStart, bottom = top + w;
            for (int j = 0; j < ow; j += 8)
            {
                if (j > ow - 8) j = ow - 8;
                var d = Avx.LoadVector256(dout + i * ow + j);
                var off = Avx.LoadVector256(am + i * ow + j) - (Vector256.Create(rowStart + 2 * j) + lane2);
                var a = d & Vector256.Equals(off, Vector256<int>.Zero).AsSingle();
                var b = d & Vector256.Equals(off, one).AsSingle();
                var c = d & Vector256.Equals(off, wv).AsSingle();
                var e = d & Vector256.Equals(off, w1).AsSingle();
                var lo = Avx.UnpackLow(a, b); var hi = Avx.UnpackHigh(a, b);
                Avx.Permute2x128(lo, hi, 0x20).Store(top + 2 * j);
                Avx.Permute2x128(lo, hi, 0x31).Store(top + 2 * j + 8);
                lo = Avx.UnpackLow(c, e); hi = Avx.UnpackHigh(c, e);
                Avx.Permute2x128(lo, hi, 0x20).Store(bottom + 2 * j);
                Avx.Permute2x128(lo, hi, 0x31).Store(bottom + 2 * j + 8);
            }
        }
    }

    /// <summary>Windows may reach into the zero padding, which counts as a value of 0 (the book's im2col pads with zeros).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ForwardPadded(ReadOnlySpan<T> xs, Span<T> os, int h, int w, int oh, int ow)
    {
        int k = 0;
        for (int nc = 0; nc < _g.N * _g.C; nc++)
        {
            int plane = nc * h * w;
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, k++)
                {
                    T best = T.Zero; int bestIdx = -1; bool first = true;
                    for (int fy = 0; fy < PoolH; fy++)
                    {
                        int y = i * Stride - Pad + fy;
                        for (int fx = 0; fx < PoolW; fx++)
                        {
                            int xx = j * Stride - Pad + fx;
                            bool inside = (uint)y < (uint)h && (uint)xx < (uint)w;
                            T v = inside ? xs[plane + y * w + xx] : T.Zero;
                            if (first || v > best) { best = v; bestIdx = inside ? plane + y * w + xx : -1; first = false; } // first maximum wins, like np.argmax
                        }
                    }
                    os[k] = best; _argMax[k] = bestIdx;
                }
        }
    }

    /// <inheritdoc/>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _out ?? throw new InvalidOperationException("Pooling.Backward called before Forward.");
        Tensor<T>.RequireSameShape(o, dout, "Pooling.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, [_g.N, _g.C, _g.H, _g.W]);
        if (_reluFused)
        {
            // The folded ReLU's backward: no gradient where the (ReLU'd) output is 0.
            var masked = Tensor<T>.Reuse(ref _doutMasked, dout.Shape);
            Relu<T>.MaskPositive(o.Span, dout.Span, masked.Span);
            dout = masked;
        }
        RunPlanes(dout.Span, dx.Span, backward: true);
        return dx;
    }

    /// <summary>dx of planes p0..p1: zeros, then each output's gradient added at its window's maximum (windows stay in their plane).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void BackwardPlanes(T* dout, T* dx, int* am, int p0, int p1)
    {
        long inPlane = (long)_g.H * _g.W, outPlane = (long)_g.OH * _g.OW;
        if (PoolH == 2 && PoolW == 2 && Stride == 2 && Pad == 0 && _g.H == 2 * _g.OH && _g.W == 2 * _g.OW && _g.OW >= 8
            && typeof(T) == typeof(float) && Avx2.IsSupported)
        {
            for (int p = p0; p < p1; p++)
                Unpool2x2Float((float*)dout + p * outPlane, am + p * outPlane, (float*)dx, (int)(p * inPlane), _g.W, _g.OH, _g.OW);
            return;
        }
        new Span<T>(dx + p0 * inPlane, (int)((p1 - p0) * inPlane)).Clear();
        for (long k = p0 * outPlane, end = p1 * outPlane; k < end; k++)
            if (am[k] >= 0) dx[am[k]] += dout[k];
    }
}
