using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>The output height and width of <paramref name="poolH"/>×<paramref name="poolW"/> windows over x (N, C, H, W).</summary>
    /// <exception cref="ArgumentException">The windows do not fit the input.</exception>
    public static (int OH, int OW) PoolShape(Tensor<T> x, int poolH, int poolW, int stride, int pad)
    {
        var g = PoolGeometry(x, poolH, poolW, stride, pad);
        return (g.OH, g.OW);
    }

    /// <summary>
    /// Max pooling of <paramref name="x"/> (N, C, H, W) into <paramref name="output"/> (N, C, OH, OW): each output the first
    /// maximum of its window (padding counts as 0), <paramref name="argMax"/> its flat index in x (−1: the padding). With
    /// <paramref name="relu"/>, the pooling of relu(x), computed as relu of the pooled values (the same bits).
    /// </summary>
    public static void MaxPool(Tensor<T> x, Tensor<T> output, int[] argMax, int poolH, int poolW, int stride, int pad, bool relu = false)
    {
        var g = PoolGeometry(x, poolH, poolW, stride, pad);
        if (!output.HasShape([g.N, g.C, g.OH, g.OW]) || argMax.Length < output.Length)
            throw new ArgumentException($"MaxPool: the output must be ({g.N}, {g.C}, {g.OH}, {g.OW}) with as many argMax entries, got {ShapeString(output._shape)} and {argMax.Length}.");
        MaxPool<T>.Forward(x.Span, output.Span, argMax, g, relu);
    }

    /// <summary>
    /// The gradient of <see cref="MaxPool"/>: <paramref name="dx"/> (x's shape) gets each value of <paramref name="dout"/> at its
    /// window's maximum. After a pooling with relu, pass its <paramref name="reluOutput"/>: no gradient passes where it is 0.
    /// </summary>
    public static void MaxPoolBackward(Tensor<T> dout, int[] argMax, Tensor<T> dx, int poolH, int poolW, int stride, int pad, Tensor<T>? reluOutput = null)
    {
        var g = PoolGeometry(dx, poolH, poolW, stride, pad);
        if (!dout.HasShape([g.N, g.C, g.OH, g.OW]) || argMax.Length < dout.Length || (reluOutput is not null && !reluOutput.HasShape(dout._shape)))
            throw new ArgumentException($"MaxPoolBackward: dout {ShapeString(dout._shape)} does not match pooled ({g.N}, {g.C}, {g.OH}, {g.OW}).");
        MaxPool<T>.Backward(dout.Span, argMax, dx.Span, g, reluOutput is null ? default : reluOutput.Span);
    }

    private static ConvGeometry PoolGeometry(Tensor<T> x, int poolH, int poolW, int stride, int pad)
    {
        if (x.Rank != 4) throw new ArgumentException($"Pooling needs (N, C, H, W), got {ShapeString(x._shape)}.");
        if (poolH < 1 || poolW < 1 || stride < 1 || pad < 0)
            throw new ArgumentException($"Bad pooling: window {poolH}×{poolW}, stride {stride}, pad {pad}.");
        var g = new ConvGeometry(x._shape[0], x._shape[1], x._shape[2], x._shape[3], poolH, poolW, stride, pad);
        g.Validate();
        return g;
    }
}
