import Foundation
import Tensors
import XCTest
@testable import Datasets

/// The synthetic benchmarks' data: 2-D mixtures, Stacked MNIST and the scatter plot.
final class ModeBenchmarkDataTests: XCTestCase {
    /// Per mode: the sample mean sits on the mode, the per-axis deviation is σ, and the modes are
    /// drawn about equally often.
    func checkStatistics(_ layout: GaussianMixture.Layout, modes: Int, standardDeviation: Float) {
        let mixture = GaussianMixture(layout: layout)
        XCTAssertEqual(mixture.means.count, modes)
        XCTAssertEqual(mixture.standardDeviation, standardDeviation)
        let (points, labels) = mixture.sample(count: 100_000, seed: 3)
        XCTAssertEqual(points.shape, [100_000, 2])
        let values = points.scalars
        for mode in 0..<modes {
            let rows = labels.indices.filter { labels[$0] == mode }
            let expected = Double(100_000) / Double(modes)
            XCTAssertEqual(Double(rows.count), expected, accuracy: 5 * expected.squareRoot(), "\(layout) mode \(mode) frequency")
            for axis in 0..<2 {
                let coordinates = rows.map { Double(values[2 * $0 + axis]) }
                let mean = coordinates.reduce(0, +) / Double(rows.count)
                let deviation = (coordinates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows.count - 1)).squareRoot()
                XCTAssertEqual(mean, Double(mixture.means[mode][axis]), accuracy: 5 * Double(standardDeviation) / Double(rows.count).squareRoot())
                XCTAssertEqual(deviation, Double(standardDeviation), accuracy: 0.05 * Double(standardDeviation))
            }
        }
        XCTAssertEqual(mixture.sample(count: 10, seed: 3).points.scalars, mixture.sample(count: 10, seed: 3).points.scalars, "seeded")
        XCTAssertNotEqual(mixture.sample(count: 10, seed: 3).points.scalars, mixture.sample(count: 10, seed: 4).points.scalars)
    }

    func testRingSamplerStatistics() {
        checkStatistics(.ring, modes: 8, standardDeviation: 0.01)
        let means = GaussianMixture(layout: .ring).means
        XCTAssertEqual(means[0][0], 1, accuracy: 1e-6)
        XCTAssertEqual(means[2][1], 1, accuracy: 1e-6)
        XCTAssertTrue(means.allSatisfy { abs(($0[0] * $0[0] + $0[1] * $0[1]) - 1) < 1e-6 }, "radius 1")
    }

    func testGridSamplerStatistics() {
        checkStatistics(.grid, modes: 25, standardDeviation: 0.05)
        let means = Set(GaussianMixture(layout: .grid).means)
        for x: Float in [-4, -2, 0, 2, 4] { for y: Float in [-4, -2, 0, 2, 4] { XCTAssertTrue(means.contains([x, y])) } }
    }

    /// Each channel of a stacked sample is exactly one source digit, the mode is the three labels
    /// read as a number, and the same index always gives the same sample.
    func testStackedMNISTChannelsAreThreeSeededDigits() {
        var random = RandomGenerator(seed: 1)
        let digits = Tensor.randomUniform([50, 1, 28, 28], low: -1, high: 1, generator: &random)
        let labels = (0..<50).map { $0 % 10 }
        let stacked = StackedMNIST(digits: digits, labels: labels, count: 1_000, seed: 9)
        let rows = [0, 7, 999, 7]
        let (images, modes) = stacked.samples(rows)
        XCTAssertEqual(images.shape, [4, 3, 28, 28])
        let values = images.scalars, source = digits.scalars
        for (position, row) in rows.enumerated() {
            let indices = stacked.digitIndices(of: row)
            for channel in 0..<3 {
                let plane = Array(values[((position * 3 + channel) * 784)..<((position * 3 + channel + 1) * 784)])
                XCTAssertEqual(plane, Array(source[(indices[channel] * 784)..<((indices[channel] + 1) * 784)]))
            }
            XCTAssertEqual(modes[position], 100 * labels[indices[0]] + 10 * labels[indices[1]] + labels[indices[2]])
        }
        XCTAssertEqual(Array(values[(784 * 3)..<(784 * 6)]), Array(values[(784 * 9)..<(784 * 12)]), "row 7 twice")
        let triples = (0..<1_000).map { stacked.digitIndices(of: $0) }
        XCTAssertGreaterThan(Set(triples.flatMap { $0 }).count, 45, "digits are drawn from the whole source")
        XCTAssertEqual(StackedMNIST.mode([3, 0, 7]), 307)
    }

    func testScatterPlotPutsPointsWhereTheyBelong() {
        let real = Tensor(shape: [1, 2], scalars: [1, 1])
        let generated = Tensor(shape: [2, 2], scalars: [-1, -1, 50, 0])
        let plot = scatterPlot(real: real, generated: generated, extent: 2, size: 101)
        func colour(_ x: Int, _ y: Int) -> [UInt8] { Array(plot.pixels[((y * 101 + x) * 3)..<((y * 101 + x) * 3 + 3)]) }
        XCTAssertEqual(colour(75, 25), [40, 90, 220], "real (1, 1): right and up")
        XCTAssertEqual(colour(25, 75), [220, 40, 40], "generated (−1, −1): left and down")
        XCTAssertEqual(colour(50, 10), [200, 200, 200], "the y axis")
        XCTAssertEqual(colour(10, 10), [255, 255, 255])
    }
}
