using System.Numerics;

namespace Nabla.Data;

/// <summary>
/// Loads MNIST or Fashion-MNIST from IDX files, looking in this order: the explicit
/// <see cref="MnistOptions.Directory"/>; the <c>NABLA_DATA</c> environment variable (the data set's
/// folder or a parent holding <c>mnist/</c> / <c>fashion-mnist/</c>); the user cache
/// (<c>$XDG_CACHE_HOME/nabla/&lt;dataset&gt;</c>, <c>~/.cache/nabla/&lt;dataset&gt;</c>,
/// <c>%LOCALAPPDATA%\nabla\&lt;dataset&gt;</c>); and for Fashion-MNIST Debian's
/// <c>/usr/share/datasets/fashion-mnist</c>.
/// </summary>
public static class MnistLoader
{
    /// <summary>The image height and width of MNIST-format data sets.</summary>
    public const int ImageSize = 28;

    /// <summary>Pixels per image (784).</summary>
    public const int Pixels = ImageSize * ImageSize;

    /// <summary>Number of classes (10).</summary>
    public const int Classes = 10;

    /// <summary>Finds the data set's folder without reading the files.</summary>
    /// <exception cref="DataNotFoundException">No folder in the lookup order holds the files; the message lists each one and what to do.</exception>
    public static MnistLocation Locate(DatasetKind kind, MnistOptions? options = null)
    {
        options ??= new MnistOptions();
        return MnistLocation.Find(kind, options.Directory, options.TestOnly, options.SearchPaths ?? DataSearchPaths.FromEnvironment());
    }

    /// <summary>Finds and loads a data set.</summary>
    /// <exception cref="DataNotFoundException">The files were not found.</exception>
    /// <exception cref="DataFormatException">A file is corrupt, not 28×28, or images and labels disagree in number.</exception>
    public static MnistDataset<T> Load<T>(DatasetKind kind, MnistOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new MnistOptions();
        return Load<T>(Locate(kind, options), options);
    }

    /// <summary>Loads a data set from a location found by <see cref="Locate"/>, shaping it as <paramref name="options"/> say.</summary>
    /// <exception cref="DataFormatException">A file is corrupt, not 28×28, or images and labels disagree in number.</exception>
    public static MnistDataset<T> Load<T>(MnistLocation location, MnistOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= new MnistOptions();
        (ByteImages<T> X, Tensor<T> T, int[] Labels) train, test;
        if (options.TestOnly)
        {
            train = (new ByteImages<T>([], ImageShape(0, options.Flatten), options.Normalize), new Tensor<T>(LabelShape(0, options.OneHot)), []);
            test = ReadPair<T>(location, MnistFiles.TestImages, MnistFiles.TestLabels, options);
        }
        else
        {
            // The test files are decompressed on another core while this one does the six times larger training files.
            var testRead = Task.Run(() => ReadPair<T>(location, MnistFiles.TestImages, MnistFiles.TestLabels, options));
            try { train = ReadPair<T>(location, MnistFiles.TrainImages, MnistFiles.TrainLabels, options); }
            catch
            {
                // The training files' error is the one reported (as when the files were read one after the other).
                try { testRead.Wait(); } catch (AggregateException) { }
                throw;
            }
            test = testRead.GetAwaiter().GetResult();
        }
        return new MnistDataset<T>(location.Kind, location, train.X, train.T, train.Labels, test.X, test.T, test.Labels);
    }

    /// <summary>
    /// Loads a data set, first fetching it into the user cache with <see cref="MnistFetcher.FetchAsync"/>
    /// when the lookup finds nothing (and no explicit directory was given).
    /// </summary>
    /// <exception cref="DataFetchException">The data was missing and every fetch source failed.</exception>
    public static async Task<MnistDataset<T>> LoadOrFetchAsync<T>(DatasetKind kind, MnistOptions? options = null,
        IProgress<FetchProgress>? progress = null, CancellationToken cancellationToken = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new MnistOptions();
        var paths = options.SearchPaths ?? DataSearchPaths.FromEnvironment();
        MnistLocation location;
        try
        {
            location = MnistLocation.Find(kind, options.Directory, options.TestOnly, paths);
        }
        catch (DataNotFoundException) when (string.IsNullOrWhiteSpace(options.Directory) && paths.CacheDirectory(kind) is not null)
        {
            string dir = await MnistFetcher.FetchAsync(kind, paths.CacheDirectory(kind), progress, cancellationToken).ConfigureAwait(false);
            var found = MnistLocation.Find(kind, dir, options.TestOnly, paths);
            location = new MnistLocation(kind, found.Directory, DataOrigin.UserCache, "just fetched into the user cache", found.Files);
        }
        return Load<T>(location, options);
    }

