namespace Nabla.TestData;

/// <summary>
/// Locates <c>../shared/data</c> (beside the repository root) for tests that use the real MNIST files and the book's
/// weights. Tests that need it use <see cref="SharedDataFactAttribute"/> or <see cref="SharedDataTheoryAttribute"/>,
/// which skip them with a clear message when the folder is absent. One file, linked into every test project.
/// </summary>
public static partial class SharedData
{
    /// <summary>The shared data folder, or null when it is not present.</summary>
    public static string? Dir { get; } = Find();

    /// <summary>Path of a file under the shared data folder; only call from tests that are not skipped.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Dir ?? throw new InvalidOperationException("../shared/data is missing"), .. parts]);

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("NABLA_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(candidate, "SHA256SUMS")))
                return candidate;
        }
        return null;
    }

    internal const string MissingMessage =
        "../shared/data not found beside the repository (or via NABLA_SHARED_DATA); this test needs the real MNIST files / book weights.";
}

/// <summary>A fact that needs <c>../shared/data</c>; skipped with a message when it is missing.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute; sets <see cref="FactAttribute.Skip"/> when the data is missing.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.Dir is null) Skip = SharedData.MissingMessage;
    }
}

/// <summary>A theory that needs <c>../shared/data</c>; skipped with a message when it is missing.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute; sets <see cref="FactAttribute.Skip"/> when the data is missing.</summary>
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Dir is null) Skip = SharedData.MissingMessage;
    }
}
