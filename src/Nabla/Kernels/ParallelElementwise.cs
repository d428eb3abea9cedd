using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Runs an element-wise operation over large arrays on all cores, in contiguous pieces. A layer after the
/// CNN's first convolution works on 1.7 million values (7 MB a tensor): one core cannot move that much memory
/// as fast as two. Small arrays run on the calling thread. Allocates nothing.
/// </summary>
internal static unsafe class ParallelElementwise<T> where T : unmanaged
{
    /// <summary>Below this many elements one core does the whole operation.</summary>
    private const int MinParallel = 1 << 18;
    /// <summary>Pieces per core, so that a core slowed by the host does not hold the others up for long.</summary>
    private const int PiecesPerCore = 4;

    [ThreadStatic] private static Job? t_job;

    /// <summary>Calls <paramref name="op"/>(a + i, b + i, c + i, count) over pieces covering 0..n (null operands stay null).</summary>
    public static void Run(delegate*<T*, T*, T*, int, void> op, T* a, T* b, T* c, int n)
    {
        int pieces = n >= MinParallel ? WorkerPool.Concurrency * PiecesPerCore : 1;
        if (pieces <= 1 || WorkerPool.Concurrency == 1) { op(a, b, c, n); return; }
        var job = t_job ??= new Job();
        job.Op = op; job.A = a; job.B = b; job.C = c; job.N = n; job.Pieces = pieces;
        WorkerPool.Run(job, pieces);
        job.A = job.B = job.C = null;
    }

    private sealed class Job : IParallelJob
    {
        public delegate*<T*, T*, T*, int, void> Op;
        public T* A, B, C;
        public int N, Pieces;

        public void Execute(int task)
        {
            // Piece boundaries on 64-byte multiples, so two cores never write the same cache line.
            int align = 64 / Unsafe.SizeOf<T>();
            long start = (long)N * task / Pieces / align * align, end = task == Pieces - 1 ? N : (long)N * (task + 1) / Pieces / align * align;
            if (end <= start) return;
            Op(A == null ? null : A + start, B == null ? null : B + start, C == null ? null : C + start, (int)(end - start));
        }
    }
}
