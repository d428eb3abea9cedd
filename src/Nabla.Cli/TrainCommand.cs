using System.CommandLine;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary><c>nabla train</c>: the book's chapter 5 training run, with progress, metrics, plots and checkpoints.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter @out)
    {
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var hidden = new Option<int>("--hidden") { Description = "Hidden layer size.", DefaultValueFactory = _ => 50 }.Positive();
        var iters = new Option<int>("--iters") { Description = "Training iterations (minibatch updates).", DefaultValueFactory = _ => 10_000 }.Positive();
        var batch = new Option<int>("--batch") { Description = "Minibatch size.", DefaultValueFactory = _ => 100 }.Positive();
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.1 }.PositiveReal();
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum, nesterov, adagrad, rmsprop or adam.", DefaultValueFactory = _ => "sgd" }
            .AcceptOnly([.. OptimizerFactory.Names]);
        var activation = new Option<string>("--activation") { Description = "Hidden activation: relu or sigmoid.", DefaultValueFactory = _ => "relu" }
            .AcceptOnly("relu", "sigmoid");
        var metrics = new Option<FileInfo?>("--metrics") { Description = "Write per-epoch metrics to this CSV file." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Draw accuracy per epoch to this .png or .svg (loss goes beside it as NAME-loss.EXT)." };
        var save = new Option<FileInfo?>("--save") { Description = "Save the trained parameters to this .npz (atomically, after every epoch)." };
        var quiet = new Option<bool>("--no-progress") { Description = "Do not draw the progress bar." };
        plot.Validators.Add(r =>
        {
            var f = r.GetValueOrDefault<FileInfo?>();
            if (f is not null && !Plots.IsSupported(f.Name)) r.AddError($"--plot: '{f.Name}' must end in .png or .svg.");
        });

        var cmd = new Command("train", "Train the book's TwoLayerNet (784-50-10) by backprop and minibatch SGD, printing train/test accuracy per epoch.")
        {
            dataset, data, hidden, iters, batch, lr, optimizer, activation, seed, metrics, plot, save, quiet,
        };
        cmd.SetAction(r =>
        {
            var set = DataResolver.Load(r.GetValue(dataset)!, r.GetValue(data), @out, showProgress: !r.GetValue(quiet));
            var act = r.GetValue(activation) == "sigmoid" ? HiddenActivation.Sigmoid : HiddenActivation.Relu;
            var net = new TwoLayerNet<float>(set.XTrain.Dim(1), r.GetValue(hidden), set.Classes, activation: act, rng: new Random(r.GetValue(seed)));
            var opt = OptimizerFactory.Create<float>(r.GetValue(optimizer)!, r.GetValue(lr));
            var options = new TrainerOptions { Iterations = r.GetValue(iters), BatchSize = r.GetValue(batch), Seed = r.GetValue(seed) };
            var trainer = new Trainer<float>(net, opt, set.XTrain, set.TTrain, set.XTest, set.TTest, options);
            var saveTo = r.GetValue(save);
            if (saveTo is not null) trainer.EpochCompleted = _ => ModelFile.Save(saveTo.FullName, net);

            @out.WriteLine($"Training TwoLayerNet {net.InputSize}-{net.HiddenSize}-{net.OutputSize} ({act.ToString().ToLowerInvariant()}) with {r.GetValue(optimizer)} lr={r.GetValue(lr)}: " +
                           $"{options.Iterations} iterations, batch {options.BatchSize}, {trainer.IterationsPerEpoch} iterations per epoch.");
            TrainingHistory history;
            try
            {
                history = ConsoleProgress.Run(trainer, @out, !r.GetValue(quiet));
            }
            catch (TrainingDivergedException e)
            {
                throw new CliException(e.Message + (saveTo is not null ? $" The last good checkpoint is kept in {saveTo.FullName}." : ""));
            }
            if (saveTo is not null) ModelFile.Save(saveTo.FullName, net);
            var last = history.Epochs[^1];
            double finalTrain = net.Accuracy(set.XTrain, set.TTrain), finalTest = net.Accuracy(set.XTest, set.TTest);
            @out.WriteLine($"Done in {history.Elapsed.TotalSeconds:F2} s. Final accuracy: train {finalTrain:F4}, test {finalTest:F4} (last epoch check at iteration {last.Iteration}: {last.TrainAccuracy:F4} / {last.TestAccuracy:F4}).");
            if (r.GetValue(metrics) is { } m) { history.WriteCsv(m.FullName); @out.WriteLine($"Metrics: {m.FullName}"); }
            if (r.GetValue(plot) is { } p)
            {
                var (acc, loss) = Plots.SaveTraining(history, p.FullName, set.Name);
                @out.WriteLine($"Plots: {acc}, {loss}");
            }
            if (saveTo is not null) @out.WriteLine($"Model: {saveTo.FullName}");
            return 0;
        });
        return cmd;
    }
}
