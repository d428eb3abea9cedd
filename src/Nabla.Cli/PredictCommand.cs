using System.CommandLine;
using Nabla.Functions;
using SkiaSharp;

namespace Nabla.Cli;

/// <summary><c>nabla predict --model FILE.npz|FILE.onnx IMAGE.png</c>: the digit and the class probabilities.</summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter @out)
    {
        var model = new Option<FileInfo>("--model") { Description = "A model saved by 'nabla train --save' (.npz) or an ONNX file (.onnx).", Required = true };
        var image = new Argument<FileInfo>("image") { Description = "A PNG (or JPEG) of one digit; any size, scaled to 28×28 grey. Dark digits on light paper are inverted to MNIST's light-on-dark." };
        var cmd = new Command("predict", "Classify one image with a saved model.") { model, image };
        cmd.SetAction(r =>
        {
            var net = ModelFile.Load(r.GetValue(model)!.FullName);
            var file = r.GetValue(image)!;
            var x = LoadImage(file.FullName);
            if (ModelFile.InputSize(net) != x.Dim(1))
                throw new CliException($"--model expects {ModelFile.InputSize(net)} inputs, an image gives {x.Dim(1)}.");
            var p = Activations.Softmax(net.Predict(ModelFile.Input(net, x)));
            int best = p.ArgMax();
            @out.WriteLine($"{file.Name}: {best}");
            for (int c = 0; c < p.Dim(1); c++)
                @out.WriteLine($"  {c}: {p[0, c]:F4} {new string('#', (int)Math.Round(p[0, c] * 40))}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Decodes an image into a (1, 784) tensor in [0, 1], white digit on black like MNIST.</summary>
    public static Tensor<float> LoadImage(string path)
    {
        if (!File.Exists(path)) throw new CliException($"image: '{path}' does not exist.");
        using var decoded = SKBitmap.Decode(path) ?? throw new CliException($"image: '{path}' is not a PNG or JPEG that can be decoded.");
        var info = new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
        using var scaled = new SKBitmap(info);
        using (var canvas = new SKCanvas(scaled))
        {
            canvas.Clear(SKColors.White);
            // Transparent pixels count as paper: draw onto white first.
            canvas.DrawBitmap(decoded, new SKRect(0, 0, 28, 28), new SKPaint { IsAntialias = true });
        }
        var pixels = scaled.GetPixelSpan();
        var data = new float[784];
        double mean = 0;
        for (int i = 0; i < 784; i++) { data[i] = pixels[i] / 255f; mean += data[i]; }
        if (mean / 784 > 0.5) for (int i = 0; i < 784; i++) data[i] = 1 - data[i];
        return new Tensor<float>(data, 1, 784);
    }
}
