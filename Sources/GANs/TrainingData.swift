import Datasets
import Foundation
import Tensors

/// The real samples a run trains on, served a batch at a time; which kind depends on the model
/// (`ModelKind.data`). Every source is a pure function of the options, so resume stays exact.
public protocol TrainingData {
    /// How many samples one epoch holds.
    var count: Int { get }
    /// The samples at `rows` (indices in `0..<count`), in that order.
    func batch(_ rows: [Int]) -> TrainingBatch
}

/// Samples held in one tensor (MNIST images, mixture points) with their labels.
public struct TensorTrainingData: TrainingData {
    /// `[N, …]`.
    public let samples: Tensor
    /// One label per sample (a digit for MNIST, a mode for mixtures).
    public let labels: [Int]

    public var count: Int { samples.shape[0] }
    public func batch(_ rows: [Int]) -> TrainingBatch {
        TrainingBatch(images: gatherRows(samples, rows), labels: rows.map { labels[$0] })
    }
}

extension StackedMNIST: TrainingData {
    /// Stacked images with their modes (100·a + 10·b + c) as labels.
    public func batch(_ rows: [Int]) -> TrainingBatch {
        let (images, modes) = samples(rows)
        return TrainingBatch(images: images, labels: modes)
    }
}

/// Loading each data kind from the options.
public enum TrainingDataLoader {
    /// Points in each mixture training set (the papers' 100,000).
    public static let mixtureCount = 100_000

    /// The training data of `options.model`: MNIST training images (resized to the model's side),
    /// a seeded 100,000-point mixture, or Stacked MNIST over the MNIST training digits. The data
    /// seed derives from `options.seed`; `trainingLimit` caps the points or source digits.
    public static func load(_ options: TrainingOptions, sampleShape: [Int]) throws -> TrainingData {
        let seed = RandomGenerator(seed: options.seed).derived(stream: 5).seed
        switch options.model.data {
        case .mnist:
            let mnist = try MNIST(directory: MNIST.locateDirectory(explicit: options.dataDirectory), split: .train, limit: options.trainingLimit)
            let side = sampleShape[1]
            let images = side == 28 ? mnist.images : resizeBilinear(mnist.images, height: side, width: side)
            return TensorTrainingData(samples: images, labels: mnist.labels)
        case .mixture:
            let mixture = GaussianMixture(layout: options.mixture ?? .ring)
            let (points, modes) = mixture.sample(count: options.trainingLimit ?? mixtureCount, seed: seed)
            return TensorTrainingData(samples: points, labels: modes)
        case .stackedMNIST:
            let mnist = try MNIST(directory: MNIST.locateDirectory(explicit: options.dataDirectory), split: .train, limit: options.trainingLimit)
            return StackedMNIST(digits: mnist.images, labels: mnist.labels, seed: seed)
        }
    }
}
