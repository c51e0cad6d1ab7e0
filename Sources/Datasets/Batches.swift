import Tensors

/// Seeded shuffling into fixed-size batches of sample indices, dropping the last partial batch.
///
/// Epoch e's order is a Fisher–Yates permutation from `RandomGenerator(seed:).derived(stream: e)`,
/// so any epoch's batches can be recomputed (a resumed run needs no saved order).
public struct BatchSampler: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0, "batch size must be positive")
        (self.count, self.batchSize, self.seed) = (count, batchSize, seed)
    }

    /// Full batches per epoch.
    public var batchesPerEpoch: Int { count / batchSize }

    /// The batches of one epoch.
    public func batches(epoch: Int) -> [[Int]] {
        var generator = RandomGenerator(seed: seed).derived(stream: UInt64(epoch))
        let order = generator.permutation(count)
        return (0..<batchesPerEpoch).map { Array(order[($0 * batchSize)..<(($0 + 1) * batchSize)]) }
    }
}

/// The samples `indices` (along the first axis) copied into a new batch tensor.
public func gatherRows(_ samples: Tensor, _ indices: [Int]) -> Tensor {
    samples.gatheringRows(indices).detached()
}
