import Foundation
import Tensors

/// An equally weighted mixture of isotropic 2-D Gaussians: the synthetic benchmarks of the
/// mode-collapse literature (VEEGAN §5.1, PacGAN §5.1), where every mode can be counted exactly.
public struct GaussianMixture: Equatable, Sendable {
    /// The two benchmark layouts.
    public enum Layout: String, Codable, CaseIterable, Sendable {
        /// 8 modes evenly spaced on the unit circle (the first at (1, 0)), σ 0.01.
        case ring
        /// 25 modes at {−4, −2, 0, 2, 4}², σ 0.05.
        case grid
    }

    /// The modes' centres, each `[x, y]`.
    public let means: [[Float]]
    /// σ of every mode along each axis.
    public let standardDeviation: Float

    public init(means: [[Float]], standardDeviation: Float) {
        precondition(!means.isEmpty && means.allSatisfy { $0.count == 2 }, "a mixture needs 2-D means")
        (self.means, self.standardDeviation) = (means, standardDeviation)
    }

    /// The benchmark mixture of `layout`.
    public init(layout: Layout) {
        switch layout {
        case .ring:
            let angles = (0..<8).map { 2 * Double.pi * Double($0) / 8 }
            self.init(means: angles.map { [Float(cos($0)), Float(sin($0))] }, standardDeviation: 0.01)
        case .grid:
            let positions: [Float] = [-4, -2, 0, 2, 4]
            self.init(means: positions.flatMap { x in positions.map { y in [x, y] } }, standardDeviation: 0.05)
        }
    }

    /// `count` points `[count, 2]` and the mode each came from: a mode is drawn uniformly, then
    /// N(0, σ²) noise is added to each coordinate. The same seed gives the same points.
    public func sample(count: Int, seed: UInt64) -> (points: Tensor, modes: [Int]) {
        var choices = RandomGenerator(seed: seed).derived(stream: 0)
        var noise = RandomGenerator(seed: seed).derived(stream: 1)
        let modes = (0..<count).map { _ in choices.nextInt(below: means.count) }
        var points = Tensor.randomNormal([count, 2], standardDeviation: standardDeviation, generator: &noise)
        points.withUnsafeMutableBufferPointer { values in
            for (row, mode) in modes.enumerated() {
                values[2 * row] += means[mode][0]
                values[2 * row + 1] += means[mode][1]
            }
        }
        return (points, modes)
    }
}
