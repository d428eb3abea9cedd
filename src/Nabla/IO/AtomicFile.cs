namespace Nabla.IO;

/// <summary>Writes files through a temporary file in the same folder and a rename, so a crash never leaves half a file.</summary>
public static class AtomicFile
{
    /// <summary>Creates <paramref name="path"/> by calling <paramref name="write"/> on a temporary file's stream, then renaming it.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes text lines atomically.</summary>
    public static void WriteAllLines(string path, IEnumerable<string> lines) => Write(path, s =>
    {
        using var w = new StreamWriter(s, leaveOpen: true);
        foreach (var l in lines) w.WriteLine(l);
    });
}
