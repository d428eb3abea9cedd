using Nabla.Models;

namespace Nabla.Tests.Models;

/// <summary>Counting right predictions from the targets' classes found once (<see cref="NetworkExtensions.Labels{T}"/>) or from the targets each time.</summary>
public class CountCorrectTests
{
    [Fact]
    public void ClassesFoundOnceCountAsTheTargetsDo()
    {
        var rng = new Random(5);
        int n = 200, c = 10;
        var y = Tensor<float>.RandomUniform(rng, -1f, 1f, n, c);
        // Soft targets with ties (the first of equal largest values is the class), one-hot rows, and class values.
        var soft = new Tensor<float>(n, c);
        var oneHot = new Tensor<float>(n, c);
        var values = new Tensor<float>(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < c; j++) soft[i, j] = rng.Next(3);
            int k = i % 3 == 0 ? rng.Next(c) : ArgMax(y, i, c);
            oneHot[i, k] = 1;
            values[i] = k;
        }
        foreach (var t in new[] { soft, oneHot, values })
        {
            int[] labels = NetworkExtensions.Labels(t);
            Assert.Equal(n, labels.Length);
            for (int i = 0; i < n; i++)
                Assert.Equal(t.Rank == 2 ? ArgMax(t, i, c) : (int)t[i], labels[i]);
            Assert.Equal(NetworkExtensions.CountCorrect(y, t), NetworkExtensions.CountCorrect(y, labels));
            Assert.Equal(NetworkExtensions.CountCorrect(y.Slice(50, 120), t.Slice(50, 120)), NetworkExtensions.CountCorrect(y.Slice(50, 120), labels.AsSpan(50, 70)));
        }
        Assert.InRange(NetworkExtensions.CountCorrect(y, oneHot), n / 2, n);
    }

    private static int ArgMax(Tensor<float> t, int row, int c)
    {
        int best = 0;
        for (int j = 1; j < c; j++) if (t[row, j] > t[row, best]) best = j;
        return best;
    }
}
