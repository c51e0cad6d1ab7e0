import Datasets
import Foundation
import GANs
import Tensors

/// The protocols of the mode-counting metrics, as printed next to every value (see docs/evaluation.md).
public enum ModeProtocol {
    public static let modesCaptured = "modes of the 2-D mixture that are the nearest mode of at least one high-quality generated point "
        + "(PacGAN Table 1)"
    public static let highQuality = "percentage of generated points within 3 standard deviations (Euclidean) of their nearest mode"
    public static let stackedModes = "digit triples (of 1,000) hit by at least one sample; a sample's triple is the Forger MNIST "
        + "classifier's labels of its three channels (PacGAN Table 2, VEEGAN Table 2)"
    public static let stackedDivergence = "KL(p_gen || uniform over 1,000 triples), natural log, p_gen the samples' triple histogram"
}

/// Generated points of `model` and how they cover `mixture` (noise protocol of `generatedSamples`).
public func evaluateMixture(model: GANModel, mixture: GaussianMixture, samples: Int, seed: UInt64) -> (quality: MixtureQuality, points: Tensor) {
    let points = generatedSamples(model: model, count: samples, seed: seed)
    return (mixtureQuality(points, mixture: mixture), points)
}

/// The mode coverage of `samples` generated Stacked MNIST images (noise protocol of `generatedSamples`).
public func evaluateStackedMNIST(model: GANModel, classifier: MNISTClassifier, samples: Int, seed: UInt64) -> StackedModeCoverage {
    stackedModeCoverage(classifier.stackedModes(generatedSamples(model: model, count: samples, seed: seed)))
}

extension MixtureQuality {
    /// The values as records: `modes_captured` and `high_quality_percent`.
    public func records(samples: Int, seed: UInt64, checkpointStep: Int) -> [MetricRecord] {
        [MetricRecord(metric: "modes_captured", value: Double(modesCaptured), protocol: ModeProtocol.modesCaptured,
                      samples: samples, seed: seed, checkpointStep: checkpointStep),
         MetricRecord(metric: "high_quality_percent", value: 100 * highQualityFraction, protocol: ModeProtocol.highQuality,
                      samples: samples, seed: seed, checkpointStep: checkpointStep)]
    }
}

extension StackedModeCoverage {
    /// The values as records: `stacked_modes` and `stacked_kl`.
    public func records(samples: Int, seed: UInt64, checkpointStep: Int) -> [MetricRecord] {
        [MetricRecord(metric: "stacked_modes", value: Double(modes), protocol: ModeProtocol.stackedModes,
                      samples: samples, seed: seed, checkpointStep: checkpointStep),
         MetricRecord(metric: "stacked_kl", value: divergenceFromUniform, protocol: ModeProtocol.stackedDivergence,
                      samples: samples, seed: seed, checkpointStep: checkpointStep)]
    }
}

/// What `forger eval` writes to `eval.json` for the mode-counting benchmarks (2-D mixtures, Stacked MNIST).
public struct ModeEvaluationReport: Codable, Sendable {
    public var run: String
    public var model: String
    /// `ring`, `grid` or `stacked-mnist`.
    public var benchmark: String
    public var checkpointStep: Int
    public var samples: Int
    public var seed: UInt64
    public var metrics: [MetricRecord]
    public var mixture: MixtureQuality?
    public var stacked: StackedModeCoverage?
    /// Stacked MNIST: the classifier's accuracy on the 10,000 MNIST test digits.
    public var classifierTestAccuracy: Double?

    public init(run: String, model: String, benchmark: String, checkpointStep: Int, samples: Int, seed: UInt64, metrics: [MetricRecord]) {
        (self.run, self.model, self.benchmark, self.checkpointStep) = (run, model, benchmark, checkpointStep)
        (self.samples, self.seed, self.metrics) = (samples, seed, metrics)
    }

    enum CodingKeys: String, CodingKey {
        case run, model, benchmark, samples, seed, metrics, mixture, stacked
        case checkpointStep = "checkpoint_step"
        case classifierTestAccuracy = "classifier_test_accuracy"
    }

    /// Writes the report as sorted, indented JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
