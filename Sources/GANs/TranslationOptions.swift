import Datasets
import Foundation

/// Every image-to-image translation model Forger can train, by the name the CLI uses.
public enum TranslationModelKind: String, CaseIterable, Codable, Sendable {
    case pix2pix

    /// One line for `forger models`.
    public var summary: String {
        switch self {
        case .pix2pix:
            return "image-to-image translation, U-Net G and 70×70 PatchGAN D (Isola et al. 2017; pytorch-CycleGAN-and-pix2pix), "
                + "paired A|B folders, batch 1"
        }
    }

    /// The reference's optimiser and batch defaults.
    public var defaults: Hyperparameters {
        switch self {
        case .pix2pix: return Pix2Pix.defaults
        }
    }

    /// A freshly initialised model; the same seed and configuration give the same weights.
    public func makeModel(seed: UInt64, configuration: Pix2Pix.Configuration, l1Weight: Float = Pix2Pix.defaultL1Weight) -> TranslationModel {
        switch self {
        case .pix2pix: return Pix2Pix(seed: seed, configuration: configuration, l1Weight: l1Weight)
        }
    }
}

/// Every option of a translation training run; written to `config.json` (with `model` naming a
/// `TranslationModelKind`) so the run can be understood, resumed, translated with and evaluated.
public struct TranslationOptions: Codable, Hashable, Sendable {
    public var model: TranslationModelKind
    /// Image side, channels and normalisation of the networks.
    public var architecture: Pix2Pix.Configuration
    /// The paired data set root (`train/`, `val/`, `test/` of A|B files).
    public var dataDirectory: String
    /// Which half is the source.
    public var direction: TranslationDirection
    /// Passes over the training pairs; ignored when `steps` is set.
    public var epochs: Int
    /// Total training steps (one D update + one G update each); overrides `epochs`.
    public var steps: Int?
    public var batchSize: Int
    public var learningRate: Float
    /// λ, the weight of the L1 term in the generator's loss.
    public var l1Weight: Float
    /// Seeds weights, dropout, data order and jitter.
    public var seed: UInt64
    public var runsDirectory: String
    public var name: String
    /// Steps between triplet grids of the fixed test pairs (0: only at the end).
    public var sampleEvery: Int
    /// Steps between checkpoints (0: only at the end).
    public var checkpointEvery: Int
    /// Kernel threads (0: the machine's cores or `FORGER_THREADS`).
    public var threads: Int
    /// Use only the first N training pairs (tests and quick looks).
    public var trainingLimit: Int?
    /// How many step checkpoints to keep besides the latest weights.
    public var keepCheckpoints: Int
    /// The Forger version that wrote the run.
    public var version: String

    /// The reference defaults of `model` for the data set in `dataDirectory`, with a run name from
    /// the model and the clock.
    public init(model: TranslationModelKind, dataDirectory: String, architecture: Pix2Pix.Configuration, name: String? = nil) {
        let defaults = model.defaults
        self.model = model
        self.architecture = architecture
        self.dataDirectory = dataDirectory
        direction = .aToB
        epochs = 1
        steps = nil
        batchSize = defaults.batchSize
        learningRate = defaults.learningRate
        l1Weight = Pix2Pix.defaultL1Weight
        seed = 0
        runsDirectory = "runs"
        self.name = name ?? "\(model.rawValue)-\(TrainingOptions.timestamp())"
        sampleEvery = 500
        checkpointEvery = 1000
        threads = 0
        trainingLimit = nil
        keepCheckpoints = 3
        version = forgerVersion
    }

    /// A freshly initialised model for these options.
    public func makeModel() -> TranslationModel {
        model.makeModel(seed: seed, configuration: architecture, l1Weight: l1Weight)
    }

    /// The channel counts of the source and target halves of the first training file: 1 for gray
    /// files, 3 for colour ones (what `--input-channels` / `--output-channels` default to).
    public static func detectChannels(dataDirectory: URL, direction: TranslationDirection) throws -> (source: Int, target: Int) {
        let files = try ImageFile.files(in: dataDirectory.appendingPathComponent(PairedImages.Split.train.rawValue))
        guard let first = files.first else { throw PairedImagesError.noImages(folder: dataDirectory.appendingPathComponent("train").path) }
        let (a, b) = try PairedImages.halves(of: ImageFile.read(first), file: first.path)
        return direction == .aToB ? (a.channels, b.channels) : (b.channels, a.channels)
    }
}

extension RunDirectory {
    /// The `model` named in `config.json`, which tells a noise-to-image run from a translation run.
    public func modelName() throws -> String {
        guard let data = try? Data(contentsOf: configurationURL) else {
            throw RunError("\(url.path) is not a Forger run: it has no config.json")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let name = object["model"] as? String else {
            throw RunError("\(configurationURL.path) names no model")
        }
        return name
    }

    /// Whether `config.json` names a translation model.
    public var isTranslationRun: Bool {
        (try? modelName()).flatMap(TranslationModelKind.init(rawValue:)) != nil
    }

    /// Reads a translation run's `config.json`, with a clear error for other runs.
    public func readTranslationConfiguration() throws -> TranslationOptions {
        let name = try modelName()
        guard TranslationModelKind(rawValue: name) != nil else {
            throw RunError("\(url.path) is a \(name) run, not an image-to-image translation run")
        }
        do {
            return try JSONDecoder().decode(TranslationOptions.self, from: Data(contentsOf: configurationURL))
        } catch {
            throw RunError("\(configurationURL.path) is not a valid translation run configuration: \(error)")
        }
    }
}
