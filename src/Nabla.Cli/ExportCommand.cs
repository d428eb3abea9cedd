using System.CommandLine;
using Nabla.Onnx;

namespace Nabla.Cli;

/// <summary><c>nabla export --model FILE.npz --out FILE.onnx [--opset N]</c>: a saved model as an ONNX file.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter @out)
    {
        var model = new Option<FileInfo>("--model") { Description = "A model saved by 'nabla train --save' (or an .onnx file to rewrite).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The ONNX file to write (.onnx).", Required = true };
        var opset = new Option<int>("--opset") { Description = $"ONNX opset to write ({Onnx.Onnx.MinOpset}–{Onnx.Onnx.MaxOpset}).", DefaultValueFactory = _ => Onnx.Onnx.DefaultOpset };
        var noSoftmax = new Option<bool>("--no-softmax") { Description = $"Write only the class scores, without the '{Onnx.Onnx.ProbabilitiesName}' output." };
        var cmd = new Command("export", "Write a saved model as ONNX, to run in ONNX Runtime or other tools.") { model, output, opset, noSoftmax };
        cmd.SetAction(r =>
        {
            int op = r.GetValue(opset);
            if (op < Onnx.Onnx.MinOpset || op > Onnx.Onnx.MaxOpset)
                throw new CliException($"--opset: {op} is not one export writes ({Onnx.Onnx.MinOpset}–{Onnx.Onnx.MaxOpset}).");
            var outFile = r.GetValue(output)!;
            if (!outFile.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"--out: '{outFile.Name}' should end in .onnx.");
            if (outFile.Directory is { Exists: false } dir) throw new CliException($"--out: the folder '{dir.FullName}' does not exist.");
            var net = ModelFile.Load(r.GetValue(model)!.FullName);
            try
            {
                Onnx.Onnx.Export(net, outFile.FullName, op, new OnnxExportOptions { IncludeSoftmax = !r.GetValue(noSoftmax) });
            }
            catch (OnnxException e) { throw new CliException($"export: {e.Message}"); }
            @out.WriteLine($"Wrote {outFile.FullName} ({ModelFile.Describe(net)}; opset {op}, IR version {Onnx.Onnx.IrVersionFor(op)}; input '{Onnx.Onnx.InputName}', outputs '{Onnx.Onnx.ScoresName}'{(r.GetValue(noSoftmax) ? "" : $", '{Onnx.Onnx.ProbabilitiesName}'")}).");
            return 0;
        });
        return cmd;
    }
}
