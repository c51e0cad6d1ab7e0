import Foundation
import XCTest
@testable import Tensors

final class AutodiffTests: XCTestCase {
    /// Per-sample ‖∇ₓ g‖ for g(x) = Σ tanh(x·W1ᵀ + b1)·W2ᵀ, then differentiated again (WGAN-GP's shape).
    func testGradientNormOfMLPDifferentiatedAgain() {
        let x = randomTensor([2, 3], seed: 1), w1 = randomTensor([4, 3], seed: 2)
        let b1 = randomTensor([4], seed: 3), w2 = randomTensor([1, 4], seed: 4)
        checkOp([x, w1, b1, w2], gradientTolerance: 5e-3, { inputs in
            let hidden = (Tensor.matmul(inputs[0], inputs[1], transposeB: true) + inputs[2]).tanh()
            let output = Tensor.matmul(hidden, inputs[3], transposeB: true).sum()
            let inputGradient = gradients(of: output, withRespectTo: [inputs[0]], createGraph: true)[0]
            return inputGradient.squared().summed(alongAxes: [1]).squareRoot()
        }, reference: { refs in
            let (x, w1, b1, w2) = (refs[0], refs[1], refs[2], refs[3])
            let preactivation = Reference.zip(Reference.matmul(x, w1, transposeA: false, transposeB: true), b1, +)
            let slope = Reference.zip(preactivation.map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }, w2.reshapedForTest([4]), *)
            let inputGradient = Reference.matmul(slope, w1, transposeA: false, transposeB: false)
            return inputGradient.map { $0 * $0 }.reduce([1], keep: false, initial: 0, +).map { $0.squareRoot() }
        })
    }

    /// Gradients of gradients through the rectifiers' fused backward rule: ∇ₓ Σ w ⊙ leaky(x) is
    /// w ⊙ s(x), whose squared norm differentiates to 2 w s(x)² in w (s = 1 or the slope).
    func testRectifierGradientsDifferentiateAgain() {
        let x = randomTensor([3, 5], seed: 8, low: -1, high: 1)
        for slope: Float in [0.2, 0] {
            checkOp([randomTensor([3, 5], seed: 9)], { inputs in
                let input = x.tracked()
                let output = (input.leakyRelu(slope: slope) * inputs[0]).sum()
                return gradients(of: output, withRespectTo: [input], createGraph: true)[0].squared()
            }, reference: { refs in
                let factors = Reference(x).map { $0 > 0 ? 1 : Double(slope) }
                return Reference.zip(refs[0], factors) { $0 * $0 * $1 * $1 }
            })
        }
    }

    /// The same for a convolutional critic: g(x) = Σ w2 ⊙ tanh(conv(x, W)).
    func testGradientNormOfConvNetDifferentiatedAgain() {
        let x = randomTensor([2, 2, 4, 4], seed: 5), weight = randomTensor([3, 2, 3, 3], seed: 6)
        let readout = randomTensor([1, 3, 4, 4], seed: 7)
        checkOp([x, weight, readout], gradientTolerance: 5e-3, { inputs in
            let output = (Tensor.conv2d(inputs[0], inputs[1], padding: 1).tanh() * inputs[2]).sum()
            let inputGradient = gradients(of: output, withRespectTo: [inputs[0]], createGraph: true)[0]
            return inputGradient.squared().summed(alongAxes: [1, 2, 3]).squareRoot()
        }, reference: { refs in
            let activation = Reference.conv(refs[0], refs[1], stride: 1, padding: 1)
            let slope = Reference.zip(activation.map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }, refs[2], *)
            let inputGradient = Reference.convTransposed(slope, refs[1], stride: 1, padding: 1, outputPadding: 0)
            return inputGradient.map { $0 * $0 }.reduce([1, 2, 3], keep: false, initial: 0, +).map { $0.squareRoot() }
        })
    }

    func testSecondDerivativeOfScalarFunctions() {
        let x = Tensor(shape: [3], scalars: [0.3, -0.7, 1.2]).tracked()
        let first = gradients(of: (x * x * x).sum(), withRespectTo: [x], createGraph: true)[0]
        let second = gradients(of: first.sum(), withRespectTo: [x])[0]
        assertClose(second, [1.8, -4.2, 7.2], tolerance: 1e-5)
        let sigmoidFirst = gradients(of: x.sigmoid().sum(), withRespectTo: [x], createGraph: true)[0]
        let sigmoidSecond = gradients(of: sigmoidFirst.sum(), withRespectTo: [x])[0]
        let expected = [Float(0.3), -0.7, 1.2].map { v -> Float in
            let s = 1 / (1 + Foundation.exp(-v))
            return s * (1 - s) * (1 - 2 * s)
        }
        assertClose(sigmoidSecond, expected, tolerance: 1e-5)
    }

    func testDetachAndNoGradientScopesStopGradients() {
        let x = Tensor(shape: [2], scalars: [1, 2]).tracked()
        XCTAssertEqual(gradients(of: (x.detached() * x).sum(), withRespectTo: [x])[0].scalars, [1, 2])
        let untracked = withoutGradients { (x * x).sum() }
        XCTAssertFalse(untracked.isTracked)
        XCTAssertEqual(gradients(of: untracked, withRespectTo: [x])[0].scalars, [0, 0])
    }

    func testGradientsAccumulateOverReuseAndIgnoreUnrelatedVariables() {
        let x = Tensor(shape: [2], scalars: [1, 3]).tracked(), unrelated = Tensor(zeros: [4]).tracked()
        let y = (x * 2 + x * x).sum()
        let result = gradients(of: y, withRespectTo: [x, unrelated])
        XCTAssertEqual(result[0].scalars, [4, 8])
        XCTAssertEqual(result[1].scalars, [0, 0, 0, 0])
    }

    func testFirstOrderGradientsAreNotRecorded() {
        let x = Tensor(shape: [2], scalars: [1, 3]).tracked()
        XCTAssertFalse(gradients(of: (x * x).sum(), withRespectTo: [x])[0].isTracked)
        XCTAssertTrue(gradients(of: (x * x).sum(), withRespectTo: [x], createGraph: true)[0].isTracked)
    }
}

