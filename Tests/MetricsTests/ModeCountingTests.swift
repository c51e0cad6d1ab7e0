import Datasets
import Foundation
import Tensors
import XCTest
@testable import Metrics

final class ModeCountingTests: XCTestCase {
    /// Points placed by hand around the ring's modes: distance ≤ 3σ is high quality, a mode is
    /// captured only through a high-quality point.
    func testMixtureQualityCountsModesAndHighQualityPoints() {
        let ring = GaussianMixture(layout: .ring)
        let points: [Float] = [
            1.02, 0,        // mode 0, 2σ away: high quality
            1.029, 0,       // mode 0, 2.9σ: high quality
            0, 1.031,       // mode 2, 3.1σ: nearest mode 2, but low quality
            -1, 0.005,      // mode 4, 0.5σ: high quality
            0, 0,           // the centre: far from every mode
            .nan, 1,        // not finite: low quality
        ]
        let quality = mixtureQuality(Tensor(shape: [6, 2], scalars: points), mixture: ring)
        XCTAssertEqual(quality.modesCaptured, 2)
        XCTAssertEqual(quality.modeCount, 8)
        XCTAssertEqual(quality.highQualityFraction, 3.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(quality.highQualityPerMode, [2, 0, 0, 0, 1, 0, 0, 0])
    }

    /// Real samples of the grid capture all 25 modes with ≈ 98.9 % high quality (the χ² mass within
    /// 3σ in 2-D is 1 − e^(−4.5)); the points of one mode capture one.
    func testRealMixtureSamplesScoreAsTheyShould() {
        let grid = GaussianMixture(layout: .grid)
        let quality = mixtureQuality(grid.sample(count: 2_500, seed: 1).points, mixture: grid)
        XCTAssertEqual(quality.modesCaptured, 25)
        XCTAssertEqual(quality.highQualityFraction, 1 - exp(-4.5), accuracy: 0.006)
        let collapsed = GaussianMixture(means: [grid.means[7]], standardDeviation: 0.05).sample(count: 500, seed: 2).points
        XCTAssertEqual(mixtureQuality(collapsed, mixture: grid).modesCaptured, 1)
    }

    func testStackedModeCoverageOnSyntheticTriples() {
        let uniform = stackedModeCoverage(Array(0..<1000) + Array(0..<1000))
        XCTAssertEqual(uniform.modes, 1000)
        XCTAssertEqual(uniform.divergenceFromUniform, 0, accuracy: 1e-12)
        let single = stackedModeCoverage([421, 421, 421])
        XCTAssertEqual(single.modes, 1)
        XCTAssertEqual(single.divergenceFromUniform, log(1000), accuracy: 1e-12)
        XCTAssertEqual(single.histogram[421], 3)
        // 99 modes hit equally: KL = log(1000 / 99), the DCGAN row's mode count.
        let partial = stackedModeCoverage((0..<990).map { ($0 % 99) * 10 })
        XCTAssertEqual(partial.modes, 99)
        XCTAssertEqual(partial.divergenceFromUniform, log(1000.0 / 99.0), accuracy: 1e-12)
    }

    /// Real digits stacked into channels are read back as their triple by the shipped classifier.
    func testStackedModesReadsEachChannelWithTheClassifier() throws {
        let classifier = try MNISTClassifier.load()
        let test = try MNIST(directory: MNIST.locateDirectory(explicit: nil), split: .test, limit: 30)
        let stacked = StackedMNIST(digits: test.images, labels: test.labels, count: 20, seed: 4)
        let (images, modes) = stacked.samples(Array(0..<20))
        let predicted = classifier.stackedModes(images)
        XCTAssertGreaterThanOrEqual(zip(predicted, modes).filter { $0 == $1 }.count, 19, "\(predicted) vs \(modes)")
    }
}
