import Datasets
import XCTest
@testable import GANs

/// The loop bookkeeping both trainers share.
final class StepLoopTests: XCTestCase {
    let sampler = BatchSampler(count: 10, batchSize: 3, seed: 7)

    func testStepsWalkEachEpochsBatchesInOrderAndThenTheNextEpoch() {
        var loop = StepLoop(sampler: sampler, totalSteps: 7)
        let expected = sampler.batches(epoch: 0) + sampler.batches(epoch: 1) + sampler.batches(epoch: 2)
        for step in 0..<7 {
            let (epoch, rows) = loop.batch(forStep: step)
            XCTAssertEqual(epoch, step / 3)
            XCTAssertEqual(rows, expected[step])
        }
        XCTAssertNotEqual(sampler.batches(epoch: 0), sampler.batches(epoch: 1), "epochs are reshuffled")
    }

    func testAResumedLoopDrawsTheSameBatchAsOneFromTheStart() {
        var fromStart = StepLoop(sampler: sampler, totalSteps: 9)
        let walked = (0...7).map { fromStart.batch(forStep: $0).rows }.last
        var resumed = StepLoop(sampler: sampler, totalSteps: 9)
        XCTAssertEqual(resumed.batch(forStep: 7).rows, walked)
    }

    func testPeriodicActionsAreDueOnMultiplesAndOnTheLastStep() {
        let loop = StepLoop(sampler: sampler, totalSteps: 7)
        XCTAssertEqual((1...7).filter { loop.isDue(3, afterStep: $0) }, [3, 6, 7])
        XCTAssertEqual((1...7).filter { loop.isDue(0, afterStep: $0) }, [7])
    }

    func testReportsEstimateTheTimeLeftFromAnAverageOfStepTimes() {
        var loop = StepLoop(sampler: sampler, totalSteps: 10)
        let metrics = StepMetrics(discriminatorLoss: 0.7, generatorLoss: 0.7, realScore: 0.5, fakeScore: 0.5)
        let first = loop.report(step: 1, epoch: 0, metrics: metrics, seconds: 2)
        XCTAssertEqual(first.secondsRemaining, 18, accuracy: 1e-9)
        XCTAssertEqual(first.imagesPerSecond, 1.5, accuracy: 1e-9)
        let second = loop.report(step: 2, epoch: 0, metrics: metrics, seconds: 12)
        XCTAssertEqual(second.secondsRemaining, 8 * 3, accuracy: 1e-9, "0.9 · 2 s + 0.1 · 12 s per step")
    }

    func testNonFiniteLossesStopTheRunNamingTheStepAndTheLastCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("forger-steploop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = RunDirectory(url: folder)
        let finite = StepMetrics(discriminatorLoss: 0.7, generatorLoss: 0.7, realScore: 0.5, fakeScore: 0.5)
        XCTAssertNoThrow(try Checkpoint.requireFinite(finite, step: 4, run: run))
        var diverged = finite
        diverged.generatorLoss = .nan
        XCTAssertThrowsError(try Checkpoint.requireFinite(diverged, step: 5, run: run)) { error in
            XCTAssertEqual("\(error)", "training diverged: the losses became non-finite at step 5 (last checkpoint: none)")
        }
    }
}
