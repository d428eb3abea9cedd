using System.Runtime.Intrinsics;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

public class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 129, 257, 65 }, { 12, 32, 192 }, { 13, 33, 193 }, { 11, 31, 191 },
        { 100, 50, 784 }, { 1, 40, 3 }, { 40, 1, 3 }, { 300, 300, 300 }, { 7, 2100, 5 },
        { 30, 25, 5000 }, { 5, 3, 4099 }, // short, narrow and deep: the depth is split across cores
        { 1, 100, 4320 }, { 2, 37, 2000 }, { 1, 8, 20000 }, { 2, 9, 8000 }, // one or two rows, B read in place (RowGemm)
    };

    [Theory]
    [InlineData(1, 100, 4320)]
    [InlineData(2, 37, 2000)]
    [InlineData(1, 8, 20000)]
    [InlineData(2, 9, 8000)]
    public void OneOrTwoRowsOfALargeProductTakeTheRowKernel(int m, int n, int k)
    {
        Assert.False(SmallGemm<float>.Handles(m, n, k));
        Assert.Equal(Vector256.IsHardwareAccelerated, RowGemm<float>.Handles(m, n, transB: false));
        Assert.Equal(Vector256.IsHardwareAccelerated, RowGemm<double>.Handles(m, n, transB: false));
        Assert.False(RowGemm<float>.Handles(m, n, transB: true));
        Assert.False(RowGemm<float>.Handles(RowGemm<float>.MaxRows + 1, n, transB: false));
    }

    private static T[] Random<T>(Random rng, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new T[n];
        for (int i = 0; i < n; i++) r[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return r;
    }

    private static void Check<T>(int m, int n, int k, bool ta, bool tb, bool acc, double tol) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(m * 31 + n * 7 + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        var a = Random<T>(rng, m * k); var b = Random<T>(rng, k * n);
        var c = Random<T>(rng, m * n); var expected = (T[])c.Clone();
        Gemm.Reference<T>(a, b, expected, m, n, k, ta, tb, acc);
        Gemm.Multiply<T>(a, b, c, m, n, k, ta, tb, acc);
        for (int i = 0; i < c.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), g = double.CreateTruncating(c[i]);
            Assert.True(Math.Abs(e - g) <= tol * Math.Sqrt(k) * (1 + Math.Abs(e)), $"({m}x{n}x{k}, tA={ta}, tB={tb}, acc={acc}) element {i}: {g} vs {e}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FloatMatchesNaiveProductInAllLayouts(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (bool acc in new[] { false, true })
                    Check<float>(m, n, k, ta, tb, acc, 2e-6);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DoubleMatchesNaiveProductInAllLayouts(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (bool acc in new[] { false, true })
                    Check<double>(m, n, k, ta, tb, acc, 1e-14);
    }

    /// <summary>
    /// The small products (the book's second layer and its backward products, and odd sizes around them) give each
    /// element as one chain of fused multiply-adds in depth order, bit for bit, however the kernel blocks rows and columns.
    /// </summary>
    [Theory]
    [InlineData(100, 10, 50)]
    [InlineData(50, 10, 100)]
    [InlineData(100, 50, 10)]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(5, 9, 4)]
    [InlineData(13, 17, 9)]
    [InlineData(9, 24, 11)]
    [InlineData(7, 56, 3)]
    [InlineData(6, 64, 2)]
    [InlineData(11, 33, 13)]
    public void SmallProductsAreOneFusedChainPerElement(int m, int n, int k)
    {
        Check<float>(m, n, k);
        Check<double>(m, n, k);

        static void Check<T>(int m, int n, int k) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Assert.Equal(Vector256.IsHardwareAccelerated, SmallGemm<T>.Handles(m, n, k));
            if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return; // the chain is only fused where the FMA instruction is
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (bool acc in new[] { false, true })
                    {
                        var rng = new Random(m * 131 + n * 17 + k);
                        var a = Random<T>(rng, m * k); var b = Random<T>(rng, k * n);
                        var c = Random<T>(rng, m * n); var expected = (T[])c.Clone();
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                            {
                                T s = T.Zero;
                                for (int p = 0; p < k; p++)
                                    s = T.FusedMultiplyAdd(ta ? a[p * m + i] : a[i * k + p], tb ? b[j * k + p] : b[p * n + j], s);
                                expected[i * n + j] = acc ? expected[i * n + j] + s : s;
                            }
                        Gemm.Multiply<T>(a, b, c, m, n, k, ta, tb, acc);
                        for (int e = 0; e < c.Length; e++)
                            Assert.True(expected[e].Equals(c[e]), $"({m}x{n}x{k}, tA={ta}, tB={tb}, acc={acc}) element {e}: {c[e]} vs {expected[e]}");
                    }
        }
    }

    [Fact]
    public void EmptyDepthClearsOrKeepsC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply<float>([], [], c, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.Multiply<float>([], [], c, 2, 2, 0);
        Assert.Equal([0f, 0, 0, 0], c);
    }

    [Fact]
    public void ShortSpansAreRejectedWithSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[5], new float[6], new float[4], 2, 2, 3));
        Assert.Contains("2×3", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<double>(new double[6], new double[5], new double[4], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<double>(new double[6], new double[6], new double[3], 2, 2, 3));
    }
}

public class GemmConcurrencyTests
{
    /// <summary>Back-to-back parallel products from several threads at once (xunit runs classes in parallel, and so may users).</summary>
    [Fact]
    public void ConcurrentProductsFromSeveralThreadsAreAllCorrect()
    {
        int bad = 0;
        void Work(int seed)
        {
            var r = new Random(seed);
            for (int it = 0; it < 120; it++)
            {
                int m = r.Next(60, 160), n = r.Next(20, 70), k = r.Next(100, 600);
                var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n]; var e = new float[m * n];
                for (int i = 0; i < a.Length; i++) a[i] = (float)r.NextDouble();
                for (int i = 0; i < b.Length; i++) b[i] = (float)r.NextDouble();
                Gemm.Multiply<float>(a, b, c, m, n, k, transA: it % 3 == 1, transB: it % 3 == 2);
                Gemm.Reference<float>(a, b, e, m, n, k, it % 3 == 1, it % 3 == 2, false);
                for (int i = 0; i < c.Length; i++)
                    if (Math.Abs(c[i] - e[i]) > 1e-3f * (1 + Math.Abs(e[i]))) { Interlocked.Increment(ref bad); break; }
            }
        }
        var threads = Enumerable.Range(1, 3).Select(s => new Thread(() => Work(s))).ToList();
        threads.ForEach(t => t.Start());
        Work(7);
        threads.ForEach(t => t.Join());
        Assert.Equal(0, bad);
    }
}
