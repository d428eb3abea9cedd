using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Layers;

/// <summary>
/// Max pooling (chapter 7) over N×C×H×W input: each output is the largest value in its window
/// (padding counts as 0, as in the book's im2col version); backward routes the gradient to that position.
/// </summary>
public sealed class Pooling<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;
    private int[] _argMax = [];
    private ConvGeometry _g;

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
        if (Pad == 0) ForwardInside(x.Span, o.Span, h, w, oh, ow);
        else ForwardPadded(x.Span, o.Span, h, w, oh, ow);
        return o;
    }

    /// <summary>Every window lies inside the input: no bounds tests, first maximum wins.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe void ForwardInside(ReadOnlySpan<T> xs, Span<T> os, int h, int w, int oh, int ow)
    {
        int planes = _g.N * _g.C, ph = PoolH, pw = PoolW, stride = Stride;
        fixed (T* xp = xs) fixed (T* op = os) fixed (int* am = _argMax)
        {
            int k = 0;
            for (int nc = 0; nc < planes; nc++)
            {
                int plane = nc * h * w;
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
        var d = dx.Span; d.Clear();
        var ds = dout.Span;
        for (int k = 0; k < ds.Length; k++)
            if (_argMax[k] >= 0) d[_argMax[k]] += ds[k];
        return dx;
    }
}
