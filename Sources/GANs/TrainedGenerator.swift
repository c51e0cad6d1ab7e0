import Foundation
import NN
import Tensors

/// A trained generator on its own — the part of a GAN a user keeps once the discriminator is set
/// aside — loaded from a run's checkpoint or from an exported folder, in evaluation mode.
///
/// An exported folder holds `generator.safetensors` (the reference's PyTorch names) and
/// `generator.json` (model, latent size, classes, image shape, value range, step); nothing of the
/// discriminator or the training state.
public struct TrainedGenerator {
    public let kind: ModelKind
    public let model: GANModel
    /// The training step the weights come from.
    public let step: Int

    /// The description written next to exported weights.
    public struct Description: Codable, Equatable {
        public var model: ModelKind
        public var latentDimension: Int
        public var classCount: Int
        public var imageShape: [Int]
        public var valueRange: [Float]
        public var step: Int
        public var forgerVersion: String

        enum CodingKeys: String, CodingKey {
            case model, step
            case latentDimension = "latent_dimension", classCount = "classes", imageShape = "image_shape"
            case valueRange = "value_range", forgerVersion = "forger_version"
        }
    }

    /// The generator of the run at `runURL`, from `checkpoint` (default: the latest).
    public static func load(run runURL: URL, checkpoint: Int? = nil) throws -> TrainedGenerator {
        let run = RunDirectory(url: runURL)
        let options = try run.readConfiguration()
        guard let step = checkpoint ?? Checkpoint.latestStep(in: run.checkpointsURL) else {
            throw RunError("\(runURL.path) has no checkpoint yet")
        }
        let model = options.model.makeModel(seed: options.seed)
        _ = try Checkpoint.load(step: step, from: run.checkpointsURL, model: model, context: nil)
        model.generator.eval()
        return TrainedGenerator(kind: options.model, model: model, step: step)
    }

    /// The generator exported into `directory` by `export(to:)`.
    public static func load(exported directory: URL) throws -> TrainedGenerator {
        let descriptionURL = directory.appendingPathComponent("generator.json")
        guard let data = try? Data(contentsOf: descriptionURL) else {
            throw RunError("\(directory.path) is not an exported generator: it has no generator.json")
        }
        let description: Description
        do {
            description = try JSONDecoder().decode(Description.self, from: data)
        } catch {
            throw RunError("\(descriptionURL.path) is not a valid generator description: \(error)")
        }
        let model = description.model.makeModel(seed: 0)
        guard model.latentDimension == description.latentDimension, model.classCount == description.classCount,
              model.imageShape == description.imageShape
        else { throw RunError("\(descriptionURL.path) does not match the \(description.model.rawValue) architecture") }
        try model.generator.load(contentsOf: directory.appendingPathComponent("generator.safetensors"))
        model.generator.eval()
        return TrainedGenerator(kind: description.model, model: model, step: description.step)
    }

    /// What `generator.json` records.
    public var description: Description {
        Description(model: kind, latentDimension: model.latentDimension, classCount: model.classCount,
                    imageShape: model.imageShape, valueRange: [-1, 1], step: step, forgerVersion: forgerVersion)
    }

    /// Writes the generator's weights and description into `directory` (each file atomically).
    public func export(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try model.generator.save(to: directory.appendingPathComponent("generator.safetensors"),
                                 metadata: ["format": "pt", "model": kind.rawValue, "step": String(step)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(description).write(to: directory.appendingPathComponent("generator.json"), options: .atomic)
    }

    /// Checks labels against the model: none for an unconditional model, each in range otherwise.
    public func validate(labels: [Int]) throws {
        guard !labels.isEmpty else { return }
        guard model.isConditional else {
            let conditional = ModelKind.allCases.filter { $0.isConditional }.map(\.rawValue).joined(separator: ", ")
            throw RunError("\(kind.rawValue) is unconditional and takes no label; conditional models: \(conditional)")
        }
        if let bad = labels.first(where: { !(0..<model.classCount).contains($0) }) {
            throw RunError("label \(bad) is out of range: \(kind.rawValue) knows labels 0–\(model.classCount - 1)")
        }
    }

    /// Images `[N, C, H, W]` in [-1, 1] for noise `[N, latent]`; conditional models need N labels
    /// (when none are given, labels cycle through the classes: 0, 1, …, 9, 0, …).
    public func generate(_ noise: Tensor, labels: [Int] = []) -> Tensor {
        let count = noise.shape[0]
        let labels = model.isConditional && labels.isEmpty ? (0..<count).map { $0 % model.classCount } : labels
        return withoutGradients { model.generate(noise, labels: labels) }
    }

    /// `count` noise vectors `[count, latent]` drawn from N(0, 1) with `seed`.
    public func noise(count: Int, seed: UInt64) -> Tensor {
        var random = RandomGenerator(seed: seed)
        return Tensor.randomNormal([count, model.latentDimension], generator: &random)
    }
}
