using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>A temporary folder deleted when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nabla-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(params string[] parts)
    {
        var p = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(p);
        return p;
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Small generated MNIST-format files with known content.</summary>
internal static class DataTestFiles
{
    /// <summary>Pixel j of image i.</summary>
    public static byte Pixel(int i, int j) => (byte)((i * 31 + j * 7) % 256);

    public static byte Label(int i) => (byte)((i * 3 + 1) % 10);

    public static IdxImages Images(int count, int rows = 28, int cols = 28)
    {
        int per = rows * cols;
        var px = new byte[count * per];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < per; j++)
                px[i * per + j] = Pixel(i, j);
        return new IdxImages(px, count, rows, cols);
    }

    public static byte[] Labels(int count) => Enumerable.Range(0, count).Select(Label).ToArray();

    /// <summary>
    /// <paramref name="n"/> images of <paramref name="width"/> bytes, about a fifth non-zero (1…255), like MNIST; image 0 is
    /// blank and image 1 has no zero at all, so rows of no and of every entry are covered.
    /// </summary>
    public static byte[] SparseBytes(int n, int width, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[n * width];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < width; j++)
                bytes[i * width + j] = i == 0 ? (byte)0 : i == 1 || rng.NextDouble() < 0.2 ? (byte)rng.Next(1, 256) : (byte)0;
        return bytes;
    }

    /// <summary>Writes <paramref name="images"/> gzipped into <paramref name="dir"/>; returns the file's path.</summary>
    public static string WriteGzip(TempDir dir, IdxImages images, string name = "train-images-idx3-ubyte.gz")
    {
        string path = dir.File(name);
        Idx.WriteImages(path, images, gzip: true);
        return path;
    }

    /// <summary>Writes the four canonical files (train: <paramref name="train"/> items, test: <paramref name="test"/>) into <paramref name="dir"/>.</summary>
    public static string WriteSet(string dir, int train = 5, int test = 3, bool gzip = false, bool testOnly = false)
    {
        Directory.CreateDirectory(dir);
        string ext = gzip ? ".gz" : "";
        if (!testOnly)
        {
            Idx.WriteImages(Path.Combine(dir, MnistFiles.TrainImages + ext), Images(train), gzip);
            Idx.WriteLabels(Path.Combine(dir, MnistFiles.TrainLabels + ext), Labels(train), gzip);
        }
        Idx.WriteImages(Path.Combine(dir, MnistFiles.TestImages + ext), Images(test), gzip);
        Idx.WriteLabels(Path.Combine(dir, MnistFiles.TestLabels + ext), Labels(test), gzip);
        return dir;
    }

    /// <summary>Search paths that point only at temp folders, never at the real home or NABLA_DATA.</summary>
    public static DataSearchPaths Paths(string? nablaData = null, string? cacheRoot = null, string? debian = null) =>
        new() { NablaData = nablaData, CacheRoot = cacheRoot, DebianFashionMnist = debian };
}
