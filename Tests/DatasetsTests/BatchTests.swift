import XCTest
@testable import Datasets
import Tensors

final class BatchTests: XCTestCase {
    func testBatchesAreSeededPerEpochAndDropTheLastPartialBatch() {
        let sampler = BatchSampler(count: 10, batchSize: 3, seed: 4)
        XCTAssertEqual(sampler.batchesPerEpoch, 3)
        let first = sampler.batches(epoch: 0)
        XCTAssertEqual(first.map(\.count), [3, 3, 3])
        XCTAssertEqual(first, BatchSampler(count: 10, batchSize: 3, seed: 4).batches(epoch: 0), "same seed, same order")
        XCTAssertNotEqual(first, sampler.batches(epoch: 1))
        XCTAssertNotEqual(first, BatchSampler(count: 10, batchSize: 3, seed: 5).batches(epoch: 0))
        XCTAssertEqual(Set(first.joined()).count, 9, "no index repeats within an epoch")
        XCTAssertTrue(first.joined().allSatisfy { (0..<10).contains($0) })
        // The documented derivation: a Fisher–Yates permutation from stream `epoch` of the seed.
        var generator = RandomGenerator(seed: 4).derived(stream: 7)
        XCTAssertEqual(Array(sampler.batches(epoch: 7).joined()), Array(generator.permutation(10).prefix(9)))
        XCTAssertEqual(BatchSampler(count: 2, batchSize: 3, seed: 0).batches(epoch: 0), [])
    }

    func testEveryIndexIsDrawnWhenTheBatchSizeDividesTheCount() {
        let batches = BatchSampler(count: 12, batchSize: 4, seed: 9).batches(epoch: 3)
        XCTAssertEqual(batches.joined().sorted(), Array(0..<12))
    }

    func testGatherRowsCopiesWholeSamplesInOrder() {
        let samples = Tensor(shape: [3, 1, 2], scalars: [0, 1, 2, 3, 4, 5])
        let batch = gatherRows(samples, [2, 0, 2])
        XCTAssertEqual(batch.shape, [3, 1, 2])
        XCTAssertEqual(batch.scalars, [4, 5, 0, 1, 4, 5])
        XCTAssertEqual(gatherRows(samples, []).shape, [0, 1, 2])
    }

    func testBilinearResizeKeepsConstantsAndInterpolates() {
        let constant = resizeBilinear(Tensor(repeating: 0.5, shape: [1, 1, 28, 28]), height: 64, width: 64)
        XCTAssertEqual(constant.shape, [1, 1, 64, 64])
        XCTAssertTrue(constant.scalars.allSatisfy { abs($0 - 0.5) < 1e-6 })
        let ramp = resizeBilinear(Tensor(shape: [1, 1, 1, 2], scalars: [0, 1]), height: 1, width: 4)
        XCTAssertEqual(ramp.scalars, [0, 0.25, 0.75, 1])
    }
}
