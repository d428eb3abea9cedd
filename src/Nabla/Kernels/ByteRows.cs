using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Pixel bytes to <typeparamref name="T"/>: v, or v / 255 when normalising — the very values of the loader's
/// 256-entry table, eight floats or four doubles a step. A vector division costs several cycles a step, so the
/// quotient is taken as q = v·(1/255) and corrected once with the residual, q + (v − 255q)·(1/255) (two FMAs);
/// that this equals the correctly rounded v / 255 for all 256 byte values is checked once, and division is used if not.
/// Rows picked by index are converted as they are copied, with the lines of the rows a few places ahead
/// requested first: each random row of a 47 MB image set comes from memory.
/// </summary>
internal static unsafe class ByteRows<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows whose lines are requested ahead of the conversion.</summary>
    private const int Ahead = 8;

    /// <summary>Whether the corrected product gives exactly v / 255 for every byte (checked once per type).</summary>
    private static readonly bool CorrectedProductIsExact = CheckCorrectedProduct();

    /// <summary>Whether normalising uses the corrected product (true) or a vector division (diagnostics).</summary>
    internal static bool UsesCorrectedProduct => CorrectedProductIsExact;

    private static bool CheckCorrectedProduct()
    {
        if (!Fma.IsSupported) return false;
        byte* bytes = stackalloc byte[256];
        T* got = stackalloc T[256];
        for (int v = 0; v < 256; v++) bytes[v] = (byte)v;
        ConvertVectors(bytes, got, 256, normalize: true, corrected: true);
        for (int v = 0; v < 256; v++)
            if (got[v] != T.CreateTruncating(v) / T.CreateTruncating(255)) return false;
        return true;
    }

    /// <summary>dst[0..n) = src[0..n) as <typeparamref name="T"/>, divided by 255 when <paramref name="normalize"/>.</summary>
    public static void Convert(byte* src, T* dst, int n, bool normalize) =>
        ConvertVectors(src, dst, n, normalize, normalize && CorrectedProductIsExact);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ConvertVectors(byte* src, T* dst, int n, bool normalize, bool corrected)
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Avx2.IsSupported)
        {
            float* f = (float*)dst;
            for (; i <= n - 8; i += 8)
                Scale(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(src + i)), normalize, corrected).Store(f + i);
        }
        else if (typeof(T) == typeof(double) && Avx2.IsSupported)
        {
            double* f = (double*)dst;
            for (; i <= n - 4; i += 4)
                Scale(Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(src + i)), normalize, corrected).Store(f + i);
        }
        T scale = T.CreateTruncating(255);
        for (; i < n; i++)
        {
            T v = T.CreateTruncating(src[i]);
            dst[i] = normalize ? v / scale : v;
        }
    }

    /// <summary>v / 255 (or v unchanged): the corrected product q + (v − 255q)·(1/255) with q = v·(1/255), or a division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<TV> Scale<TV>(Vector256<TV> v, bool normalize, bool corrected) where TV : unmanaged, IFloatingPointIeee754<TV>
    {
        var d = Vector256.Create(TV.CreateTruncating(255));
        if (corrected)
        {
            var r = Vector256.Create(TV.One / TV.CreateTruncating(255));
            var q = v * r;
            return Simd.Fma(Simd.Fma(q, -d, v), r, q);
        }
        return normalize ? v / d : v;
    }

    /// <summary>
    /// dst row i = src row rows[i] (indices already checked) or, with <paramref name="rows"/> null, rows 0…count−1 of src;
    /// converted, shared among the cores when there are at least <see cref="ParallelBytes"/> bytes.
    /// </summary>
    public static void Run(byte* src, int* rows, int count, T* dst, int rowSize, bool normalize)
    {
        long bytes = (long)count * rowSize;
        int tasks = bytes >= ParallelBytes ? Math.Min(WorkerPool.Concurrency, count) : 1;
        if (tasks == 1)
        {
            if (rows is null) Convert(src, dst, (int)bytes, normalize);
            else Gather(src, rows, count, dst, rowSize, normalize);
            return;
        }
        var job = Job ??= new RowsJob();
        job.Set(src, rows, count, dst, rowSize, normalize, tasks);
        try { WorkerPool.Run(job, tasks); }
        finally { job.Set(null, null, 0, null, 0, false, 0); }
    }

    /// <summary>Bytes from which a conversion is shared among the cores.</summary>
    internal const int ParallelBytes = 64 * 1024;

    [ThreadStatic] private static RowsJob? Job;

    /// <summary>A range of rows per task, each converted (and prefetched, when picked by index) on its own.</summary>
    private sealed class RowsJob : IParallelJob
    {
        private byte* _src; private int* _rows; private T* _dst;
        private int _count, _rowSize, _tasks; private bool _normalize;

        public void Set(byte* src, int* rows, int count, T* dst, int rowSize, bool normalize, int tasks)
        {
            _src = src; _rows = rows; _count = count; _dst = dst; _rowSize = rowSize; _normalize = normalize; _tasks = tasks;
        }

        public void Execute(int task)
        {
            int r0 = (int)((long)task * _count / _tasks), r1 = (int)((long)(task + 1) * _count / _tasks);
            T* dst = _dst + (long)r0 * _rowSize;
            if (_rows is null) Convert(_src + (long)r0 * _rowSize, dst, (r1 - r0) * _rowSize, _normalize);
            else Gather(_src, _rows + r0, r1 - r0, dst, _rowSize, _normalize);
        }
    }

    /// <summary>dst row i = src row rows[i], converted (indices already checked).</summary>
    private static void Gather(byte* src, int* rows, int count, T* dst, int rowSize, bool normalize)
    {
        bool prefetch = Sse.IsSupported;
        if (prefetch)
            for (int i = 0; i < Math.Min(count, Ahead); i++) Simd.PrefetchLines(src + (long)rows[i] * rowSize, rowSize);
        for (int i = 0; i < count; i++)
        {
            if (prefetch && i + Ahead < count) Simd.PrefetchLines(src + (long)rows[i + Ahead] * rowSize, rowSize);
            Convert(src + (long)rows[i] * rowSize, dst + (long)i * rowSize, rowSize, normalize);
        }
    }
}
