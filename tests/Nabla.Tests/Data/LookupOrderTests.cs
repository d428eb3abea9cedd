using Nabla.Data;

namespace Nabla.Tests.Data;

public class LookupOrderTests
{
    [Fact]
    public void ExplicitDirectoryWinsOverEverything()
    {
        using var tmp = new TempDir();
        var explicitDir = DataTestFiles.WriteSet(tmp.Sub("explicit"));
        var env = DataTestFiles.WriteSet(tmp.Sub("env", "mnist"));
        var cache = DataTestFiles.WriteSet(tmp.Sub("cache", "mnist"));
        var loc = MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions
        {
            Directory = explicitDir,
            SearchPaths = DataTestFiles.Paths(nablaData: Path.Combine(tmp.Path, "env"), cacheRoot: Path.Combine(tmp.Path, "cache")),
        });
        Assert.Equal(DataOrigin.ExplicitDirectory, loc.Origin);
        Assert.Equal(explicitDir, loc.Directory);
        Assert.Contains("explicit directory", loc.Source);
    }

    [Fact]
    public void ExplicitDirectoryWithoutFilesFailsInsteadOfFallingBack()
    {
        using var tmp = new TempDir();
        var empty = tmp.Sub("empty");
        DataTestFiles.WriteSet(tmp.Sub("cache", "mnist"));
        var e = Assert.Throws<DataNotFoundException>(() => MnistLoader.Locate(DatasetKind.Mnist,
            new MnistOptions { Directory = empty, SearchPaths = DataTestFiles.Paths(cacheRoot: Path.Combine(tmp.Path, "cache")) }));
        Assert.Contains(empty, e.Message);
        Assert.Contains(MnistFiles.TrainImages, e.Message);
    }

    [Fact]
    public void ExplicitDirectoryMayBeAParent()
    {
        using var tmp = new TempDir();
        var fashion = DataTestFiles.WriteSet(tmp.Sub("fashion-mnist"));
        var loc = MnistLoader.Locate(DatasetKind.FashionMnist, new MnistOptions { Directory = tmp.Path, SearchPaths = DataTestFiles.Paths() });
        Assert.Equal(fashion, loc.Directory);
    }

    [Fact]
    public void NablaDataComesBeforeTheCache()
    {
        using var tmp = new TempDir();
        var env = DataTestFiles.WriteSet(tmp.Sub("env"));
        DataTestFiles.WriteSet(tmp.Sub("cache", "mnist"));
        var loc = MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions
        {
            SearchPaths = DataTestFiles.Paths(nablaData: env, cacheRoot: Path.Combine(tmp.Path, "cache")),
        });
        Assert.Equal(DataOrigin.Environment, loc.Origin);
        Assert.Equal(env, loc.Directory);
        Assert.Contains("NABLA_DATA=" + env, loc.Source);
    }

    [Fact]
    public void NablaDataAsParentPicksTheRightSubfolder()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("data");
        var mnist = DataTestFiles.WriteSet(tmp.Sub("data", "mnist"));
        var fashion = DataTestFiles.WriteSet(tmp.Sub("data", "fashion-mnist"));
        var paths = DataTestFiles.Paths(nablaData: root);
        Assert.Equal(mnist, MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions { SearchPaths = paths }).Directory);
        Assert.Equal(fashion, MnistLoader.Locate(DatasetKind.FashionMnist, new MnistOptions { SearchPaths = paths }).Directory);
    }

    [Fact]
    public void NablaDataPointingAtMnistIsNotTakenForFashion()
    {
        using var tmp = new TempDir();
        var mnist = DataTestFiles.WriteSet(tmp.Sub("mnist"));
        var cacheFashion = DataTestFiles.WriteSet(tmp.Sub("cache", "fashion-mnist"));
        var paths = DataTestFiles.Paths(nablaData: mnist, cacheRoot: Path.Combine(tmp.Path, "cache"));
        Assert.Equal(mnist, MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions { SearchPaths = paths }).Directory);
        var loc = MnistLoader.Locate(DatasetKind.FashionMnist, new MnistOptions { SearchPaths = paths });
        Assert.Equal(cacheFashion, loc.Directory);
        Assert.Equal(DataOrigin.UserCache, loc.Origin);
    }

    [Fact]
    public void IncompleteNablaDataFallsBackToTheCache()
    {
        using var tmp = new TempDir();
        var env = tmp.Sub("env");
        Idx.WriteLabels(Path.Combine(env, MnistFiles.TrainLabels), [1]);
        var cache = DataTestFiles.WriteSet(tmp.Sub("cache", "mnist"));
        var loc = MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions
        {
            SearchPaths = DataTestFiles.Paths(nablaData: env, cacheRoot: Path.Combine(tmp.Path, "cache")),
        });
        Assert.Equal(DataOrigin.UserCache, loc.Origin);
        Assert.Equal(cache, loc.Directory);
        Assert.Contains("user cache", loc.Source);
    }

    [Fact]
    public void DebianFolderIsLastAndOnlyForFashion()
    {
        using var tmp = new TempDir();
        var debian = DataTestFiles.WriteSet(tmp.Sub("usr-share-datasets-fashion-mnist"), gzip: true);
        var paths = DataTestFiles.Paths(cacheRoot: Path.Combine(tmp.Path, "cache"), debian: debian);

        var loc = MnistLoader.Locate(DatasetKind.FashionMnist, new MnistOptions { SearchPaths = paths });
        Assert.Equal(DataOrigin.DebianPackage, loc.Origin);
        Assert.Contains("Debian package dataset-fashion-mnist", loc.Source);

        var e = Assert.Throws<DataNotFoundException>(() => MnistLoader.Locate(DatasetKind.Mnist, new MnistOptions { SearchPaths = paths }));
        Assert.DoesNotContain(debian, e.Searched);

        // The cache comes before the Debian folder.
        var cache = DataTestFiles.WriteSet(tmp.Sub("cache", "fashion-mnist"));
        Assert.Equal(cache, MnistLoader.Locate(DatasetKind.FashionMnist, new MnistOptions { SearchPaths = paths }).Directory);
    }

    [Fact]
    public void NotFoundMessageListsEveryPlaceAndTheFixes()
    {
        using var tmp = new TempDir();
        var env = tmp.Sub("env");
        var cacheRoot = Path.Combine(tmp.Path, "cache");
        var debian = Path.Combine(tmp.Path, "debian");
        var paths = DataTestFiles.Paths(nablaData: env, cacheRoot: cacheRoot, debian: debian);

        var e = Assert.Throws<DataNotFoundException>(() => FashionMnist.Load<float>(new MnistOptions { SearchPaths = paths }));
        Assert.Contains(env, e.Message);
        Assert.Contains(Path.Combine(cacheRoot, "fashion-mnist"), e.Message);
        Assert.Contains(debian, e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.Contains("NABLA_DATA", e.Message);
        Assert.Equal([Path.Combine(env, "fashion-mnist"), env, Path.Combine(cacheRoot, "fashion-mnist"), debian], e.Searched);

        var m = Assert.Throws<DataNotFoundException>(() => Mnist.Load<float>(new MnistOptions { SearchPaths = DataTestFiles.Paths(cacheRoot: cacheRoot) }));
        Assert.Contains("NABLA_DATA is not set", m.Message);
        Assert.Contains("MnistFetcher.FetchAsync", m.Message);
        Assert.Contains("npm", m.Message);
    }

    [Fact]
    public void CacheDirectoryIsPerDataset()
    {
        var p = DataTestFiles.Paths(cacheRoot: Path.Combine("/x", "nabla"));
        Assert.Equal(Path.Combine("/x", "nabla", "mnist"), p.CacheDirectory(DatasetKind.Mnist));
        Assert.Equal(Path.Combine("/x", "nabla", "fashion-mnist"), p.CacheDirectory(DatasetKind.FashionMnist));
        Assert.Null(DataTestFiles.Paths().CacheDirectory(DatasetKind.Mnist));
    }

    [Fact]
    public void EnvironmentDefaultsEndInNabla()
    {
        var p = DataSearchPaths.FromEnvironment();
        if (p.CacheRoot is { } root) Assert.Equal("nabla", Path.GetFileName(root));
        if (OperatingSystem.IsLinux()) Assert.Equal("/usr/share/datasets/fashion-mnist", p.DebianFashionMnist);
    }
}
