import Datasets
import Foundation
import GANs
import NN
import XCTest
@testable import Metrics
import Tensors

/// The repository's copy of MNIST.
let repositoryMNIST = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/mnist")

final class ClassifierTests: XCTestCase {
    func testParameterNamesAndFeatureShapes() {
        let classifier = MNISTClassifier(seed: 0)
        XCTAssertEqual(classifier.namedParameters().map(\.name), [
            "convolutions.0.weight", "convolutions.0.bias", "convolutions.3.weight", "convolutions.3.bias",
            "hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        XCTAssertEqual(classifier.parameterCount, 32 * 25 + 32 + 64 * 32 * 25 + 64 + 1024 * 128 + 128 + 128 * 10 + 10)
        let outputs = classifier.outputs(normalFeatures(7, 784, seed: 1).reshaped(to: [7, 1, 28, 28]), batchSize: 3)
        XCTAssertEqual(outputs.logits.shape, [7, 10])
        XCTAssertEqual(outputs.features.shape, [7, 128])
        XCTAssertTrue(outputs.features.scalars.allSatisfy { $0 >= 0 }, "features are taken after the ReLU")
    }

    func testBatchingDoesNotChangeOutputs() {
        let classifier = MNISTClassifier(seed: 1)
        let images = normalFeatures(10, 784, seed: 2).reshaped(to: [10, 1, 28, 28])
        XCTAssertEqual(classifier.logits(images, batchSize: 10).scalars, classifier.logits(images, batchSize: 4).scalars)
        XCTAssertEqual(MNISTClassifier.predictedLabels(Tensor(shape: [2, 3], scalars: [0, 2, 1, 5, 5, 0])), [1, 0])
    }

    func testShippedWeightsClassifyTheFirst500TestImages() throws {
        let classifier = try MNISTClassifier.load()
        let test = try MNIST(directory: repositoryMNIST, split: .test, limit: 500)
        XCTAssertGreaterThanOrEqual(classifier.accuracy(test.images, labels: test.labels), 0.98)
    }

    /// The evaluator on real test images: confident, even predictions, and no distance to themselves.
    func testEvaluatorOnRealTestImages() throws {
        let test = try MNIST(directory: repositoryMNIST, split: .test, limit: 400)
        let evaluator = MNISTEvaluator(classifier: try MNISTClassifier.load(), testImages: test.images, testLabels: test.labels)
        let reference = evaluator.testSetEvaluation
        XCTAssertGreaterThan(reference.classifierScore, 9)
        XCTAssertEqual(reference.frechetDistance, 0, accuracy: 1e-6)
        XCTAssertEqual(reference.modeCoverage.coveredClasses, 10)
        let asRequested = evaluator.evaluate(test.images, requestedLabels: test.labels)
        XCTAssertEqual(asRequested.labelAccuracy!.mean, evaluator.testAccuracy, accuracy: 0.02)
        XCTAssertEqual(asRequested.records(seed: 1, checkpointStep: 2).map(\.metric),
                       ["classifier_score", "frechet_distance", "mode_coverage", "mode_kl", "label_accuracy"])
        // Blank images are one mode, far from the test set.
        let blank = evaluator.evaluate(Tensor(repeating: -1, shape: [50, 1, 28, 28]))
        XCTAssertEqual(blank.classifierScore, 1, accuracy: 1e-4)
        XCTAssertEqual(blank.modeCoverage.coveredClasses, 1)
        XCTAssertGreaterThan(blank.frechetDistance, 10 * max(reference.frechetDistance, 1e-3))
    }

    func testTrainingIsSeededAndLowersTheLoss() throws {
        let subset = try MNIST(directory: repositoryMNIST, split: .train, limit: 96)
        var options = ClassifierTrainingOptions()
        (options.epochs, options.batchSize, options.seed) = (2, 32, 5)
        var losses: [Double] = []
        let first = MNISTClassifier.train(images: subset.images, labels: subset.labels, options: options) { losses.append($0.meanLoss) }
        let second = MNISTClassifier.train(images: subset.images, labels: subset.labels, options: options)
        XCTAssertEqual(first.output.weight.value.scalars, second.output.weight.value.scalars)
        XCTAssertLessThan(losses[1], losses[0])
        XCTAssertFalse(first.isTraining)
    }
}

final class GeneratedDigitsTests: XCTestCase {
    /// dcgan64 makes 64×64 images: they come back 28×28, the same for any batch size, in [-1, 1].
    func testImagesAreResizedSeededAndIndependentOfBatchSize() throws {
        let model = ModelKind.dcgan64.makeModel(seed: 0)
        let whole = try generatedDigits(model: model, count: 3, seed: 7, batchSize: 3)
        let split = try generatedDigits(model: model, count: 3, seed: 7, batchSize: 2)
        XCTAssertEqual(whole.shape, [3, 1, 28, 28])
        XCTAssertEqual(whole.scalars, split.scalars)
        XCTAssertTrue(whole.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        XCTAssertTrue(model.generator.isTraining, "the generator's mode is restored")
        XCTAssertNotEqual(try generatedDigits(model: model, count: 3, seed: 8).scalars, whole.scalars)
    }
}
