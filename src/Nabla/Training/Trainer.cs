using System.Diagnostics;
using System.Numerics;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optimizers;

namespace Nabla.Training;

/// <summary>Settings of a minibatch training run (the book's defaults for chapter 5).</summary>
public sealed record TrainerOptions
{
    /// <summary>Total iterations (minibatch updates). The book's chapter 5 loop: 10,000. Ignored when <see cref="Epochs"/> is set.</summary>
    public int Iterations { get; init; } = 10_000;

    /// <summary>Train for this many epochs (epochs × iterations per epoch), as the book's <c>Trainer</c> does; null: use <see cref="Iterations"/>.</summary>
    public int? Epochs { get; init; }

    /// <summary>Minibatch size; 100 in the book.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Seed for minibatch sampling.</summary>
    public int Seed { get; init; } = 0;

    /// <summary>Evaluate accuracy on at most this many training/test samples each epoch (null: all, like chapter 5).</summary>
    public int? EvaluationSampleSize { get; init; }

    /// <summary>Report an iteration to the progress sink every this many iterations.</summary>
    public int ReportEvery { get; init; } = 10;

    /// <summary>
    /// The kernels' settings for choosing how data reaches the network: mostly-zero data (at most
    /// <see cref="KernelOptions.MaxSparseDensity"/> non-zero) goes in sparse rows to a network that takes them.
    /// </summary>
    public KernelOptions Kernels { get; init; } = KernelOptions.Default;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), $"Iterations must be at least 1, got {Iterations}.");
        if (Epochs is < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), $"Epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"Batch size must be at least 1, got {BatchSize}.");
        if (EvaluationSampleSize is < 1) throw new ArgumentOutOfRangeException(nameof(EvaluationSampleSize), $"Evaluation sample size must be at least 1, got {EvaluationSampleSize}.");
        if (ReportEvery < 1) throw new ArgumentOutOfRangeException(nameof(ReportEvery), $"ReportEvery must be at least 1, got {ReportEvery}.");
    }
}

/// <summary>Accuracy at the end of an epoch.</summary>
/// <param name="Epoch">1-based epoch number (the evaluation after iteration 0 is epoch 0, as in the book).</param>
/// <param name="Iteration">The iteration after which it was measured (0-based).</param>
/// <param name="TrainAccuracy">Accuracy on the (sampled) training set.</param>
/// <param name="TestAccuracy">Accuracy on the (sampled) test set.</param>
/// <param name="Loss">The minibatch loss of that iteration.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record EpochMetrics(int Epoch, int Iteration, double TrainAccuracy, double TestAccuracy, double Loss, TimeSpan Elapsed);

/// <summary>A progress report: one every <see cref="TrainerOptions.ReportEvery"/> iterations, and one per epoch with <see cref="Epoch"/> set.</summary>
/// <param name="Iteration">Iterations completed.</param>
/// <param name="TotalIterations">Iterations planned.</param>
/// <param name="Loss">Latest minibatch loss.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="Epoch">The epoch's metrics when this report closes an epoch, else null.</param>
public sealed record TrainingProgress(int Iteration, int TotalIterations, double Loss, TimeSpan Elapsed, EpochMetrics? Epoch);

/// <summary>What a training run recorded.</summary>
public sealed class TrainingHistory
{
    /// <summary>The minibatch loss of every iteration.</summary>
    public List<double> Loss { get; } = [];

    /// <summary>Accuracies per epoch.</summary>
    public List<EpochMetrics> Epochs { get; } = [];

    /// <summary>Total training time.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Writes the per-epoch metrics as CSV (epoch, iteration, loss, train_acc, test_acc, seconds), atomically.</summary>
    public void WriteCsv(string path)
    {
        var lines = new List<string> { "epoch,iteration,loss,train_acc,test_acc,seconds" };
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var e in Epochs)
            lines.Add(string.Format(ci, "{0},{1},{2:R},{3:R},{4:R},{5:F3}", e.Epoch, e.Iteration, e.Loss, e.TrainAccuracy, e.TestAccuracy, e.Elapsed.TotalSeconds));
        IO.AtomicFile.WriteAllLines(path, lines);
    }
}

