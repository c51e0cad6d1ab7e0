import ArgumentParser
import Datasets
import Foundation
import GANs

/// `forger train <model>`: trains on the model's data (MNIST, a 2-D mixture, Stacked MNIST, or for
/// translation models a paired A|B folder) into `runs/<name>`, or continues a run with `--resume`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GAN (on MNIST, a 2-D mixture or Stacked MNIST, as the model says), or an image-to-image translation model on paired images.",
        discussion: """
            Writes runs/<name>/{config.json, metrics.jsonl, samples/, checkpoints/}. Defaults are the reference's. \
            Translation models (pix2pix) need --data with a pix2pix folder (train/, val/, test/ of A|B images).
            """)

    @Argument(help: "The model (see `forger models`). Not needed with --resume.")
    var model: TrainableModel?
    @Option(help: "Passes over the training set.") var epochs: Int?
    @Option(help: "Training steps (one D and one G update each); overrides --epochs.") var steps: Int?
    @Option(help: "Images per batch (default: the reference's).") var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Adam learning rate for both networks (default: the reference's).") var learningRate: Float?
    @Option(help: "Seed for weights, noise, dropout and data order.") var seed: UInt64 = 0
    @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache); for pix2pix the paired A|B folder.")
    var data: String?
    @Option(help: "Where runs are written.") var runsDir = "runs"
    @Option(help: "Run name (default: <model>-<UTC time>).") var name: String?
    @Option(help: "Steps between sample grids (0: at the end only).") var sampleEvery = 500
    @Option(help: "Steps between checkpoints (0: at the end only).") var checkpointEvery = 1000
    @Option(help: "Adversarial loss: non-saturating (or bce), minimax, or mse (default: the reference's).") var loss: AdversarialLoss?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "Train on the first N images only.") var limit: Int?
    @Option(help: "Continue the run in this folder from its latest checkpoint.") var resume: String?
    @Option(help: "PacGAN packing: the discriminator judges this many samples at once (the batch size must be divisible by it).")
    var pack: Int?
    @Option(help: "The 2-D mixture a mixture model trains on: ring or grid.") var dataset: GaussianMixture.Layout?
    @Option(help: "Evaluate every N steps (and at the end) into metrics.jsonl, keeping the best generator in checkpoints/best.")
    var evalEvery: Int?
    @Option(help: "Samples per evaluation during training (default: the protocol's).") var evalSamples: Int?
    @OptionGroup(title: "Translation models") var translation: TranslationTrainingOptions

    func validate() throws {
        if resume == nil && model == nil { throw ValidationError("name a model to train (see `forger models`) or --resume a run") }
        if case .gan(let kind) = model, let flag = translation.givenFlags.first {
            throw ValidationError("\(flag) applies to translation models (pix2pix), not \(kind.rawValue)")
        }
        if dataset != nil, let model {
            guard case .gan(.mixture) = model else { throw ValidationError("--dataset applies to the mixture model only") }
        }
        for (value, flag) in [(epochs, "--epochs"), (steps, "--steps"), (batchSize, "--batch-size"), (limit, "--limit"),
                              (pack, "--pack"), (evalSamples, "--eval-samples")] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be positive") }
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress must reach logs and pipes as it happens
        if case .translation(let kind) = model { return try trainTranslation(kind) }
        if let resume, RunDirectory(url: URL(fileURLWithPath: resume)).isTranslationRun { return try trainTranslation(nil) }
        try reportingErrors {
            let (options, resuming) = try makeOptions()
            let evaluation = options.evaluateEvery > 0 ? try periodicEvaluation(for: options) : nil
            let trainer = try Trainer(options: options, resume: resuming, evaluation: evaluation)
            let packing = options.pack > 1 ? ", pack \(options.pack)" : ""
            let mixture = options.mixture.map { " (\($0.rawValue))" } ?? ""
            print("\(resuming ? "Resuming" : "Training") \(options.model.rawValue)\(mixture) into \(trainer.run.url.path) "
                + "(step \(trainer.step) of \(trainer.totalSteps), batch \(options.batchSize)\(packing), seed \(options.seed))")
            let line = ProgressLine()
            try trainer.train { line.show($0) }
            line.finish()
            let sample = trainer.run.sampleURL(step: trainer.step)
            print("Done: \(trainer.step) steps. Samples: \(sample.path)")
        }
    }

    private func makeOptions() throws -> (TrainingOptions, Bool) {
        var options: TrainingOptions
        if let resume {
            let url = URL(fileURLWithPath: resume)
            options = try RunDirectory(url: url).readConfiguration()
            options.runsDirectory = url.deletingLastPathComponent().path
            options.name = url.lastPathComponent
        } else {
            guard case .gan(let kind) = model! else { throw RunError("\(model!) is not a noise-to-image GAN") }
            options = TrainingOptions(model: kind, name: name)
            options.runsDirectory = runsDir
            options.seed = seed
            options.sampleEvery = sampleEvery
            options.checkpointEvery = checkpointEvery
            loss.map { options.objective = $0 }
            options.dataDirectory = data
            options.trainingLimit = limit
            batchSize.map { options.batchSize = $0 }
            learningRate.map { options.learningRate = $0 }
            pack.map { options.pack = $0 }
            dataset.map { options.mixture = $0 }
            evalSamples.map { options.evaluationSamples = $0 }
        }
        epochs.map { options.epochs = $0; options.steps = nil }
        steps.map { options.steps = $0 }
        threads.map { options.threads = $0 }
        evalEvery.map { options.evaluateEvery = $0 }
        if resume != nil, let data { options.dataDirectory = data }
        return (options, resume != nil)
    }
}
