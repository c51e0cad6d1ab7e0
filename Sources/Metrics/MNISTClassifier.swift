import Foundation
import NN
import Tensors

/// The LeNet-class digit classifier every MNIST metric is computed with (classifier score, Fréchet
/// distance, mode coverage, label accuracy), trained by Forger itself and shipped as a resource.
///
/// Architecture (input `[N, 1, 28, 28]` in [-1, 1], as `MNIST` loads it):
/// `convolutions.0` Conv2d(1, 32, k5) → ReLU → MaxPool 2 → `convolutions.3` Conv2d(32, 64, k5) → ReLU →
/// MaxPool 2 → flatten (64·4·4 = 1024) → `hidden` Linear(1024, 128) → ReLU (the 128 penultimate
/// features) → `output` Linear(128, 10) (logits). No batch-dependent layers, so each image's outputs do
/// not depend on the batch it is evaluated in. PyTorch default initialisation from the seed.
public final class MNISTClassifier: Module {
    /// The number of classes (digits 0–9).
    public static let classCount = 10
    /// The size of the penultimate feature vector.
    public static let featureDimension = 128

    public let convolutions: Sequential
    public let hidden: Linear
    public let output: Linear

    /// A freshly initialised network; the same seed gives the same weights.
    public init(seed: UInt64) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        convolutions = Sequential {
            Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 5, generator: &random)
            Activation.relu
            MaxPool2d(kernelSize: 2)
            Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 5, generator: &random)
            Activation.relu
            MaxPool2d(kernelSize: 2)
        }
        hidden = Linear(inputSize: 1024, outputSize: Self.featureDimension, generator: &random)
        output = Linear(inputSize: Self.featureDimension, outputSize: Self.classCount, generator: &random)
    }

    /// The penultimate features `[N, 128]` (after the hidden layer's ReLU) of one batch, recorded for training.
    public func penultimateFeatures(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [1, 28, 28],
                     "MNISTClassifier takes [N, 1, 28, 28] images, got \(images.shape)")
        return hidden(convolutions(images).flattened()).relu()
    }

    /// Logits `[N, 10]` of one batch, recorded for training.
    public func callAsFunction(_ images: Tensor) -> Tensor { output(penultimateFeatures(images)) }

    /// Logits `[N, 10]` and penultimate features `[N, 128]` of any number of images, `batchSize` at a
    /// time, in evaluation mode and without recording gradients.
    public func outputs(_ images: Tensor, batchSize: Int = 500) -> (logits: Tensor, features: Tensor) {
        precondition(batchSize > 0, "batch size must be positive")
        let wasTraining = isTraining
        eval()
        defer { isTraining = wasTraining }
        let count = images.shape[0]
        var logits: [Float] = [], features: [Float] = []
        logits.reserveCapacity(count * Self.classCount)
        features.reserveCapacity(count * Self.featureDimension)
        withoutGradients {
            for start in stride(from: 0, to: count, by: batchSize) {
                let batch = images.sliced(axis: 0, start..<Swift.min(start + batchSize, count))
                let batchFeatures = penultimateFeatures(batch)
                features += batchFeatures.scalars
                logits += output(batchFeatures).scalars
            }
        }
        return (Tensor(shape: [count, Self.classCount], scalars: logits),
                Tensor(shape: [count, Self.featureDimension], scalars: features))
    }

    /// Logits `[N, 10]` of `images` `[N, 1, 28, 28]` in [-1, 1], in batches, in evaluation mode.
    public func logits(_ images: Tensor, batchSize: Int = 500) -> Tensor { outputs(images, batchSize: batchSize).logits }

    /// Penultimate features `[N, 128]` of `images`, in batches, in evaluation mode.
    public func features(_ images: Tensor, batchSize: Int = 500) -> Tensor { outputs(images, batchSize: batchSize).features }

    /// The most probable digit of each row of `logits` `[N, 10]` (the first on ties).
    public static func predictedLabels(_ logits: Tensor) -> [Int] {
        let scalars = logits.scalars, classes = logits.shape[1]
        return (0..<logits.shape[0]).map { row in
            let values = scalars[(row * classes)..<((row + 1) * classes)]
            return values.indices.max { values[$0] < values[$1] }! - row * classes
        }
    }

    /// The fraction of `images` whose predicted digit equals `labels`.
    public func accuracy(_ images: Tensor, labels: [Int], batchSize: Int = 500) -> Double {
        precondition(images.shape[0] == labels.count, "\(images.shape[0]) images for \(labels.count) labels")
        let predicted = Self.predictedLabels(logits(images, batchSize: batchSize))
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
    }
}

extension MNISTClassifier {
    /// Where the shipped weights live: `mnist-classifier.safetensors` in the Metrics target's resources.
    public static var shippedWeightsURL: URL? {
        Bundle.module.url(forResource: "mnist-classifier", withExtension: "safetensors", subdirectory: "Weights")
    }

    /// The classifier with weights from `url`, or the shipped weights when `url` is nil.
    public static func load(from url: URL? = nil) throws -> MNISTClassifier {
        guard let location = url ?? shippedWeightsURL else {
            throw ClassifierError("the shipped classifier weights are missing from the Metrics resources; "
                                  + "retrain them with `forger classifier train` (see docs/evaluation.md)")
        }
        let classifier = MNISTClassifier(seed: 0)
        try classifier.load(contentsOf: location)
        classifier.eval()
        return classifier
    }
}

/// A classifier that cannot be loaded or trained, worded for the user.
public struct ClassifierError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