/// <summary>Training stopped because the loss became NaN or infinite.</summary>
public sealed class TrainingDivergedException(int iteration, double loss)
    : Exception($"Training stopped at iteration {iteration}: the loss is {loss}. Lower the learning rate or check the data.")
{
    /// <summary>The 0-based iteration whose loss was not finite.</summary>
    public int Iteration { get; } = iteration;
    /// <summary>The offending loss.</summary>
    public double LossValue { get; } = loss;
}

/// <summary>
/// Minibatch training like the book's chapter 5 loop and <c>common/trainer.py</c>: each iteration draws
/// a random minibatch (with replacement, as <c>np.random.choice</c>), computes gradients by backprop,
/// lets the optimizer update the parameters, and at every epoch boundary measures train and test
/// accuracy. Reports through <see cref="IProgress{T}"/>; prints nothing.
/// </summary>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly INetwork<T> _net;
    private readonly IOptimizer<T> _optimizer;
    private readonly Tensor<T>? _xTrain, _xTest;
    private readonly ByteImages<T>? _trainImages, _testImages;
    private readonly Tensor<T> _tTrain, _tTest;
    private readonly TrainerOptions _options;
    private Tensor<T>? _evalScratch;
    private int[]? _evalRows, _trainLabels, _testLabels;

    /// <summary>Creates a trainer; targets are one-hot (N, C) or labels (N,).</summary>
    public Trainer(INetwork<T> network, IOptimizer<T> optimizer, Tensor<T> xTrain, Tensor<T> tTrain, Tensor<T> xTest, Tensor<T> tTest, TrainerOptions? options = null)
    {
        _net = network; _optimizer = optimizer;
        _xTrain = xTrain; _tTrain = tTrain; _xTest = xTest; _tTest = tTest;
        _options = options ?? new TrainerOptions();
        _options.Validate();
        if (xTrain.Rank == 0) throw new ArgumentException("Trainer: the training set is empty.");
        CheckSizes(xTrain.Dim(0), tTrain, xTest.Rank == 0 ? 0 : xTest.Dim(0), tTest);
    }

    /// <summary>
    /// Creates a trainer over images kept as bytes (<see cref="ByteImages{T}"/>, e.g. <see cref="MnistDataset{T}.TrainImages"/>):
    /// minibatches and accuracy passes convert only the rows they read, so the loop reads a quarter of the bytes
    /// from memory and the float copy of the whole set is never made. Same results as training on the converted tensors.
    /// </summary>
    public Trainer(INetwork<T> network, IOptimizer<T> optimizer, ByteImages<T> xTrain, Tensor<T> tTrain, ByteImages<T> xTest, Tensor<T> tTest, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(xTrain);
        ArgumentNullException.ThrowIfNull(xTest);
        _net = network; _optimizer = optimizer;
        _trainImages = xTrain; _tTrain = tTrain; _testImages = xTest; _tTest = tTest;
        _options = options ?? new TrainerOptions();
        _options.Validate();
        CheckSizes(xTrain.Count, tTrain, xTest.Count, tTest);
    }

    /// <summary>Creates a trainer on a loaded MNIST-format data set, from its images' bytes (<see cref="MnistDataset{T}.TrainImages"/>).</summary>
    public Trainer(INetwork<T> network, IOptimizer<T> optimizer, MnistDataset<T> data, TrainerOptions? options = null)
        : this(network, optimizer, data.TrainImages, data.TTrain, data.TestImages, data.TTest, options) { }

    private static void CheckSizes(int trainCount, Tensor<T> tTrain, int testCount, Tensor<T> tTest)
    {
        if (trainCount == 0) throw new ArgumentException("Trainer: the training set is empty.");
        if (tTrain.Rank == 0 || tTrain.Dim(0) != trainCount) throw new ArgumentException($"Trainer: {trainCount} training inputs but {(tTrain.Rank == 0 ? 0 : tTrain.Dim(0))} targets.");
        if (tTest.Rank == 0 || tTest.Dim(0) != testCount) throw new ArgumentException($"Trainer: {testCount} test inputs but {(tTest.Rank == 0 ? 0 : tTest.Dim(0))} targets.");
    }

    /// <summary>
    /// Creates a trainer as the book's <c>Trainer</c> is created: the optimizer by name and parameters,
    /// e.g. <c>("sgd", {"lr": 0.01})</c>; see <see cref="OptimizerFactory.Create{T}(string, IReadOnlyDictionary{string, double})"/>.
    /// </summary>
    public Trainer(INetwork<T> network, string optimizer, IReadOnlyDictionary<string, double> optimizerParameters,
        Tensor<T> xTrain, Tensor<T> tTrain, Tensor<T> xTest, Tensor<T> tTest, TrainerOptions? options = null)
        : this(network, OptimizerFactory.Create<T>(optimizer, optimizerParameters), xTrain, tTrain, xTest, tTest, options) { }

    /// <summary>Iterations per epoch: max(train size / batch size, 1), as in the book.</summary>
    public int IterationsPerEpoch => Math.Max(_tTrain.Dim(0) / _options.BatchSize, 1);

    /// <summary>The iterations this trainer runs: <see cref="TrainerOptions.Epochs"/> × <see cref="IterationsPerEpoch"/>, or <see cref="TrainerOptions.Iterations"/>.</summary>
    public int TotalIterations => _options.Epochs is int e ? checked(e * IterationsPerEpoch) : _options.Iterations;

    /// <summary>
    /// Called after each epoch's evaluation (for checkpoints). Runs on the training thread.
    /// </summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>Runs the training loop. Throws <see cref="TrainingDivergedException"/> when the loss stops being finite.</summary>
    public TrainingHistory Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var history = new TrainingHistory();
        var rng = new Random(_options.Seed);
        // Mostly-zero images kept as bytes (MNIST) go to a network that takes sparse rows as such: each batch is copied from
        // the set's index of non-zero pixels, never converted to floats nor scanned. (A dense batch of mostly zeros is
        // multiplied from its non-zeros all the same, by the first layer's product; the batch is just made differently.)
        bool sparse = _trainImages is not null && _trainImages.CanGatherSparseRows && _net.TakesSparseRows(_trainImages.Density, _options.Kernels);
        var layout = sparse ? TensorLayout.SparseRows : TensorLayout.Dense;
        var batch = _trainImages is not null ? new MiniBatch<T>(_trainImages, _tTrain, _options.BatchSize, layout) : new MiniBatch<T>(_xTrain!, _tTrain, _options.BatchSize, layout);
        int perEpoch = IterationsPerEpoch, total = TotalIterations;
        history.Loss.Capacity = total;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < total; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Sample(rng);
            var grads = _net.Gradient(batch.XBatch, batch.TBatch);
            double loss = double.CreateTruncating(_net.LastLoss);
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(i, loss);
            _optimizer.Update(_net.Params, grads);
            history.Loss.Add(loss);

            EpochMetrics? epoch = null;
            if (i % perEpoch == 0)
            {
                double trainAcc = Evaluate(_xTrain, _trainImages, _tTrain, ref _trainLabels), testAcc = Evaluate(_xTest, _testImages, _tTest, ref _testLabels);
                epoch = new EpochMetrics(i / perEpoch, i, trainAcc, testAcc, loss, clock.Elapsed);
                history.Epochs.Add(epoch);
                EpochCompleted?.Invoke(epoch);
            }
            if (progress is not null && (epoch is not null || (i + 1) % _options.ReportEvery == 0 || i + 1 == total))
                progress.Report(new TrainingProgress(i + 1, total, loss, clock.Elapsed, epoch));
        }
        history.Elapsed = clock.Elapsed;
        return history;
    }

    /// <summary>Accuracy on one set; <paramref name="labels"/> keeps the set's target classes, found on its first evaluation.</summary>
    private double Evaluate(Tensor<T>? tensor, ByteImages<T>? images, Tensor<T> t, ref int[]? labels)
    {
        if (images is not null)
        {
            // The targets' classes, found once per set: an evaluation then searches only the predictions' rows.
            labels ??= NetworkExtensions.Labels(t);
            return Evaluation.Accuracy(_net, images, t, _options.EvaluationSampleSize ?? images.Count, 1000, _options.Kernels, ref _evalScratch, ref _evalRows, labels);
        }
        var x = tensor!;
        int limit = _options.EvaluationSampleSize ?? x.Dim(0);
        if (limit < x.Dim(0)) { x = x.Slice(0, limit); t = t.Slice(0, limit); }
        return _net.Accuracy(x, t);
    }
}
