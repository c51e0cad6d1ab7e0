import Foundation
import Tensors

/// Seeded shuffling into fixed-size batches of sample indices, dropping the last partial batch.
///
/// Epoch e's order is a Fisher–Yates permutation drawn from `RandomGenerator(seed: seed).derived(stream: e)`,
/// so any epoch's batches can be recomputed from the seed alone (a resumed run needs no saved order)
/// and epochs are independent streams rather than consecutive draws.
public struct BatchSampler: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    /// `count` samples split into batches of `batchSize` (which must be positive).
    public init(count: Int, batchSize: Int, seed: UInt64) {
        precondition(count >= 0, "sample count must not be negative, got \(count)")
        precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
        (self.count, self.batchSize, self.seed) = (count, batchSize, seed)
    }

    /// Full batches per epoch: `count / batchSize`, zero when there are fewer samples than one batch.
    public var batchesPerEpoch: Int { count / batchSize }

    /// The batches of one epoch; every index appears at most once, and `count % batchSize` are left out.
    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator(seed: seed).derived(stream: UInt64(truncatingIfNeeded: epoch))
        let order = generator.permutation(count)
        return (0..<batchesPerEpoch).map { Array(order[($0 * batchSize)..<(($0 + 1) * batchSize)]) }
    }
}

/// The samples `indices` (along the first axis of `samples`) copied into a new, untracked batch tensor.
///
/// One `memcpy` per sample; indices may repeat. An index outside `0..<samples.shape[0]` is a programming error.
public func gatherRows(_ samples: Tensor, _ indices: [Int]) -> Tensor {
    precondition(!samples.shape.isEmpty, "gatherRows needs a tensor of rank ≥ 1, got a scalar")
    let rows = samples.shape[0]
    let rowLength = samples.shape.dropFirst().reduce(1, *)
    var batch = Tensor(zeros: [indices.count] + samples.shape.dropFirst())
    guard rowLength > 0 else { return batch }
    samples.withUnsafeBufferPointer { source in
        batch.withUnsafeMutableBufferPointer { destination in
            for (position, index) in indices.enumerated() {
                precondition(index >= 0 && index < rows, "row index \(index) out of range 0..<\(rows)")
                memcpy(destination.baseAddress! + position * rowLength, source.baseAddress! + index * rowLength,
                       rowLength * MemoryLayout<Float>.stride)
            }
        }
    }
    return batch
}
