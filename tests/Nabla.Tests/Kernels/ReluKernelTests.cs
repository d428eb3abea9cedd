using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>
/// ReLU's backward shared among the cores (from <see cref="ReluKernel{T}.ParallelLength"/> values) must give each value
/// exactly as one thread does: dout where the output is positive, else +0 (a NaN, −0 or negative output masks), at every
/// length around the point where the work is split, whatever the ranges' boundaries; and short buffers are refused.
/// </summary>
public class ReluKernelTests
{
    public static TheoryData<int> Lengths => new()
    {
        1, 17, ReluKernel<float>.ParallelLength - 1, ReluKernel<float>.ParallelLength, ReluKernel<float>.ParallelLength + 13,
        3 * ReluKernel<float>.ParallelLength + 5,
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void BackwardIsEachValueMasked(int length)
    {
        Check<float>(length);
        Check<double>(length);
    }

    private static void Check<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(length);
        T[] special = [T.NaN, T.NegativeZero, T.Zero, -T.One, T.Epsilon, T.PositiveInfinity, T.NegativeInfinity];
        var o = new T[length];
        var dout = new T[length];
        for (int i = 0; i < length; i++)
        {
            o[i] = rng.Next(8) == 0 ? special[rng.Next(special.Length)] : T.CreateChecked(rng.NextDouble() - 0.5);
            dout[i] = T.CreateChecked(rng.NextDouble() * 2 - 1) + T.One;   // never zero, so a wrong mask shows
        }
        var dx = Enumerable.Repeat(T.CreateChecked(7), length).ToArray();
        ReluKernel<T>.Backward(o, dout, dx);
        for (int i = 0; i < length; i++)
        {
            T expected = o[i] > T.Zero ? dout[i] : T.Zero;
            Assert.True(expected.Equals(dx[i]) && !T.IsNegative(dx[i]), $"{typeof(T).Name} length {length}, index {i}: o {o[i]}, dout {dout[i]}, dx {dx[i]}, expected {expected}");
        }
    }

    [Fact]
    public void ShortBuffersAreRefused()
    {
        int n = ReluKernel<float>.ParallelLength;
        var e = Assert.Throws<ArgumentException>(() => ReluKernel<float>.Backward(new float[n], new float[n - 1], new float[n]));
        Assert.Contains("shorter", e.Message);
        Assert.Throws<ArgumentException>(() => ReluKernel<float>.Backward(new float[n], new float[n], new float[n - 1]));
    }
}
