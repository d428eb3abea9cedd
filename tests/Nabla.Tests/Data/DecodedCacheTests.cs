using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>The decompressed copies of gzipped image files (<see cref="DecodedCache"/>, <see cref="MnistOptions.DecodedCacheDirectory"/>).</summary>
public class DecodedCacheTests
{
    /// <summary>Images of random pixels: they do not compress, so a few thousand make a gzipped file over 1 MiB.</summary>
    private static IdxImages Noise(int count, int seed)
    {
        var px = new byte[count * 784];
        new Random(seed).NextBytes(px);
        return new IdxImages(px, count, 28, 28);
    }

    private static string[] Copies(string cache) => Directory.Exists(cache) ? Directory.GetFiles(cache) : [];

    [Fact]
    public void FirstReadWritesACopyAndLaterReadsUseIt()
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(7);
        string source = DataTestFiles.WriteGzip(dir, images);
        string cache = dir.File("cache");

        var first = DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0);
        Assert.Equal(images.Pixels, first.Pixels);
        string copy = Assert.Single(Copies(cache));
        Assert.Equal(DecodedCache.CopyPath(source, cache, 0), copy);
        Assert.Equal(images.Pixels, Idx.ReadImages(copy).Pixels);
        Assert.False(Idx.IsGzip(File.ReadAllBytes(copy)));

        // The copy is what a second read returns: give it other (valid) pixels and they come back.
        var other = DataTestFiles.Images(2);
        Idx.WriteImages(copy, other);
        Assert.Equal(other.Pixels, DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0).Pixels);
    }

    [Fact]
    public void AChangedSourceGetsANewCopyAndTheOldOneIsDeleted()
    {
        using var dir = new TempDir();
        string source = DataTestFiles.WriteGzip(dir, DataTestFiles.Images(3));
        string cache = dir.File("cache");
        DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0);
        string before = Assert.Single(Copies(cache));

        var changed = DataTestFiles.Images(9);
        DataTestFiles.WriteGzip(dir, changed);
        File.SetLastWriteTimeUtc(source, File.GetLastWriteTimeUtc(source).AddMinutes(1));
        Assert.Equal(changed.Pixels, DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0).Pixels);
        string after = Assert.Single(Copies(cache));
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void SourcesWithTheSameFileNameInOtherFoldersKeepTheirOwnCopies()
    {
        using var dir = new TempDir();
        var a = DataTestFiles.Images(2);
        var b = DataTestFiles.Images(5);
        string sa = Path.Combine(dir.Sub("mnist"), "train-images-idx3-ubyte.gz");
        string sb = Path.Combine(dir.Sub("fashion-mnist"), "train-images-idx3-ubyte.gz");
        Idx.WriteImages(sa, a, gzip: true);
        Idx.WriteImages(sb, b, gzip: true);
        string cache = dir.File("cache");
        DecodedCache.ReadImages(sa, cache, minimumSourceBytes: 0);
        DecodedCache.ReadImages(sb, cache, minimumSourceBytes: 0);
        Assert.Equal(2, Copies(cache).Length);
        Assert.Equal(a.Pixels, DecodedCache.ReadImages(sa, cache, minimumSourceBytes: 0).Pixels);
        Assert.Equal(b.Pixels, DecodedCache.ReadImages(sb, cache, minimumSourceBytes: 0).Pixels);
    }

    [Fact]
    public void TheLeastRecentlyUsedCopiesGoWhenTheFolderPassesItsLimit()
    {
        using var dir = new TempDir();
        string cache = dir.File("cache");
        var sets = new[] { Noise(20, 1), Noise(20, 2), Noise(20, 3) };
        var sources = sets.Select((images, i) =>
        {
            string path = Path.Combine(dir.Sub("data" + i), "train-images-idx3-ubyte.gz");
            Idx.WriteImages(path, images, gzip: true);
            return path;
        }).ToArray();
        string Copy(int i) => DecodedCache.CopyPath(sources[i], cache, 0)!;
        // Room for two copies (equal sizes), not three.
        DecodedCache.ReadImages(sources[0], cache, minimumSourceBytes: 0);
        long limit = 2 * new FileInfo(Copy(0)).Length + new FileInfo(Copy(0)).Length / 2;
        DecodedCache.ReadImages(sources[1], cache, minimumSourceBytes: 0, maximumCacheBytes: limit);
        Assert.Equal(2, Copies(cache).Length);

        // Copy 0 is older than copy 1, but reading it again makes it the most recently used: copy 1 goes.
        File.SetLastWriteTimeUtc(Copy(0), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(Copy(1), DateTime.UtcNow.AddHours(-1));
        Assert.Equal(sets[0].Pixels, DecodedCache.ReadImages(sources[0], cache, minimumSourceBytes: 0, maximumCacheBytes: limit).Pixels);
        Assert.Equal(sets[2].Pixels, DecodedCache.ReadImages(sources[2], cache, minimumSourceBytes: 0, maximumCacheBytes: limit).Pixels);
        Assert.Equal(new[] { Copy(0), Copy(2) }.Order(), Copies(cache).Order());

        // A limit below one copy keeps the copy just written, and only it of the copies; a file of the user's in the
        // same folder (an .idx not named as a copy), however old, is not the cache's to delete.
        string foreign = Path.Combine(cache, "my-images.idx");
        File.WriteAllBytes(foreign, new byte[1000]);
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddDays(-30));
        Assert.Equal(sets[1].Pixels, DecodedCache.ReadImages(sources[1], cache, minimumSourceBytes: 0, maximumCacheBytes: 1).Pixels);
        Assert.Equal(new[] { Copy(1), foreign }.Order(), Copies(cache).Order());
        Assert.Equal(sets[1].Pixels, Idx.ReadImages(Copy(1)).Pixels);
        Assert.True(DecodedCache.IsCopyName(Path.GetFileName(Copy(1))));
        Assert.False(DecodedCache.IsCopyName("my-images.idx"));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("not idx")]
    [InlineData("empty")]
    public void AnUnreadableCopyIsDecodedAgainAndReplaced(string damage)
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(6);
        string source = DataTestFiles.WriteGzip(dir, images);
        string cache = dir.File("cache");
        DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0);
        string copy = Assert.Single(Copies(cache));
        byte[] good = File.ReadAllBytes(copy);
        File.WriteAllBytes(copy, damage switch
        {
            "truncated" => good[..(good.Length - 100)],
            "not idx" => [0x50, 0x4b, 3, 4, 0, 0, 0, 0],
            _ => [],
        });

        Assert.Equal(images.Pixels, DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0).Pixels);
        Assert.Equal(good, File.ReadAllBytes(Assert.Single(Copies(cache))));
    }

    [Fact]
    public void RawAndSmallSourcesAreNotCopied()
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(4);
        string raw = dir.File("raw-idx3-ubyte");
        Idx.WriteImages(raw, images, gzip: false);
        string small = DataTestFiles.WriteGzip(dir, images, "small-idx3-ubyte.gz");
        string cache = dir.File("cache");

        Assert.Equal(images.Pixels, DecodedCache.ReadImages(raw, cache, minimumSourceBytes: 0).Pixels);
        Assert.Equal(images.Pixels, DecodedCache.ReadImages(small, cache).Pixels);
        Assert.Empty(Copies(cache));
    }

    [Fact]
    public void ACacheFolderThatCannotBeWrittenIsIgnored()
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(3);
        string source = DataTestFiles.WriteGzip(dir, images);
        // A file where the folder should be: creating the folder fails.
        string cache = dir.File("cache");
        File.WriteAllText(cache, "not a folder");
        Assert.Equal(images.Pixels, DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0).Pixels);
        Assert.Equal(images.Pixels, DecodedCache.ReadImages(source, Path.Combine(cache, "below"), minimumSourceBytes: 0).Pixels);
    }

    [Fact]
    public void ACorruptSourceIsReportedAsWithoutTheCache()
    {
        using var dir = new TempDir();
        string source = DataTestFiles.WriteGzip(dir, DataTestFiles.Images(3));
        byte[] bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(source, bytes[..(bytes.Length / 2)]);
        string cache = dir.File("cache");

        var direct = Assert.ThrowsAny<Exception>(() => Idx.ReadImages(source));
        var cached = Assert.ThrowsAny<Exception>(() => DecodedCache.ReadImages(source, cache, minimumSourceBytes: 0));
        Assert.Equal(direct.GetType(), cached.GetType());
        Assert.Equal(direct.Message, cached.Message);
        Assert.Contains(source, cached.Message);
        Assert.Empty(Copies(cache));
    }

    [Fact]
    public void TheLoaderGivesTheSameSetWithTheCacheAsWithout()
    {
        using var dir = new TempDir();
        string data = dir.Sub("mnist");
        // 1,400 images of noise: a gzipped training file over the 1 MiB below which nothing is copied.
        const int train = 1_400, test = 3;
        Idx.WriteImages(Path.Combine(data, MnistFiles.TrainImages + ".gz"), Noise(train, 1), gzip: true);
        Idx.WriteLabels(Path.Combine(data, MnistFiles.TrainLabels + ".gz"), DataTestFiles.Labels(train), gzip: true);
        Idx.WriteImages(Path.Combine(data, MnistFiles.TestImages + ".gz"), Noise(test, 2), gzip: true);
        Idx.WriteLabels(Path.Combine(data, MnistFiles.TestLabels + ".gz"), DataTestFiles.Labels(test), gzip: true);
        Assert.True(new FileInfo(Path.Combine(data, MnistFiles.TrainImages + ".gz")).Length >= DecodedCache.DefaultMinimumSourceBytes);
        string cache = dir.File("cache");

        var plain = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = data, SearchPaths = DataTestFiles.Paths() });
        var options = new MnistOptions { Directory = data, SearchPaths = DataTestFiles.Paths(), DecodedCacheDirectory = cache };
        var first = MnistLoader.Load<float>(DatasetKind.Mnist, options);
        Assert.Single(Copies(cache)); // the training images; the test file is too small to copy
        var second = MnistLoader.Load<float>(DatasetKind.Mnist, options);
        foreach (var set in new[] { first, second })
        {
            Assert.Equal(plain.TrainImages.Pixels.ToArray(), set.TrainImages.Pixels.ToArray());
            Assert.Equal(plain.TestImages.Pixels.ToArray(), set.TestImages.Pixels.ToArray());
            Assert.Equal(plain.TTrain.ToArray(), set.TTrain.ToArray());
        }
    }
}
