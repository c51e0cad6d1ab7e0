import ArgumentParser
import Datasets
import Foundation
import Metrics
import NN
import Tensors

/// `forger classifier`: the MNIST classifier that every evaluation metric is computed with.
struct Classifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train or check the MNIST classifier used by `forger eval`.",
        subcommands: [ClassifierTrain.self, ClassifierEval.self])
}

/// `forger classifier train`: trains the LeNet-class classifier with Adam, seeded, and reports its test accuracy.
struct ClassifierTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the MNIST classifier on the 60,000 training images.",
        discussion: "The shipped weights come from `forger classifier train --out Sources/Metrics/Weights/mnist-classifier.safetensors` with the defaults.")

    @Option(help: "Passes over the training set.") var epochs = ClassifierTrainingOptions().epochs
    @Option(help: "Seed for the weights and the data order.") var seed = ClassifierTrainingOptions().seed
    @Option(help: "Images per batch.") var batchSize = ClassifierTrainingOptions().batchSize
    @Option(name: .customLong("lr"), help: "Adam learning rate of the first epoch (halved after each epoch).")
    var learningRate = ClassifierTrainingOptions().learningRate
    @Option(help: "Where to write the weights (safetensors).") var out = "mnist-classifier.safetensors"
    @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache).") var data: String?
    @Option(help: "Train on the first N images only.") var limit: Int?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?

    func validate() throws {
        for (value, flag) in [(epochs, "--epochs"), (batchSize, "--batch-size"), (limit ?? 1, "--limit"), (threads ?? 1, "--threads")] where value <= 0 {
            throw ValidationError("\(flag) must be positive")
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        try reportingErrors {
            threads.map { Parallelism.threadCount = $0 }
            let directory = try MNIST.locateDirectory(explicit: data)
            let training = try MNIST(directory: directory, split: .train, limit: limit)
            var options = ClassifierTrainingOptions()
            (options.epochs, options.seed, options.batchSize, options.learningRate) = (epochs, seed, batchSize, learningRate)
            print("Training the MNIST classifier on \(training.labels.count) images: \(epochs) epochs, batch \(batchSize), "
                + "Adam lr \(learningRate), seed \(seed), \(Parallelism.threadCount) threads")
            let start = Date()
            let classifier = MNISTClassifier.train(images: training.images, labels: training.labels, options: options) { report in
                print(String(format: "epoch %d/%d  loss %.4f  training accuracy %.2f %%  %.0f s",
                             report.epoch + 1, epochs, report.meanLoss, 100 * report.trainingAccuracy, report.seconds))
            }
            let seconds = Date().timeIntervalSince(start)
            let test = try MNIST(directory: directory, split: .test)
            let accuracy = classifier.accuracy(test.images, labels: test.labels)
            let command = CommandLine.arguments.dropFirst().joined(separator: " ")
            try classifier.save(to: URL(fileURLWithPath: out), metadata: [
                "format": "pt", "epochs": String(epochs), "seed": String(seed), "batch_size": String(batchSize),
                "learning_rate": String(learningRate), "training_images": String(training.labels.count),
                "test_accuracy": String(format: "%.4f", accuracy), "command": "forger \(command)"])
            print(String(format: "Test accuracy %.2f %% (%d images). Trained in %.0f s. Wrote %@",
                         100 * accuracy, test.labels.count, seconds, out))
        }
    }
}

/// `forger classifier eval`: the classifier's accuracy on the 10,000 MNIST test images.
struct ClassifierEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Print the MNIST classifier's accuracy on the full test set.")

    @Option(help: "Weights to check (default: the shipped classifier).") var weights: String?
    @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache).") var data: String?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?

    func run() throws {
        try reportingErrors {
            threads.map { Parallelism.threadCount = $0 }
            let classifier = try MNISTClassifier.load(from: weights.map { URL(fileURLWithPath: $0) })
            let test = try MNIST(directory: MNIST.locateDirectory(explicit: data), split: .test)
            let accuracy = classifier.accuracy(test.images, labels: test.labels)
            print(String(format: "Test accuracy %.2f %% (%d of %d images)",
                         100 * accuracy, Int((accuracy * Double(test.labels.count)).rounded()), test.labels.count))
        }
    }
}
