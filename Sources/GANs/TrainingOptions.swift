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
        version = forgerVersion
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