    /// <summary>Converts images to a tensor as the book does: pixel / 255 when normalising, shape (N, 784) or (N, 1, 28, 28).</summary>
    public static Tensor<T> ImagesToTensor<T>(IdxImages images, bool normalize = true, bool flatten = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(images);
        var table = PixelTable<T>(normalize);
        var data = new T[images.Pixels.Length];
        Idx.Map(images.Pixels, data, table);
        return new Tensor<T>(data, flatten ? [images.Count, images.PixelsPerImage] : [images.Count, 1, images.Rows, images.Columns]);
    }

    /// <summary>Converts labels to a tensor: one-hot (N, 10) or the class values (N,).</summary>
    public static Tensor<T> LabelsToTensor<T>(ReadOnlySpan<byte> labels, bool oneHot = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (oneHot)
        {
            var data = new T[labels.Length * Classes];
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] >= Classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), $"Label {i} is {labels[i]}; one-hot needs 0–{Classes - 1}.");
                data[i * Classes + labels[i]] = T.One;
            }
            return new Tensor<T>(data, labels.Length, Classes);
        }
        var values = new T[labels.Length];
        for (int i = 0; i < labels.Length; i++) values[i] = T.CreateTruncating(labels[i]);
        return new Tensor<T>(values, labels.Length);
    }

    private static (ByteImages<T> X, Tensor<T> T, int[] Labels) ReadPair<T>(MnistLocation location, string imagesName, string labelsName,
        MnistOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string imagesPath = location.Files[imagesName];
        string labelsPath = location.Files[labelsName];
        // The pixels stay bytes (ByteImages): a quarter of float32's memory, converted as rows are read.
        // A cached copy is mapped, not read, and keeps the index of its non-zero pixels beside it (DecodedCache.Open).
        var images = DecodedCache.Open(imagesPath, options.DecodedCacheDirectory);
        int count = images.Count;
        if (images.Rows != ImageSize || images.Columns != ImageSize)
            throw new DataFormatException(imagesPath, 8,
                $"the images are {images.Rows}x{images.Columns} pixels; {MnistFiles.DisplayName(location.Kind)} images are {ImageSize}x{ImageSize}.");
        var labels = Idx.ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DataFormatException(imagesPath, 4,
                $"it holds {count} images but {labelsPath} holds {labels.Length} labels; the two files must have the same count.");

        var xt = new ByteImages<T>(images.Pixels, ImageShape(count, options.Flatten), options.Normalize, images.IndexPath);
        var ints = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) ints[i] = labels[i];
        return (xt, LabelsToTensor<T>(labels, options.OneHot), ints);
    }

    private static int[] ImageShape(int n, bool flatten) => flatten ? [n, Pixels] : [n, 1, ImageSize, ImageSize];

    private static int[] LabelShape(int n, bool oneHot) => oneHot ? [n, Classes] : [n];

    private static T[] PixelTable<T>(bool normalize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var table = new T[256];
        T scale = T.CreateTruncating(255);
        for (int v = 0; v < 256; v++)
            table[v] = normalize ? T.CreateTruncating(v) / scale : T.CreateTruncating(v);
        return table;
    }
}

/// <summary>MNIST, the book's data set: <c>Mnist.Load&lt;float&gt;()</c> is <c>load_mnist()</c>.</summary>
public static class Mnist
{
    /// <summary>Loads MNIST (see <see cref="MnistLoader"/> for the lookup order).</summary>
    /// <exception cref="DataNotFoundException">The files were not found; the message lists where it looked and what to do.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static MnistDataset<T> Load<T>(MnistOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        MnistLoader.Load<T>(DatasetKind.Mnist, options);

    /// <summary>Loads only MNIST's two test files (chapter 3's inference); the training tensors are empty.</summary>
    public static MnistDataset<T> LoadTestOnly<T>(MnistOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        MnistLoader.Load<T>(DatasetKind.Mnist, WithTestOnly(options));

    internal static MnistOptions WithTestOnly(MnistOptions? o) => new()
    {
        Normalize = o?.Normalize ?? true,
        Flatten = o?.Flatten ?? true,
        OneHot = o?.OneHot ?? false,
        Directory = o?.Directory,
        SearchPaths = o?.SearchPaths,
        TestOnly = true,
    };
}

/// <summary>Zalando's Fashion-MNIST, a drop-in replacement for MNIST with clothing images.</summary>
public static class FashionMnist
{
    /// <summary>Loads Fashion-MNIST (see <see cref="MnistLoader"/> for the lookup order, which ends at Debian's package folder).</summary>
    /// <exception cref="DataNotFoundException">The files were not found; the message lists where it looked and what to do.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static MnistDataset<T> Load<T>(MnistOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        MnistLoader.Load<T>(DatasetKind.FashionMnist, options);

    /// <summary>Loads only Fashion-MNIST's two test files; the training tensors are empty.</summary>
    public static MnistDataset<T> LoadTestOnly<T>(MnistOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        MnistLoader.Load<T>(DatasetKind.FashionMnist, Mnist.WithTestOnly(options));
}
