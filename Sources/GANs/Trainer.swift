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

/// Trains one model on MNIST into a run directory: alternating D and G updates in the reference's
/// order, fixed-noise sample grids, metrics lines and atomic checkpoints; resumable exactly.
///
/// Determinism: initial weights, the noise stream, dropout masks and the data order all derive from
/// `options.seed`, and their positions are saved with each checkpoint, so a run resumed from step k
/// reaches the same weights at step n as an uninterrupted run.
public final class Trainer {
    public let options: TrainingOptions
    public let model: GANModel
    public let context: TrainingContext
    public let run: RunDirectory
    public private(set) var step = 0
    let images: Tensor
    let labels: [Int]
    let sampler: BatchSampler
    let fixedNoise: Tensor
    /// One label per fixed noise vector for conditional models: one row of the grid per class.
    let fixedLabels: [Int]
    private var elapsedSeconds = 0.0

    /// Prepares a new run (`resume == false`) or reopens the run at `options`' folder at its latest checkpoint.
    public init(options: TrainingOptions, resume: Bool = false) throws {
        self.options = options
        if options.threads > 0 { Parallelism.threadCount = options.threads }
        run = RunDirectory(url: URL(fileURLWithPath: options.runsDirectory).appendingPathComponent(options.name))
        model = options.model.makeModel(seed: options.seed)
        var hyperparameters = options.model.defaults
        hyperparameters.learningRate = options.learningRate
        let streams = RandomGenerator(seed: options.seed)
        context = TrainingContext(model: model, hyperparameters: hyperparameters, noise: streams.derived(stream: 1), objective: options.objective)
        var fixed = streams.derived(stream: 2)
        let classes = model.classCount
        fixedLabels = (0..<(classes * classes)).map { $0 / max(classes, 1) }
        fixedNoise = Tensor.randomNormal([classes > 0 ? classes * classes : 64, model.latentDimension], generator: &fixed)
        (images, labels) = try Self.loadData(options: options, side: model.imageShape[1])
        sampler = BatchSampler(count: images.shape[0], batchSize: options.batchSize, seed: streams.derived(stream: 4).seed)
        guard sampler.batchesPerEpoch > 0 else {
            throw RunError("batch size \(options.batchSize) is larger than the \(images.shape[0]) training images")
        }
        if resume {
            guard let latest = Checkpoint.latestStep(in: run.checkpointsURL) else {
                throw RunError("\(run.url.path) has no checkpoint to resume from")
            }
            let state = try Checkpoint.load(step: latest, from: run.checkpointsURL, model: model, context: context)
            step = state.step
            elapsedSeconds = state.elapsedSeconds
            try run.truncateMetrics(after: step)
        } else {
            try run.create()
        }
        try run.writeConfiguration(options)
    }

    /// The step count the run trains to.
    public var totalSteps: Int { options.steps ?? options.epochs * sampler.batchesPerEpoch }

    /// MNIST training images `[N, 1, side, side]` in [-1, 1] (bilinear resize when side ≠ 28) and labels.
    static func loadData(options: TrainingOptions, side: Int) throws -> (Tensor, [Int]) {
        let directory = try MNIST.locateDirectory(explicit: options.dataDirectory)
        let mnist = try MNIST(directory: directory, split: .train, limit: options.trainingLimit)
        return (side == 28 ? mnist.images : resizeBilinear(mnist.images, height: side, width: side), mnist.labels)
    }

    /// Trains until `totalSteps`, calling `progress` after every step.
    public func train(progress: (ProgressReport) -> Void = { _ in }) throws {
        model.generator.train()
        model.discriminator.train()
        var epochBatches: (epoch: Int, batches: [[Int]])? = nil
        var averageStepSeconds: Double? = nil
        while step < totalSteps {
            let epoch = step / sampler.batchesPerEpoch
            if epochBatches?.epoch != epoch { epochBatches = (epoch, sampler.batches(epoch: epoch)) }
            let rows = epochBatches!.batches[step % sampler.batchesPerEpoch]
            let batch = TrainingBatch(images: gatherRows(images, rows), labels: rows.map { labels[$0] })
            let started = Date()
            let metrics = model.trainingStep(batch, context: context)
            let seconds = Date().timeIntervalSince(started)
            elapsedSeconds += seconds
            step += 1
            averageStepSeconds = averageStepSeconds.map { 0.9 * $0 + 0.1 * seconds } ?? seconds
            let report = ProgressReport(
                step: step, totalSteps: totalSteps, epoch: epoch, metrics: metrics,
                imagesPerSecond: Double(options.batchSize) / max(seconds, 1e-9),
                secondsRemaining: Double(totalSteps - step) * (averageStepSeconds ?? 0))
            try record(report)
            progress(report)
            guard metrics.discriminatorLoss.isFinite, metrics.generatorLoss.isFinite else {
                let last = Checkpoint.latestStep(in: run.checkpointsURL).map { "step \($0)" } ?? "none"
                throw RunError("training diverged: the losses became non-finite at step \(step) (last checkpoint: \(last))")
            }
            if isDue(options.sampleEvery) { try writeSamples() }
            if isDue(options.checkpointEvery) { try saveCheckpoint() }
        }
    }

    private func isDue(_ every: Int) -> Bool { step == totalSteps || (every > 0 && step % every == 0) }

    private func record(_ report: ProgressReport) throws {
        try run.appendMetrics([
            "step": Double(report.step), "epoch": Double(report.epoch),
            "d_loss": Double(report.metrics.discriminatorLoss), "g_loss": Double(report.metrics.generatorLoss),
            "d_real": Double(report.metrics.realScore), "d_fake": Double(report.metrics.fakeScore),
            "images_per_second": report.imagesPerSecond, "elapsed_seconds": elapsedSeconds,
        ])
    }

    /// Generates the fixed-noise grid with G in evaluation mode, then returns G to training mode.
    /// Conditional models get one row per class.
    public func writeSamples() throws {
        model.generator.eval()
        defer { model.generator.train() }
        let samples = withoutGradients { model.generate(fixedNoise, labels: fixedLabels) }
        try writeImageGrid(samples, to: run.sampleURL(step: step), columns: model.isConditional ? model.classCount : 8)
    }

    /// Saves the full training state for this step.
    public func saveCheckpoint() throws {
        let state = Checkpoint.TrainerState(
            step: step, noise: context.noise, randomStreams: Checkpoint.randomStreams(of: model), elapsedSeconds: elapsedSeconds)
        try Checkpoint.save(model: model, context: context, state: state, to: run.checkpointsURL, keep: options.keepCheckpoints)
    }
}
