import Datasets
import Foundation

/// Every option of a training run; written to `config.json` so a run can be understood and resumed.
public struct TrainingOptions: Codable, Hashable, Sendable {
    public var model: ModelKind
    /// Passes over the training set; ignored when `steps` is set.
    public var epochs: Int
    /// Total training steps (one D update + one G update each); overrides `epochs`.
    public var steps: Int?
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    /// The MNIST folder given on the command line, if any (else `FORGER_DATA`, the repository copy, the cache).
    public var dataDirectory: String?
    public var runsDirectory: String
    public var name: String
    /// Steps between fixed-noise sample grids (0: only at the end).
    public var sampleEvery: Int
    /// Steps between checkpoints (0: only at the end).
    public var checkpointEvery: Int
    public var objective: AdversarialLoss
    /// Kernel threads (0: the machine's cores or `FORGER_THREADS`).
    public var threads: Int
    /// Use only the first N training images (tests and quick looks).
    public var trainingLimit: Int?
    /// How many step checkpoints to keep besides the latest weights.
    public var keepCheckpoints: Int
    /// How many samples the discriminator judges at once (PacGAN's m; 1 is the plain GAN). The
    /// batch size must be divisible by it. Configurations written before packing existed mean 1.
    public var pack: Int
    /// The 2-D mixture a `mixture` model trains on (nil for other models; `mixture` defaults to the ring).
    public var mixture: GaussianMixture.Layout?
    /// Steps between evaluations during training (0: none); each appends the metrics to
    /// `metrics.jsonl` and may replace the `best` checkpoint. Older configurations mean 0.
    public var evaluateEvery: Int
    /// Samples per evaluation during training (nil: the protocol's count).
    public var evaluationSamples: Int?
    /// The Forger version that wrote the run.
    public var version: String

    /// The reference defaults of `model`, with a run name from the model and the clock.
    public init(model: ModelKind, name: String? = nil) {
        let defaults = model.defaults
        self.model = model
        epochs = 1
        steps = nil
        batchSize = defaults.batchSize
        learningRate = defaults.learningRate
        seed = 0
        dataDirectory = nil
        runsDirectory = "runs"
        self.name = name ?? "\(model.rawValue)-\(Self.timestamp())"
        sampleEvery = 500
        checkpointEvery = 1000
        objective = model.defaultLoss
        threads = 0
        trainingLimit = nil
        keepCheckpoints = 3
        pack = 1
        mixture = model == .mixture ? .ring : nil
        evaluateEvery = 0
        evaluationSamples = nil
        version = forgerVersion
    }

    enum CodingKeys: String, CodingKey {
        case model, epochs, steps, batchSize, learningRate, seed, dataDirectory, runsDirectory, name, sampleEvery
        case checkpointEvery, objective, threads, trainingLimit, keepCheckpoints, pack, mixture, evaluateEvery
        case evaluationSamples, version
    }

    /// Decodes `config.json`; keys added after a run was written take the values that reproduce
    /// that run (no packing, no evaluation during training).
    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        model = try values.decode(ModelKind.self, forKey: .model)
        epochs = try values.decode(Int.self, forKey: .epochs)
        steps = try values.decodeIfPresent(Int.self, forKey: .steps)
        batchSize = try values.decode(Int.self, forKey: .batchSize)
        learningRate = try values.decode(Float.self, forKey: .learningRate)
        seed = try values.decode(UInt64.self, forKey: .seed)
        dataDirectory = try values.decodeIfPresent(String.self, forKey: .dataDirectory)
        runsDirectory = try values.decode(String.self, forKey: .runsDirectory)
        name = try values.decode(String.self, forKey: .name)
        sampleEvery = try values.decode(Int.self, forKey: .sampleEvery)
        checkpointEvery = try values.decode(Int.self, forKey: .checkpointEvery)
        objective = try values.decode(AdversarialLoss.self, forKey: .objective)
        threads = try values.decode(Int.self, forKey: .threads)
        trainingLimit = try values.decodeIfPresent(Int.self, forKey: .trainingLimit)
        keepCheckpoints = try values.decode(Int.self, forKey: .keepCheckpoints)
        pack = try values.decodeIfPresent(Int.self, forKey: .pack) ?? 1
        mixture = try values.decodeIfPresent(GaussianMixture.Layout.self, forKey: .mixture)
        evaluateEvery = try values.decodeIfPresent(Int.self, forKey: .evaluateEvery) ?? 0
        evaluationSamples = try values.decodeIfPresent(Int.self, forKey: .evaluationSamples)
        version = try values.decode(String.self, forKey: .version)
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// The version recorded in every run's configuration.
public let forgerVersion = "0.1.0"
