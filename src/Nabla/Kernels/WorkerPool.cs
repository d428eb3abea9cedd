namespace Nabla.Kernels;

/// <summary>A piece of parallel work: <see cref="Execute"/> is called once for each task index.</summary>
internal interface IParallelJob
{
    void Execute(int task);
}

/// <summary>
/// Runs the tasks of one job on all cores with dedicated worker threads that spin briefly before
/// sleeping. The training loop issues a small GEMM every few dozen microseconds; waking thread-pool
/// threads for each costs more than the product itself, and <c>Parallel.For</c> allocates per call.
/// Here a job is published, the caller works on it too, and returns when every task is done.
/// Calls from several threads at once are serialised.
/// </summary>
internal static class WorkerPool
{
    private const int SpinIterations = 20_000;
    private static readonly object Gate = new();
    private static readonly Thread[] Workers;
    private static readonly SemaphoreSlim Wake = new(0);
    private static IParallelJob? _job;
    private static int _taskCount, _nextTask, _remaining;
    private static long _generation;
    private static int _sleeping;

    static WorkerPool()
    {
        Workers = new Thread[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int i = 0; i < Workers.Length; i++)
        {
            Workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"Nabla GEMM worker {i + 1}" };
            Workers[i].Start();
        }
    }

    /// <summary>Number of threads that work on a job, the caller included.</summary>
    public static int Concurrency => Workers.Length + 1;

    /// <summary>Runs <paramref name="job"/> for task indices 0..<paramref name="taskCount"/>−1 and waits for all of them.</summary>
    public static void Run(IParallelJob job, int taskCount)
    {
        if (taskCount <= 1 || Workers.Length == 0)
        {
            for (int t = 0; t < taskCount; t++) job.Execute(t);
            return;
        }
        lock (Gate)
        {
            _job = job;
            _taskCount = taskCount;
            Volatile.Write(ref _remaining, taskCount);
            Volatile.Write(ref _nextTask, 0);
            Interlocked.Increment(ref _generation);
            int sleeping = Volatile.Read(ref _sleeping);
            if (sleeping > 0) Wake.Release(Math.Min(sleeping, taskCount - 1));
            Drain(job);
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
        }
    }

    private static void Drain(IParallelJob job)
    {
        int t;
        while ((t = Interlocked.Increment(ref _nextTask) - 1) < _taskCount)
        {
            try { job.Execute(t); }
            finally { Interlocked.Decrement(ref _remaining); }
        }
    }

    private static void WorkerLoop()
    {
        long seen = 0;
        while (true)
        {
            int spins = 0;
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen)
            {
                // SpinWait yields the core now and then, so the JIT's background compiler and the
                // GC still get to run on a 2-core machine while a worker waits for the next product.
                if (++spins < SpinIterations) { spin.SpinOnce(sleep1Threshold: -1); continue; }
                Interlocked.Increment(ref _sleeping);
                // Re-check after announcing sleep, so a job published in between is not missed.
                if (Volatile.Read(ref _generation) == seen) Wake.Wait(50);
                Interlocked.Decrement(ref _sleeping);
                spins = 0;
            }
            seen = Volatile.Read(ref _generation);
            var job = Volatile.Read(ref _job);
            if (job is not null) Drain(job);
        }
    }
}
