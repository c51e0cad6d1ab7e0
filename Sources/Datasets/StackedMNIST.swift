import Foundation
import Tensors

/// Stacked MNIST (Metz et al. 2017; VEEGAN and PacGAN's 1,000-mode benchmark): 3-channel 28×28
/// images whose channels are three MNIST digits, so a sample's mode is its digit triple.
///
/// Like the papers' precomputed set (PacGAN: 128,000 samples), sample i is fixed: its three digits
/// are drawn uniformly (with replacement) from `RandomGenerator(seed: seed).derived(stream: i)`.
/// Images are assembled on demand, so the set costs no memory beyond the source digits and any
/// batch can be rebuilt from the seed alone (an exactly resumable data source).
public struct StackedMNIST {
    /// The source digits `[D, 1, 28, 28]` in [-1, 1].
    public let digits: Tensor
    /// The source digits' labels 0–9.
    public let digitLabels: [Int]
    /// How many stacked samples the set has.
    public let count: Int
    public let seed: UInt64

    /// The number of samples in PacGAN's precomputed training set.
    public static let standardCount = 128_000

    public init(digits: Tensor, labels: [Int], count: Int = standardCount, seed: UInt64) {
        precondition(digits.rank == 4 && Array(digits.shape.dropFirst()) == [1, 28, 28] && labels.count == digits.shape[0],
                     "StackedMNIST needs digits [D, 1, 28, 28] with D labels")
        (self.digits, self.digitLabels, self.count, self.seed) = (digits, labels, count, seed)
    }

    /// The indices into `digits` of sample `index`'s three channels, in channel order.
    public func digitIndices(of index: Int) -> [Int] {
        var random = RandomGenerator(seed: seed).derived(stream: UInt64(index))
        return (0..<3).map { _ in random.nextInt(below: digits.shape[0]) }
    }

    /// The mode of a digit triple (a, b, c): 100·a + 10·b + c, in 0..<1000.
    public static func mode(_ labels: [Int]) -> Int { labels.reduce(0) { 10 * $0 + $1 } }

    /// Samples `rows` as images `[rows.count, 3, 28, 28]` in [-1, 1] and their modes.
    public func samples(_ rows: [Int]) -> (images: Tensor, modes: [Int]) {
        let indices = rows.map { row -> [Int] in
            precondition(row >= 0 && row < count, "sample \(row) out of range 0..<\(count)")
            return digitIndices(of: row)
        }
        let images = gatherRows(digits, indices.flatMap { $0 }).reshaped(to: [rows.count, 3, 28, 28])
        return (images, indices.map { triple in Self.mode(triple.map { digitLabels[$0] }) })
    }
}
