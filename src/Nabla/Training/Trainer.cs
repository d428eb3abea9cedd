using System.Diagnostics;
using System.Numerics;
using System.Runtime.ExceptionServices;
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

    /// <summary>
    /// Whether each epoch's accuracies are measured on a core of their own while training goes on, on a copy of the network
    /// taken after that epoch's last update (the same accuracies as measuring them in place). Training then has one core
    /// fewer for the whole run, and an epoch's report comes when its measurement is done. It pays where a training step is
    /// too small to keep two cores busy, as the book's chapter 5 network is on MNIST. Null (the default): on when it can be,
    /// that is when the network can make a copy for inference (of the networks here, <see cref="TwoLayerNet{T}"/> and
    /// <see cref="MultiLayerNetExtend{T}"/> without batch normalization: not the convolutional ones, whose steps keep the cores busy), there are
    /// two cores or more, and no <see cref="Trainer{T}.EpochCompleted"/> handler is set (so that a checkpoint saves the
    /// weights the accuracies were measured on). True: on whenever it can be, the handler then running when the measurement
    /// is done. False: measured in place, the training waiting.
    /// </summary>
    public bool? OverlapEvaluation { get; init; }

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
public sealed record EpochMetrics(int Epoch, int Iteration, double TrainAccuracy, double TestAccuracy, double Loss, TimeSpan Elapsed)
{
    /// <summary>How long measuring the two accuracies took.</summary>
    public TimeSpan EvaluationTime { get; init; }

