using System.CommandLine;
using System.Globalization;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla train</c>: the book's chapter 5 run by default; chapter 6 networks (<c>--hidden 100,100,…</c>,
/// <c>--batchnorm</c>, <c>--dropout</c>, <c>--weight-decay</c>, <c>--init</c>) and the chapter 7–8 convnets
/// (<c>--model simple-cnn|deep-cnn</c>, Adam lr 0.001 by default) — with progress, metrics, plots and checkpoints.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter @out)
    {
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var model = new Option<string>("--model") { Description = "mlp (TwoLayerNet, or MultiLayerNet with several hidden layers or chapter 6 options), simple-cnn or deep-cnn.", DefaultValueFactory = _ => "mlp" }
            .AcceptOnly("mlp", "simple-cnn", "deep-cnn");
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer sizes, e.g. 50 or 100,100,100.", DefaultValueFactory = _ => "50" };
        hidden.Check(v => ParseHidden(v) is null ? $"must be positive integers separated by commas, got '{v}'." : null);
        var iters = new Option<int>("--iters") { Description = "Training iterations (minibatch updates).", DefaultValueFactory = _ => 10_000 }.Positive();
        var epochs = new Option<int?>("--epochs") { Description = "Train for this many epochs instead of --iters." };
        epochs.Positive();
        var batch = new Option<int>("--batch") { Description = "Minibatch size.", DefaultValueFactory = _ => 100 }.Positive();
        var lr = new Option<double>("--lr") { Description = "Learning rate (default 0.1; 0.001 for the convnets).", DefaultValueFactory = _ => 0.1 }.PositiveReal();
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum, nesterov, adagrad, rmsprop or adam (default sgd; adam for the convnets).", DefaultValueFactory = _ => "sgd" }
            .AcceptOnly([.. OptimizerFactory.Names]);
        var activation = new Option<string>("--activation") { Description = "Hidden activation: relu or sigmoid.", DefaultValueFactory = _ => "relu" }.AcceptOnly("relu", "sigmoid");
        var init = new Option<string?>("--init") { Description = "Weight init: a std such as 0.01, he/relu or xavier/sigmoid (default: 0.01 for TwoLayerNet, he or xavier by activation for MultiLayerNet)." };
        init.Check(v =>
        {
            if (v is null) return null;
            try { WeightInit.Parse(v); return null; }
            catch (ArgumentException e) { return e.Message; }
        });
        var batchnorm = new Option<bool>("--batchnorm") { Description = "Batch normalisation after every hidden Affine layer." };
        var dropout = new Option<double>("--dropout") { Description = "Dropout ratio after every hidden activation (0: none).", DefaultValueFactory = _ => 0 };
        dropout.Check(v => !(v >= 0 && v < 1) ? $"must be in [0, 1), got {v}." : null);
        var decay = new Option<double>("--weight-decay") { Description = "L2 weight decay λ (0: none).", DefaultValueFactory = _ => 0 };
        decay.Check(v => !(v >= 0) || !double.IsFinite(v) ? $"must be a finite number ≥ 0, got {v}." : null);
        var evalSamples = new Option<int?>("--eval-samples") { Description = "Measure accuracy each epoch on at most this many train/test images (default: all; 1000 for the convnets)." };
        evalSamples.Positive();
        var metrics = new Option<FileInfo?>("--metrics") { Description = "Write per-epoch metrics to this CSV file." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Draw accuracy per epoch to this .png or .svg (loss goes beside it as NAME-loss.EXT)." };
        plot.Check(f => f is not null && !Plots.IsSupported(f.Name) ? $"'{f.Name}' must end in .png or .svg." : null);
        var save = new Option<FileInfo?>("--save") { Description = "Save the parameters to this .npz (atomically, after every epoch)." };
        var quiet = new Option<bool>("--no-progress") { Description = "Do not draw the progress bar." };
        var synthetic = new Option<bool>("--synthetic") { Description = "Train on a small generated MNIST-shaped set (2,000 + 500 images) instead of real data: no files, no download." };

        var cmd = new Command("train", "Train a network by backprop and minibatch gradient descent, printing train/test accuracy per epoch (default: the book's chapter 5 TwoLayerNet 784-50-10).")
        {
            dataset, data, model, hidden, iters, epochs, batch, lr, optimizer, activation, init, batchnorm, dropout, decay, seed, evalSamples, metrics, plot, save, quiet, synthetic,
        };
        cmd.SetAction(r =>
        {
            var timings = Timings.FromEnvironment();
            string kind = r.GetValue(model)!;
            bool cnn = kind != "mlp";
            bool Explicit(Option o) => r.GetResult(o) is { Implicit: false };
            string optName = cnn && !Explicit(optimizer) ? "adam" : r.GetValue(optimizer)!;
            double rate = cnn && !Explicit(lr) ? 0.001 : r.GetValue(lr);
            bool generated = r.GetValue(synthetic);
            if (generated && (Explicit(data) || Explicit(dataset)))
                throw new CliException("--synthetic: generated data replaces --data and --dataset; give one or the other.");
            if (generated && cnn) throw new CliException($"--synthetic: --model {kind} trains on real images only; use --model mlp.");
            timings?.Mark("start");
            var set = generated ? SyntheticData.Create(2000, 500, r.GetValue(seed))
                : DataResolver.Load(r.GetValue(dataset)!, r.GetValue(data), @out, showProgress: !r.GetValue(quiet), flatten: !cnn);
            timings?.Mark("data load");
            if (generated) @out.WriteLine($"Data: {set.Source}");
            var rng = new Random(r.GetValue(seed));
            var net = Build(kind, r.GetValue(hidden)!, r.GetValue(activation)!, r.GetValue(init), r.GetValue(batchnorm), r.GetValue(dropout), r.GetValue(decay), set, rng,
                cnnOptionsUsed: Explicit(hidden) || Explicit(init) || Explicit(batchnorm) || Explicit(dropout) || Explicit(decay) || Explicit(activation));
            var opt = OptimizerFactory.Create<float>(optName, rate);
            var options = new TrainerOptions
            {
                Iterations = r.GetValue(iters),
                Epochs = r.GetValue(epochs),
                BatchSize = r.GetValue(batch),
                Seed = r.GetValue(seed),
                EvaluationSampleSize = r.GetValue(evalSamples) ?? (cnn ? 1000 : null),
            };
            // Files loaded by DataResolver always come with their bytes: training converts only the rows it reads.
            var (trainImages, testImages) = (set.TrainImages, set.TestImages);
            if (timings is not null)
            {
                // The trainer builds the index of non-zero pixels before its clock starts; build it here to time it apart.
                if (trainImages is not null && testImages is not null && net.TakesSparseRows(trainImages.Density, KernelOptions.Default))
                {
                    trainImages.BuildNonZeroIndex(KernelOptions.Default.MaxSparseDensity);
                    testImages.BuildNonZeroIndex(KernelOptions.Default.MaxSparseDensity);
                }
                timings.Mark("index build");
                options = options with { ReportEvery = 1 };
            }
            var trainer = trainImages is not null && testImages is not null
                ? new Trainer<float>(net, opt, trainImages, set.TTrain, testImages, set.TTest, options)
                : new Trainer<float>(net, opt, set.XTrain, set.TTrain, set.XTest, set.TTest, options);
            var saveTo = r.GetValue(save);
            if (saveTo is not null) trainer.EpochCompleted = _ => ModelFile.Save(saveTo.FullName, net);

            @out.WriteLine($"Training {ModelFile.Describe(net)} with {optName} lr={rate.ToString(CultureInfo.InvariantCulture)}: " +
                           $"{trainer.TotalIterations} iterations, batch {options.BatchSize}, {trainer.IterationsPerEpoch} iterations per epoch.");
            TrainingHistory history;
            try
            {
                history = ConsoleProgress.Run(trainer, @out, !r.GetValue(quiet), options.BatchSize, timings);
            }
            catch (TrainingDivergedException e)
            {
                throw new CliException(e.Message + (saveTo is not null && saveTo.Exists ? $" The last good checkpoint is kept in {saveTo.FullName}." : ""));
            }
            if (saveTo is not null) ModelFile.Save(saveTo.FullName, net);
            timings?.Mark("loop");
            int evalBatch = cnn ? 100 : 1000;
            double finalTrain, finalTest;
            if (trainImages is not null && testImages is not null)
            {
                finalTrain = net.Accuracy(trainImages, set.TTrain, evalBatch, options.EvaluationSampleSize);
                finalTest = net.Accuracy(testImages, set.TTest, evalBatch);
            }
            else
            {
                int k = Math.Min(options.EvaluationSampleSize ?? int.MaxValue, set.XTrain.Dim(0));
                finalTrain = net.Accuracy(set.XTrain.Slice(0, k), set.TTrain.Slice(0, k), evalBatch);
                finalTest = net.Accuracy(set.XTest, set.TTest, evalBatch);
            }
            timings?.Mark("final accuracy");
            @out.WriteLine($"Done in {history.Elapsed.TotalSeconds:F2} s. Final accuracy: train {finalTrain:F4}{(options.EvaluationSampleSize is int n ? $" (first {n})" : "")}, test {finalTest:F4}.");
            if (r.GetValue(metrics) is { } m) { history.WriteCsv(m.FullName); @out.WriteLine($"Metrics: {m.FullName}"); }
            if (r.GetValue(plot) is { } p)
            {
                var (acc, loss) = Plots.SaveTraining(history, p.FullName, set.Name);
                @out.WriteLine($"Plots: {acc}, {loss}");
            }
            if (saveTo is not null) @out.WriteLine($"Model: {saveTo.FullName}");
            timings?.Report(Console.Error);
            return 0;
        });
        return cmd;
    }

    internal static int[]? ParseHidden(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0) return null;
        return sizes;
    }

    private static LayerNetwork<float> Build(string kind, string hiddenText, string activationText, string? initText, bool batchnorm, double dropout, double decay,
        LoadedData set, Random rng, bool cnnOptionsUsed)
    {
        if (kind != "mlp" && cnnOptionsUsed)
            throw new CliException($"--model {kind}: --hidden, --activation, --init, --batchnorm, --dropout and --weight-decay apply to --model mlp only.");
        var act = activationText == "sigmoid" ? HiddenActivation.Sigmoid : HiddenActivation.Relu;
        int[] hidden = ParseHidden(hiddenText)!;
        return kind switch
        {
            "simple-cnn" => new SimpleConvNet<float>(rng: rng),
            "deep-cnn" => new DeepConvNet<float>(rng: rng),
            _ when hidden.Length == 1 && !batchnorm && dropout == 0 && decay == 0 && (initText is null || WeightInit.Parse(initText).FixedStd is not null)
                => new TwoLayerNet<float>(set.InputSize, hidden[0], set.Classes, initText is null ? 0.01 : WeightInit.Parse(initText).FixedStd!.Value, act, rng),
            _ => new MultiLayerNetExtend<float>(set.InputSize, hidden, set.Classes, act, initText is null ? null : WeightInit.Parse(initText), decay,
                useDropout: dropout > 0, dropoutRatio: dropout, useBatchNorm: batchnorm, rng: rng),
        };
    }
}
