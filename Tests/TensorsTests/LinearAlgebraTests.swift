import XCTest
@testable import Tensors

final class LinearAlgebraTests: XCTestCase {
    func testMatmulAllTransposesAndBatches() {
        for (m, k, n) in [(1, 1, 1), (3, 5, 2), (7, 4, 9)] {
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = randomTensor(transposeA ? [2, k, m] : [2, m, k], seed: UInt64(m * 10 + k))
                let b = randomTensor(transposeB ? [2, n, k] : [2, k, n], seed: UInt64(n * 10 + k))
                checkOp([a, b], { Tensor.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) },
                        reference: { Reference.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) })
            }
        }
    }

    func testMatmulSharedRightOperand() {
        let a = randomTensor([2, 3, 4], seed: 20), b = randomTensor([5, 4], seed: 21)
        checkOp([a, b], { Tensor.matmul($0[0], $0[1], transposeB: true) }, reference: { refs in
            Reference.matmul(refs[0].reshapedForTest([6, 4]), refs[1], transposeA: false, transposeB: true).reshapedForTest([2, 3, 5])
        })
        XCTAssertEqual(Tensor.matmul(Tensor(shape: [1, 2], scalars: [1, 2]), Tensor(shape: [2, 1], scalars: [3, 4])).scalars, [11])
    }

    func testConvolutionAgainstReference() {
        let cases: [(input: [Int], weight: [Int], stride: Int, padding: Int)] = [
            ([1, 1, 5, 5], [1, 1, 3, 3], 1, 0), ([2, 3, 7, 6], [4, 3, 3, 3], 2, 1), ([1, 2, 6, 6], [3, 2, 4, 4], 2, 1),
            ([2, 2, 5, 5], [2, 2, 5, 5], 2, 2), ([1, 3, 4, 4], [2, 3, 1, 1], 1, 0),
        ]
        for (index, test) in cases.enumerated() {
            let x = randomTensor(test.input, seed: UInt64(30 + index)), w = randomTensor(test.weight, seed: UInt64(40 + index))
            checkOp([x, w], { Tensor.conv2d($0[0], $0[1], stride: test.stride, padding: test.padding) },
                    reference: { Reference.conv($0[0], $0[1], stride: test.stride, padding: test.padding) })
        }
        let x = randomTensor([1, 2, 7, 7], seed: 50), w = randomTensor([3, 2, 3, 3], seed: 51)
        checkOp([x, w], { Tensor.conv2d($0[0], $0[1], padding: 2, dilation: 2) },
                reference: { Reference.conv($0[0], $0[1], stride: 1, padding: 2, dilation: 2) })
    }

    func testConvolutionHandChecked() {
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, -1])
        XCTAssertEqual(Tensor.conv2d(x, w).scalars, [-4, -4, -4, -4])
    }

    func testTransposedConvolutionAgainstReference() {
        let cases: [(input: [Int], weight: [Int], stride: Int, padding: Int, outputPadding: Int)] = [
            ([1, 2, 3, 3], [2, 3, 3, 3], 1, 1, 0), ([2, 3, 4, 4], [3, 2, 5, 5], 2, 2, 1), ([1, 2, 3, 3], [2, 1, 4, 4], 2, 1, 0),
            ([1, 4, 1, 1], [4, 2, 4, 4], 1, 0, 0),
        ]
        for (index, test) in cases.enumerated() {
            let x = randomTensor(test.input, seed: UInt64(60 + index)), w = randomTensor(test.weight, seed: UInt64(70 + index))
            checkOp([x, w], { Tensor.convTranspose2d($0[0], $0[1], stride: test.stride, padding: test.padding, outputPadding: test.outputPadding) },
                    reference: { Reference.convTransposed($0[0], $0[1], stride: test.stride, padding: test.padding, outputPadding: test.outputPadding) })
        }
    }
}
