using Nabla.Cli;
using Nabla.Data;

namespace Nabla.Tests.Cli;

/// <summary>The nabla command in-process: bad input gives one line and a non-zero exit; a small run trains, saves, evaluates, predicts.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = App.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("--dataset", "cifar")]
    [InlineData("--batch", "0")]
    [InlineData("--iters", "-5")]
    [InlineData("--lr", "0")]
    [InlineData("--lr", "-0.1")]
    [InlineData("--hidden", "0")]
    [InlineData("--optimizer", "lbfgs")]
    [InlineData("--plot", "out.jpg")]
    [InlineData("--hidden", "100,0")]
    [InlineData("--dropout", "1.5")]
    [InlineData("--weight-decay", "-1")]
    [InlineData("--init", "glorot-ish")]
    [InlineData("--epochs", "0")]
    [InlineData("--model", "resnet")]
    public void TrainRejectsBadFlagsNamingThem(string flag, string value)
    {
        var (code, _, err) = Run("train", flag, value);
        Assert.NotEqual(0, code);
        Assert.Contains(flag, err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void SyntheticTrainingNeedsNoFilesAndLearns()
    {
        var (code, output, err) = Run("train", "--synthetic", "--iters", "100", "--no-progress");
        Assert.True(code == 0, err);
        Assert.Contains("generated data", output);
        double test = double.Parse(output.Split("test ")[^1].TrimEnd().TrimEnd('.'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(test > 0.9, output);
        var (code2, _, err2) = Run("train", "--synthetic", "--data", "/tmp");
        Assert.Equal(1, code2);
        Assert.Contains("--synthetic", err2);
    }

    [Fact]
    public void MissingDataDirectoryIsOneLine()
    {
        var (code, _, err) = Run("train", "--data", "/nonexistent/nabla-data");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/nabla-data", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void ModelFilesOfTheWrongFormatOrShapeAreRefused()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-cli").FullName;
        try
        {
            string bogus = Path.Combine(dir, "bogus.npz");
            File.WriteAllText(bogus, "not a zip");
            var (code, _, err) = Run("eval", "--model", bogus);
            Assert.Equal(1, code);
            Assert.Contains("bogus.npz", err);
            var (code2, _, err2) = Run("predict", "--model", Path.Combine(dir, "missing.npz"), "x.png");
            Assert.Equal(1, code2);
            Assert.Contains("missing.npz", err2);
            // A model whose W2 does not fit its W1.
            string wrong = Path.Combine(dir, "wrong.npz");
            Nabla.IO.Npz.Write(wrong, new Dictionary<string, Tensor<float>>
            {
                ["W1"] = Tensor<float>.Zeros(784, 50), ["b1"] = Tensor<float>.Zeros(50),
                ["W2"] = Tensor<float>.Zeros(40, 10), ["b2"] = Tensor<float>.Zeros(10),
                ["nabla_meta"] = Tensor.From(1f, 1f, 0f, 0f),
            });
            var (code3, _, err3) = Run("eval", "--model", wrong, "--data", dir);
            Assert.Equal(1, code3);
            Assert.Contains("W2", err3);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ShortTrainingRunSavesAModelThatEvaluatesAndPredicts()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-cli").FullName;
        try
        {
            WriteSyntheticMnist(dir);
            string model = Path.Combine(dir, "m.npz"), csv = Path.Combine(dir, "m.csv"), plotFile = Path.Combine(dir, "acc.png");
            var (code, output, err) = Run("train", "--data", dir, "--iters", "300", "--batch", "50", "--hidden", "30",
                "--save", model, "--metrics", csv, "--plot", plotFile, "--no-progress");
            Assert.True(code == 0, err);
            Assert.Contains("train acc, test acc |", output);
            Assert.Matches(@"\d+ images/s\)", output); // each epoch line gives the speed so far
            Assert.Contains(dir, output); // says where the data came from
            Assert.True(File.Exists(model) && File.Exists(csv) && File.Exists(plotFile) && File.Exists(Path.Combine(dir, "acc-loss.png")));
            var (code2, output2, err2) = Run("eval", "--model", model, "--data", dir);
            Assert.True(code2 == 0, err2);
            double acc = double.Parse(output2.Split("Test accuracy:")[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(acc > 0.8, output2);
            // An image of class 3 (rows 10-11 lit), drawn as MNIST does: light on dark.
            string png = Path.Combine(dir, "three.png");
            using (var bmp = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(28, 28, SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque)))
            {
                for (int y = 0; y < 28; y++)
                    for (int x = 0; x < 28; x++) bmp.SetPixel(x, y, y is 10 or 11 ? new SkiaSharp.SKColor(200, 200, 200) : new SkiaSharp.SKColor(20, 20, 20));
                using var fs = File.Create(png);
                bmp.Encode(fs, SkiaSharp.SKEncodedImageFormat.Png, 100);
            }
            var (code3, output3, err3) = Run("predict", "--model", model, png);
            Assert.True(code3 == 0, err3);
            Assert.StartsWith("three.png: 3", output3);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>An easy MNIST-format data set: each class lights its own band of rows.</summary>
    internal static void WriteSyntheticMnist(string dir, int train = 1200, int test = 300)
    {
        var rng = new Random(7);
        foreach (var (prefix, n) in new[] { ("train", train), ("t10k", test) })
        {
            var pixels = new byte[n * 784];
            var labels = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int c = rng.Next(10);
                labels[i] = (byte)c;
                for (int p = 0; p < 784; p++)
                {
                    int row = p / 28;
                    bool on = row >= c * 2 + 4 && row < c * 2 + 6;
                    pixels[i * 784 + p] = (byte)Math.Clamp((on ? 200 : 20) + rng.Next(-20, 20), 0, 255);
                }
            }
            Idx.WriteImages(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), new IdxImages(pixels, n, 28, 28));
            Idx.WriteLabels(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), labels);
        }
    }

    [Fact]
    public void TheToolKeepsDecodedDataInTheUserCacheUnlessTurnedOff()
    {
        string? before = Environment.GetEnvironmentVariable(DataResolver.DecodedCacheVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataResolver.DecodedCacheVariable, null);
            if (DataSearchPaths.FromEnvironment().CacheRoot is { } root)
                Assert.Equal(Path.Combine(root, "decoded"), DataResolver.DecodedCacheDirectory());
            foreach (var off in new[] { "off", "0", " OFF " })
            {
                Environment.SetEnvironmentVariable(DataResolver.DecodedCacheVariable, off);
                Assert.Null(DataResolver.DecodedCacheDirectory());
            }
        }
        finally { Environment.SetEnvironmentVariable(DataResolver.DecodedCacheVariable, before); }
    }
}