    /// <summary>
    /// Whether they were measured on another core while training went on (<see cref="TrainerOptions.OverlapEvaluation"/>):
    /// then <see cref="Elapsed"/> is the time when the measurement began, and the report came later.
    /// </summary>
    public bool Overlapped { get; init; }
}

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
        using var background = OverlapsEvaluation() is { } copy ? new BackgroundEvaluation(this, copy) : null;
        var clock = Stopwatch.StartNew();
        double loss = double.NaN;
        for (int i = 0; i < total; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Sample(rng);
            var grads = _net.Gradient(batch.XBatch, batch.TBatch);
            loss = double.CreateTruncating(_net.LastLoss);
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(i, loss);
            _optimizer.Update(_net.Params, grads);
            history.Loss.Add(loss);

            EpochMetrics? epoch = null;
            if (background is not null)
            {
                // An earlier epoch's accuracies, if measured by now; a new measurement waits for the one before it.
                epoch = background.TryCollect();
                if (i % perEpoch == 0 && background.Start(i / perEpoch, i, loss, clock.Elapsed) is { } previous) epoch = previous;
            }
            else if (i % perEpoch == 0)
            {
                long start = Stopwatch.GetTimestamp();
                var (trainAcc, testAcc) = Evaluate(_net);
                epoch = new EpochMetrics(i / perEpoch, i, trainAcc, testAcc, loss, clock.Elapsed) { EvaluationTime = Stopwatch.GetElapsedTime(start) };
            }
            if (epoch is not null) Close(epoch);
            if (progress is not null && (epoch is not null || (i + 1) % _options.ReportEvery == 0 || i + 1 == total))
                progress.Report(new TrainingProgress(i + 1, total, loss, clock.Elapsed, epoch));
        }
        if (background?.Finish() is { } last)
        {
            Close(last);
            progress?.Report(new TrainingProgress(total, total, loss, clock.Elapsed, last));
        }
        history.Elapsed = clock.Elapsed;
        return history;

        // An epoch's accuracies are in: recorded, then the handler (a checkpoint) runs.
        void Close(EpochMetrics e)
        {
            history.Epochs.Add(e);
            EpochCompleted?.Invoke(e);
        }
    }

    /// <summary>
    /// The copy of the network to measure accuracies on while training goes on (<see cref="TrainerOptions.OverlapEvaluation"/>),
    /// or null when they are measured in place.
    /// </summary>
    private LayerNetwork<T>? OverlapsEvaluation()
    {
        if (_options.OverlapEvaluation == false || (_options.OverlapEvaluation is null && EpochCompleted is not null)) return null;
        if (WorkerPool.Concurrency < 2 || _net is not LayerNetwork<T> layers) return null;
        return layers.CreateInferenceCopy();
    }

    /// <summary>Train and test accuracy of <paramref name="net"/>, on at most <see cref="TrainerOptions.EvaluationSampleSize"/> samples of each.</summary>
    private (double Train, double Test) Evaluate(INetwork<T> net) =>
        (Evaluate(net, _xTrain, _trainImages, _tTrain, ref _trainLabels), Evaluate(net, _xTest, _testImages, _tTest, ref _testLabels));

    /// <summary>Accuracy on one set; <paramref name="labels"/> keeps the set's target classes, found on its first evaluation.</summary>
    private double Evaluate(INetwork<T> net, Tensor<T>? tensor, ByteImages<T>? images, Tensor<T> t, ref int[]? labels)
    {
        if (images is not null)
        {
            // The targets' classes, found once per set: an evaluation then searches only the predictions' rows.
            labels ??= NetworkExtensions.Labels(t);
            return Evaluation.Accuracy(net, images, t, _options.EvaluationSampleSize ?? images.Count, 1000, _options.Kernels, ref _evalScratch, ref _evalRows, labels);
        }
        var x = tensor!;
        int limit = _options.EvaluationSampleSize ?? x.Dim(0);
        if (limit < x.Dim(0)) { x = x.Slice(0, limit); t = t.Slice(0, limit); }
        return net.Accuracy(x, t);
    }

    /// <summary>
    /// Measures an epoch's accuracies on a thread of its own, on a copy of the network, while the training thread goes on
    /// with a core fewer for the whole run (<see cref="WorkerPool.LendWorker"/>). One measurement at a time; the training thread starts them,
    /// collects them and reports them, so every report and handler still runs on the training thread, in epoch order.
    /// </summary>
    private sealed class BackgroundEvaluation : IDisposable
    {
        private readonly Trainer<T> _owner;
        private readonly LayerNetwork<T> _copy;
        private readonly Thread _thread;
        private readonly SemaphoreSlim _go = new(0);
        private readonly ManualResetEventSlim _done = new(false);
        private readonly bool _lent;
        private bool _running, _exit;
        // The measurement in flight: what its report will say, then its result.
        private int _epoch, _iteration;
        private double _loss, _trainAcc, _testAcc;
        private TimeSpan _elapsed, _took;
        private ExceptionDispatchInfo? _error;

        public BackgroundEvaluation(Trainer<T> owner, LayerNetwork<T> copy)
        {
            _owner = owner;
            _copy = copy;
            // The measurements' core, lent for the whole run rather than for each measurement: the book's network trains
            // nearly as fast on one core as on two, and a worker lent and given back each epoch would sleep and wake, and
            // W1 would move between the cores' caches (docs/benchmarks.md, 2026-12-02, fifth session).
            _lent = WorkerPool.LendWorker();
            _thread = new Thread(Loop) { IsBackground = true, Name = "Nabla evaluation" };
            _thread.Start();
        }

        /// <summary>
        /// Starts measuring the network as it is now (after iteration <paramref name="iteration"/>'s update). Returns the
        /// measurement before it when this had to wait for it, else null.
        /// </summary>
        public EpochMetrics? Start(int epoch, int iteration, double loss, TimeSpan elapsed)
        {
            var previous = _running ? Finish() : null;
            _copy.LoadParams(_owner._net.Params);
            (_epoch, _iteration, _loss, _elapsed) = (epoch, iteration, loss, elapsed);
            _running = true;
            _done.Reset();
            _go.Release();
            return previous;
        }

        /// <summary>The measurement in flight if it is done, else null.</summary>
        public EpochMetrics? TryCollect() => _running && _done.IsSet ? Collect() : null;

        /// <summary>Waits for the measurement in flight, if any, and returns it.</summary>
        public EpochMetrics? Finish()
        {
            if (!_running) return null;
            _done.Wait();
            return Collect();
        }

        private EpochMetrics Collect()
        {
            _running = false;
            _error?.Throw();
            return new EpochMetrics(_epoch, _iteration, _trainAcc, _testAcc, _loss, _elapsed) { EvaluationTime = _took, Overlapped = true };
        }

        private void Loop()
        {
            // The kernels' jobs on this thread run on it alone: the core it runs on is the one the training thread lent.
            WorkerPool.RunsAlone = true;
            while (true)
            {
                _go.Wait();
                if (Volatile.Read(ref _exit)) return;
                long start = Stopwatch.GetTimestamp();
                _error = null;
                try { (_trainAcc, _testAcc) = _owner.Evaluate(_copy); }
                catch (Exception e) { _error = ExceptionDispatchInfo.Capture(e); }
                _took = Stopwatch.GetElapsedTime(start);
                _done.Set();
            }
        }

        /// <summary>Waits for a measurement in flight (a run that stopped early), gives back the lent core and ends the thread.</summary>
        public void Dispose()
        {
            if (_running)
            {
                _done.Wait();
                _running = false;
            }
            if (_lent) WorkerPool.ReturnWorker();
            Volatile.Write(ref _exit, true);
            _go.Release();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }
    }
}
