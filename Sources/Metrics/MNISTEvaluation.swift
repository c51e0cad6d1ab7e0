import Foundation
import Tensors

/// One measured value with the protocol that gives it meaning: an entry of a run's `eval.json`.
public struct MetricRecord: Codable, Hashable, Sendable {
    public var metric: String
    public var value: Double
    public var `protocol`: String
    /// How many images the value was computed from.
    public var samples: Int
    /// The noise seed of generated samples; nil for real images.
    public var seed: UInt64?
    /// The checkpoint step of the generator; nil for real images.
    public var checkpointStep: Int?

    enum CodingKeys: String, CodingKey {
        case metric, value, `protocol`, samples, seed
        case checkpointStep = "checkpoint_step"
    }
}

/// The protocols of the MNIST metrics, as printed next to every value (see docs/evaluation.md).
public enum MetricProtocol {
    public static let classifierScore = "exp(E_x KL(p(y|x) || p(y))) with the Forger MNIST classifier's softmax, "
        + "p(y) the mean over all samples, one split"
    public static let frechetDistance = "Frechet distance between Gaussians (mean, full N-1 covariance, Double) fitted to the "
        + "MNIST classifier's 128 penultimate (post-ReLU) features of the samples and of the 10,000 MNIST test images; "
        + "||mu_a-mu_b||^2 + tr A + tr B - 2 tr((A^1/2 B A^1/2)^1/2), square roots by Jacobi eigendecomposition"
    public static let modeCoverage = "fraction of the 10 digit classes that receive at least 1 % of the samples (classifier labels)"
    public static let modeDivergence = "KL(classifier-label histogram || uniform over 10 classes), natural log"
    public static let labelAccuracy = "mean over requested classes of the fraction of samples the MNIST classifier "
        + "labels as the class the generator was asked for"
}

/// The MNIST metrics of one set of images.
public struct ImageSetEvaluation: Sendable {
    public let count: Int
    public let classifierScore: Double
    public let frechetDistance: Double
    public let modeCoverage: ModeCoverage
    /// Only for images generated for requested labels (conditional models).
    public let labelAccuracy: LabelAccuracy?

    /// The values as records, the names the CLI prints; `mode_kl` is mode coverage's KL from uniform.
    public func records(seed: UInt64? = nil, checkpointStep: Int? = nil) -> [MetricRecord] {
        func record(_ metric: String, _ value: Double, _ text: String) -> MetricRecord {
            MetricRecord(metric: metric, value: value, protocol: text, samples: count, seed: seed, checkpointStep: checkpointStep)
        }
        var records = [
            record("classifier_score", classifierScore, MetricProtocol.classifierScore),
            record("frechet_distance", frechetDistance, MetricProtocol.frechetDistance),
            record("mode_coverage", modeCoverage.fraction, MetricProtocol.modeCoverage),
            record("mode_kl", modeCoverage.divergenceFromUniform, MetricProtocol.modeDivergence),
        ]
        if let labelAccuracy { records.append(record("label_accuracy", labelAccuracy.mean, MetricProtocol.labelAccuracy)) }
        return records
    }
}

/// Scores images against the MNIST test set with the MNIST classifier.
///
/// Construction classifies the 10,000 test images once: their feature statistics are the Fréchet
/// reference, and their own scores and the classifier's accuracy are kept for the reference rows.
public final class MNISTEvaluator {
    public let classifier: MNISTClassifier
    /// Gaussian fitted to the test images' penultimate features.
    public let reference: GaussianStatistics
    /// The classifier's accuracy on the test images.
    public let testAccuracy: Double
    /// The metrics of the test images themselves (their Fréchet distance is to themselves, so ≈ 0).
    public let testSetEvaluation: ImageSetEvaluation

    /// `testImages` `[N, 1, 28, 28]` in [-1, 1] with their true `testLabels`.
    public init(classifier: MNISTClassifier, testImages: Tensor, testLabels: [Int]) {
        self.classifier = classifier
        let outputs = classifier.outputs(testImages)
        reference = GaussianStatistics(features: outputs.features)
        let predicted = MNISTClassifier.predictedLabels(outputs.logits)
        testAccuracy = Double(zip(predicted, testLabels).filter { $0 == $1 }.count) / Double(testLabels.count)
        testSetEvaluation = Self.evaluate(outputs, reference: reference, requestedLabels: nil)
    }

    /// The metrics of `images` `[N, 1, 28, 28]` in [-1, 1]; `requestedLabels` (one per image) adds
    /// label accuracy for images a conditional generator made for those labels.
    public func evaluate(_ images: Tensor, requestedLabels: [Int]? = nil) -> ImageSetEvaluation {
        Self.evaluate(classifier.outputs(images), reference: reference, requestedLabels: requestedLabels)
    }

    private static func evaluate(
        _ outputs: (logits: Tensor, features: Tensor), reference: GaussianStatistics, requestedLabels: [Int]?
    ) -> ImageSetEvaluation {
        let predicted = MNISTClassifier.predictedLabels(outputs.logits)
        let classes = MNISTClassifier.classCount
        return ImageSetEvaluation(
            count: predicted.count,
            classifierScore: classifierScore(withoutGradients { outputs.logits.softmax(alongAxis: 1) }),
            frechetDistance: frechetDistance(GaussianStatistics(features: outputs.features), reference),
            modeCoverage: modeCoverage(predicted, classes: classes),
            labelAccuracy: requestedLabels.map { labelAccuracy(predicted: predicted, requested: $0, classes: classes) })
    }
}

/// What `forger eval` writes to a run's `eval.json`: the generated images' metrics, the same metrics
/// of as many real training images (what a perfect generator would score with that sample count)
/// and of the MNIST test images themselves, and the classifier's test accuracy.
public struct EvaluationReport: Codable, Sendable {
    public var run: String
    public var model: String
    public var checkpointStep: Int
    public var samples: Int
    public var seed: UInt64
    public var classifierTestAccuracy: Double
    /// Generated samples per classifier label 0–9 (what `mode_coverage` and `mode_kl` summarise).
    public var labelHistogram: [Int]
    public var metrics: [MetricRecord]
    /// Conditional models: per requested label 0–9, the fraction the classifier agrees with.
    public var labelAccuracyPerClass: [Double?]?
    /// The first `samples` MNIST training images.
    public var trainingSetReference: [MetricRecord]
    /// The MNIST test images (Fréchet distance to themselves, so ≈ 0).
    public var testSetReference: [MetricRecord]

    public init(run: String, model: String, checkpointStep: Int, samples: Int, seed: UInt64, classifierTestAccuracy: Double,
                labelHistogram: [Int], metrics: [MetricRecord], trainingSetReference: [MetricRecord], testSetReference: [MetricRecord]) {
        (self.run, self.model, self.checkpointStep, self.samples, self.seed) = (run, model, checkpointStep, samples, seed)
        (self.classifierTestAccuracy, self.labelHistogram, self.metrics) = (classifierTestAccuracy, labelHistogram, metrics)
        (self.trainingSetReference, self.testSetReference) = (trainingSetReference, testSetReference)
        labelAccuracyPerClass = nil
    }

    enum CodingKeys: String, CodingKey {
        case run, model, samples, seed, metrics
        case checkpointStep = "checkpoint_step"
        case classifierTestAccuracy = "classifier_test_accuracy"
        case labelHistogram = "label_histogram"
        case labelAccuracyPerClass = "label_accuracy_per_class"
        case trainingSetReference = "training_set_reference"
        case testSetReference = "test_set_reference"
    }

    /// Writes the report as sorted, indented JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
