import Kernels
import XCTest

final class RandomKernelTests: XCTestCase {
    private var defaultThreads = 1
    override func setUp() { defaultThreads = Kernels.threadCount }
    override func tearDown() { Kernels.threadCount = defaultThreads }

    /// The vectorised, threaded fill against its one-block-at-a-time twin: unaligned starts, ragged
    /// tails, and a run across a block counter's 32-bit wrap (where the high word must carry).
    func testRandomFillsMatchTheirNaiveTwin() {
        let starts: [UInt64] = [0, 3, 4 * 1_000_003 + 2, 4 * (UInt64(1) << 32) - 4 * 5 + 1, UInt64.max / 2]
        let kinds: [Kernels.RandomFloats] = [.uniform(low: -1, scale: 2), .dropoutMask(keep: 0.7, scale: 1 / 0.7)]
        for threads in [1, 2] {
            Kernels.threadCount = threads
            for (index, start) in starts.enumerated() {
                for kind in kinds {
                    for count in [1, 31, 33, 100, 20_011] {
                        var fast = [Float](repeating: .nan, count: count), slow = fast
                        fast.withUnsafeMutableBufferPointer { Kernels.randomFill($0, seed: 0x1234_5678_9ABC, firstWord: start, kind) }
                        slow.withUnsafeMutableBufferPointer { Kernels.naiveRandomFill($0, seed: 0x1234_5678_9ABC, firstWord: start, kind) }
                        XCTAssertEqual(fast, slow, "start \(index), \(kind), \(count) floats, \(threads) threads")
                    }
                }
            }
        }
    }
}
