using Google.Protobuf;
using Nabla.Models;
using Nabla.Onnx.Protobuf;

namespace Nabla.Onnx.Tests;

/// <summary>
/// Broken and hostile files: each gets one <see cref="OnnxException"/> naming the file and the problem, and nothing
/// large is allocated for what a file merely declares.
/// </summary>
public class HostileFileTests
{
    private static ModelProto Valid() => ModelProto.Parser.ParseFrom(Onnx.ToBytes(new TwoLayerNet<float>(784, 50, 10)));

    /// <summary>Writes <paramref name="bytes"/> to a file, loads it, and returns the error; checks it names the file and allocated little.</summary>
    private static OnnxException LoadFails(TempDir dir, byte[] bytes, string file = "bad.onnx")
    {
        var path = dir.File(file);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<OnnxException>(() => Onnx.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path, e.Message);
        Assert.True(allocated < 4 * bytes.Length + (16 << 20), $"loading a {bytes.Length}-byte file allocated {allocated} bytes");
        return e;
    }

    [Fact]
    public void ATruncatedFileIsNamedAsSuch()
    {
        using var dir = new TempDir();
        var bytes = Valid().ToByteArray();
        var e = LoadFails(dir, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void AnEmptyFileAndGarbageAreRefused()
    {
        using var dir = new TempDir();
        Assert.Contains("empty", LoadFails(dir, [], "empty.onnx").Message);
        var garbage = new byte[5000];
        new Random(3).NextBytes(garbage);
        LoadFails(dir, garbage, "garbage.onnx");
    }

    [Fact]
    public void DimsThatNeedMoreThan2GiBAreRefusedBeforeAllocating()
    {
        using var dir = new TempDir();
        var m = Valid();
        var w1 = m.Graph.Initializer.Single(t => t.Name == "W1");
        w1.Dims.Clear();
        w1.Dims.Add([100_000, 100_000, 100]);
        var e = LoadFails(dir, m.ToByteArray());
        Assert.Contains("'W1'", e.Message);
        Assert.Contains("2 GiB", e.Message);
    }

    [Fact]
    public void DimsWhoseProductOverflowsAreRefused()
    {
        using var dir = new TempDir();
        var m = Valid();
        var w1 = m.Graph.Initializer.Single(t => t.Name == "W1");
        w1.Dims.Clear();
        w1.Dims.Add([long.MaxValue / 2, 4, 4]);
        Assert.Contains("2 GiB", LoadFails(dir, m.ToByteArray()).Message);
    }

    [Fact]
    public void RawDataThatDisagreesWithTheDimsIsNamed()
    {
        using var dir = new TempDir();
        var m = Valid();
        var w1 = m.Graph.Initializer.Single(t => t.Name == "W1");
        w1.Dims[1] = 51;
        var e = LoadFails(dir, m.ToByteArray());
        Assert.Contains("'W1'", e.Message);
        Assert.Contains("raw data has 156800 bytes", e.Message);
        Assert.Contains("need 159936", e.Message);
    }

    [Fact]
    public void AnUnknownOperatorIsNamedWithItsNode()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Node.Single(n => n.OpType == "Relu").OpType = "FancyActivation";
        var e = LoadFails(dir, m.ToByteArray());
        Assert.Contains("FancyActivation", e.Message);
        Assert.Contains("'Relu1'", e.Message);
    }

    [Fact]
    public void AnOperatorFromAnotherDomainIsNamed()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Node.Single(n => n.OpType == "Relu").Domain = "com.microsoft";
        Assert.Contains("com.microsoft:Relu", LoadFails(dir, m.ToByteArray()).Message);
    }

    [Fact]
    public void ACycleIsNamed()
    {
        using var dir = new TempDir();
        var m = Valid();
        // Affine1 now reads the output of Affine2, which (through Relu1) reads Affine1's.
        var first = m.Graph.Node[0];
        first.Input[0] = m.Graph.Node[1].Output[0];
        var e = LoadFails(dir, m.ToByteArray());
        Assert.Contains("cycle", e.Message);
        Assert.Contains("'Affine1'", e.Message);
    }

    [Fact]
    public void ANodeThatReadsItsOwnOutputIsACycle()
    {
        using var dir = new TempDir();
        var m = Valid();
        var relu = m.Graph.Node.Single(n => n.OpType == "Relu");
        relu.Input[0] = relu.Output[0];
        Assert.Contains("cycle", LoadFails(dir, m.ToByteArray()).Message);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.bin")]
    public void ExternalDataOutsideTheModelsFolderIsRefused(string location)
    {
        using var dir = new TempDir();
        var e = LoadFails(dir, WithExternalData(location));
        Assert.Contains("outside the model's folder", e.Message);
        Assert.Contains(location, e.Message);
    }

    [Fact]
    public void ExternalDataInsideTheFolderIsRefusedToo()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("weights.bin"), new byte[784 * 50 * 4]);
        var e = LoadFails(dir, WithExternalData("weights.bin"));
        Assert.Contains("external file ('weights.bin')", e.Message);
    }

    private static byte[] WithExternalData(string location)
    {
        var m = Valid();
        var w1 = m.Graph.Initializer.Single(t => t.Name == "W1");
        w1.ClearRawData();
        w1.DataLocation = TensorProto.Types.DataLocation.External;
        w1.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w1.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "156800" });
        return m.ToByteArray();
    }

    [Fact]
    public void AMissingFileAndAGraphlessModelAreNamed()
    {
        using var dir = new TempDir();
        var missing = dir.File("nope.onnx");
        var e = Assert.Throws<OnnxException>(() => Onnx.Load(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("no graph", LoadFails(dir, new ModelProto { IrVersion = 8 }.ToByteArray()).Message);
    }

    [Fact]
    public void ABranchingGraphIsNamed()
    {
        using var dir = new TempDir();
        var m = Valid();
        // Affine2 now takes Relu1's output and the graph input together: not a chain of layers.
        var add = new NodeProto { Name = "Residual", OpType = "Add" };
        add.Input.Add(["Relu1", "Relu1"]);
        add.Output.Add("sum");
        m.Graph.Node.Insert(2, add);
        m.Graph.Node.Single(n => n.Name == "Affine2").Input[0] = "sum";
        Assert.Contains("'Residual'", LoadFails(dir, m.ToByteArray()).Message);
    }
}

/// <summary>Random damage to a valid file: whatever the bytes say, loading either works or throws OnnxException.</summary>
public class DamagedFileTests
{
    [Fact]
    public void FlippedBytesGiveAnOnnxExceptionOrANetworkNeverAnotherException()
    {
        var valid = Onnx.ToBytes(new MultiLayerNetExtend<float>(12, [6, 5], 3, useBatchNorm: true, useDropout: true, rng: new Random(2)));
        var rng = new Random(17);
        int refused = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])valid.Clone();
            for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            if (trial % 5 == 0) bytes = bytes[..rng.Next(bytes.Length)];
            try { Onnx.Load<float>(new MemoryStream(bytes), $"trial{trial}.onnx"); }
            catch (OnnxException e) { refused++; Assert.StartsWith($"trial{trial}.onnx: ", e.Message); }
        }
        Assert.True(refused > 0);
    }
}
