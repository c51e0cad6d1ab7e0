import Datasets
import Foundation
import NN
import Tensors

/// What the trainer reports after every step, for progress lines and dashboards.
public struct ProgressReport: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var metrics: StepMetrics
    /// Images per second of this step.
    public var imagesPerSecond: Double
    /// Estimated seconds to finish, from a running average of step times.
    public var secondsRemaining: Double
}

/// Trains one model on its data (MNIST, a 2-D mixture, Stacked MNIST) into a run directory: alternating D and G updates in the reference's
/// order, fixed-noise sample grids, metrics lines and atomic checkpoints; resumable exactly.
///
/// Determinism: initial weights, the noise stream, dropout masks and the data order all derive from
/// `options.seed`, and their positions are saved with each checkpoint, so a run resumed from step k
/// reaches the same weights at step n as an uninterrupted run. Evaluation during training
/// (`evaluation`) draws its own seeded noise and runs G in evaluation mode, so it changes nothing.
public final class Trainer {
    public let options: TrainingOptions
    public let model: GANModel
    public let context: TrainingContext
    public let run: RunDirectory
    public private(set) var step = 0
    let data: TrainingData
    let sampler: BatchSampler
    /// What `--eval-every` measures, supplied by the caller (GANs does not know the metrics).
    let evaluation: PeriodicEvaluation?
    /// The best evaluation so far (restored from `checkpoints/best/best.json` on resume).
    var best: BestCheckpoint?
    let fixedNoise: Tensor
    /// One label per fixed noise vector for conditional models: one row of the grid per class.
    let fixedLabels: [Int]
    private var elapsedSeconds = 0.0

    /// Prepares a new run (`resume == false`) or reopens the run at `options`' folder at its latest
    /// checkpoint. With `options.evaluateEvery > 0`, `evaluation` is what gets measured.
    public init(options: TrainingOptions, resume: Bool = false, evaluation: PeriodicEvaluation? = nil) throws {
        try Self.validate(options, evaluation: evaluation)
        self.options = options
        self.evaluation = evaluation
        if options.threads > 0 { Parallelism.threadCount = options.threads }
        run = RunDirectory(url: URL(fileURLWithPath: options.runsDirectory).appendingPathComponent(options.name))
        model = options.model.makeModel(seed: options.seed, pack: options.pack)
        var hyperparameters = options.model.defaults
        hyperparameters.learningRate = options.learningRate
        let streams = RandomGenerator(seed: options.seed)
        context = TrainingContext(model: model, hyperparameters: hyperparameters, noise: streams.derived(stream: 1), objective: options.objective)
        var fixed = streams.derived(stream: 2)
        let classes = model.classCount
        fixedLabels = (0..<(classes * classes)).map { $0 / max(classes, 1) }
        let fixedCount = classes > 0 ? classes * classes : options.model.data == .mixture ? Self.scatterPoints : 64
        fixedNoise = Tensor.randomNormal([fixedCount, model.latentDimension], generator: &fixed)
        data = try TrainingDataLoader.load(options, sampleShape: model.imageShape)
        sampler = BatchSampler(count: data.count, batchSize: options.batchSize, seed: streams.derived(stream: 4).seed)
        guard sampler.batchesPerEpoch > 0 else {
            throw RunError("batch size \(options.batchSize) is larger than the \(data.count) training samples")
        }
        if let state = try run.start(resuming: resume, model: model, context: context) {
            (step, elapsedSeconds) = (state.step, state.elapsedSeconds)
            best = BestCheckpoint.read(from: run.checkpointsURL)
        }
        try run.writeConfiguration(options)
    }

    /// Options the trainer cannot run with: packing that does not divide the batch, or evaluation
    /// steps without an evaluation.
    static func validate(_ options: TrainingOptions, evaluation: PeriodicEvaluation?) throws {
        guard options.pack >= 1, options.batchSize % options.pack == 0 else {
            throw RunError("--pack \(options.pack) needs a batch size divisible by it (batch size \(options.batchSize))")
        }
        if options.evaluateEvery > 0 && evaluation == nil {
            throw RunError("evaluation every \(options.evaluateEvery) steps needs an evaluation")
        }
    }

    /// The step count the run trains to.
    public var totalSteps: Int { options.steps ?? options.epochs * sampler.batchesPerEpoch }

    /// Points in a mixture run's scatter plots, real and generated each (the papers' 2,500).
    static let scatterPoints = 2_500

    /// Trains until `totalSteps`, calling `progress` after every step.
    public func train(progress: (ProgressReport) -> Void = { _ in }) throws {
        model.generator.train()
        model.discriminator.train()
        var loop = StepLoop(sampler: sampler, totalSteps: totalSteps)
        while step < totalSteps {
            let (epoch, rows) = loop.batch(forStep: step)
            let batch = data.batch(rows)
            let started = Date()
            let metrics = model.trainingStep(batch, context: context)
            let seconds = Date().timeIntervalSince(started)
            elapsedSeconds += seconds
            step += 1
            let report = loop.report(step: step, epoch: epoch, metrics: metrics, seconds: seconds)
            var line = metricsLine(report)
            if options.evaluateEvery > 0, loop.isDue(options.evaluateEvery, afterStep: step), let evaluation {
                line.merge(try evaluateAndKeepBest(evaluation)) { $1 }
            }
            try run.appendMetrics(line)
            progress(report)
            try Checkpoint.requireFinite(metrics, step: step, run: run)
            if loop.isDue(options.sampleEvery, afterStep: step) { try writeSamples() }
            if loop.isDue(options.checkpointEvery, afterStep: step) { try saveCheckpoint() }
        }
    }

    private func metricsLine(_ report: ProgressReport) -> [String: Double] {
        [
            "step": Double(report.step), "epoch": Double(report.epoch),
            "d_loss": Double(report.metrics.discriminatorLoss), "g_loss": Double(report.metrics.generatorLoss),
            "d_real": Double(report.metrics.realScore), "d_fake": Double(report.metrics.fakeScore),
            "images_per_second": report.imagesPerSecond, "elapsed_seconds": elapsedSeconds,
        ]
    }

    /// Generates the fixed-noise samples with G in evaluation mode, then returns G to training mode:
    /// an image grid (conditional models get one row per class), or for mixtures a scatter plot of
    /// 2,500 generated points over the first 2,500 training points.
    public func writeSamples() throws {
        model.generator.eval()
        defer { model.generator.train() }
        let samples = withoutGradients { model.generate(fixedNoise, labels: fixedLabels) }
        guard options.model.data == .mixture else {
            return try writeImageGrid(samples, to: run.sampleURL(step: step), columns: model.isConditional ? model.classCount : 8)
        }
        let real = data.batch(Array(0..<min(Self.scatterPoints, data.count))).images
        let extent = 1.2 * real.scalars.map(Swift.abs).max()!
        try writeScatterPlot(real: real, generated: samples, extent: extent, to: run.sampleURL(step: step))
    }

    /// Saves the full training state for this step.
    public func saveCheckpoint() throws {
        try Checkpoint.save(
            model: model, context: context, step: step, elapsedSeconds: elapsedSeconds, to: run, keep: options.keepCheckpoints)
    }
}
