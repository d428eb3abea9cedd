namespace Nabla.Data;

/// <summary>
/// The places the loader looks after an explicit directory: the <c>NABLA_DATA</c> variable, the
/// user cache and, for Fashion-MNIST, the folder of Debian's <c>dataset-fashion-mnist</c> package.
/// <see cref="FromEnvironment"/> gives the real ones; tests and hosts can pass their own.
/// </summary>
public sealed class DataSearchPaths
{
    /// <summary>The environment variable that points at a data set folder or at a parent of <c>mnist/</c> and <c>fashion-mnist/</c>.</summary>
    public const string EnvironmentVariable = "NABLA_DATA";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the gzipped files.</summary>
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The value of <c>NABLA_DATA</c>, or null when it is not set.</summary>
    public string? NablaData { get; init; }

    /// <summary>
    /// Nabla's folder in the user cache (<c>$XDG_CACHE_HOME/nabla</c> or <c>~/.cache/nabla</c> on Linux and
    /// macOS, <c>%LOCALAPPDATA%\nabla</c> on Windows); each data set has its own subfolder. Null when no
    /// home folder is known.
    /// </summary>
    public string? CacheRoot { get; init; }

    /// <summary>The Debian package's Fashion-MNIST folder, or null to skip it (non-Linux systems).</summary>
    public string? DebianFashionMnist { get; init; }

    /// <summary>The search paths of this process: <c>NABLA_DATA</c>, the user cache and, on Linux, the Debian folder.</summary>
    public static DataSearchPaths FromEnvironment() => new()
    {
        NablaData = NullIfEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)),
        CacheRoot = DefaultCacheRoot(),
        DebianFashionMnist = OperatingSystem.IsLinux() ? DebianFashionMnistDirectory : null,
    };

    /// <summary>The user-cache folder of <paramref name="kind"/> (where the fetcher writes), or null when there is no cache root.</summary>
    public string? CacheDirectory(DatasetKind kind) =>
        CacheRoot is null ? null : Path.Combine(CacheRoot, MnistFiles.FolderName(kind));

    private static string? DefaultCacheRoot()
    {
        if (OperatingSystem.IsWindows())
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return string.IsNullOrEmpty(local) ? null : Path.Combine(local, "nabla");
        }
        // XDG Base Directory spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "nabla");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = Environment.GetEnvironmentVariable("HOME");
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "nabla");
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
