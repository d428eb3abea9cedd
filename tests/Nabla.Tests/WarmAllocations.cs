namespace Nabla.Tests;

/// <summary>What a warm step allocates on the calling thread, for the tests that a training step allocates nothing.</summary>
internal static class WarmAllocations
{
    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="warmUp"/> times, then two windows of <paramref name="steps"/> calls,
    /// and returns the smaller of the two windows' bytes allocated on this thread. A step that allocates allocates in
    /// both windows; the runtime's own one-off work on the thread (a method's tier-up, a structure made on first use)
    /// lands in at most one. A CI run under heavy load once saw 7,720 bytes in a single window of a step that allocates
    /// nothing in thousands of others (2026-12-01).
    /// </summary>
    public static long OfSteps(Action step, int warmUp = 3, int steps = 3)
    {
        for (int i = 0; i < warmUp; i++) step();
        long least = long.MaxValue;
        for (int window = 0; window < 2; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++) step();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}

public class WarmAllocationsTests
{
    [Fact]
    public void AStepThatAllocatesCountsAndAOneOffDoesNot()
    {
        var kept = new List<object>();
        Assert.True(WarmAllocations.OfSteps(() => kept.Add(new byte[64])) >= 3 * 64);
        int calls = 0;
        // Allocates once, in the first measured window (after 3 warm-up calls).
        Assert.Equal(0, WarmAllocations.OfSteps(() => { if (++calls == 4) kept.Add(new byte[4096]); }));
        Assert.Equal(0, WarmAllocations.OfSteps(() => { }));
    }
}
