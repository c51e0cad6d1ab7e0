import Foundation
import XCTest
@testable import NN
import Tensors

final class OptimizerTests: XCTestCase {
    func testAdamFirstStepsMatchHandComputedValues() {
        let parameter = Parameter(Tensor(shape: [2], scalars: [1, -1]))
        let adam = Adam(parameters: [("p", parameter)], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        // Step 1: m̂ = g, v̂ = g², so the update is lr·sign(g) (up to ε).
        adam.update(with: [Tensor(shape: [2], scalars: [0.5, -2])])
        XCTAssertEqual(parameter.value.scalars[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(parameter.value.scalars[1], -0.9, accuracy: 1e-6)
        // Step 2 with g = 1: m = 0.9·0.05 + 0.1 = 0.145, m̂ = 0.145/0.19; v = 0.999·0.00025 + 0.001, v̂ = v/0.001999.
        adam.update(with: [Tensor(shape: [2], scalars: [1, 1])])
        let m = 0.145 / 0.19, v = (0.999 * 0.00025 + 0.001) / (1 - 0.999 * 0.999)
        XCTAssertEqual(Double(parameter.value.scalars[0]), 0.9 - 0.1 * m / (v.squareRoot() + 1e-8), accuracy: 1e-5)
        XCTAssertEqual(adam.step, 2)
    }

    func testAdamStateRoundTripsAndRejectsMismatches() throws {
        let parameter = Parameter(Tensor(shape: [3], scalars: [1, 2, 3]))
        let adam = Adam(parameters: [("layer.weight", parameter)])
        adam.update(with: [Tensor(shape: [3], scalars: [1, 1, 1])])
        let saved = adam.state
        let restored = Adam(parameters: [("layer.weight", Parameter(Tensor(zeros: [3])))])
        try restored.load(state: saved.tensors, step: saved.step)
        XCTAssertEqual(restored.state.tensors["exp_avg.layer.weight"]?.scalars, saved.tensors["exp_avg.layer.weight"]?.scalars)
        XCTAssertEqual(restored.step, 1)
        let wrong = Adam(parameters: [("layer.weight", Parameter(Tensor(zeros: [4])))])
        XCTAssertThrowsError(try wrong.load(state: saved.tensors, step: 1))
        XCTAssertThrowsError(try wrong.load(state: [:], step: 1))
    }

    func testSGDMomentumMatchesPyTorch() {
        let parameter = Parameter(Tensor(shape: [1], scalars: [1]))
        let sgd = SGD(parameters: [("p", parameter)], learningRate: 0.1, momentum: 0.9)
        sgd.update(with: [Tensor(shape: [1], scalars: [1])])  // b = 1, p = 0.9
        sgd.update(with: [Tensor(shape: [1], scalars: [1])])  // b = 1.9, p = 0.71
        XCTAssertEqual(parameter.value.scalars[0], 0.71, accuracy: 1e-6)
    }

    func testOptimizerUpdatesInPlaceKeepingTheLeafTracked() {
        var generator = RandomGenerator(seed: 1)
        let linear = Linear(inputSize: 3, outputSize: 1, generator: &generator)
        let adam = Adam(parameters: linear.namedParameters(), learningRate: 0.01)
        let input = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        var losses: [Float] = []
        for _ in 0..<20 {
            let loss = Loss.meanSquaredError(linear(input), Tensor(shape: [1, 1], scalars: [5]))
            losses.append(loss.scalar)
            adam.update(with: gradients(of: loss, withRespectTo: linear.parameters().map(\.value)))
        }
        XCTAssertTrue(linear.weight.value.isTracked)
        XCTAssertLessThan(losses.last!, losses.first! * 0.8)
    }
}

final class LossTests: XCTestCase {
    func testLossValuesAgainstHandComputation() {
        let p = Tensor(shape: [2], scalars: [0.8, 0.3]), t = Tensor(shape: [2], scalars: [1, 0])
        XCTAssertEqual(Loss.binaryCrossEntropy(p, t).scalar, -(log(0.8) + log(0.7)) / 2, accuracy: 1e-6)
        XCTAssertEqual(Loss.binaryCrossEntropy(Tensor(shape: [1], scalars: [0]), Tensor(shape: [1], scalars: [1])).scalar, 100, accuracy: 1e-3)
        let logits = Tensor(shape: [3], scalars: [2, -1, 0]), targets = Tensor(shape: [3], scalars: [1, 0, 1])
        let expected: Double = (Foundation.log(1 + Foundation.exp(-2.0)) + Foundation.log(1 + Foundation.exp(-1.0)) + Foundation.log(2.0)) / 3
        XCTAssertEqual(Loss.binaryCrossEntropyWithLogits(logits, targets).scalar, Float(expected), accuracy: 1e-6)
        XCTAssertEqual(Loss.meanSquaredError(p, t).scalar, (0.04 + 0.09) / 2, accuracy: 1e-6)
        XCTAssertEqual(Loss.meanAbsoluteError(p, t).scalar, 0.25, accuracy: 1e-6)
    }

    /// A saturated discriminator (p exactly 0 or 1 in float32) must give finite losses and gradients.
    func testBCEOnSaturatedProbabilitiesHasFiniteGradients() {
        let probabilities = Tensor(shape: [4], scalars: [0, 1, 1e-30, 0.5]).tracked()
        for target: Float in [0, 1] {
            let loss = Loss.binaryCrossEntropy(probabilities, Tensor(repeating: target, shape: [4]))
            XCTAssertTrue(loss.scalar.isFinite)
            let gradient = gradients(of: loss, withRespectTo: [probabilities])[0]
            XCTAssertTrue(gradient.scalars.allSatisfy(\.isFinite), "\(gradient)")
        }
        // Through a saturated sigmoid, as in a discriminator that is sure.
        let logits = Tensor(shape: [2], scalars: [200, -200]).tracked()
        let loss = Loss.binaryCrossEntropy(logits.sigmoid(), Tensor(shape: [2], scalars: [0, 1]))
        XCTAssertEqual(loss.scalar, 100, accuracy: 1e-3)
        XCTAssertTrue(gradients(of: loss, withRespectTo: [logits])[0].scalars.allSatisfy(\.isFinite))
    }

    func testBCEWithLogitsIsStableAndMatchesSigmoidBCE() {
        let huge = Tensor(shape: [2], scalars: [1000, -1000]), targets = Tensor(shape: [2], scalars: [0, 1])
        XCTAssertEqual(Loss.binaryCrossEntropyWithLogits(huge, targets).scalar, 1000, accuracy: 1e-3)
        let logits = Tensor(shape: [4], scalars: [0.3, -1.2, 2.5, -0.1]).tracked(), labels = Tensor(shape: [4], scalars: [1, 0, 0, 1])
        let fused = Loss.binaryCrossEntropyWithLogits(logits, labels)
        let plain = Loss.binaryCrossEntropy(logits.sigmoid(), labels)
        XCTAssertEqual(fused.scalar, plain.scalar, accuracy: 1e-5)
        let (a, b) = (gradients(of: fused, withRespectTo: [logits])[0], gradients(of: plain, withRespectTo: [logits])[0])
        for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        // d/dx BCE-with-logits = (σ(x) − t)/N.
        XCTAssertEqual(a.scalars[0], (1 / (1 + exp(-0.3)) - 1) / 4, accuracy: 1e-6)
    }
    /// Softmax cross-entropy: −mean log softmax at the label, gradient (softmax − one-hot)/N, stable for huge logits.
    func testSoftmaxCrossEntropyValueGradientAndStability() {
        let rows: [[Double]] = [[1, 2, 0.5], [-1, 0, 3]]
        let labels = [1, 0]
        let logits = Tensor(shape: [2, 3], scalars: rows.flatMap { $0.map(Float.init) }).tracked()
        let loss = Loss.softmaxCrossEntropy(logits, labels: labels)
        let softmax = rows.map { row -> [Double] in
            let total = row.map { Foundation.exp($0) }.reduce(0, +)
            return row.map { Foundation.exp($0) / total }
        }
        let expected = -(Foundation.log(softmax[0][1]) + Foundation.log(softmax[1][0])) / 2
        XCTAssertEqual(Double(loss.scalar), expected, accuracy: 1e-6)
        let gradient = gradients(of: loss, withRespectTo: [logits])[0].scalars
        for row in 0..<2 {
            for column in 0..<3 {
                let target: Double = column == labels[row] ? 1 : 0
                XCTAssertEqual(Double(gradient[row * 3 + column]), (softmax[row][column] - target) / 2, accuracy: 1e-6)
            }
        }
        let huge = Loss.softmaxCrossEntropy(Tensor(shape: [1, 2], scalars: [1000, -1000]), labels: [1])
        XCTAssertEqual(huge.scalar, 2000, accuracy: 1e-2)
    }
}
