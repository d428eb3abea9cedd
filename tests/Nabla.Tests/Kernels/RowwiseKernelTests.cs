using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Tests.Kernels;

/// <summary>
/// The row-by-row kernels must give the very bits of the per-row library calls they replace (the book's numbers and
/// every pinned result rest on that), for rows shorter than a vector, of whole vectors, with a partial last vector, and
/// long enough to keep the calls; in float and double.
/// </summary>
public class RowwiseKernelTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 7, 3 }, { 5, 4 }, { 100, 8 }, { 100, 10 }, { 13, 16 }, { 9, 17 }, { 100, 50 }, { 3, 63 }, { 4, 64 }, { 6, 70 }, { 0, 10 },
    };

    private static T[] Random<T>(int length, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        // Values of many magnitudes, so that the order of the additions shows in the rounding.
        return Enumerable.Range(0, length).Select(_ => T.CreateChecked((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4)))).ToArray();
    }

    private static void AssertBits<T>(T[] expected, T[] actual) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AddToEachRowGivesThePerRowSums(int rows, int n)
    {
        Check<float>(rows, n);
        Check<double>(rows, n);

        static void Check<T>(int rows, int n) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var s = Random<T>(rows * n, 1); var r = Random<T>(n, 2);
            var expected = (T[])s.Clone();
            for (int o = 0; o < expected.Length; o += n) TP.Add(expected.AsSpan(o, n), r, expected.AsSpan(o, n));
            RowwiseKernel<T>.AddToEachRow(s, r);
            AssertBits(expected, s);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SumRowsAddsTheRowsInOrder(int rows, int n)
    {
        Check<float>(rows, n);
        Check<double>(rows, n);

        static void Check<T>(int rows, int n) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Two blocks of (rows, n), as the reductions over a middle axis see them.
            var src = Random<T>(2 * rows * n, 3);
            var expected = new T[2 * n];
            for (int o = 0; o < 2; o++)
            {
                var d = expected.AsSpan(o * n, n);
                if (rows == 0) continue;
                src.AsSpan(o * rows * n, n).CopyTo(d);
                for (int k = 1; k < rows; k++) TP.Add(d, src.AsSpan((o * rows + k) * n, n), d);
            }
            var actual = Enumerable.Repeat(T.CreateChecked(99), 2 * n).ToArray();
            RowwiseKernel<T>.SumRows(src, actual, 2, rows, n);
            AssertBits(expected, actual);
        }
    }

    /// <summary>
    /// The row argmax against TensorPrimitives.IndexOfMax on rows of 1–20 values (the vector path takes 8–16 floats),
    /// with ties, NaN, ±0 (the sign decides), ±∞ and subnormals placed at random: the same index every time.
    /// </summary>
    [Fact]
    public void IndexOfMaxIsTheLibrarysOnEveryKindOfRow()
    {
        var rng = new Random(11);
        float[] specials = [float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1f, 1f, float.MaxValue, -float.MaxValue];
        int vectorRows = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            int c = 1 + trial % 20;
            var f = new float[c];
            int kind = rng.Next(6);
            for (int j = 0; j < c; j++)
                f[j] = kind switch
                {
                    0 => (float)(rng.NextDouble() * 2 - 1),                       // plain scores
                    1 => rng.Next(3),                                             // many ties
                    2 => rng.Next(4) == 0 ? specials[rng.Next(specials.Length)] : (float)(rng.NextDouble() - 0.5),
                    3 => rng.Next(2) == 0 ? 0f : -0f,                             // only zeros of both signs
                    4 => -(float)rng.NextDouble(),                                // all negative
                    _ => j == rng.Next(c) ? 1f : 0f,                              // one-hot (or all zero)
                };
            if (c is >= 8 and <= 16 && !f.Any(float.IsNaN) && f.Max() != 0f) vectorRows++;
            Assert.True(System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(f) == RowwiseKernel<float>.IndexOfMax(f),
                $"row {string.Join(", ", f.Select(v => v.ToString("R")))}");
            var d = f.Select(v => (double)v).ToArray();
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax<double>(d), RowwiseKernel<double>.IndexOfMax(d));
        }
        Assert.True(vectorRows > 5_000, $"{vectorRows} rows took the vector path");
    }
}
