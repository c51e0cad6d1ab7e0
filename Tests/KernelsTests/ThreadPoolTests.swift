import Dispatch
import Foundation
import Kernels
import XCTest

/// The thread pool behind every parallel kernel: coverage, nesting, concurrent callers, contention.
final class ThreadPoolTests: XCTestCase {
    private var defaultThreads = 1
    override func setUp() { defaultThreads = Kernels.threadCount }
    override func tearDown() { Kernels.threadCount = defaultThreads }

    /// Many back-to-back jobs whose chunk counts alternate: a worker waking late for one job must
    /// never run a chunk of the next (each index is counted exactly once per job).
    func testBackToBackJobsWithChangingChunkCountsNeverRunAChunkTwice() {
        Kernels.threadCount = 2
        var hits = [Int32](repeating: 0, count: 4096)
        let sizes = [3, 4096, 17, 1000, 2, 333]
        hits.withUnsafeMutableBufferPointer { buffer in
            for round in 0..<20_000 {
                let size = sizes[round % sizes.count]
                Kernels.parallelFor(size, grain: 1) { range in
                    for index in range { buffer[index] &+= 1 }
                }
            }
        }
        var expected = [Int32](repeating: 0, count: 4096)
        for round in 0..<20_000 { for index in 0..<sizes[round % sizes.count] { expected[index] += 1 } }
        XCTAssertEqual(hits, expected)
    }

    func testParallelForCoversEveryIndexOnceIncludingNestedCalls() {
        Kernels.threadCount = 2
        for (count, grain) in [(0, 1), (1, 1), (5, 10), (10, 10), (11, 10), (7, 0), (1000, 1), (100_003, 64), (64, 63)] {
            var hits = [Int32](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { buffer in
                Kernels.parallelFor(count, grain: grain) { range in
                    for index in range { buffer[index] += 1 }
                }
            }
            XCTAssertTrue(hits.allSatisfy { $0 == 1 }, "count \(count) grain \(grain)")
        }
        var nested = [Int32](repeating: 0, count: 64 * 64)
        nested.withUnsafeMutableBufferPointer { buffer in
            Kernels.parallelFor(64, grain: 1) { outer in
                for row in outer {
                    Kernels.parallelFor(64, grain: 1) { inner in for column in inner { buffer[row * 64 + column] += 1 } }
                }
            }
        }
        XCTAssertTrue(nested.allSatisfy { $0 == 1 })
    }

    /// Two threads issuing jobs at once: the second top-level caller must neither deadlock nor
    /// lose or repeat an index (it may run serially while the pool is busy).
    func testConcurrentTopLevelCallersEachCoverTheirIndicesOnce() {
        Kernels.threadCount = 2
        let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        defer { totals.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            var hits = [Int32](repeating: 0, count: 999)
            hits.withUnsafeMutableBufferPointer { buffer in
                for _ in 0..<500 { Kernels.parallelFor(buffer.count, grain: 8) { range in for index in range { buffer[index] += 1 } } }
            }
            totals[caller] = hits.allSatisfy { $0 == 500 } ? 1 : 0
        }
        XCTAssertEqual(Array(totals), [1, 1])
    }

    /// A chunk held up on a worker (as when another process preempts it) while the caller has nothing
    /// left to do sends the next job to the caller alone, as one call over the whole range; later jobs
    /// are split across threads again.
    func testAWorkerHeldUpMidChunkSendsTheNextJobsToTheCallerAlone() {
        Kernels.threadCount = 2
        let caller = pthread_self()
        var heldUp = false
        // Until a worker takes a chunk: a worker thread just created may not run for milliseconds.
        let deadline = Date().addingTimeInterval(10)
        while !heldUp && Date() < deadline {
            Kernels.parallelFor(2, grain: 1) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { usleep(3000); heldUp = true }
            }
        }
        XCTAssertTrue(heldUp, "no chunk ever ran on the worker")
        let lock = NSLock()
        var calls: [Range<Int>] = []
        let record = { (range: Range<Int>) in lock.lock(); calls.append(range); lock.unlock() }
        Kernels.parallelFor(64, grain: 1, record)
        XCTAssertEqual(calls, [0..<64])
        var serialJobs = 0
        for _ in 0..<100_000 {
            calls.removeAll()
            Kernels.parallelFor(64, grain: 1, record)
            if calls.count > 1 { break }
            serialJobs += 1
        }
        XCTAssertGreaterThan(calls.count, 1, "jobs never split again")
        XCTAssertGreaterThan(serialJobs, 0)
        XCTAssertEqual(calls.sorted { $0.lowerBound < $1.lowerBound }.map(\.count).reduce(0, +), 64)
    }

    /// A background task runs on a worker while the caller's own parallel jobs go on: the caller
    /// sees it start before its jobs end, every index of both is covered once, and a nested request
    /// (the slot is taken) runs at once. With one thread it runs first, on the caller.
    func testABackgroundTaskRunsBesideTheCallersJobs() {
        for threads in [1, 2, 3] {
            Kernels.threadCount = threads
            let caller = pthread_self(), started = DispatchSemaphore(value: 0)
            var background = [Int32](repeating: 0, count: 10_000), foreground = background
            var ranOnCaller = false, sawItStart = false, nestedRan = false
            let answer = background.withUnsafeMutableBufferPointer { back in
                foreground.withUnsafeMutableBufferPointer { front in
                    Kernels.overlapping({
                        ranOnCaller = pthread_equal(pthread_self(), caller) != 0
                        started.signal()
                        Kernels.parallelFor(back.count, grain: 1) { range in for index in range { back[index] += 1 } }
                    }, with: { () -> Int in
                        sawItStart = started.wait(timeout: .now() + 10) == .success
                        for _ in 0..<50 { Kernels.parallelFor(front.count, grain: 16) { range in for index in range { front[index] += 1 } } }
                        Kernels.overlapping({ nestedRan = true }, with: { XCTAssertTrue(nestedRan, "a nested request runs at once") })
                        return 7
                    })
                }
            }
            XCTAssertEqual(answer, 7)
            XCTAssertTrue(sawItStart, "\(threads) threads: the background task started while the caller waited")
            XCTAssertEqual(ranOnCaller, threads == 1, "\(threads) threads")
            XCTAssertTrue(background.allSatisfy { $0 == 1 } && foreground.allSatisfy { $0 == 50 }, "\(threads) threads")
        }
    }
}
