using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

public class WorkerPoolTests
{
    /// <summary>Records, for each task index, how often it ran and on which thread.</summary>
    private sealed class Recorder(int tasks) : IParallelJob
    {
        public readonly int[] Runs = new int[tasks];
        public readonly int[] Threads = new int[tasks];
        public readonly int[] Workers = new int[tasks];

        public void Execute(int task)
        {
            Interlocked.Increment(ref Runs[task]);
            Threads[task] = Environment.CurrentManagedThreadId;
            Workers[task] = WorkerPool.CurrentWorker;
            // A little work, so that the tasks overlap.
            double s = 0;
            for (int i = 0; i < 2_000; i++) s += Math.Sqrt(i + task);
            if (s < 0) throw new InvalidOperationException();
        }
    }

    [Fact]
    public void PinnedTasksRunOnceEachOnTheSameThreadEveryCall()
    {
        int cores = WorkerPool.Concurrency;
        int[]? first = null;
        for (int call = 0; call < 200; call++)
        {
            var job = new Recorder(cores);
            WorkerPool.RunPinned(job);
            Assert.All(job.Runs, r => Assert.Equal(1, r));
            Assert.Equal(Environment.CurrentManagedThreadId, job.Threads[0]); // task 0 on the caller
            Assert.Equal(cores, job.Threads.Distinct().Count());              // one thread per task
            first ??= job.Threads;
            Assert.Equal(first, job.Threads);                                  // the same thread for task t every call
            // Dynamic jobs in between must not disturb the pinning, nor run a task twice.
            var dynamicJob = new Recorder(7);
            WorkerPool.Run(dynamicJob, 7);
            Assert.All(dynamicJob.Runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void PinnedJobsAfterTheWorkersFellAsleepStillRunEveryTask()
    {
        // The workers sleep after a few milliseconds without work; a pinned job must wake every one of them.
        for (int call = 0; call < 3; call++)
        {
            Thread.Sleep(120);
            var job = new Recorder(WorkerPool.Concurrency);
            WorkerPool.RunPinned(job);
            Assert.All(job.Runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void CurrentWorkerNamesEachThreadOfAJobByItsOwnIndex()
    {
        // Kernels keep one scratch buffer per thread by this index, so two threads must never share one, and the
        // caller (which also runs tasks) is 0.
        var byThread = new Dictionary<int, int>();
        for (int call = 0; call < 50; call++)
        {
            var job = new Recorder(64);
            WorkerPool.Run(job, 64);
            Assert.All(job.Runs, r => Assert.Equal(1, r));
            for (int t = 0; t < 64; t++)
            {
                Assert.InRange(job.Workers[t], 0, WorkerPool.Concurrency - 1);
                if (job.Threads[t] == Environment.CurrentManagedThreadId) Assert.Equal(0, job.Workers[t]);
                if (byThread.TryGetValue(job.Threads[t], out int w)) Assert.Equal(w, job.Workers[t]);
                else byThread[job.Threads[t]] = job.Workers[t];
            }
        }
        // One index per thread: as many distinct indices as threads that ran tasks.
        Assert.Equal(byThread.Count, byThread.Values.Distinct().Count());
        if (WorkerPool.Concurrency > 1) Assert.True(byThread.Count > 1, "no worker thread took a task in 50 jobs of 64 tasks");
    }

    /// <summary>Runs <paramref name="body"/> on a new thread and waits for it, passing its exception on.</summary>
    private static void OnNewThread(Action body)
    {
        Exception? error = null;
        var thread = new Thread(() => { try { body(); } catch (Exception e) { error = e; } });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the thread did not finish");
        if (error is not null) throw new Xunit.Sdk.XunitException($"on the other thread: {error}");
    }

    [Fact]
    public void LendingAWorkerTakesAThreadFromThisThreadsJobsOnly()
    {
        OnNewThread(() =>
        {
            int cores = WorkerPool.Concurrency;
            if (cores < 2) { Assert.False(WorkerPool.LendWorker()); return; }
            Assert.True(WorkerPool.LendWorker());
            try
            {
                Assert.Equal(cores - 1, WorkerPool.Concurrency);
                int seenElsewhere = 0;
                var other = new Thread(() => seenElsewhere = WorkerPool.Concurrency);
                other.Start();
                other.Join();
                Assert.Equal(cores, seenElsewhere);
                for (int call = 0; call < 50; call++)
                {
                    var pinned = new Recorder(cores);
                    WorkerPool.RunPinned(pinned);
                    // Tasks 0 … cores − 2 once each, task 0 on this thread; the lent worker's task is not run.
                    Assert.Equal(Enumerable.Repeat(1, cores - 1).Append(0), pinned.Runs);
                    Assert.Equal(Environment.CurrentManagedThreadId, pinned.Threads[0]);
                    if (cores == 2) Assert.Equal(0, pinned.Workers[0]);
                    var dynamicJob = new Recorder(9);
                    WorkerPool.Run(dynamicJob, 9);
                    Assert.All(dynamicJob.Runs, r => Assert.Equal(1, r));
                    if (cores == 2) Assert.All(dynamicJob.Threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
                }
            }
            finally { WorkerPool.ReturnWorker(); }
            Assert.Equal(cores, WorkerPool.Concurrency);
            Assert.Throws<InvalidOperationException>(WorkerPool.ReturnWorker);
        });
    }

    [Fact]
    public void ALentWorkerStillRunsOtherThreadsPinnedTasks()
    {
        int cores = WorkerPool.Concurrency;
        if (cores < 2) return;
        using var lent = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var lender = new Thread(() =>
        {
            WorkerPool.LendWorker();
            lent.Set();
            release.Wait();
            WorkerPool.ReturnWorker();
        });
        lender.Start();
        lent.Wait();
        try
        {
            // The last worker now sleeps between jobs; this thread's pinned jobs still need it, and must wake it.
            for (int call = 0; call < 5; call++)
            {
                Thread.Sleep(20);
                var job = new Recorder(cores);
                WorkerPool.RunPinned(job);
                Assert.All(job.Runs, r => Assert.Equal(1, r));
                Assert.Equal(cores, job.Threads.Distinct().Count());
            }
        }
        finally
        {
            release.Set();
            lender.Join();
        }
    }

    [Fact]
    public void AThreadThatRunsAloneRunsEveryTaskItself()
    {
        OnNewThread(() =>
        {
            WorkerPool.RunsAlone = true;
            Assert.Equal(1, WorkerPool.Concurrency);
            Assert.False(WorkerPool.LendWorker());
            var dynamicJob = new Recorder(6);
            WorkerPool.Run(dynamicJob, 6);
            Assert.All(dynamicJob.Runs, r => Assert.Equal(1, r));
            Assert.All(dynamicJob.Threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
            var pinned = new Recorder(1);
            WorkerPool.RunPinned(pinned);
            Assert.Equal([1], pinned.Runs);
            Assert.Equal(Environment.CurrentManagedThreadId, pinned.Threads[0]);
        });
    }
}
