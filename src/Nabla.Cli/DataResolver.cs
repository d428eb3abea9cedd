using Nabla.Training;
using Nabla.Data;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>A data set ready for training: flattened images in [0, 1] and one-hot targets.</summary>
/// <summary>
/// A data set for a command: MNIST-format files (images kept as bytes, converted as they are read; the float
/// tensors are made on first use) or generated tensors.
/// </summary>
internal sealed class LoadedData
{
    private readonly MnistDataset<float>? _set;
    private readonly Tensor<float>? _xTrain, _xTest;

    public LoadedData(string name, string source, int classes, MnistDataset<float> set)
    {
        Name = name; Source = source; Classes = classes; _set = set;
        TTrain = set.TTrain; TTest = set.TTest;
    }

    public LoadedData(string name, string source, int classes, Tensor<float> xTrain, Tensor<float> tTrain, Tensor<float> xTest, Tensor<float> tTest)
    {
        Name = name; Source = source; Classes = classes;
        _xTrain = xTrain; TTrain = tTrain; _xTest = xTest; TTest = tTest;
    }

    public string Name { get; }
    public string Source { get; }
    public int Classes { get; }
    /// <summary>Training images as bytes, when the data came from files (what training reads).</summary>
    public ByteImages<float>? TrainImages => _set?.TrainImages;
    /// <summary>Test images as bytes, when the data came from files.</summary>
    public ByteImages<float>? TestImages => _set?.TestImages;
    /// <summary>Training images as a float tensor (converted on first use when the data came from files).</summary>
    public Tensor<float> XTrain => _set?.XTrain ?? _xTrain!;
    public Tensor<float> TTrain { get; }
    /// <summary>Test images as a float tensor (converted on first use when the data came from files).</summary>
    public Tensor<float> XTest => _set?.XTest ?? _xTest!;
    public Tensor<float> TTest { get; }
    /// <summary>Values per image.</summary>
    public int InputSize => TrainImages?.RowSize ?? XTrain.Length / Math.Max(1, XTrain.Dim(0));
}

/// <summary>Finds (or fetches) the data set a command asked for and says which one it used and where from.</summary>
internal static class DataResolver
{
    public static DatasetKind ParseKind(string dataset) => dataset.ToLowerInvariant() switch
    {
        "mnist" => DatasetKind.Mnist,
        "fashion-mnist" or "fashion" => DatasetKind.FashionMnist,
        _ => throw new CliException($"--dataset: unknown data set '{dataset}'; expected mnist or fashion-mnist."),
    };

    /// <summary>Loads the data set (flattened, normalised, one-hot unless asked otherwise), fetching it into the user cache when missing.</summary>
    public static LoadedData Load(string dataset, DirectoryInfo? dataDir, TextWriter @out, bool showProgress, bool flatten = true, bool oneHot = true, bool testOnly = false)
    {
        var kind = ParseKind(dataset);
        if (dataDir is not null && !dataDir.Exists)
            throw new CliException($"--data: the folder '{dataDir.FullName}' does not exist.");
        var options = new MnistOptions
        {
            Directory = dataDir?.FullName, Flatten = flatten, OneHot = oneHot, Normalize = true, TestOnly = testOnly,
            DecodedCacheDirectory = DecodedCacheDirectory(),
        };
        var set = FetchWithProgress(kind, options, @out, showProgress);
        @out.WriteLine($"Dataset: {set.Source} ({set.TrainCount:N0} train / {set.TestCount:N0} test)");
        return new LoadedData(MnistFiles.DisplayName(kind), set.Source, 10, set);
    }

    /// <summary>The environment variable that turns the decoded-data cache off (<c>off</c> or <c>0</c>), e.g. to time a cold load.</summary>
    public const string DecodedCacheVariable = "NABLA_DECODED_CACHE";

    /// <summary>
    /// Where the tool keeps the gzipped image files decompressed after their first read (<c>decoded/</c> in the user
    /// cache), or null when there is no user cache or <see cref="DecodedCacheVariable"/> turns it off.
    /// </summary>
    internal static string? DecodedCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable(DecodedCacheVariable)?.Trim().ToLowerInvariant() is "off" or "0") return null;
        return DataSearchPaths.FromEnvironment().CacheRoot is { } root ? Path.Combine(root, "decoded") : null;
    }

    /// <summary>Fetches the data set into the user cache (the <c>nabla fetch</c> command); returns the folder.</summary>
    public static string Fetch(string dataset, TextWriter @out, bool showProgress)
    {
        var kind = ParseKind(dataset);
        var location = TryLocate(kind);
        if (location is not null)
        {
            @out.WriteLine($"{MnistFiles.DisplayName(kind)} is already here: {location.Source}");
            return location.Directory;
        }
        string dir = RunWithProgress(showProgress, @out, p => MnistFetcher.FetchAsync(kind, null, p));
        @out.WriteLine($"{MnistFiles.DisplayName(kind)} fetched into {dir}");
        return dir;
    }

    private static MnistLocation? TryLocate(DatasetKind kind)
    {
        try { return MnistLoader.Locate(kind); }
        catch (DataNotFoundException) { return null; }
    }

    private static MnistDataset<float> FetchWithProgress(DatasetKind kind, MnistOptions options, TextWriter @out, bool showProgress) =>
        RunWithProgress(showProgress, @out, p => MnistLoader.LoadOrFetchAsync<float>(kind, options, p));

    /// <summary>Runs a fetch, drawing a progress bar per file on an interactive console and a line per file otherwise.</summary>
    private static TResult RunWithProgress<TResult>(bool showProgress, TextWriter @out, Func<IProgress<FetchProgress>, Task<TResult>> work)
    {
        bool interactive = showProgress && ReferenceEquals(@out, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            string? last = null;
            return work(new SynchronousProgress<FetchProgress>(p =>
            {
                string key = p.FileName + " " + p.Source;
                if (key == last) return;
                last = key;
                @out.WriteLine($"Fetching {p.FileName} from {p.Source} …");
            })).GetAwaiter().GetResult();
        }
        TResult result = default!;
        AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new SynchronousProgress<FetchProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.FileName, out var task))
                        tasks[p.FileName] = task = ctx.AddTask(Markup.Escape($"{p.FileName} ({p.Source})"), maxValue: p.BytesTotal ?? 1);
                    if (p.BytesTotal is long total) task.MaxValue = total;
                    task.Value = p.BytesDone;
                })).GetAwaiter().GetResult();
                foreach (var t in tasks.Values) t.Value = t.MaxValue;
            });
        return result;
    }
}
