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
/// A job is published, the caller works on it too, and returns when every task is done.
/// Calls from several threads at once are serialised.
/// </summary>
/// <remarks>
/// Tasks are claimed through one 64-bit word holding (job generation, next task index). A claim is a
/// compare-and-swap on that word, so a worker that still holds an earlier job can never take a task
/// index of a later one: its swap fails as soon as the generation moves on. Publishing first closes the
/// word for the new generation, then sets the job and its size, then opens it; every task of a job is
/// therefore claimed while the job is live, and all of them finish before <see cref="Run"/> returns
/// (the job's buffers are pinned only for that long).
/// </remarks>
internal static class WorkerPool
{
    private const int HotSpins = 1_000;
    private const int SpinIterations = 2_000;
    private const int CallerSpins = 20_000;
    private const int Closed = int.MaxValue;
    private static readonly object Gate = new();
    private static readonly Thread[] Workers;
    private static readonly SemaphoreSlim Wake = new(0);
    private static IParallelJob? _job;
    private static int _taskCount, _remaining, _sleeping;
    private static bool _pinned;
    private static long _claim; // (generation << 32) | next task index
    private static int _generation;
    [ThreadStatic] private static int t_worker; // see CurrentWorker
    [ThreadStatic] private static bool t_alone; // see RunsAlone
    [ThreadStatic] private static int t_lent; // workers this thread lent out (LendWorker)
    private static int _lent; // workers lent out by all threads: the last _lent workers sleep rather than spin

