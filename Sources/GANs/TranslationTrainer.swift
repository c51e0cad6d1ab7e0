import Datasets
import Foundation
import NN
import Tensors

/// What the translation trainer reports after every step: the common report plus G's L1 term.
public struct TranslationProgressReport: Sendable {
    public var report: ProgressReport
    public var metrics: TranslationStepMetrics
}

/// Trains a translation model on a paired A|B folder into a run directory, with the same contract
/// as `Trainer`: `config.json`, `metrics.jsonl`, `samples/step-<n>.png` (input | output | target
/// triplets of fixed test pairs) and atomic checkpoints, resumable exactly.
///
/// Determinism: initial weights, dropout masks, the data order and every pair's jitter derive from
/// `options.seed`; the dropout streams are saved with each checkpoint and the order and jitter are
/// pure functions of (seed, epoch, index), so a run resumed from step k reaches the same weights at
/// step n as an uninterrupted run.
public final class TranslationTrainer {
    public let options: TranslationOptions
    public let model: TranslationModel
    public let context: TrainingContext
    public let run: RunDirectory
    public private(set) var step = 0
    let pairs: PairedImages
    let sampler: BatchSampler
    let jitterSeed: UInt64
    /// The first pairs of the test split (val, then train, when it has none), unjittered.
    public let fixedPairs: TranslationBatch
    private var elapsedSeconds = 0.0

    /// How many fixed pairs the triplet grids show.
    public static let samplePairCount = 8

    /// Prepares a new run (`resume == false`) or reopens the run at `options`' folder at its latest checkpoint.
    public init(options: TranslationOptions, resume: Bool = false) throws {
        self.options = options
        if options.threads > 0 { Parallelism.threadCount = options.threads }
        run = RunDirectory(url: URL(fileURLWithPath: options.runsDirectory).appendingPathComponent(options.name))
        model = options.makeModel()
        var hyperparameters = options.model.defaults
        hyperparameters.learningRate = options.learningRate
        let streams = RandomGenerator(seed: options.seed)
        context = TrainingContext(model: model, hyperparameters: hyperparameters, noise: streams.derived(stream: 1), objective: .nonSaturating)
        pairs = try Self.openSplit(.train, options: options)
        fixedPairs = try Self.loadFixedPairs(options: options)
        let count = min(pairs.count, options.trainingLimit ?? .max)
        sampler = BatchSampler(count: count, batchSize: options.batchSize, seed: streams.derived(stream: 4).seed)
        jitterSeed = streams.derived(stream: 5).seed
        guard sampler.batchesPerEpoch > 0 else {
            throw RunError("batch size \(options.batchSize) is larger than the \(count) training pairs")
        }
        if let state = try run.start(resuming: resume, model: model, context: context) {
            (step, elapsedSeconds) = (state.step, state.elapsedSeconds)
        }
        try run.writeConfiguration(options)
    }

    /// The step count the run trains to.
    public var totalSteps: Int { options.steps ?? options.epochs * sampler.batchesPerEpoch }

    /// One split of the run's data set at the model's size and channels (jittered for `train`).
    static func openSplit(_ split: PairedImages.Split, options: TranslationOptions) throws -> PairedImages {
        let architecture = options.architecture
        return try PairedImages(
            root: URL(fileURLWithPath: options.dataDirectory), split: split, size: architecture.imageSize,
            sourceChannels: architecture.sourceChannels, targetChannels: architecture.targetChannels, direction: options.direction)
    }

    /// The first `samplePairCount` pairs of the first split present among test, val and train, unjittered.
    static func loadFixedPairs(options: TranslationOptions) throws -> TranslationBatch {
        let root = URL(fileURLWithPath: options.dataDirectory)
        let split = [PairedImages.Split.test, .val].first { FileManager.default.fileExists(atPath: root.appendingPathComponent($0.rawValue).path) } ?? .train
        let architecture = options.architecture
        let data = try PairedImages(
            root: root, split: split, size: architecture.imageSize, sourceChannels: architecture.sourceChannels,
            targetChannels: architecture.targetChannels, direction: options.direction, jitter: false)
        let (source, target) = try data.batch(Array(0..<min(samplePairCount, data.count)), seed: 0, epoch: 0)
        return TranslationBatch(source: source, target: target)
    }

    /// Trains until `totalSteps`, calling `progress` after every step.
    public func train(progress: (TranslationProgressReport) -> Void = { _ in }) throws {
        model.generator.train()
        model.discriminator.train()
        var loop = StepLoop(sampler: sampler, totalSteps: totalSteps)
        while step < totalSteps {
            let (epoch, rows) = loop.batch(forStep: step)
            let started = Date()
            let (source, target) = try pairs.batch(rows, seed: jitterSeed, epoch: epoch)
            let metrics = model.trainingStep(TranslationBatch(source: source, target: target), context: context)
            let seconds = Date().timeIntervalSince(started)
            elapsedSeconds += seconds
            step += 1
            let report = loop.report(step: step, epoch: epoch, metrics: metrics.adversarial, seconds: seconds)
            try record(report, metrics)
            progress(TranslationProgressReport(report: report, metrics: metrics))
            try Checkpoint.requireFinite(metrics.adversarial, step: step, run: run)
            if loop.isDue(options.sampleEvery, afterStep: step) { try writeSamples() }
            if loop.isDue(options.checkpointEvery, afterStep: step) { try saveCheckpoint() }
        }
    }

    private func record(_ report: ProgressReport, _ metrics: TranslationStepMetrics) throws {
        try run.appendMetrics([
            "step": Double(report.step), "epoch": Double(report.epoch),
            "d_loss": Double(report.metrics.discriminatorLoss), "g_loss": Double(report.metrics.generatorLoss),
            "g_gan": Double(metrics.generatorAdversarialLoss), "l1": Double(metrics.l1),
            "d_real": Double(report.metrics.realScore), "d_fake": Double(report.metrics.fakeScore),
            "images_per_second": report.imagesPerSecond, "elapsed_seconds": elapsedSeconds,
        ])
    }

    /// Writes the triplet grid of the fixed pairs with G in evaluation mode, then returns G to training mode.
    public func writeSamples() throws {
        model.generator.eval()
        defer { model.generator.train() }
        let outputs = withoutGradients { model.translate(fixedPairs.source) }
        try writeTripletGrid(source: fixedPairs.source, output: outputs, target: fixedPairs.target, to: run.sampleURL(step: step))
    }

    /// Saves the full training state for this step.
    public func saveCheckpoint() throws {
        try Checkpoint.save(
            model: model, context: context, step: step, elapsedSeconds: elapsedSeconds, to: run, keep: options.keepCheckpoints)
    }
}

/// Writes one row per pair, input | output | target, as a PNG grid; a 1-channel side next to a
/// 3-channel one is shown as gray RGB. All three are `[N, C, H, W]` in [-1, 1] with the same N, H, W.
public func writeTripletGrid(source: Tensor, output: Tensor, target: Tensor, to url: URL) throws {
    let channels = max(source.shape[1], output.shape[1], target.shape[1])
    let sides = [source, output, target].map { side -> Tensor in
        side.shape[1] == channels ? side : Tensor.concatenating([Tensor](repeating: side, count: channels), alongAxis: 1)
    }
    let rows = (0..<source.shape[0]).flatMap { index in sides.map { $0.sliced(axis: 0, index..<(index + 1)) } }
    try writeImageGrid(Tensor.concatenating(rows, alongAxis: 0), to: url, columns: 3)
}
