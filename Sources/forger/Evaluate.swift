import ArgumentParser
import Datasets
import Foundation
import GANs
import Metrics
import Tensors

/// `forger eval`: scores a run's generator with the MNIST classifier and writes `eval.json` into the run.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a generator: classifier score, Fréchet distance, mode coverage, label accuracy; modes on the mode-counting benchmarks.",
        discussion: "Prints the metrics of the generated images next to those of as many real training images and of the "
            + "10,000 test images, and writes eval.json into the run (or the exported generator's folder). "
            + "Conditional models also get label_accuracy. 2-D mixtures get modes_captured and high_quality_percent (and a "
            + "scatter plot in samples/), Stacked MNIST stacked_modes and stacked_kl. Translation (pix2pix) runs get "
            + "mean L1 and PSNR on their paired images and, for MNIST digit tasks, the classifier's accuracy on the "
            + "translations. Protocols: docs/evaluation.md.")

    @OptionGroup var source: GeneratorSource
    @Option(help: "How many samples to generate and score (default: the protocol's: 10,000 MNIST, 2,500 mixture, 26,000 Stacked MNIST).")
    var samples: Int?
    @Option(help: "Seed for the noise.") var seed: UInt64 = 0
    @Option(help: "Classifier weights (default: the shipped classifier).") var weights: String?
    @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache).") var data: String?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "The mixture of a mixture generator: ring or grid (default: the run's).") var dataset: GaussianMixture.Layout?
    @Option(help: "Translation runs: the split to score (test, val or train).") var split: PairedImages.Split = .test
    @Option(help: "Translation runs: score the first N pairs only.") var limit: Int?
    @Flag(help: "Translation runs: per-image statistics and dropout on, as the reference's test.py.")
    var batchStatistics = false

    func validate() throws {
        if let samples, samples < 2 { throw ValidationError("--samples must be at least 2 (a covariance needs two)") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        try reportingErrors {
            threads.map { Parallelism.threadCount = $0 }
            if let runPath = source.runPath, RunDirectory(url: URL(fileURLWithPath: runPath)).isTranslationRun {
                return try TranslationEvaluationCommand(
                    runURL: URL(fileURLWithPath: runPath), checkpoint: source.checkpoint, split: split, limit: limit,
                    batchStatistics: batchStatistics, weights: weights).run()
            }
            let generator = try source.load()
            let (model, step) = (generator.model, generator.step)
            let folder = URL(fileURLWithPath: source.runPath ?? source.exportPath!)
            switch generator.kind.data {
            case .mnist: break
            case .mixture: return try evaluateMixture(generator, folder: folder)
            case .stackedMNIST: return try evaluateStackedMNIST(generator, folder: folder)
            }
            let samples = self.samples ?? 10_000
            let classifier = try MNISTClassifier.load(from: weights.map { URL(fileURLWithPath: $0) })
            let mnist = try MNIST.locateDirectory(explicit: data)
            let test = try MNIST(directory: mnist, split: .test)
            let evaluator = MNISTEvaluator(classifier: classifier, testImages: test.images, testLabels: test.labels)
            let generated = try generatedSamples(model)
            let evaluation = evaluator.evaluate(generated.images, requestedLabels: generated.requestedLabels)
            let training = try MNIST(directory: mnist, split: .train, limit: samples)
            var report = EvaluationReport(
                run: folder.path, model: generator.kind.rawValue, checkpointStep: step, samples: samples, seed: seed,
                classifierTestAccuracy: evaluator.testAccuracy, labelHistogram: evaluation.modeCoverage.histogram,
                metrics: evaluation.records(seed: seed, checkpointStep: step),
                trainingSetReference: evaluator.evaluate(training.images).records(),
                testSetReference: evaluator.testSetEvaluation.records())
            report.labelAccuracyPerClass = evaluation.labelAccuracy?.perClass
            let url = folder.appendingPathComponent("eval.json")
            try report.write(to: url)
            printTable(report, testImages: test.labels.count)
            print("Wrote \(url.path)")
        }
    }

    /// The images to score and, for a conditional model, the label each was generated for: the
    /// labels cycle through the classes, so the default 10,000 samples ask 1,000 times for each digit.
    private func generatedSamples(_ model: GANModel) throws -> (images: Tensor, requestedLabels: [Int]?) {
        let samples = self.samples ?? 10_000
        guard model.isConditional else { return (try generatedDigits(model: model, count: samples, seed: seed), nil) }
        let labels = (0..<samples).map { $0 % model.classCount }
        return (try generatedDigits(model: model, count: samples, seed: seed, labels: labels), labels)
    }

    private func printTable(_ report: EvaluationReport, testImages: Int) {
        print("Step \(report.checkpointStep) of \(report.run) (\(report.model)), \(report.samples) samples, seed \(report.seed). "
            + String(format: "Classifier test accuracy %.2f %% (%d images).", 100 * report.classifierTestAccuracy, testImages))
        let references = [report.trainingSetReference, report.testSetReference].map { records in
            Dictionary(uniqueKeysWithValues: records.map { ($0.metric, $0.value) })
        }
        let trainingCount = report.trainingSetReference.first?.samples ?? 0
        print("metric".padding(toLength: 18, withPad: " ", startingAt: 0)
            + "   generated  " + "MNIST train \(trainingCount)".leftPadded(to: 18) + "   MNIST test")
        for record in report.metrics {
            let real = references.map { reference in
                reference[record.metric].map { String(format: "%.4f", $0) } ?? "-"
            }
            print(record.metric.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%.4f", record.value).leftPadded(to: 12)
                + real[0].leftPadded(to: 20) + real[1].leftPadded(to: 13))
        }
        print("Generated samples per digit 0–9: \(report.labelHistogram.map(String.init).joined(separator: " "))")
        if let perClass = report.labelAccuracyPerClass {
            let values = perClass.map { $0.map { String(format: "%.3f", $0) } ?? "-" }
            print("Label accuracy per requested digit 0–9: \(values.joined(separator: " "))")
        }
        print("Protocols:")
        for record in report.metrics { print("  \(record.metric): \(record.protocol)") }
    }
}

extension String {
    /// Right-aligned in a column of `width` characters.
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - count)) + self }
}
