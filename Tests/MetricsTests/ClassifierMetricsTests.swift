import Foundation
import XCTest
@testable import Metrics
import Tensors

final class ClassifierMetricsTests: XCTestCase {
    func testClassifierScoreIsOneForConstantPredictions() {
        let row: [Float] = [0.1, 0.2, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
        let probabilities = Tensor(shape: [50, 10], scalars: Array((0..<50).map { _ in row }.joined()))
        XCTAssertEqual(classifierScore(probabilities), 1, accuracy: 1e-6)
    }

    func testClassifierScoreIsTheClassCountForConfidentEvenPredictions() {
        var scalars = [Float](repeating: 0, count: 100 * 10)
        for sample in 0..<100 { scalars[sample * 10 + sample % 10] = 1 }
        XCTAssertEqual(classifierScore(Tensor(shape: [100, 10], scalars: scalars)), 10, accuracy: 1e-5)
        // Confident but only two classes used: the score counts the classes.
        var two = [Float](repeating: 0, count: 100 * 10)
        for sample in 0..<100 { two[sample * 10 + sample % 2] = 1 }
        XCTAssertEqual(classifierScore(Tensor(shape: [100, 10], scalars: two)), 2, accuracy: 1e-5)
    }

    func testClassifierScoreByHand() {
        // p(y) = [0.5, 0.5]; KL of [0.9, 0.1] and of [0.1, 0.9] from it are equal.
        let probabilities = Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.1, 0.9])
        let divergence = 0.9 * log(0.9 / 0.5) + 0.1 * log(0.1 / 0.5)
        XCTAssertEqual(classifierScore(probabilities), exp(divergence), accuracy: 1e-6)
    }

    func testModeCoverageCountsClassesAboveOnePercent() {
        // 1,000 labels: class 0 gets 600, classes 1–4 get 95 each, class 5 exactly 1 % (covered), class 6 just below, class 7 one.
        var labels = [Int](repeating: 0, count: 600)
        for label in 1...4 { labels += [Int](repeating: label, count: 95) }
        labels += [Int](repeating: 5, count: 10) + [Int](repeating: 6, count: 9) + [Int](repeating: 7, count: 1)
        XCTAssertEqual(labels.count, 1_000)
        let coverage = modeCoverage(labels, classes: 10)
        XCTAssertEqual(coverage.histogram, [600, 95, 95, 95, 95, 10, 9, 1, 0, 0])
        XCTAssertEqual(coverage.coveredClasses, 6)
        XCTAssertEqual(coverage.fraction, 0.6, accuracy: 1e-12)
        let expected = [0.6, 0.095, 0.095, 0.095, 0.095, 0.01, 0.009, 0.001].map { $0 * log($0 * 10) }.reduce(0, +)
        XCTAssertEqual(coverage.divergenceFromUniform, expected, accuracy: 1e-12)
    }

    func testModeCoverageOfEvenAndCollapsedHistograms() {
        let even = modeCoverage((0..<1_000).map { $0 % 10 }, classes: 10)
        XCTAssertEqual(even.coveredClasses, 10)
        XCTAssertEqual(even.divergenceFromUniform, 0, accuracy: 1e-12)
        let collapsed = modeCoverage([Int](repeating: 3, count: 500), classes: 10)
        XCTAssertEqual(collapsed.coveredClasses, 1)
        XCTAssertEqual(collapsed.divergenceFromUniform, log(10), accuracy: 1e-12)
    }

    func testLabelAccuracyPerClassAndMean() {
        let requested = [0, 0, 0, 0, 1, 1, 2, 2]
        let predicted = [0, 0, 0, 5, 1, 0, 2, 2]
        let accuracy = labelAccuracy(predicted: predicted, requested: requested, classes: 4)
        XCTAssertEqual(accuracy.perClass, [0.75, 0.5, 1, nil])
        XCTAssertEqual(accuracy.mean, 0.75, accuracy: 1e-12)
    }
}
