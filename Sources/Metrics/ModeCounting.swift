import Datasets
import Foundation
import Tensors

// The mode-counting benchmarks of the mode-collapse literature (VEEGAN §5, PacGAN §5): on data
// whose modes are known, count how many a generator reaches and how evenly.

/// How well generated 2-D points cover a Gaussian mixture (PacGAN Table 1's protocol).
public struct MixtureQuality: Codable, Hashable, Sendable {
    /// Modes nearest to at least one high-quality point.
    public let modesCaptured: Int
    /// The mixture's number of modes.
    public let modeCount: Int
    /// The fraction of points within `threshold`·σ of their nearest mode.
    public let highQualityFraction: Double
    /// High-quality points per mode, in the mixture's mode order.
    public let highQualityPerMode: [Int]

    enum CodingKeys: String, CodingKey {
        case modesCaptured = "modes_captured", modeCount = "mode_count"
        case highQualityFraction = "high_quality_fraction", highQualityPerMode = "high_quality_per_mode"
    }
}

/// Scores `points` `[N, 2]` against `mixture`: a point is high quality when its Euclidean distance
/// to the nearest mode is at most `threshold` (3) standard deviations; a mode is captured when it is
/// the nearest mode of at least one high-quality point. Non-finite points count as low quality.
public func mixtureQuality(_ points: Tensor, mixture: GaussianMixture, threshold: Float = 3) -> MixtureQuality {
    precondition(points.rank == 2 && points.shape[1] == 2 && points.shape[0] > 0, "mixtureQuality takes [N > 0, 2] points, got \(points.shape)")
    let values = points.scalars
    let limit = Double(threshold * mixture.standardDeviation)
    var perMode = [Int](repeating: 0, count: mixture.means.count)
    for row in 0..<points.shape[0] {
        let (x, y) = (Double(values[2 * row]), Double(values[2 * row + 1]))
        let distances = mixture.means.map { hypot(x - Double($0[0]), y - Double($0[1])) }
        guard let nearest = distances.indices.min(by: { distances[$0] < distances[$1] }), distances[nearest] <= limit else { continue }
        perMode[nearest] += 1
    }
    return MixtureQuality(modesCaptured: perMode.filter { $0 > 0 }.count, modeCount: perMode.count,
                          highQualityFraction: Double(perMode.reduce(0, +)) / Double(points.shape[0]), highQualityPerMode: perMode)
}

/// How generated Stacked MNIST samples spread over the 1,000 digit triples (PacGAN Table 2's protocol).
public struct StackedModeCoverage: Codable, Hashable, Sendable {
    /// Triples (modes) that received at least one sample.
    public let modes: Int
    /// KL(p_gen ‖ uniform over 1,000), natural log, p_gen the histogram of the samples' triples.
    public let divergenceFromUniform: Double
    /// Samples per mode 100·a + 10·b + c.
    public let histogram: [Int]

    enum CodingKeys: String, CodingKey {
        case modes, histogram
        case divergenceFromUniform = "kl"
    }
}

/// Counts the modes of `modes` (each 100·a + 10·b + c in 0..<1000) and their KL from uniform.
public func stackedModeCoverage(_ modes: [Int]) -> StackedModeCoverage {
    let coverage = modeCoverage(modes, classes: 1000)
    return StackedModeCoverage(modes: coverage.histogram.filter { $0 > 0 }.count,
                               divergenceFromUniform: coverage.divergenceFromUniform, histogram: coverage.histogram)
}

extension MNISTClassifier {
    /// The mode of each stacked image `[N, 3, 28, 28]` in [-1, 1]: the classifier's labels of its
    /// three channels (a, b, c), as 100·a + 10·b + c.
    public func stackedModes(_ images: Tensor) -> [Int] {
        precondition(images.rank == 4 && Array(images.shape.dropFirst()) == [3, 28, 28], "stackedModes takes [N, 3, 28, 28], got \(images.shape)")
        let count = images.shape[0]
        // [N, 3, 28, 28] → [3N, 1, 28, 28]: channel c of image i becomes digit 3i + c.
        let labels = Self.predictedLabels(logits(images.reshaped(to: [3 * count, 1, 28, 28])))
        return (0..<count).map { StackedMNIST.mode(Array(labels[(3 * $0)..<(3 * $0 + 3)])) }
    }
}
