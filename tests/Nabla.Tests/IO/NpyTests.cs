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

    /// <summary>A version 1.0 .npy of the six <see cref="GoldenValues"/> whose header dictionary is <paramref name="dict"/>, padded as NumPy pads.</summary>
    private static byte[] NpyWithHeader(string dict)
    {
        int len = 10 + dict.Length + 1;
        string header = dict + new string(' ', (64 - len % 64) % 64) + "\n";
        return [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)header.Length, (byte)(header.Length >> 8),
            .. System.Text.Encoding.Latin1.GetBytes(header), .. GoldenValues.SelectMany(BitConverter.GetBytes)];
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }", "extra")]
    [InlineData("{'descr': '<f4', 'units': 'm', 'fortran_order': False, 'shape': (2, 3), }", "units")]
    [InlineData("{\"descr\": '<f4', 'fortran_order': False, 'shape': (2, 3), \"\": 0}", "''")]
    public void HeadersWithOtherKeysAreRefusedAsNumpyDoes(string dict, string key)
    {
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(new MemoryStream(NpyWithHeader(dict)), "weights.npy"));
        Assert.Contains("weights.npy", e.Message);
        Assert.Contains(key.Length == 2 ? "key ''" : $"'{key}'", e.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")]
    [InlineData("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}")]
    [InlineData("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,3)}")]
    public void HeadersWithExactlyTheThreeKeysLoadInAnyOrderAndQuoting(string dict)
    {
        var a = Npy.Read(new MemoryStream(NpyWithHeader(dict)), "weights.npy");
        Assert.Equal(GoldenValues, a.ToTensor<float>().ToArray());
    }

    /// <summary>What NumPy itself writes (np.save, float32/float64, 0-d to 3-d, C and Fortran order) still loads, value for value.</summary>
    [NumpyFact]
    public void ReadsWhatTheInstalledNumpyWrites()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-npy").FullName;
        try
        {
            string script = """
                import numpy as np, sys
                d = sys.argv[1]
                np.save(d + '/a.npy', np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7)
                np.save(d + '/b.npy', np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3) - 2.5))
                np.save(d + '/c.npy', np.float64(3.25))
                np.save(d + '/e.npy', np.zeros((0, 5), dtype=np.float32))
                """;
            var psi = new System.Diagnostics.ProcessStartInfo(NumpyFactAttribute.Python!, ["-c", script, dir]) { RedirectStandardError = true };
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, err);
            }
            var a = Npy.Read(Path.Combine(dir, "a.npy")).ToTensor<float>();
            Assert.Equal([2, 3, 4], a.Shape.ToArray());
            Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)(i / 7.0)), a.ToArray());
            var b = Npy.Read(Path.Combine(dir, "b.npy")).ToTensor<double>();
            Assert.Equal([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], b.ToArray());
            Assert.Equal([3.25], Npy.Read(Path.Combine(dir, "c.npy")).ToTensor<double>().ToArray());
            Assert.Equal([0, 5], Npy.Read(Path.Combine(dir, "e.npy")).Shape);
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>A fact that runs <c>python3</c> with NumPy; skipped with a message when NumPy is not installed.</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    /// <summary>The first of <c>python3</c> on the PATH and Debian's <c>/usr/bin/python3</c> that imports NumPy; null when neither does.</summary>
    public static string? Python { get; } = new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(Imports);

    /// <summary>Creates the attribute; sets <see cref="FactAttribute.Skip"/> when no <c>python3</c> imports NumPy.</summary>
    public NumpyFactAttribute()
    {
        if (Python is null) Skip = "python3 with NumPy not found (apt-get install python3-numpy); this test checks files NumPy writes.";
    }

    private static bool Imports(string python)
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-c", "import numpy"]) { RedirectStandardError = true })!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }
}
