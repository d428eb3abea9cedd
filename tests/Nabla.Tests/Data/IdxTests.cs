using System.Buffers.Binary;
using System.IO.Compression;
using Nabla.Data;

namespace Nabla.Tests.Data;

public class IdxTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesRoundTrip(bool gzip)
    {
        using var tmp = new TempDir();
        var images = DataTestFiles.Images(4, 3, 5);
        string path = tmp.File("imgs.idx");
        Idx.WriteImages(path, images, gzip);

        var head = File.ReadAllBytes(path)[..2];
        Assert.Equal(gzip, head[0] == 0x1f && head[1] == 0x8b);
        var back = Idx.ReadImages(path);
        Assert.Equal((4, 3, 5), (back.Count, back.Rows, back.Columns));
        Assert.Equal(images.Pixels, back.Pixels);
        Assert.Equal(images.Image(2).ToArray(), back.Image(2).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LabelsRoundTrip(bool gzip)
    {
        using var tmp = new TempDir();
        var labels = DataTestFiles.Labels(23);
        string path = tmp.File("labels");
        Idx.WriteLabels(path, labels, gzip);
        Assert.Equal(labels, Idx.ReadLabels(path));
    }

    [Fact]
    public void RawFileLayoutIsBigEndianIdx()
    {
        var ms = new MemoryStream();
        Idx.WriteImages(ms, DataTestFiles.Images(2, 28, 28));
        var b = ms.ToArray();
        Assert.Equal(16 + 2 * 784, b.Length);
        Assert.Equal(0x803, BinaryPrimitives.ReadInt32BigEndian(b));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4)));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(8)));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(12)));
    }

    [Fact]
    public void GzipIsDetectedByContentNotName()
    {
        using var tmp = new TempDir();
        // gzipped content under a raw name, and raw content under a .gz name
        string a = tmp.File("train-labels-idx1-ubyte"), b = tmp.File("t10k-labels-idx1-ubyte.gz");
        Idx.WriteLabels(a, [1, 2, 3], gzip: true);
        Idx.WriteLabels(b, [4, 5], gzip: false);
        Assert.Equal(new byte[] { 1, 2, 3 }, Idx.ReadLabels(a));
        Assert.Equal(new byte[] { 4, 5 }, Idx.ReadLabels(b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsFromNonSeekableStreams(bool gzip)
    {
        var ms = new MemoryStream();
        Idx.WriteImages(ms, DataTestFiles.Images(3, 2, 2), gzip);
        var back = Idx.ReadImages(new ForwardOnlyStream(ms.ToArray()), "pipe");
        Assert.Equal(DataTestFiles.Images(3, 2, 2).Pixels, back.Pixels);
    }

    [Fact]
    public void EmptyLabelFileIsValid()
    {
        var ms = new MemoryStream();
        Idx.WriteLabels(ms, []);
        ms.Position = 0;
        Assert.Empty(Idx.ReadLabels(ms));
    }

    [Fact]
    public void BadMagicNamesFileAndOffset()
    {
        using var tmp = new TempDir();
        string path = tmp.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(0, e.Offset);
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
        Assert.Contains("0x12345678", e.Message);
    }

    [Fact]
    public void LabelFileReadAsImagesSaysSo()
    {
        using var tmp = new TempDir();
        string path = tmp.File("swapped.gz");
        Idx.WriteLabels(path, [1, 2], gzip: true);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("label file", e.Message);
    }

    [Fact]
    public void WrongDimsAreReportedAsExtraData()
    {
        // The header claims 2x2 images but the file holds 3x3 worth of pixels.
        using var tmp = new TempDir();
        string path = tmp.File("dims");
        var bytes = Header(0x803, 2, 2, 2).Concat(new byte[2 * 9]).ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(16 + 8, e.Offset);
        Assert.Contains("dimensions", e.Message);
    }

    [Fact]
    public void ZeroSizedImagesAreRejected()
    {
        using var tmp = new TempDir();
        string path = tmp.File("zero");
        File.WriteAllBytes(path, Header(0x803, 2, 0, 28));
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void ImpossibleCountIsRejectedWithoutAllocating()
    {
        using var tmp = new TempDir();
        string path = tmp.File("huge");
        File.WriteAllBytes(path, Header(0x803, int.MaxValue, 28, 28));
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Contains("corrupt", e.Message);
        File.WriteAllBytes(path, Header(0x803).Concat(new byte[] { 0xff, 0xff, 0xff, 0xff }).ToArray());
        e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(4, e.Offset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedImagesNameFileAndOffset(bool gzip)
    {
        using var tmp = new TempDir();
        string full = tmp.File("full");
        Idx.WriteImages(full, DataTestFiles.Images(10), gzip: false);
        var raw = File.ReadAllBytes(full)[..(16 + 10 * 784 - 100)];
        string path = tmp.File("train-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        File.WriteAllBytes(path, gzip ? Gzip(raw) : raw);

        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(raw.Length, e.Offset);
        Assert.Contains(path, e.Message);
        Assert.Contains($"ran out at byte {raw.Length}", e.Message);
        Assert.Contains("10 images of 28x28", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        using var tmp = new TempDir();
        string path = tmp.File("short");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadImages(path));
        Assert.Equal(6, e.Offset);
        Assert.Contains("image count", e.Message);

        File.WriteAllBytes(path, []);
        e = Assert.Throws<DataFormatException>(() => Idx.ReadLabels(path));
        Assert.Equal(0, e.Offset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedLabelsNameFileAndOffset(bool gzip)
    {
        using var tmp = new TempDir();
        var raw = Header(0x801, 100).Concat(DataTestFiles.Labels(60)).ToArray();
        string path = tmp.File("t10k-labels-idx1-ubyte");
        File.WriteAllBytes(path, gzip ? Gzip(raw) : raw);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadLabels(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(8 + 60, e.Offset);
        Assert.Contains("100 labels", e.Message);
    }

    [Fact]
    public void LabelAboveNineIsRejectedWithItsOffset()
    {
        using var tmp = new TempDir();
        string path = tmp.File("labels.gz");
        Idx.WriteLabels(path, [0, 9, 3, 12, 4], gzip: true);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadLabels(path));
        Assert.Equal(8 + 3, e.Offset);
        Assert.Contains("12", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorruptGzipIsADataFormatException()
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.gz");
        var gz = Gzip(Header(0x801, 1000).Concat(new byte[1000]).ToArray());
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5a;
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<DataFormatException>(() => Idx.ReadLabels(path));
        Assert.Equal(path, e.FilePath);
    }

    internal static byte[] Header(int magic, params int[] dims)
    {
        var b = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        return b;
    }

    internal static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
        return ms.ToArray();
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 5));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