final class RandomGeneratorTests: XCTestCase {
    func testPhiloxMatchesPublishedKnownAnswer() {
        // Random123's known-answer test for philox4x32-10 with counter and key all zero.
        let block = RandomGenerator.philox(counter: (0, 0), key: 0)
        XCTAssertEqual([block.0, block.1, block.2, block.3], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
    }

    func testSameSeedSameNumbersAndResumableOffset() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        let first = (0..<10).map { _ in a.next() }
        XCTAssertEqual(first, (0..<10).map { _ in b.next() })
        var resumed = RandomGenerator(seed: 42, offset: 5)
        XCTAssertEqual((0..<5).map { _ in resumed.next() }, Array(first[5...]))
        XCTAssertNotEqual(RandomGenerator(seed: 43).derived(stream: 0), RandomGenerator(seed: 42).derived(stream: 0))
        // Bulk fills consume words exactly as single draws do, from any starting offset.
        var single = RandomGenerator(seed: 9, offset: 3), bulk = single
        let singles = (0..<11).map { _ in single.nextUniform() }
        var filled = [Float](repeating: 0, count: 11)
        filled.withUnsafeMutableBufferPointer { bulk.fillUniform($0) }
        XCTAssertEqual(filled, singles)
        XCTAssertEqual(single, bulk)
    }

    /// Fills split across threads draw each number from its own place in the stream: large fills
    /// from unaligned offsets equal single draws (uniform), and the same numbers on 1 and 2 threads.
    func testConcurrentFillsEqualSerialDrawsOnAnyThreadCount() {
        let threads = Parallelism.threadCount
        defer { Parallelism.threadCount = threads }
        var single = RandomGenerator(seed: 5, offset: 7)
        let singles = (0..<50_001).map { _ in single.nextUniform() }
        var fills: [[Float]] = []
        for count in [1, 2] {
            Parallelism.threadCount = count
            var generator = RandomGenerator(seed: 5, offset: 7)
            var uniform = [Float](repeating: 0, count: 50_001)
            uniform.withUnsafeMutableBufferPointer { generator.fillUniform($0) }
            XCTAssertEqual(uniform, singles)
            XCTAssertEqual(generator, single)
            let normal = Tensor.randomNormal([40_001], generator: &generator).scalars
            let dropped = Tensor(repeating: 1, shape: [30_001]).dropout(probability: 0.5, generator: &generator).scalars
            XCTAssertEqual(generator.offset, 7 + 50_001 + 40_002 + 30_001)
            fills.append(normal + dropped)
        }
        XCTAssertEqual(fills[0], fills[1])
        // The dropout mask is the stream's words, one per element, from where the normals stopped.
        var words = RandomGenerator(seed: 5, offset: 7 + 50_001 + 40_002)
        XCTAssertEqual(Array(fills[0][40_001...]), (0..<30_001).map { _ in words.nextUniform() < 0.5 ? 2 : 0 })
    }

    func testNormalAndUniformMoments() {
        var generator = RandomGenerator(seed: 7)
        let normal = Tensor.randomNormal([20_000], generator: &generator).scalars.map(Double.init)
        let mean = normal.reduce(0, +) / 20_000
        let variance = normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        let uniform = Tensor.randomUniform([20_000], low: -1, high: 1, generator: &generator).scalars
        XCTAssertTrue(uniform.allSatisfy { $0 >= -1 && $0 < 1 })
        XCTAssertEqual(Double(uniform.reduce(0, +)) / 20_000, 0, accuracy: 0.03)
        XCTAssertEqual(generator.permutation(10).sorted(), Array(0..<10))
    }
}

