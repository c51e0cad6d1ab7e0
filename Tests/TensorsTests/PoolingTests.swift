import Foundation
import XCTest
@testable import Tensors

/// Max pooling from the definition, in Double: the oracle for the op and its gradient.
private func referenceMaxPool(_ x: Reference, kernel: Int, stride: Int) -> Reference {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
    var y = Reference(shape: [n, c, oh, ow], values: [Double](repeating: -.infinity, count: n * c * oh * ow))
    for plane in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow { for p in 0..<kernel { for q in 0..<kernel {
        let out = (plane * oh + i) * ow + j
        y.values[out] = Swift.max(y.values[out], x.values[(plane * h + i * stride + p) * w + j * stride + q])
    } } } } }
    return y
}

final class PoolingTests: XCTestCase {
    func testMaxPoolMatchesReferenceAndFiniteDifferences() {
        let x = randomTensor([2, 3, 6, 7], seed: 20)
        for (kernel, stride) in [(2, 2), (3, 2), (2, 1), (3, 3)] {
            checkOp([x], { Tensor.maxPool2d($0[0], kernelSize: kernel, stride: stride) },
                    reference: { referenceMaxPool($0[0], kernel: kernel, stride: stride) })
        }
    }

    func testMaxPoolByHandRoutesGradientToTheFirstMaximum() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 7, 7, 3, 2, 0, 7]).tracked()
        let y = Tensor.maxPool2d(x, kernelSize: 2)
        XCTAssertEqual(y.shape, [1, 1, 1, 2])
        XCTAssertEqual(y.scalars, [5, 7])
        let gradient = gradients(of: (y * Tensor(shape: [1, 1, 1, 2], scalars: [10, 20])).sum(), withRespectTo: [x])[0]
        XCTAssertEqual(gradient.scalars, [0, 10, 20, 0, 0, 0, 0, 0])
    }

    /// ‖∇ₓ Σ w ⊙ maxpool(x)²‖ per sample, differentiated again: pooling inside a gradient penalty.
    func testGradientOfGradientThroughMaxPool() {
        let x = randomTensor([2, 1, 4, 4], seed: 21), weights = randomTensor([1, 1, 2, 2], seed: 22)
        checkOp([x], gradientTolerance: 5e-3, { inputs in
            let output = (Tensor.maxPool2d(inputs[0], kernelSize: 2).squared() * weights).sum()
            let inputGradient = gradients(of: output, withRespectTo: [inputs[0]], createGraph: true)[0]
            return inputGradient.squared().summed(alongAxes: [1, 2, 3]).squareRoot()
        }, reference: { refs in
            // Non-overlapping windows: the input gradient holds 2·w·max once per window, zeros elsewhere.
            let pooled = referenceMaxPool(refs[0], kernel: 2, stride: 2)
            let w = Reference(weights).values
            let perSample = (0..<2).map { sample in
                (0..<4).map { window in 4 * pow(w[window] * pooled.values[sample * 4 + window], 2) }.reduce(0, +).squareRoot()
            }
            return Reference(shape: [2], values: perSample)
        })
    }
}

final class SoftmaxTests: XCTestCase {
    private func referenceLogSoftmax(_ x: Reference) -> Reference {
        let (rows, columns) = (x.shape[0], x.shape[1])
        var values = x.values
        for row in 0..<rows {
            let slice = x.values[(row * columns)..<((row + 1) * columns)]
            let total = log(slice.map { exp($0) }.reduce(0, +))
            for column in 0..<columns { values[row * columns + column] -= total }
        }
        return Reference(shape: x.shape, values: values)
    }

    func testLogSoftmaxMatchesReferenceAndFiniteDifferences() {
        let x = randomTensor([4, 5], seed: 24, low: -3, high: 3)
        checkOp([x], { $0[0].logSoftmax(alongAxis: 1) }, reference: { self.referenceLogSoftmax($0[0]) })
    }

    func testLogSoftmaxIsStableForHugeLogits() {
        let x = Tensor(shape: [1, 3], scalars: [1000, 999, -1000])
        let result = x.logSoftmax(alongAxis: 1).scalars
        XCTAssertEqual(Double(result[0]), -log(1 + exp(-1.0)), accuracy: 1e-5)
        XCTAssertEqual(Double(result[1]), -1 - log(1 + exp(-1.0)), accuracy: 1e-5)
        XCTAssertEqual(Double(result[2]), -2000 - log(1 + exp(-1.0)), accuracy: 1e-2)
        XCTAssertEqual(x.softmax(alongAxis: 1).sum().scalar, 1, accuracy: 1e-6)
    }
}
