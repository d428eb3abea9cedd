namespace Nabla.Tests;

public class SmokeTests
{
    [Fact]
    public void ReshapeIsAView()
    {
        var t = new Tensor<double>(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var r = t.Reshape(3, -1);
        r[0, 0] = 10;
        Assert.Equal(10, t[0, 0]);
        Assert.Equal(new[] { 3, 2 }, r.Shape.ToArray());
    }
}
