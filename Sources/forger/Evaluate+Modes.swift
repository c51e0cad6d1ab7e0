import ArgumentParser
import Datasets
import Foundation
import GANs
import Metrics
import Tensors

extension GaussianMixture.Layout: ExpressibleByArgument {}

/// `forger eval` on the mode-counting benchmarks: 2-D mixtures and Stacked MNIST.
extension Evaluate {
    /// Modes captured and high-quality points of a mixture generator; writes `eval.json` and a
    /// scatter plot of as many fresh real points (seeded by `--seed`) under the generated ones.
    func evaluateMixture(_ generator: TrainedGenerator, folder: URL) throws {
        let layout = try mixtureLayout()
        let mixture = GaussianMixture(layout: layout)
        let count = samples ?? 2_500
        let (quality, points) = Metrics.evaluateMixture(model: generator.model, mixture: mixture, samples: count, seed: seed)
        var report = ModeEvaluationReport(
            run: folder.path, model: generator.kind.rawValue, benchmark: layout.rawValue, checkpointStep: generator.step,
            samples: count, seed: seed, metrics: quality.records(samples: count, seed: seed, checkpointStep: generator.step))
        report.mixture = quality
        let plot = folder.appendingPathComponent("samples").appendingPathComponent(String(format: "eval-step-%06d.png", generator.step))
        try FileManager.default.createDirectory(at: plot.deletingLastPathComponent(), withIntermediateDirectories: true)
        let real = mixture.sample(count: count, seed: seed).points
        try writeScatterPlot(real: real, generated: points, extent: 1.2 * real.scalars.map(Swift.abs).max()!, to: plot)
        try finish(report, folder: folder)
        print("High-quality points per mode: \(quality.highQualityPerMode.map(String.init).joined(separator: " "))")
        print("Scatter plot (real blue, generated red): \(plot.path)")
    }

    /// Modes (of 1,000) and KL from uniform of a Stacked MNIST generator; writes `eval.json`.
    func evaluateStackedMNIST(_ generator: TrainedGenerator, folder: URL) throws {
        let classifier = try MNISTClassifier.load(from: weights.map { URL(fileURLWithPath: $0) })
        let test = try MNIST(directory: MNIST.locateDirectory(explicit: data), split: .test)
        let count = samples ?? 26_000
        let coverage = Metrics.evaluateStackedMNIST(model: generator.model, classifier: classifier, samples: count, seed: seed)
        var report = ModeEvaluationReport(
            run: folder.path, model: generator.kind.rawValue, benchmark: DataKind.stackedMNIST.rawValue, checkpointStep: generator.step,
            samples: count, seed: seed, metrics: coverage.records(samples: count, seed: seed, checkpointStep: generator.step))
        report.stacked = coverage
        report.classifierTestAccuracy = classifier.accuracy(test.images, labels: test.labels)
        try finish(report, folder: folder)
        print(String(format: "Classifier test accuracy %.2f %%.", 100 * report.classifierTestAccuracy!))
    }

    /// `--dataset`, else the run's configured mixture.
    private func mixtureLayout() throws -> GaussianMixture.Layout {
        if let dataset { return dataset }
        guard let runPath = source.runPath,
              let layout = try RunDirectory(url: URL(fileURLWithPath: runPath)).readConfiguration().mixture else {
            throw RunError("name the mixture with --dataset ring|grid (an exported generator does not record it)")
        }
        return layout
    }

    private func finish(_ report: ModeEvaluationReport, folder: URL) throws {
        let url = folder.appendingPathComponent("eval.json")
        try report.write(to: url)
        print("Step \(report.checkpointStep) of \(report.run) (\(report.model), \(report.benchmark)), \(report.samples) samples, seed \(report.seed).")
        for record in report.metrics {
            print(record.metric.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%.4f", record.value).leftPadded(to: 12))
        }
        print("Protocols:")
        for record in report.metrics { print("  \(record.metric): \(record.protocol)") }
        print("Wrote \(url.path)")
    }
}
