using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>
/// The index of non-zero pixels saved beside a cached copy and mapped by later runs (<see cref="NonZeroIndex.TrySave"/>,
/// <see cref="NonZeroIndex.TryLoad"/>), and the cached copies mapped rather than read (<see cref="DecodedCache.Open"/>): the
/// same index and pixels as building and reading them, and a damaged or foreign file never used.
/// </summary>
public class SavedIndexTests
{
    private static void AssertSame(NonZeroIndex expected, NonZeroIndex actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.RowSize, actual.RowSize);
        Assert.Equal(expected.Entries, actual.Entries);
        Assert.Equal(expected.Start.ToArray(), actual.Start.ToArray());
        Assert.Equal(expected.Cols.ToArray(), actual.Cols.ToArray());
        Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
        Assert.Equal(expected.GroupStarts.ToArray(), actual.GroupStarts.ToArray());
    }

    [Theory]
    [InlineData(300, 784)] // MNIST's width: 49 whole groups
    [InlineData(41, 50)]   // a partial last group, an odd count
    [InlineData(1, 16)]    // one blank image
    public void ASavedIndexLoadsAsTheIndexBuilt(int n, int width)
    {
        using var dir = new TempDir();
        var bytes = DataTestFiles.SparseBytes(n, width, n);
        var built = NonZeroIndex.Build(bytes, width)!;
        string path = dir.File("images.nzi");
        Assert.True(built.TrySave(path));
        Assert.Equal(NonZeroIndex.FileLayout.Of(n, width, built.Entries).Length, new FileInfo(path).Length);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        AssertSame(built, NonZeroIndex.TryLoad(path, bytes, width)!);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("truncated")]
    [InlineData("longer")]
    [InlineData("magic")]
    [InlineData("byte order")]
    [InlineData("other width")]
    [InlineData("other count")]
    [InlineData("column past the image")]
    [InlineData("zero value")]
    [InlineData("group starts out of order")]
    [InlineData("image longer than its row")]
    [InlineData("entries past the columns")]
    [InlineData("other pixels")]
    public void ADamagedOrForeignIndexIsNotUsed(string damage)
    {
        using var dir = new TempDir();
        const int n = 120, width = 784;
        var bytes = DataTestFiles.SparseBytes(n, width, 3);
        var built = NonZeroIndex.Build(bytes, width)!;
        string path = dir.File("images.nzi");
        Assert.True(built.TrySave(path));
        var file = File.ReadAllBytes(path);
        var layout = NonZeroIndex.FileLayout.Of(n, width, built.Entries);
        var pixels = bytes;
        int width2 = width;
        int stride = built.Groups + 1;
        switch (damage)
        {
            case "missing": File.Delete(path); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "truncated": File.WriteAllBytes(path, file[..^1]); break;
            case "longer": File.WriteAllBytes(path, [.. file, 0]); break;
            case "magic": file[0] = (byte)'X'; File.WriteAllBytes(path, file); break;
            case "byte order": Array.Reverse(file, 4, 4); File.WriteAllBytes(path, file); break;
            case "other width": width2 = 392; pixels = bytes; break; // the same bytes seen as 240 images of 392
            case "other count": pixels = bytes[..((n - 1) * width)]; break;
            case "column past the image":
                // An entry of an image outside the 64 compared with their pixels: only the range check can catch it.
                BitConverter.TryWriteBytes(file.AsSpan((int)layout.Cols + 2 * built.Start[2]), (ushort)width);
                File.WriteAllBytes(path, file);
                break;
            case "zero value": file[(int)layout.Values + built.Start[2]] = 0; File.WriteAllBytes(path, file); break;
            case "group starts out of order":
            {
                // Image 2's group 5 start set past its group 6 start (still within the image's entries).
                int at = (int)layout.GroupStarts + 2 * (2 * stride + 5);
                Assert.True(built.GroupStarts[2 * stride + 6] < built.Start[3] - built.Start[2]);
                BitConverter.TryWriteBytes(file.AsSpan(at), (ushort)(built.Start[3] - built.Start[2]));
                File.WriteAllBytes(path, file);
                break;
            }
            case "image longer than its row":
                // Image 2's end moved a whole row on: more entries than an image has pixels.
                BitConverter.TryWriteBytes(file.AsSpan((int)layout.Start + 4 * 3), built.Start[3] + width + 1);
                File.WriteAllBytes(path, file);
                break;
            case "entries past the columns":
            {
                // The last image's end and its last group start moved on together, past the entries the header declares.
                int last = n - 1, more = 3;
                Assert.True(built.Start[n] - built.Start[last] + more <= width);
                BitConverter.TryWriteBytes(file.AsSpan((int)layout.Start + 4 * n), built.Start[n] + more);
                int at = (int)layout.GroupStarts + 2 * (last * stride + built.Groups);
                BitConverter.TryWriteBytes(file.AsSpan(at), (ushort)(built.Start[n] - built.Start[last] + more));
                File.WriteAllBytes(path, file);
                break;
            }
            case "other pixels":
                pixels = (byte[])bytes.Clone();
                pixels[width * (n - 1) + 100] ^= 0x5a; // the last image is always among those compared
                break;
        }
        Assert.Null(NonZeroIndex.TryLoad(path, pixels, width2));
    }

    [Fact]
    public void ImagesSaveTheirIndexBesideTheCopyAndLaterImagesLoadIt()
    {
        using var dir = new TempDir();
        const int n = 200, width = 784;
        var bytes = DataTestFiles.SparseBytes(n, width, 5);
        string path = dir.File("copy.idx.nzi");
        var first = new ByteImages<float>(bytes.AsMemory(), [n, width], true, path);
        double density = first.Density;
        var built = first.NonZeros(1.0)!;
        Assert.True(File.Exists(path));
        var written = File.GetLastWriteTimeUtc(path);

        // Loaded, not built again: the file is not rewritten, and it counts the non-zeros without a scan.
        File.SetLastWriteTimeUtc(path, written.AddHours(-1));
        var second = new ByteImages<float>(bytes.AsMemory(), [n, width], true, path);
        Assert.Equal(density, second.Density);
        AssertSame(built, second.NonZeros(1.0)!);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(path));
        Assert.Null(second.NonZeros(0.1)); // still refused for a density limit below the images'

        // A damaged file is built again and replaced.
        File.WriteAllBytes(path, [1, 2, 3]);
        var third = new ByteImages<float>(bytes.AsMemory(), [n, width], true, path);
        AssertSame(built, third.NonZeros(1.0)!);
        AssertSame(built, NonZeroIndex.TryLoad(path, bytes, width)!);
    }

    [Fact]
    public void ACachedCopyIsMappedAndNamesItsIndex()
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(7);
        string source = DataTestFiles.WriteGzip(dir, images);
        string cache = dir.File("cache");

        var first = DecodedCache.Open(source, cache, minimumSourceBytes: 0);
        string copy = DecodedCache.CopyPath(source, cache, 0)!;
        Assert.True(File.Exists(copy));
        Assert.Equal(copy + ".nzi", first.IndexPath);
        var second = DecodedCache.Open(source, cache, minimumSourceBytes: 0);
        Assert.Equal(first.IndexPath, second.IndexPath);
        foreach (var set in new[] { first, second })
        {
            Assert.Equal(images.Pixels, set.Pixels.ToArray());
            Assert.Equal((images.Count, images.Rows, images.Columns), (set.Count, set.Rows, set.Columns));
        }
        Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second.Pixels, out _)); // mapped, not an array

        // No copy, no index: a raw source, or no cache folder.
        string raw = dir.File("raw-idx3-ubyte");
        Idx.WriteImages(raw, images, gzip: false);
        Assert.Null(DecodedCache.Open(raw, cache, minimumSourceBytes: 0).IndexPath);
        Assert.Null(DecodedCache.Open(source, null).IndexPath);
        Assert.Equal(images.Pixels, DecodedCache.Open(raw, cache, minimumSourceBytes: 0).Pixels.ToArray());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("longer")]
    [InlineData("not idx")]
    [InlineData("empty")]
    public void ADamagedCopyIsDecodedAgainAndItsIndexDropped(string damage)
    {
        using var dir = new TempDir();
        var images = DataTestFiles.Images(6);
        string source = DataTestFiles.WriteGzip(dir, images);
        string cache = dir.File("cache");
        var opened = DecodedCache.Open(source, cache, minimumSourceBytes: 0);
        string copy = DecodedCache.CopyPath(source, cache, 0)!;
        File.WriteAllBytes(opened.IndexPath!, [9, 9, 9]);
        byte[] good = File.ReadAllBytes(copy);
        File.WriteAllBytes(copy, damage switch
        {
            "truncated" => good[..^100],
            "longer" => [.. good, 0],
            "not idx" => [0x50, 0x4b, 3, 4, 0, 0, 0, 0],
            _ => [],
        });

        var again = DecodedCache.Open(source, cache, minimumSourceBytes: 0);
        Assert.Equal(images.Pixels, again.Pixels.ToArray());
        Assert.Equal(good, File.ReadAllBytes(copy));
        Assert.False(File.Exists(opened.IndexPath));
    }

    [Fact]
    public void IndexesGoWithTheirCopiesWhenTheFolderIsTrimmed()
    {
        using var dir = new TempDir();
        string cache = dir.File("cache");
        var sources = Enumerable.Range(0, 3).Select(i =>
        {
            string path = Path.Combine(dir.Sub("data" + i), "train-images-idx3-ubyte.gz");
            Idx.WriteImages(path, DataTestFiles.Images(20 + i), gzip: true);
            return path;
        }).ToArray();
        string Copy(int i) => DecodedCache.CopyPath(sources[i], cache, 0)!;
        // Copy 0 and its index, then copy 1 with an index ten times its size, in a folder with room for two copies alone.
        DecodedCache.Open(sources[0], cache, minimumSourceBytes: 0);
        File.WriteAllBytes(DecodedCache.IndexPath(Copy(0)), new byte[100]);
        File.SetLastWriteTimeUtc(Copy(0), DateTime.UtcNow.AddHours(-1));
        long limit = 2 * new FileInfo(Copy(0)).Length + 1000;
        Assert.Equal(16 + 784L * 20, new FileInfo(Copy(0)).Length);
        DecodedCache.Open(sources[1], cache, minimumSourceBytes: 0, maximumCacheBytes: limit);
        File.WriteAllBytes(DecodedCache.IndexPath(Copy(1)), new byte[10 * new FileInfo(Copy(1)).Length]);
        // An index whose copy is gone is removed at the next trim.
        string orphan = DecodedCache.IndexPath(Path.Combine(cache, Path.GetFileName(Copy(2)).Replace("train", "other")));
        File.WriteAllBytes(orphan, new byte[10]);

        // Copy 2, with a limit that copies 1 and 2 and copy 1's index just fit: the indexes count, so copy 0 (the oldest)
        // goes, with its index, and copy 1 stays.
        static long Length(int images) => 16 + 784L * images;
        DecodedCache.Open(sources[2], cache, minimumSourceBytes: 0, maximumCacheBytes: 11 * Length(21) + Length(22));
        Assert.False(File.Exists(Copy(0)));
        Assert.False(File.Exists(DecodedCache.IndexPath(Copy(0))));
        Assert.True(File.Exists(Copy(1)) && File.Exists(DecodedCache.IndexPath(Copy(1))));
        Assert.True(File.Exists(Copy(2)));
        Assert.False(File.Exists(orphan));

        // A limit below one copy: copy 1 goes with its index, copy 2 (just written) stays.
        File.Delete(Copy(2));
        DecodedCache.Open(sources[2], cache, minimumSourceBytes: 0, maximumCacheBytes: 1);
        Assert.Equal([Copy(2)], Directory.GetFiles(cache));
    }

    [Fact]
    public void TheLoaderKeepsTheIndexBesideTheCopyAndLoadsItNextTime()
    {
        using var dir = new TempDir();
        string data = dir.Sub("mnist");
        // 6,000 images about a fifth non-zero: a gzipped training file over the 1 MiB below which nothing is copied.
        const int train = 6_000, test = 3;
        var pixels = DataTestFiles.SparseBytes(train, 784, 8);
        Idx.WriteImages(Path.Combine(data, MnistFiles.TrainImages + ".gz"), new IdxImages(pixels, train, 28, 28), gzip: true);
        Idx.WriteLabels(Path.Combine(data, MnistFiles.TrainLabels + ".gz"), DataTestFiles.Labels(train), gzip: true);
        Idx.WriteImages(Path.Combine(data, MnistFiles.TestImages + ".gz"), DataTestFiles.Images(test), gzip: true);
        Idx.WriteLabels(Path.Combine(data, MnistFiles.TestLabels + ".gz"), DataTestFiles.Labels(test), gzip: true);
        Assert.True(new FileInfo(Path.Combine(data, MnistFiles.TrainImages + ".gz")).Length >= DecodedCache.DefaultMinimumSourceBytes);
        string cache = dir.File("cache");
        var options = new MnistOptions { Directory = data, SearchPaths = DataTestFiles.Paths(), DecodedCacheDirectory = cache };
        var plain = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = data, SearchPaths = DataTestFiles.Paths() });
        var expected = plain.TrainImages.NonZeros(1.0)!;

        var first = MnistLoader.Load<float>(DatasetKind.Mnist, options);
        AssertSame(expected, first.TrainImages.NonZeros(1.0)!);
        string index = Assert.Single(Directory.GetFiles(cache, "*.nzi"));
        var second = MnistLoader.Load<float>(DatasetKind.Mnist, options);
        Assert.Equal(plain.TrainImages.Pixels.ToArray(), second.TrainImages.Pixels.ToArray());
        AssertSame(expected, second.TrainImages.NonZeros(1.0)!);
        // A view of the images with another shape keeps the index's place.
        AssertSame(expected, second.TrainImages.WithImageShape(1, 28, 28).NonZeros(1.0)!);
        Assert.Equal(index, Assert.Single(Directory.GetFiles(cache, "*.nzi")));
    }
}