    static WorkerPool()
    {
        Workers = new Thread[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int i = 0; i < Workers.Length; i++)
        {
            int id = i + 1;
            Workers[i] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"Nabla GEMM worker {id}" };
            Workers[i].Start();
        }
    }

    /// <summary>
    /// Number of threads that work on a job, the caller included: 1 on a thread that <see cref="RunsAlone"/>, one fewer
    /// for each worker lent out (<see cref="LendWorker"/>).
    /// </summary>
    public static int Concurrency => t_alone ? 1 : Workers.Length + 1 - t_lent;

    /// <summary>
    /// Whether jobs called from this thread run all their tasks on it, without the workers. A thread doing work of its own
    /// on a core lent by <see cref="LendWorker"/> (the trainer's evaluation on a copy of the network) sets it, so that
    /// its kernels neither wait on the pool's lock nor take a core from the thread that lent it.
    /// </summary>
    public static bool RunsAlone
    {
        get => t_alone;
        set => t_alone = value;
    }

    /// <summary>
    /// Leaves a core to a thread of the caller's (one that <see cref="RunsAlone"/>): until <see cref="ReturnWorker"/>, jobs
    /// called from this thread have one thread fewer (on two cores, they run on this thread alone), and the last worker
    /// sleeps instead of spinning between jobs. Returns false, lending nothing, when this thread's jobs have no worker
    /// left to lend. Jobs from other threads keep every worker: the count is this thread's, so that a job is never
    /// planned for one number of threads and run on another.
    /// </summary>
    public static bool LendWorker()
    {
        if (t_alone || t_lent >= Workers.Length) return false;
        t_lent++;
        Interlocked.Increment(ref _lent);
        return true;
    }

    /// <summary>Gives back a worker this thread took by <see cref="LendWorker"/>.</summary>
    public static void ReturnWorker()
    {
        if (t_lent == 0) throw new InvalidOperationException("WorkerPool: this thread has no worker lent.");
        t_lent--;
        Interlocked.Decrement(ref _lent);
    }

    /// <summary>
    /// Which of the <see cref="Concurrency"/> threads is running the calling task: i on worker i, 0 on any other thread
    /// (the caller of <see cref="Run"/>, whose jobs are serialised). A thread runs one task at a time, so a job may keep
    /// one scratch buffer per thread instead of one per task: with more tasks than cores (for balance), buffers per task
    /// would each start cold.
    /// </summary>
    public static int CurrentWorker => t_worker;

    /// <summary>
    /// Runs <paramref name="job"/> for task indices 0..<paramref name="taskCount"/>−1 and waits for all of them; a single
    /// task runs on the calling thread without waking the workers, so callers need not check for one.
    /// </summary>
    public static void Run(IParallelJob job, int taskCount)
    {
        if (taskCount <= 1 || Concurrency == 1)
        {
            for (int t = 0; t < taskCount; t++) job.Execute(t);
            return;
        }
        lock (Gate)
        {
            int gen = Publish(job, taskCount, pinned: false, wake: taskCount - 1);
            Drain(gen);
            WaitForTasks(gen);
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/> for task indices 0..<see cref="Concurrency"/>−1, task t always on the same thread: task
    /// 0 on the caller, task t on worker t. A job that splits the same array the same way on every call thus finds each
    /// part in the cache of the core that wrote it last, instead of in the other core's half the time (the chapter 5
    /// run's W1 is updated, padded and scattered into every step). No task is taken over by another thread: the caller
    /// waits for a slow worker.
    /// </summary>
    public static void RunPinned(IParallelJob job)
    {
        int threads = Concurrency;
        if (threads == 1)
        {
            job.Execute(0);
            return;
        }
        lock (Gate)
        {
            int gen = Publish(job, threads, pinned: true, wake: threads - 1);
            try { job.Execute(0); }
            finally { Interlocked.Decrement(ref _remaining); }
            WaitForTasks(gen);
        }
    }

    /// <summary>Publishes a job under a new generation and wakes up to <paramref name="wake"/> sleeping workers; returns the generation.</summary>
    private static int Publish(IParallelJob job, int taskCount, bool pinned, int wake)
    {
        int gen = ++_generation;
        Interlocked.Exchange(ref _claim, Pack(gen, Closed));
        _job = job;
        _taskCount = taskCount;
        _pinned = pinned;
        Volatile.Write(ref _remaining, taskCount);
        Interlocked.Exchange(ref _claim, Pack(gen, pinned ? taskCount : 0)); // pinned: nothing to claim
        int sleeping = Volatile.Read(ref _sleeping);
        if (sleeping > 0) Wake.Release(Math.Min(sleeping, wake));
        return gen;
    }

    /// <summary>Waits until every task of generation <paramref name="gen"/> is done, then closes it.</summary>
    private static void WaitForTasks(int gen)
    {
        // The other cores are working on the last tasks: wait for them with pause instructions rather than
        // SpinWait, which soon yields the core through a system call on every turn (5 % of a training run's
        // samples were sched_yield) and adds its latency to every product.
        var spin = new SpinWait();
        for (int turns = 0; Volatile.Read(ref _remaining) > 0; turns++)
        {
            if (turns < CallerSpins) Thread.SpinWait(4);
            else spin.SpinOnce(sleep1Threshold: -1);
        }
        Interlocked.Exchange(ref _claim, Pack(gen, Closed));
        _job = null;
        _pinned = false;
    }

    private static long Pack(int generation, int next) => ((long)generation << 32) | (uint)next;

    private static bool IsOpen(long claim, int seen, out int gen)
    {
        gen = (int)(claim >> 32);
        return gen != seen && (int)claim != Closed;
    }

    /// <summary>Runs worker <paramref name="id"/>'s own task of a pinned job of generation <paramref name="gen"/>.</summary>
    private static void RunOwnTask(int gen, int id)
    {
        long cur = Volatile.Read(ref _claim);
        // The job cannot move on without this task; the check only guards against reading a job not yet published.
        if ((int)(cur >> 32) != gen) return;
        var job = Volatile.Read(ref _job);
        if (job is null || id >= Volatile.Read(ref _taskCount)) return;
        try { job.Execute(id); }
        finally { Interlocked.Decrement(ref _remaining); }
    }

    /// <summary>Claims and runs tasks of generation <paramref name="gen"/> until none are left or a newer job is published.</summary>
    private static void Drain(int gen)
    {
        while (true)
        {
            long cur = Volatile.Read(ref _claim);
            int t = (int)cur;
            if ((int)(cur >> 32) != gen || t == Closed) return;
            var job = Volatile.Read(ref _job);
            int count = Volatile.Read(ref _taskCount);
            if (job is null || t >= count) return;
            if (Interlocked.CompareExchange(ref _claim, cur + 1, cur) != cur) continue;
            try { job.Execute(t); }
            finally { Interlocked.Decrement(ref _remaining); }
        }
    }

    private static void WorkerLoop(int id)
    {
        t_worker = id;
        int seen = 0;
        while (true)
        {
            int spins = 0;
            var spin = new SpinWait();
            int gen;
            // Wait for a generation not seen yet whose tasks are open for claiming.
            while (!IsOpen(Volatile.Read(ref _claim), seen, out gen))
            {
                // Spin flat out for a few tens of microseconds (the gap between a training step's
                // products), then with SpinWait, which yields the core now and then so the JIT's
                // background compiler and the GC still run on a 2-core machine, then sleep.
                ++spins;
                // A lent worker (LendWorker) sleeps at once: its core runs another thread. Woken by a job, it works on it as usual.
                if (id > Workers.Length - Volatile.Read(ref _lent)) spins = SpinIterations;
                if (spins < HotSpins) { Thread.SpinWait(8); continue; }
                if (spins < SpinIterations) { spin.SpinOnce(sleep1Threshold: -1); continue; }
                Interlocked.Increment(ref _sleeping);
                // Re-check after announcing sleep, so a job published in between is not missed.
                if (!IsOpen(Volatile.Read(ref _claim), seen, out _)) Wake.Wait(50);
                Interlocked.Decrement(ref _sleeping);
                spins = 0;
            }
            seen = gen;
            if (Volatile.Read(ref _pinned)) RunOwnTask(gen, id);
            else Drain(gen);
        }
    }
}
