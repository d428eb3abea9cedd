using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Layers;

/// <summary>
/// 2-D convolution (chapter 7): W is FN×C×FH×FW, b has FN entries, input N×C×H×W, output N×FN×OH×OW.
/// Backward gives dW, db and ∂L/∂x (by col2im). As in the book, the general case is im2col and one GEMM;
/// stride 1 with rows of at least one vector (SimpleConvNet's first layer) runs direct kernels that read
/// the input and write NCHW without the column matrix (<see cref="DirectConv{T}"/>).
/// </summary>
public sealed class Convolution<T> : IParameterizedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _col, _out2, _out, _dout2, _dcol, _dx, _input;
    private ConvGeometry _g;
    private bool _direct;
    private DirectConv<T>? _directConv;

    /// <summary>Lets tests compare the direct kernels with im2col and GEMM on the same layer.</summary>
    internal bool AllowDirect { get; set; } = true;

    /// <summary>Creates the layer over <paramref name="w"/> (FN, C, FH, FW) and <paramref name="b"/> (FN), which it updates in place.</summary>
    public Convolution(Tensor<T> w, Tensor<T> b, int stride = 1, int pad = 0)
    {
        if (w.Rank != 4 || b.Rank != 1 || b.Dim(0) != w.Dim(0))
            throw new ArgumentException($"Convolution needs W (FN, C, FH, FW) and b (FN,), got W {Tensor<T>.ShapeString(w.Shape)} and b {Tensor<T>.ShapeString(b.Shape)}.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), $"Stride must be ≥ 1, got {stride}.");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), $"Pad must be ≥ 0, got {pad}.");
        W = w; B = b; Stride = stride; Pad = pad;
        DW = Tensor<T>.ZerosLike(w); DB = Tensor<T>.ZerosLike(b);
    }

    /// <summary>Filters (FN, C, FH, FW).</summary>
    public Tensor<T> W { get; }
    /// <summary>Bias (FN).</summary>
    public Tensor<T> B { get; }
    /// <summary>∂L/∂W.</summary>
    public Tensor<T> DW { get; }
    /// <summary>∂L/∂b.</summary>
    public Tensor<T> DB { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding.</summary>
    public int Pad { get; }

    /// <summary>When false, backward skips ∂L/∂x (the first layer never needs it).</summary>
    public bool ComputeInputGradient { get; set; } = true;

    /// <inheritdoc/>
    public IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters => [("W", W, DW), ("b", B, DB)];

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        int fn = W.Dim(0);
        if (x.Rank != 4 || x.Dim(1) != W.Dim(1))
            throw new ArgumentException($"Convolution: input {Tensor<T>.ShapeString(x.Shape)} must be (N, {W.Dim(1)}, H, W) for filters {Tensor<T>.ShapeString(W.Shape)}.");
        _g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), W.Dim(2), W.Dim(3), Stride, Pad);
        _g.Validate();
        int rows = _g.ColRows, cols = _g.ColCols, oh = _g.OH, ow = _g.OW;
        _direct = AllowDirect && DirectConv<T>.Supports(_g, fn);
        if (_direct)
        {
            _input = x;
            var od = Tensor<T>.Reuse(ref _out, [_g.N, fn, oh, ow]);
            (_directConv ??= new DirectConv<T>()).Forward(x.Span, W.Span, B.Span, od.Span, _g, fn);
            return od;
        }
        _input = null;
        var col = Tensor<T>.Reuse(ref _col, [rows, cols]);
        Im2Col.Forward<T>(x.Span, col.Span, _g);
        var out2 = Tensor<T>.Reuse(ref _out2, [rows, fn]);
        Gemm.Multiply<T>(col.Span, W.Span, out2.Span, rows, fn, cols, transB: true);
        // (N·OH·OW, FN) + b → (N, FN, OH, OW)
        var o = Tensor<T>.Reuse(ref _out, [_g.N, fn, oh, ow]);
        RowsToChannels(out2.Span, o.Span, B.Span, _g.N, oh * ow, fn);
        return o;
    }

    /// <summary>(N·P, F) rows plus bias → (N, F, P) channel planes: the layout change after the GEMM.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowsToChannels(ReadOnlySpan<T> src, Span<T> dst, ReadOnlySpan<T> bias, int n, int plane, int fn)
    {
        fixed (T* s = src) fixed (T* d = dst) fixed (T* b = bias)
            for (int i = 0; i < n; i++)
            {
                T* si = s + (long)i * plane * fn, di = d + (long)i * fn * plane;
                for (int f = 0; f < fn; f++)
                {
                    T bf = b[f];
                    T* dp = di + (long)f * plane;
                    for (int p = 0; p < plane; p++) dp[p] = si[(long)p * fn + f] + bf;
                }
            }
    }

    /// <summary>(N, F, P) channel planes → (N·P, F) rows: the layout the GEMMs of backward read.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ChannelsToRows(ReadOnlySpan<T> src, Span<T> dst, int n, int plane, int fn)
    {
        fixed (T* s = src) fixed (T* d = dst)
            for (int i = 0; i < n; i++)
            {
                T* si = s + (long)i * fn * plane, di = d + (long)i * plane * fn;
                for (int f = 0; f < fn; f++)
                {
                    T* sp = si + (long)f * plane;
                    for (int p = 0; p < plane; p++) di[(long)p * fn + f] = sp[p];
                }
            }
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        if (_input is null && _col is null) throw new InvalidOperationException("Convolution.Backward called before Forward.");
        int fn = W.Dim(0), rows = _g.ColRows, cols = _g.ColCols, plane = _g.OH * _g.OW;
        if (!dout.HasShape([_g.N, fn, _g.OH, _g.OW]))
            throw new ArgumentException($"Convolution.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the output ({_g.N}, {fn}, {_g.OH}, {_g.OW}).");
        // (N, FN, OH, OW) → (N·OH·OW, FN) for the GEMMs
        Span<T> d2s = default;
        if (!_direct || ComputeInputGradient)
        {
            d2s = Tensor<T>.Reuse(ref _dout2, [rows, fn]).Span;
            ChannelsToRows(dout.Span, d2s, _g.N, plane, fn);
        }
        if (_direct) _directConv!.FilterGradient(_input!.Span, dout.Span, DW.Span, DB.Span, _g, fn);
        else
        {
            // db sums each channel's plane of dout: contiguous runs in NCHW, one vector sum per (image, filter).
            var db = DB.Span; var ds = dout.Span;
            db.Clear();
            for (int n = 0; n < _g.N; n++)
                for (int f = 0; f < fn; f++) db[f] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(ds.Slice((n * fn + f) * plane, plane));
            Gemm.Multiply<T>(d2s, _col!.Span, DW.Span, fn, cols, rows, transA: true);      // dW = dout2ᵀ·col
        }
        var dx = Tensor<T>.Reuse(ref _dx, [_g.N, _g.C, _g.H, _g.W]);
        if (!ComputeInputGradient) return dx;
        var dcol = Tensor<T>.Reuse(ref _dcol, [rows, cols]);
        Gemm.Multiply<T>(d2s, W.Span, dcol.Span, rows, cols, fn);                     // dcol = dout2·W
        Im2Col.Backward<T>(dcol.Span, dx.Span, _g);
        return dx;
    }
}
