using Nabla.Data;

namespace Nabla.Samples;

/// <summary>Where the samples find MNIST and the book's weights.</summary>
internal static class SampleData
{
    /// <summary>The value after <paramref name="flag"/> in <paramref name="args"/>, if any.</summary>
    public static string? Arg(string[] args, string flag)
    {
        int i = Array.IndexOf(args, flag);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new ArgumentException($"{flag} needs a value.");
        return args[i + 1];
    }

    /// <summary>A folder named <paramref name="relative"/> under a <c>shared/data</c> folder above the current directory (the repository's sibling), if any.</summary>
    public static string? FindShared(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", relative);
            if (Directory.Exists(candidate) || File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Loads MNIST (or --dataset fashion-mnist) as the book's <c>load_mnist</c> does: --data DIR, else the usual lookup
    /// (NABLA_DATA, the user cache), else ../shared/data beside the repository, else a fetch into the user cache.
    /// </summary>
    public static MnistDataset<T> Load<T>(string[] args, bool normalize = true, bool flatten = true, bool oneHot = false, bool testOnly = false)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var kind = Arg(args, "--dataset") is "fashion-mnist" ? DatasetKind.FashionMnist : DatasetKind.Mnist;
        string? dir = Arg(args, "--data");
        if (dir is null)
        {
            try { MnistLoader.Locate(kind); }
            catch (DataNotFoundException) { dir = FindShared(MnistFiles.FolderName(kind)); }
        }
        var options = new MnistOptions { Directory = dir, Normalize = normalize, Flatten = flatten, OneHot = oneHot, TestOnly = testOnly };
        var set = MnistLoader.LoadOrFetchAsync<T>(kind, options).GetAwaiter().GetResult();
        Console.WriteLine($"# {set.Source}");
        return set;
    }
}
