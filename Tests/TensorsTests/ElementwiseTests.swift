import Foundation
import XCTest
@testable import Tensors

final class ElementwiseTests: XCTestCase {
    let shapes: [([Int], [Int])] = [([3, 5], [3, 5]), ([2, 3, 4], [4]), ([4, 1, 3], [1, 5, 1]), ([7], []), ([2, 3, 1, 1], [1, 3, 2, 2])]

    func testBinaryOpsAgainstReferenceAndFiniteDifferences() {
        for (index, (shapeA, shapeB)) in shapes.enumerated() {
            let a = randomTensor(shapeA, seed: UInt64(index)), b = randomTensor(shapeB, seed: UInt64(index + 50))
            let positive = randomTensor(shapeB, seed: UInt64(index + 80), low: 0.5, high: 1.5)
            checkOp([a, b], { $0[0] + $0[1] }, reference: { Reference.zip($0[0], $0[1], +) })
            checkOp([a, b], { $0[0] - $0[1] }, reference: { Reference.zip($0[0], $0[1], -) })
            checkOp([a, b], { $0[0] * $0[1] }, reference: { Reference.zip($0[0], $0[1], *) })
            checkOp([a, positive], { $0[0] / $0[1] }, reference: { Reference.zip($0[0], $0[1], /) })
        }
    }

    /// Broadcasts past the parallel grain (a bias over rows, a per-channel constant, an outer sum):
    /// split over the outermost axis on two threads, each element as the reference computes it.
    func testLargeBroadcastsSplitAcrossThreadsMatchTheReference() {
        let threads = Parallelism.threadCount
        defer { Parallelism.threadCount = threads }
        let pairs: [([Int], [Int])] = [([130, 600], [600]), ([5, 40, 30, 20], [1, 40, 1, 1]), ([300, 1], [1, 250]), ([1, 260, 130], [3, 1, 130])]
        for count in [1, 2] {
            Parallelism.threadCount = count
            for (index, (shapeA, shapeB)) in pairs.enumerated() {
                let a = randomTensor(shapeA, seed: UInt64(index)), b = randomTensor(shapeB, seed: UInt64(index + 9))
                let expected = Reference.zip(Reference(a), Reference(b), *)
                XCTAssertEqual((a * b).shape, expected.shape)
                XCTAssertEqual((a * b).scalars, expected.values.map(Float.init), "\(shapeA) * \(shapeB) on \(count) threads")
            }
        }
    }

