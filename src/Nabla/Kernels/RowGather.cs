using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Copies rows picked by index out of a matrix far larger than the caches (a minibatch out of MNIST's 188 MB
/// of training images). Each random row comes from memory, so the copy waits on memory latency rather than
/// bandwidth: the lines of the rows a few places ahead are requested before the current row is copied.
/// One core does the copy: sharing the rows between cores does not shorten a wait on memory latency.
/// </summary>
internal static unsafe class RowGather<T> where T : unmanaged
{
    /// <summary>Rows whose lines are requested ahead of the copy.</summary>
    private const int Ahead = 4;

    /// <summary>Whether prefetching pays: rows of 256 bytes or more out of a source of 8 MB or more.</summary>
    public static bool Worthwhile(long sourceElements, int rowSize) =>
        Sse.IsSupported && (long)rowSize * Unsafe.SizeOf<T>() >= 256 && sourceElements * Unsafe.SizeOf<T>() >= 8 << 20;

    /// <summary>dst row i = src row rows[i] (indices already checked).</summary>
    public static void Run(T* src, int* rows, int count, T* dst, int rowSize)
    {
        int rowBytes = rowSize * Unsafe.SizeOf<T>();
        for (int i = 0; i < Math.Min(count, Ahead); i++) Simd.PrefetchLines((byte*)(src + (long)rows[i] * rowSize), rowBytes);
        for (int i = 0; i < count; i++)
        {
            if (i + Ahead < count) Simd.PrefetchLines((byte*)(src + (long)rows[i + Ahead] * rowSize), rowBytes);
            Buffer.MemoryCopy(src + (long)rows[i] * rowSize, dst + (long)i * rowSize, rowBytes, rowBytes);
        }
    }
}
