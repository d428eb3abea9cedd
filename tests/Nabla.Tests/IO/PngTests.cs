using Nabla.IO;

namespace Nabla.Tests.IO;

public class PngTests
{
    [Fact]
    public void GreyPngDecodesToTheSamePixels()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nabla-{Guid.NewGuid():N}.png");
        try
        {
            var pixels = Enumerable.Range(0, 12 * 7).Select(i => (byte)(i * 3)).ToArray();
            Png.WriteGray(path, pixels, 12, 7);
            using var bmp = SkiaSharp.SKBitmap.Decode(path);
            Assert.Equal(12, bmp.Width);
            Assert.Equal(7, bmp.Height);
            for (int y = 0; y < 7; y++)
                for (int x = 0; x < 12; x++) Assert.Equal(pixels[y * 12 + x], bmp.GetPixel(x, y).Red);
            Assert.Throws<ArgumentException>(() => Png.WriteGray(path, pixels, 10, 7));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void FilterTilesFormAGrid()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nabla-{Guid.NewGuid():N}.png");
        try
        {
            Png.WriteTiles(path, Tensor<float>.RandomNormal(new Random(1), 1f, 30, 1, 5, 5), columns: 6, scale: 8, gap: 2);
            using var bmp = SkiaSharp.SKBitmap.Decode(path);
            Assert.Equal(6 * 40 + 7 * 2, bmp.Width);
            Assert.Equal(5 * 40 + 6 * 2, bmp.Height);
        }
        finally { File.Delete(path); }
    }
}