    /// Sums past the parallel grain split a kept axis across threads: the same floats on one and two
    /// threads, and the Double reference's sums.
    func testLargeReductionsSplitAcrossThreadsMatchTheReference() {
        let threads = Parallelism.threadCount
        defer { Parallelism.threadCount = threads }
        let cases: [([Int], [Int])] = [([130, 600], [0]), ([5, 40, 30, 20], [0, 2, 3]), ([300, 250], [1]), ([6, 70, 90], [0, 1])]
        for (index, (shape, axes)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(index + 30))
            var sums: [[Float]] = []
            for count in [1, 2] {
                Parallelism.threadCount = count
                sums.append(x.summed(alongAxes: axes).scalars)
            }
            XCTAssertEqual(sums[0], sums[1], "\(shape) over \(axes)")
            let expected = Reference(x).reduce(axes, keep: true, initial: 0, +).values
            for (value, reference) in zip(sums[1], expected) { XCTAssertEqual(Double(value), reference, accuracy: 1e-3) }
        }
    }

    func testUnaryOpsAgainstReferenceAndFiniteDifferences() {
        let x = randomTensor([3, 7], seed: 1, low: -2, high: 2)
        let positive = randomTensor([3, 7], seed: 2, low: 0.2, high: 3)
        checkOp([x], { -$0[0] }, reference: { $0[0].map { -$0 } })
        checkOp([x], { $0[0].exp() }, reference: { $0[0].map(Foundation.exp) })
        checkOp([positive], { $0[0].log() }, reference: { $0[0].map(Foundation.log) })
        checkOp([positive], { $0[0].clampedLog() }, reference: { $0[0].map(Foundation.log) })
        checkOp([positive], { $0[0].squareRoot() }, reference: { $0[0].map { $0.squareRoot() } })
        checkOp([x], { $0[0].tanh() }, reference: { $0[0].map(Foundation.tanh) })
        checkOp([x], { $0[0].sigmoid() }, reference: { $0[0].map { 1 / (1 + Foundation.exp(-$0)) } })
        checkOp([x], { $0[0].relu() }, reference: { $0[0].map { max($0, 0) } })
        checkOp([x], { $0[0].leakyRelu(slope: 0.2) }, reference: { $0[0].map { $0 > 0 ? $0 : 0.2 * $0 } })
        checkOp([x], { $0[0].abs() }, reference: { $0[0].map(Swift.abs) })
        checkOp([x], { 2 * $0[0] + 1 }, reference: { $0[0].map { 2 * $0 + 1 } })
    }

    func testHandCheckedValues() {
        let x = Tensor(shape: [4], scalars: [-2, -0.5, 0, 3])
        assertClose(x.relu(), [0, 0, 0, 3])
        assertClose(x.leakyRelu(slope: 0.1), [-0.2, -0.05, 0, 3])
        assertClose(Tensor(shape: [3], scalars: [0, 100, -100]).sigmoid(), [0.5, 1, 0])
        assertClose(Tensor(shape: [2, 1], scalars: [1, 2]) + Tensor(shape: [3], scalars: [10, 20, 30]), [11, 21, 31, 12, 22, 32])
        assertClose(x .> Tensor(0), [0, 0, 0, 1])
    }

    /// The vectorisable tanh against the C library's, in Double, over a dense sweep and the edges.
    func testTanhWithinThreeUlpOfTheLibrary() {
        let sweep = stride(from: -12.0, through: 12.0, by: 0.000_731).map { Float($0) }
        let edges: [Float] = [0, -0, 1e-30, -1e-8, 0.624_999_9, 0.625, 0.625_000_1, -0.625, 8.999, 9, 9.001, 40,
                              .greatestFiniteMagnitude, .infinity, -.infinity]
        let inputs = sweep + edges
        let values = Tensor(shape: [inputs.count], scalars: inputs).tanh().scalars
        for (x, value) in zip(inputs, values) {
            let expected = Foundation.tanh(Double(x))
            XCTAssertLessThanOrEqual(Swift.abs(Double(value) - expected), 3 * Double(Float(expected).ulp), "tanh(\(x)) = \(value)")
        }
        XCTAssertTrue(Tensor(shape: [1], scalars: [.nan]).tanh().scalars[0].isNaN)
    }

    func testSigmoidDoesNotOverflow() {
        let y = Tensor(shape: [2], scalars: [-1000, 1000]).sigmoid()
        XCTAssertTrue(y.scalars.allSatisfy(\.isFinite))
    }

    func testReplacingRoutesGradientsByCondition() {
        let condition = Tensor(shape: [2, 3], scalars: [1, 0, 0, 1, 1, 0])
        let a = randomTensor([2, 3], seed: 4), b = randomTensor([3], seed: 5)
        checkOp([a, b], { $0[0].replacing(with: $0[1], where: condition) }, reference: { refs in
            let other = Reference.zip(refs[1], Reference(shape: [2, 3], values: .init(repeating: 0, count: 6)), +)
            let mask = Reference(condition)
            return Reference(shape: [2, 3], values: (0..<6).map { mask.values[$0] != 0 ? other.values[$0] : refs[0].values[$0] })
        })
    }

    func testBroadcastAndSumToShape() {
        let x = randomTensor([3, 1], seed: 6)
        checkOp([x], { $0[0].broadcast(to: [2, 3, 4]) }, reference: { Reference.zip($0[0], Reference(shape: [2, 3, 4], values: .init(repeating: 0, count: 24)), +) })
        let y = randomTensor([2, 3, 4], seed: 7)
        checkOp([y], { $0[0].summed(toShape: [3, 1]) }, reference: { $0[0].reduce([0, 2], keep: true, initial: 0, +).reshapedForTest([3, 1]) })
    }
}

extension Reference {
    func reshapedForTest(_ shape: [Int]) -> Reference { Reference(shape: shape, values: values) }
}
