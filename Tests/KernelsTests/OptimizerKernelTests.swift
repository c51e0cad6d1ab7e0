import XCTest
@testable import Kernels

final class OptimizerKernelTests: XCTestCase {
    func values(_ count: Int, seed: UInt32, scale: Float) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return (Float(state >> 8) / Float(1 << 24) - 0.5) * scale
        }
    }

    /// The vectorised, threaded Adam pass must equal the scalar loop bit for bit, over vector
    /// tails, chunk boundaries and several steps (moments carried along).
    func testFastAdamEqualsTheScalarTwinBitForBit() {
        let saved = Kernels.threadCount
        defer { Kernels.threadCount = saved }
        for threads in [1, 2] {
            Kernels.threadCount = threads
            for count in [1, 7, 8, 33, 70_001] {
                var (fast, naive) = (values(count, seed: 1, scale: 2), values(count, seed: 1, scale: 2))
                var (fastM, fastV) = ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
                var (naiveM, naiveV) = (fastM, fastV)
                for step in 1...3 {
                    let gradients = values(count, seed: UInt32(10 + step), scale: 0.1)
                    let settings = Kernels.AdamStep(
                        beta1: 0.5, beta2: 0.999, epsilon: 1e-8, weightDecay: step == 2 ? 0.01 : 0,
                        stepSize: 2e-4 / (1 - powf(0.5, Float(step))), correction2Root: (1 - powf(0.999, Float(step))).squareRoot())
                    Kernels.adamUpdate(settings, parameters: &fast, gradients: gradients, firstMoments: &fastM, secondMoments: &fastV, count: count)
                    Kernels.naiveAdamUpdate(settings, parameters: &naive, gradients: gradients, firstMoments: &naiveM, secondMoments: &naiveV, count: count)
                }
                XCTAssertEqual(fast, naive, "threads \(threads), count \(count)")
                XCTAssertEqual(fastM, naiveM)
                XCTAssertEqual(fastV, naiveV)
                XCTAssertNotEqual(fast, values(count, seed: 1, scale: 2), "parameters moved")
            }
        }
    }

    /// One step from zero moments moves every parameter by lr against the sign of its gradient
    /// (Adam's first step is sign descent, up to ε).
    func testFirstStepIsSignDescent() {
        var parameters: [Float] = [1, -1, 0.5, 3]
        let gradients: [Float] = [0.3, -2, 1e-3, -0.1]
        var (m, v) = ([Float](repeating: 0, count: 4), [Float](repeating: 0, count: 4))
        let settings = Kernels.AdamStep(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0,
                                        stepSize: 0.1 / (1 - 0.9), correction2Root: (1 - Float(0.999)).squareRoot())
        Kernels.adamUpdate(settings, parameters: &parameters, gradients: gradients, firstMoments: &m, secondMoments: &v, count: 4)
        for (updated, (original, gradient)) in zip(parameters, zip([Float(1), -1, 0.5, 3], gradients)) {
            XCTAssertEqual(updated, original - 0.1 * (gradient > 0 ? 1 : -1), accuracy: 1e-5)
        }
    }
}
