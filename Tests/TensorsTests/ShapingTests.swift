import XCTest
@testable import Tensors

final class ShapingTests: XCTestCase {
    func testReductions() {
        let x = randomTensor([2, 3, 5], seed: 10)
        for axes in [[0], [1], [2], [0, 2], [0, 1, 2]] {
            for keep in [true, false] {
                checkOp([x], { $0[0].summed(alongAxes: axes, keepingDimensions: keep) },
                        reference: { $0[0].reduce(axes, keep: keep, initial: 0, +) })
                checkOp([x], { $0[0].max(alongAxes: axes, keepingDimensions: keep) },
                        reference: { $0[0].reduce(axes, keep: keep, initial: -.infinity, Swift.max) })
            }
        }
        checkOp([x], { $0[0].mean(alongAxes: [0, 2]) }, reference: { $0[0].reduce([0, 2], keep: false, initial: 0, +).map { $0 / 10 } })
        XCTAssertEqual(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]).sum().scalar, 10)
        XCTAssertEqual(Tensor(shape: [2, 2], scalars: [1, 5, 3, 4]).max(alongAxes: [1]).scalars, [5, 4])
    }

    func testMaxSharesGradientAmongTies() {
        let x = Tensor(shape: [3], scalars: [2, 2, 1]).tracked()
        let gradient = gradients(of: x.max(alongAxes: [0]), withRespectTo: [x])[0]
        XCTAssertEqual(gradient.scalars, [0.5, 0.5, 0])
    }

    func testReshapePermuteTranspose() {
        let x = randomTensor([2, 3, 4], seed: 11)
        checkOp([x], { $0[0].reshaped(to: [4, -1]) }, reference: { $0[0].reshapedForTest([4, 6]) })
        for permutation in [[2, 0, 1], [1, 0, 2], [0, 2, 1]] {
            checkOp([x], { $0[0].permuted(permutation) }, reference: { $0[0].permuted(permutation) })
        }
        XCTAssertEqual(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).transposed().scalars, [1, 4, 2, 5, 3, 6])
    }

    func testSlicePadConcat() {
        let x = randomTensor([3, 4, 5], seed: 12)
        checkOp([x], { $0[0].sliced(from: [1, 0, 2], to: [3, 3, 5]) }, reference: { $0[0].sliced([1, 0, 2], [3, 3, 5]) })
        checkOp([x], { $0[0].padded(before: [0, 1, 2], after: [1, 0, 3]) }, reference: { $0[0].padded([0, 1, 2], [1, 0, 3]) })
        let y = randomTensor([3, 2, 5], seed: 13)
        checkOp([x, y], { Tensor.concatenating($0, alongAxis: 1) }, reference: { refs in
            let width = 6
            var values: [Double] = []
            for row in 0..<3 {
                values += refs[0].values[(row * 20)..<(row * 20 + 20)]
                values += refs[1].values[(row * 10)..<(row * 10 + 10)]
            }
            return Reference(shape: [3, width, 5], values: values)
        })
        XCTAssertEqual(Tensor(shape: [2], scalars: [1, 2]).padded(before: [1], after: [2]).scalars, [0, 1, 2, 0, 0])
    }

    func testGatherAndScatterRows() {
        let table = randomTensor([5, 3], seed: 14)
        let indices = [4, 0, 4, 2]
        checkOp([table], { $0[0].gatheringRows(indices) }, reference: { ref in
            Reference(shape: [4, 3], values: indices.flatMap { ref[0].values[($0 * 3)..<($0 * 3 + 3)] })
        })
        let rows = randomTensor([4, 3], seed: 15)
        checkOp([rows], { $0[0].scatteringRows(indices, rowCount: 5) }, reference: { ref in
            var values = [Double](repeating: 0, count: 15)
            for (row, index) in indices.enumerated() { for column in 0..<3 { values[index * 3 + column] += ref[0].values[row * 3 + column] } }
            return Reference(shape: [5, 3], values: values)
        })
    }

    func testDropoutIsSeededAndScaled() {
        let x = Tensor(repeating: 1, shape: [1000])
        var first = RandomGenerator(seed: 3), second = RandomGenerator(seed: 3)
        let a = x.dropout(probability: 0.3, generator: &first), b = x.dropout(probability: 0.3, generator: &second)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertTrue(a.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.7) < 1e-6 })
        let kept = a.scalars.filter { $0 != 0 }.count
        XCTAssertTrue((620...780).contains(kept), "kept \(kept) of 1000")
    }
}
