import ArgumentParser
import Datasets
import Foundation
import GANs

/// A model name on the command line: a noise-to-image GAN or an image-to-image translation model.
enum TrainableModel: ExpressibleByArgument, CustomStringConvertible {
    case gan(ModelKind)
    case translation(TranslationModelKind)

    init?(argument: String) {
        if let kind = ModelKind(rawValue: argument) {
            self = .gan(kind)
        } else if let kind = TranslationModelKind(rawValue: argument) {
            self = .translation(kind)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ModelKind.allCases.map(\.rawValue) + TranslationModelKind.allCases.map(\.rawValue) }

    var description: String {
        switch self {
        case .gan(let kind): return kind.rawValue
        case .translation(let kind): return kind.rawValue
        }
    }
}

/// The options only translation models take.
struct TranslationTrainingOptions: ParsableArguments {
    @Option(help: "Which half of each A|B file is the input: AtoB or BtoA.") var direction: TranslationDirection?
    @Option(help: "Side of the square images: 32, 64, 128 or 256 (default 256, the reference's).") var imageSize: Int?
    @Option(help: "Normalisation: batch or instance (default batch).") var norm: Pix2Pix.Normalization?
    @Option(help: "Input channels, 1 or 3 (default: those of the first training file).") var inputChannels: Int?
    @Option(help: "Output channels, 1 or 3 (default: those of the first training file).") var outputChannels: Int?
    @Option(name: .customLong("lambda-l1"), help: "Weight of the L1 term in G's loss (default 100).") var l1Weight: Float?

    /// The flags given, for the error when a noise-to-image GAN gets one.
    var givenFlags: [String] {
        [(direction != nil, "--direction"), (imageSize != nil, "--image-size"), (norm != nil, "--norm"),
         (inputChannels != nil, "--input-channels"), (outputChannels != nil, "--output-channels"), (l1Weight != nil, "--lambda-l1")]
            .filter(\.0).map(\.1)
    }

    func validate() throws {
        if let imageSize, !(imageSize >= 32 && imageSize & (imageSize - 1) == 0) {
            throw ValidationError("--image-size must be a power of two, at least 32 (32, 64, 128, 256)")
        }
        for (value, flag) in [(inputChannels, "--input-channels"), (outputChannels, "--output-channels")] {
            if let value, ![1, 3].contains(value) { throw ValidationError("\(flag) must be 1 or 3") }
        }
    }
}

extension Train {
    /// Trains (or resumes, with `kind` nil) a translation run.
    func trainTranslation(_ kind: TranslationModelKind?) throws {
        try reportingErrors {
            let (options, resuming) = try makeTranslationOptions(kind)
            let trainer = try TranslationTrainer(options: options, resume: resuming)
            let size = options.architecture.imageSize
            print("\(resuming ? "Resuming" : "Training") \(options.model.rawValue) (\(size)×\(size), "
                + "\(options.architecture.sourceChannels)→\(options.architecture.targetChannels) channels, "
                + "\(options.architecture.normalization.rawValue) norm, \(options.direction.rawValue)) into \(trainer.run.url.path) "
                + "(step \(trainer.step) of \(trainer.totalSteps), batch \(options.batchSize), seed \(options.seed))")
            let line = ProgressLine()
            try trainer.train { line.show($0.report, l1: $0.metrics.l1) }
            line.finish()
            print("Done: \(trainer.step) steps. Samples: \(trainer.run.sampleURL(step: trainer.step).path)")
        }
    }

    private func makeTranslationOptions(_ kind: TranslationModelKind?) throws -> (TranslationOptions, Bool) {
        var options: TranslationOptions
        if let resume {
            let url = URL(fileURLWithPath: resume)
            options = try RunDirectory(url: url).readTranslationConfiguration()
            options.runsDirectory = url.deletingLastPathComponent().path
            options.name = url.lastPathComponent
            if let data { options.dataDirectory = data }
        } else {
            guard let kind, let data else { throw RunError("pix2pix needs --data: a folder with train/, val/, test/ of A|B images") }
            let direction = translation.direction ?? .aToB
            var architecture = Pix2Pix.Configuration(imageSize: translation.imageSize ?? 256, normalization: translation.norm ?? .batch)
            let detected = try TranslationOptions.detectChannels(dataDirectory: URL(fileURLWithPath: data), direction: direction)
            architecture.sourceChannels = translation.inputChannels ?? detected.source
            architecture.targetChannels = translation.outputChannels ?? detected.target
            options = TranslationOptions(model: kind, dataDirectory: data, architecture: architecture, name: name)
            options.direction = direction
            options.runsDirectory = runsDir
            options.seed = seed
            options.sampleEvery = sampleEvery
            options.checkpointEvery = checkpointEvery
            options.trainingLimit = limit
            batchSize.map { options.batchSize = $0 }
            learningRate.map { options.learningRate = $0 }
            translation.l1Weight.map { options.l1Weight = $0 }
        }
        if loss != nil { throw RunError("--loss applies to noise-to-image GANs; pix2pix trains BCE-with-logits + λ·L1") }
        epochs.map { options.epochs = $0; options.steps = nil }
        steps.map { options.steps = $0 }
        threads.map { options.threads = $0 }
        return (options, resume != nil)
    }
}

extension TranslationDirection: ExpressibleByArgument {}
extension Pix2Pix.Normalization: ExpressibleByArgument {}
