using Nabla.Data;
using Nabla.IO;

namespace Nabla.Tests.IO;

public class NpyTests
{
    /// <summary>np.save of np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, 7.0]], dtype=np.float32), NumPy 1.24.</summary>
    private static readonly byte[] GoldenNpy = Convert.FromHexString(
        "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d"
        + "202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a"
        + "0000c03f000000c000005040000000006f12833a0000e040");

    private static readonly float[] GoldenValues = [1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, 7.0f];

    [Fact]
    public void ReadsWhatNumpyWrote()
    {
        var a = Npy.Read(new MemoryStream(GoldenNpy));
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal("<f4", a.Descr);
        Assert.Equal(GoldenValues, a.ToTensor<float>().ToArray());
    }

    [Fact]
    public void WritesExactlyWhatNumpyWrites()
    {
        var ms = new MemoryStream();
        Npy.Write(ms, new Tensor<float>(GoldenValues, 2, 3));
        Assert.Equal(Convert.ToHexString(GoldenNpy), Convert.ToHexString(ms.ToArray()));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 2, 3, 4, 5 })]
    [InlineData(new[] { 0, 3 })]
    public void RoundTripsBitExactInFloatAndDouble(int[] shape)
    {
        var rng = new Random(shape.Length);
        var d = Tensor<double>.RandomNormal(rng, 1.0, shape);
        var ms = new MemoryStream();
        Npy.Write(ms, d);
        Assert.Equal(0, (ms.Length - d.Length * 8) % 64);
        ms.Position = 0;
        var back = Npy.Read(ms).ToTensor<double>();
        Assert.Equal(shape, back.Shape.ToArray());
        Assert.Equal(d.ToArray(), back.ToArray());
        var f = d.Cast<float>();
        ms = new MemoryStream();
        Npy.Write(ms, f);
        ms.Position = 0;
        Assert.Equal(f.ToArray(), Npy.Read(ms).ToTensor<float>().ToArray());
    }

    [Fact]
    public void HonoursFortranOrder()
    {
        // 2×3 in column-major order: the columns (1, 4), (2, 5), (3, 6).
        var data = new double[] { 1, 4, 2, 5, 3, 6 }.SelectMany(BitConverter.GetBytes).ToArray();
        var a = new NpyArray("<f8", [2, 3], true, data);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], a.ToTensor<double>().ToArray());
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(1, "version")]
    [InlineData(2, "ends inside")]
    [InlineData(3, "header")]
    [InlineData(4, "ends inside")]
    public void CorruptFilesAreNamedWithTheirOffset(int corruption, string expected)
    {
        var bytes = (byte[])GoldenNpy.Clone();
        bytes = corruption switch
        {
            0 => [.. bytes.Take(5), (byte)'X', .. bytes.Skip(6)],
            1 => [.. bytes.Take(6), 9, .. bytes.Skip(7)],
            2 => bytes.Take(40).ToArray(),
            3 => [.. bytes.Take(10), .. "not a dict at all"u8.ToArray(), .. bytes.Skip(27)],
            _ => bytes.Take(bytes.Length - 3).ToArray(),
        };
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(bytes), "weights.npy"));
        Assert.Contains("weights.npy", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void NpzRoundTripsAndWritesAtomically()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nabla-npz-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(dir, "model.npz");
        try
        {
            var arrays = new Dictionary<string, Tensor<float>>
            {
                ["W1"] = Tensor<float>.RandomNormal(new Random(1), 1f, 4, 3),
                ["b1"] = Tensor<float>.Zeros(3),
            };
            Npz.Write(path, arrays);
            Npz.Write(path, arrays); // overwriting works too
            Assert.Equal(["model.npz"], Directory.GetFiles(dir).Select(Path.GetFileName));
            var back = Npz.Read(path);
            Assert.Equal(arrays["W1"].ToArray(), back["W1"].ToTensor<float>().ToArray());
            Assert.Equal([3], back["b1"].Shape);
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.Throws<DataFormatException>(() => Npz.Read(path));
        }
        finally { Directory.Delete(dir, true); }
    }
}
