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
        abstract: "Measure a run's generator: classifier score, Fréchet distance, mode coverage.",
        discussion: "Prints the metrics of generated and of real test images side by side and writes runs/<name>/eval.json. "
            + "Protocols: docs/evaluation.md.")

    @Option(name: .customLong("run"), help: "The run folder (runs/<name>).") var runPath: String
    @Option(help: "Use this step's checkpoint (default: the latest).") var checkpoint: Int?
    @Option(help: "How many images to generate and score.") var samples = 10_000
    @Option(help: "Seed for the noise.") var seed: UInt64 = 0
    @Option(help: "Classifier weights (default: the shipped classifier).") var weights: String?
    @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache).") var data: String?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2 (a covariance needs two)") }
    }

    func run() throws {
        try reportingErrors {
            threads.map { Parallelism.threadCount = $0 }
            let directory = RunDirectory(url: URL(fileURLWithPath: runPath))
            let options = try directory.readConfiguration()
            let model = options.model.makeModel(seed: options.seed)
            guard let step = checkpoint ?? Checkpoint.latestStep(in: directory.checkpointsURL) else {
                throw RunError("\(runPath) has no checkpoint yet")
            }
            _ = try Checkpoint.load(step: step, from: directory.checkpointsURL, model: model, context: nil)
            let classifier = try MNISTClassifier.load(from: weights.map { URL(fileURLWithPath: $0) })
            let test = try MNIST(directory: MNIST.locateDirectory(explicit: data), split: .test)
            let evaluator = MNISTEvaluator(classifier: classifier, testImages: test.images, testLabels: test.labels)
            let generated = try generatedSamples(model)
            let evaluation = evaluator.evaluate(generated.images, requestedLabels: generated.requestedLabels)
            let report = EvaluationReport(
                run: directory.url.path, model: options.model.rawValue, checkpointStep: step, samples: samples, seed: seed,
                classifierTestAccuracy: evaluator.testAccuracy,
                metrics: evaluation.records(seed: seed, checkpointStep: step),
                testSetReference: evaluator.testSetEvaluation.records())
            let url = directory.url.appendingPathComponent("eval.json")
            try report.write(to: url)
            printTable(report, testImages: test.labels.count)
            print("Wrote \(url.path)")
        }
    }

    /// The images to score and, for a conditional model, the label each was generated for.
    /// A conditional model (1,000 samples per requested label) is a second branch here; the
    /// evaluator already turns requested labels into `label_accuracy`.
    private func generatedSamples(_ model: GANModel) throws -> (images: Tensor, requestedLabels: [Int]?) {
        (try generatedDigits(model: model, count: samples, seed: seed), nil)
    }

    private func printTable(_ report: EvaluationReport, testImages: Int) {
        print("Step \(report.checkpointStep) of \(report.run) (\(report.model)), \(report.samples) samples, seed \(report.seed). "
            + String(format: "Classifier test accuracy %.2f %% (%d images).", 100 * report.classifierTestAccuracy, testImages))
        let reference = Dictionary(uniqueKeysWithValues: report.testSetReference.map { ($0.metric, $0.value) })
        print("metric".padding(toLength: 18, withPad: " ", startingAt: 0) + "   generated   MNIST test")
        for record in report.metrics {
            let real = reference[record.metric].map { String(format: "%12.4f", $0) } ?? String(repeating: " ", count: 11) + "-"
            print(record.metric.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%12.4f", record.value) + " " + real)
        }
        print("Protocols:")
        for record in report.metrics { print("  \(record.metric): \(record.protocol)") }
    }
}
