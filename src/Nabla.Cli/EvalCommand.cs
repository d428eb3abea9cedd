using System.CommandLine;
using Nabla.Models;

namespace Nabla.Cli;

/// <summary><c>nabla eval --model FILE.npz|FILE.onnx</c>: accuracy of a saved model on the test set.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter @out)
    {
        var model = new Option<FileInfo>("--model") { Description = "A model saved by 'nabla train --save' (.npz) or an ONNX file (.onnx).", Required = true };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var cmd = new Command("eval", "Report a saved model's accuracy on the test set.") { model, dataset, data };
        cmd.SetAction(r =>
        {
            var file = r.GetValue(model)!;
            var net = ModelFile.Load(file.FullName);
            var set = DataResolver.Load(r.GetValue(dataset)!, r.GetValue(data), @out, showProgress: true, testOnly: true);
            if (ModelFile.InputSize(net) != set.XTest.Dim(1))
                throw new CliException($"--model: {file.Name} expects {ModelFile.InputSize(net)} inputs, the data set has {set.XTest.Dim(1)}.");
            @out.WriteLine($"Model: {file.FullName} ({ModelFile.Describe(net)})");
            @out.WriteLine($"Test accuracy: {net.Accuracy(ModelFile.Input(net, set.XTest), set.TTest, batchSize: 100):F4}");
            return 0;
        });
        return cmd;
    }
}