final class NormalizationTests: XCTestCase {
    /// The fused kernels against the formula in Double, first order against finite differences.
    func testFusedBatchNormAgainstReference() {
        for shape in [[5, 3], [3, 2, 3, 2]] {
            let x = randomTensor(shape, seed: 1, low: -2, high: 2)
            let weight = randomTensor([shape[1]], seed: 2), bias = randomTensor([shape[1]], seed: 3)
            checkOp([x, weight, bias], gradientTolerance: 5e-3, {
                Tensor.batchNormalized($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-3).output
            }, reference: { refs in
                let axes = shape.count == 2 ? [0] : [0, 2, 3]
                let count = Double(shape[0] * shape.dropFirst(2).reduce(1, *))
                let channelShape = shape.count == 2 ? [1, shape[1]] : [1, shape[1], 1, 1]
                let mean = refs[0].reduce(axes, keep: true, initial: 0, +).map { $0 / count }
                let centered = Reference.zip(refs[0], mean, -)
                let variance = centered.map { $0 * $0 }.reduce(axes, keep: true, initial: 0, +).map { $0 / count }
                let normalized = Reference.zip(centered, variance.map { ($0 + 1e-3).squareRoot() }, /)
                return Reference.zip(Reference.zip(normalized, refs[1].reshapedForTest(channelShape), *), refs[2].reshapedForTest(channelShape), +)
            })
        }
    }

    /// Enough channels that the fused kernels split them into blocks across threads, in both layouts:
    /// values and first-order gradients equal the composed twin's.
    func testFusedBatchNormMatchesComposedTwinAcrossChannelBlocks() {
        for shape in [[33, 700], [3, 300, 3, 5]] {
            let x = randomTensor(shape, seed: 11, low: -2, high: 2).tracked()
            let weight = randomTensor([shape[1]], seed: 12).tracked(), bias = randomTensor([shape[1]], seed: 13).tracked()
            let readout = randomTensor(shape, seed: 14)
            func run(_ normalize: () -> Tensor) -> [Tensor] {
                let output = normalize()
                return [output] + gradients(of: (output * readout).sum(), withRespectTo: [x, weight, bias])
            }
            let fused = run { Tensor.batchNormalized(x, weight: weight, bias: bias, epsilon: 1e-5).output }
            let composed = run { Tensor.composedBatchNorm(x, weight, bias, epsilon: 1e-5) }
            for (a, b) in zip(fused, composed) {
                assertClose(a.scalars.map(Double.init), b.scalars.map(Double.init), tolerance: 1e-3, "\(shape)")
            }
        }
    }

    /// Instance normalisation against the formula in Double, its gradient against finite differences.
    func testInstanceNormAgainstReference() {
        let shape = [2, 3, 3, 2]
        let x = randomTensor(shape, seed: 8, low: -2, high: 2)
        checkOp([x], gradientTolerance: 5e-3, { $0[0].instanceNormalized(epsilon: 1e-3) }, reference: { refs in
            let count = Double(shape[2] * shape[3])
            let mean = refs[0].reduce([2, 3], keep: true, initial: 0, +).map { $0 / count }
            let centered = Reference.zip(refs[0], mean, -)
            let variance = centered.map { $0 * $0 }.reduce([2, 3], keep: true, initial: 0, +).map { $0 / count }
            return Reference.zip(centered, variance.map { ($0 + 1e-3).squareRoot() }, /)
        })
        let normalized = x.instanceNormalized()
        let planeMeans = normalized.mean(alongAxes: [2, 3]).scalars
        XCTAssertTrue(planeMeans.allSatisfy { Swift.abs($0) < 1e-5 }, "every plane has mean 0: \(planeMeans)")
    }

    /// Second order: the fused op's gradient-norm differentiated again equals the composed twin's.
    func testFusedBatchNormSecondOrderMatchesComposedTwin() {
        let x = randomTensor([4, 3], seed: 4).tracked(), weight = randomTensor([3], seed: 5).tracked()
        let bias = randomTensor([3], seed: 6), readout = randomTensor([4, 3], seed: 7)
        func penalty(_ normalize: (Tensor) -> Tensor) -> [Tensor] {
            let output = (normalize(x).tanh() * readout).sum()
            let inputGradient = gradients(of: output, withRespectTo: [x], createGraph: true)[0]
            return gradients(of: inputGradient.squared().sum(), withRespectTo: [x, weight])
        }
        let fused = penalty { Tensor.batchNormalized($0, weight: weight, bias: bias, epsilon: 1e-5).output }
        let composed = penalty { Tensor.composedBatchNorm($0, weight, bias, epsilon: 1e-5) }
        for (a, b) in zip(fused, composed) {
            assertClose(a.scalars.map(Double.init), b.scalars.map(Double.init), tolerance: 1e-4, "second order")
        }
    }
}
