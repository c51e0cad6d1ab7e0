import Datasets
import Foundation
import GANs
import Metrics

extension Train {
    /// What `--eval-every` measures for the run's data, built here because the trainer (GANs) does
    /// not know the metrics: MNIST models keep the lowest Fréchet distance (10,000 samples by
    /// default), mixtures the most modes captured (2,500 points), Stacked MNIST the most modes
    /// (26,000 samples). Every evaluation draws its noise from seed 0, so the steps compare alike.
    func periodicEvaluation(for options: TrainingOptions) throws -> PeriodicEvaluation {
        let seed: UInt64 = 0
        switch options.model.data {
        case .mnist:
            let classifier = try MNISTClassifier.load()
            let test = try MNIST(directory: MNIST.locateDirectory(explicit: options.dataDirectory), split: .test)
            let evaluator = MNISTEvaluator(classifier: classifier, testImages: test.images, testLabels: test.labels)
            let count = options.evaluationSamples ?? 10_000
            return PeriodicEvaluation(selection: "frechet_distance", higherIsBetter: false) { model in
                let labels = model.isConditional ? (0..<count).map { $0 % model.classCount } : []
                let images = try generatedDigits(model: model, count: count, seed: seed, labels: labels)
                let records = evaluator.evaluate(images, requestedLabels: labels.isEmpty ? nil : labels).records()
                return Dictionary(uniqueKeysWithValues: records.map { ($0.metric, $0.value) })
            }
        case .mixture:
            let mixture = GaussianMixture(layout: options.mixture ?? .ring)
            let count = options.evaluationSamples ?? 2_500
            return PeriodicEvaluation(selection: "modes_captured", higherIsBetter: true) { model in
                let quality = evaluateMixture(model: model, mixture: mixture, samples: count, seed: seed).quality
                return ["modes_captured": Double(quality.modesCaptured), "high_quality_percent": 100 * quality.highQualityFraction]
            }
        case .stackedMNIST:
            let classifier = try MNISTClassifier.load()
            let count = options.evaluationSamples ?? 26_000
            return PeriodicEvaluation(selection: "stacked_modes", higherIsBetter: true) { model in
                let coverage = evaluateStackedMNIST(model: model, classifier: classifier, samples: count, seed: seed)
                return ["stacked_modes": Double(coverage.modes), "stacked_kl": coverage.divergenceFromUniform]
            }
        }
    }
}
