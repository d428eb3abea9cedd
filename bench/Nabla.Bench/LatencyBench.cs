using System.Diagnostics;

namespace Nabla.Bench;

/// <summary>
/// The machine's memory latencies, against which the sparse kernels' gathers and the cores' hand-offs are read: a
/// pointer chase through a random cycle of cache lines in buffers of growing size (one dependent load at a time, so each
/// step costs a full miss of the level the buffer spills into), and two threads passing a counter back and forth through
/// one cache line (each turn moves the line from one core to the other). Usage: latency [ROUNDS].
/// </summary>
internal static class LatencyBench
{
    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 3;
        Console.WriteLine($"memory latency, {Environment.ProcessorCount} core(s); medians of {rounds} rounds");
        foreach (int kb in new[] { 32, 512, 2048, 8192, 65536 })
        {
            var chase = new Chase(kb * 1024);
            chase.Run(1_000_000);
            var ns = Enumerable.Range(0, rounds).Select(_ => chase.Run(5_000_000)).Order().ToArray();
            Console.WriteLine($"  pointer chase in {kb,6:N0} KB: {ns[rounds / 2],6:F1} ns a load (range {ns[0]:F1}–{ns[^1]:F1})");
        }
        if (Environment.ProcessorCount > 1)
        {
            PingPong(100_000);
            var trips = Enumerable.Range(0, rounds).Select(_ => PingPong(1_000_000)).Order().ToArray();
            Console.WriteLine($"  a cache line between two threads: {trips[rounds / 2] / 2,6:F0} ns a transfer (round trip {trips[0]:F0}–{trips[^1]:F0} ns)");
        }
        return 0;
    }

    /// <summary>A random cycle through every cache line of a buffer: next[i] is the index of the line after line i.</summary>
    private sealed class Chase
    {
        private const int Stride = 16; // ints in a 64-byte line
        private readonly int[] _next;
        private int _at;

        public Chase(int bytes)
        {
            int lines = bytes / 64;
            _next = new int[lines * Stride];
            var order = Enumerable.Range(0, lines).ToArray();
            new Random(1).Shuffle(order);
            for (int i = 0; i < lines; i++) _next[order[i] * Stride] = order[(i + 1) % lines] * Stride;
        }

        /// <summary>Nanoseconds a step over <paramref name="steps"/> dependent loads.</summary>
        public double Run(int steps)
        {
            int p = _at;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) p = _next[p];
            double ns = sw.Elapsed.TotalNanoseconds / steps;
            _at = p;
            return ns;
        }
    }

    /// <summary>Nanoseconds a round trip of a counter between this thread and another (each adds one when it is its turn).</summary>
    private static double PingPong(int trips)
    {
        var line = new long[16];
        var other = new Thread(() =>
        {
            for (long v = 1; v < 2L * trips; v += 2)
            {
                while (Volatile.Read(ref line[8]) != v) { }
                Volatile.Write(ref line[8], v + 1);
            }
        });
        other.Start();
        var sw = Stopwatch.StartNew();
        for (long v = 0; v < 2L * trips; v += 2)
        {
            Volatile.Write(ref line[8], v + 1);
            while (Volatile.Read(ref line[8]) != v + 2) { }
        }
        double ns = sw.Elapsed.TotalNanoseconds / trips;
        other.Join();
        return ns;
    }
}
