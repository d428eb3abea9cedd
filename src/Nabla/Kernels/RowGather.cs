using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Copies rows picked by index out of a matrix larger than a core's caches (a minibatch out of MNIST's 188 MB of training
/// images, or out of its 2.4 MB of one-hot targets). Each random row comes from memory (or L3), so the copy waits on
/// latency rather than bandwidth: the lines of the rows some places ahead are requested before the current row is
/// copied, a few rows ahead for long rows, more for short ones (a one-hot row of 10 floats is one line, and copying it
/// takes far less time than fetching it). One core does the copy: sharing the rows between cores does not shorten a
/// wait on memory latency.
/// </summary>
internal static unsafe class RowGather<T> where T : unmanaged
{
    /// <summary>Rows of 256 bytes or more whose lines are requested ahead of the copy.</summary>
    private const int Ahead = 4;
    /// <summary>Short rows requested ahead: at most this many (about the misses a core keeps in flight).</summary>
    private const int ShortAhead = 16;

    /// <summary>
    /// Whether prefetching pays: rows of 256 bytes or more out of a source of 8 MB or more, or shorter rows out of a
    /// source past a core's L2 cache (1 MB).
    /// </summary>
    public static bool Worthwhile(long sourceElements, int rowSize)
    {
        long rowBytes = (long)rowSize * Unsafe.SizeOf<T>(), sourceBytes = sourceElements * Unsafe.SizeOf<T>();
        return Sse.IsSupported && rowBytes > 0 && (rowBytes >= 256 ? sourceBytes >= 8 << 20 : sourceBytes >= 1 << 20);
    }

    /// <summary>dst row i = src row rows[i] (indices already checked).</summary>
    public static void Run(T* src, int* rows, int count, T* dst, int rowSize)
    {
        int rowBytes = rowSize * Unsafe.SizeOf<T>();
        int ahead = rowBytes >= 256 ? Ahead : Math.Clamp(1024 / rowBytes, Ahead, ShortAhead);
        for (int i = 0; i < Math.Min(count, ahead); i++) Simd.PrefetchLines((byte*)(src + (long)rows[i] * rowSize), rowBytes);
        for (int i = 0; i < count; i++)
        {
            if (i + ahead < count) Simd.PrefetchLines((byte*)(src + (long)rows[i + ahead] * rowSize), rowBytes);
            Buffer.MemoryCopy(src + (long)rows[i] * rowSize, dst + (long)i * rowSize, rowBytes, rowBytes);
        }
    }
}
