import XCTest
@testable import GANs
import Tensors

final class LatentPathTests: XCTestCase {
    func vector(_ seed: UInt64, size: Int = 100) -> [Float] {
        var random = RandomGenerator(seed: seed)
        return Tensor.randomNormal([size], generator: &random).scalars
    }

    func row(_ path: Tensor, _ index: Int) -> [Float] {
        let size = path.shape[1]
        return Array(path.scalars[(index * size)..<((index + 1) * size)])
    }

    func testEndsAreTheEndpointsExactlyInBothModes() {
        let (start, end) = (vector(1), vector(2))
        for mode in LatentPath.Mode.allCases {
            let path = LatentPath.interpolate(from: start, to: end, steps: 7, mode: mode)
            XCTAssertEqual(path.shape, [7, 100])
            XCTAssertEqual(row(path, 0), start, "\(mode)")
            XCTAssertEqual(row(path, 6), end, "\(mode)")
        }
    }

    func testLerpMidpointIsTheAverageAndSlerpFollowsTheGreatCircle() {
        let start: [Float] = [1, 0], end: [Float] = [0, 1]
        let lerp = LatentPath.interpolate(from: start, to: end, steps: 3, mode: .lerp)
        XCTAssertEqual(row(lerp, 1), [0.5, 0.5])
        let slerp = LatentPath.interpolate(from: start, to: end, steps: 3, mode: .slerp)
        XCTAssertEqual(row(slerp, 1)[0], Float(0.5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(row(slerp, 1)[1], Float(0.5).squareRoot(), accuracy: 1e-6)
        // Between two typical N(0, I) samples of equal norm, slerp keeps the norm; lerp shrinks it.
        let a = vector(3), b = vector(4)
        let scale = (a.map { $0 * $0 }.reduce(0, +) / b.map { $0 * $0 }.reduce(0, +)).squareRoot()
        let equalNorm = b.map { $0 * scale }
        let middle = row(LatentPath.interpolate(from: a, to: equalNorm, steps: 5, mode: .slerp), 2)
        let norm = { (v: [Float]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        XCTAssertEqual(norm(middle), norm(a), accuracy: 1e-3 * norm(a))
        XCTAssertLessThan(norm(row(LatentPath.interpolate(from: a, to: equalNorm, steps: 5, mode: .lerp), 2)), 0.8 * norm(a))
    }

    func testParallelVectorsFallBackToLerp() {
        let path = LatentPath.interpolate(from: [1, 2], to: [2, 4], steps: 3, mode: .slerp)
        XCTAssertEqual(row(path, 1), [1.5, 3])
    }

    func testWalkVisitsEveryPointOnceAndCloses() {
        let points = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, -1, 0])
        let walk = LatentPath.walk(through: points, stepsPerSegment: 4, mode: .lerp)
        XCTAssertEqual(walk.shape, [12, 2])
        XCTAssertEqual(row(walk, 0), [1, 0])
        XCTAssertEqual(row(walk, 4), [0, 1])
        XCTAssertEqual(row(walk, 8), [-1, 0])
        XCTAssertEqual(row(walk, 11), [0.5, 0], "the last step leads back toward the first point")
    }
}
