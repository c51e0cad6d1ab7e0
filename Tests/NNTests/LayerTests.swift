import Foundation
import XCTest
@testable import NN
import Tensors

final class LayerTests: XCTestCase {
    final class TinyModel: Module {
        let labelEmbedding: Embedding
        let model: Sequential
        init(generator: inout RandomGenerator) {
            labelEmbedding = Embedding(count: 10, dimension: 4, generator: &generator)
            model = Sequential {
                Linear(inputSize: 4, outputSize: 3, generator: &generator)
                Activation.leakyRelu(0.2)
                BatchNorm(featureCount: 3, generator: &generator)
                Dropout(probability: 0.5, seed: 1)
            }
        }
    }

    func testParametersAndBuffersAreNamedByPathLikePyTorch() {
        var generator = RandomGenerator(seed: 0)
        let model = TinyModel(generator: &generator)
        XCTAssertEqual(model.namedParameters().map(\.name),
                       ["label_embedding.weight", "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"])
        XCTAssertEqual(model.namedBuffers().map(\.name),
                       ["model.2.running_mean", "model.2.running_var", "model.2.num_batches_tracked"])
        XCTAssertEqual(model.namedRandomStreams().map(\.name), ["model.3.random"])
        XCTAssertEqual(model.parameterCount, 40 + 12 + 3 + 3 + 3)
    }

    func testTrainingModeIsAPropertyOfTheTree() {
        var generator = RandomGenerator(seed: 0)
        let model = TinyModel(generator: &generator)
        model.eval()
        XCTAssertFalse(model.model.layers[3].isTraining)
        model.train()
        XCTAssertTrue(model.model.layers[2].isTraining)
    }

    func testLayerShapesAndParameterCounts() {
        var generator = RandomGenerator(seed: 1)
        let linear = Linear(inputSize: 5, outputSize: 3, generator: &generator)
        XCTAssertEqual(linear(Tensor(zeros: [2, 5])).shape, [2, 3])
        XCTAssertEqual(linear.parameterCount, 18)
        let conv = Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 5, stride: 2, padding: 2, generator: &generator)
        XCTAssertEqual(conv(Tensor(zeros: [2, 1, 28, 28])).shape, [2, 4, 14, 14])
        XCTAssertEqual(conv.parameterCount, 4 * 25 + 4)
        let deconv = ConvTranspose2d(inputChannels: 4, outputChannels: 2, kernelSize: 5, stride: 2, padding: 2,
                                     outputPadding: 1, bias: false, generator: &generator)
        XCTAssertEqual(deconv.weight.value.shape, [4, 2, 5, 5])
        XCTAssertEqual(deconv(Tensor(zeros: [1, 4, 7, 7])).shape, [1, 2, 14, 14])
        XCTAssertEqual(Embedding(count: 10, dimension: 3, generator: &generator)([1, 9, 1]).shape, [3, 3])
        XCTAssertEqual(Reshape.flatten(Tensor(zeros: [2, 3, 4])).shape, [2, 12])
    }

    func testLinearComputesXWTransposePlusBias() {
        var generator = RandomGenerator(seed: 2)
        let linear = Linear(inputSize: 2, outputSize: 2, generator: &generator)
        linear.weight.value = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]).tracked()
        linear.bias!.value = Tensor(shape: [2], scalars: [10, 20]).tracked()
        XCTAssertEqual(linear(Tensor(shape: [1, 2], scalars: [1, 1])).scalars, [13, 27])
    }

    func testInitializerBounds() {
        var generator = RandomGenerator(seed: 3)
        let linear = Linear(inputSize: 100, outputSize: 50, generator: &generator)
        XCTAssertLessThanOrEqual(linear.weight.value.scalars.map(abs).max()!, 0.1)
        XCTAssertGreaterThan(linear.weight.value.scalars.map(abs).max()!, 0.09)
        let glorot = Initializer.glorotUniform.weight([64, 1, 5, 5], generator: &generator)
        let bound = (6.0 / Float(25 + 64 * 25)).squareRoot()
        XCTAssertLessThanOrEqual(glorot.scalars.map(abs).max()!, bound)
        XCTAssertGreaterThan(glorot.scalars.map(abs).max()!, 0.95 * bound)
        let normal = Initializer.normal(standardDeviation: 0.02).weight([100, 100], generator: &generator).scalars
        let deviation = (normal.map { $0 * $0 }.reduce(0, +) / Float(normal.count)).squareRoot()
        XCTAssertEqual(deviation, 0.02, accuracy: 0.001)
    }

    func testDropoutTrainAndEval() {
        let dropout = Dropout(probability: 0.5, seed: 4)
        let input = Tensor(repeating: 1, shape: [100])
        XCTAssertTrue(dropout(input).scalars.contains(0))
        dropout.eval()
        XCTAssertEqual(dropout(input).scalars, input.scalars)
    }

    func testBatchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        var generator = RandomGenerator(seed: 5)
        let norm = BatchNorm(featureCount: 2, momentum: 0.1, generator: &generator)
        // Channel 0: 1, 3 (mean 2, biased var 1, unbiased 2); channel 1: 2, 6 (mean 4, var 4, unbiased 8).
        let input = Tensor(shape: [2, 2], scalars: [1, 2, 3, 6])
        let output = norm(input)
        let scale = 1 / Float(1 + 1e-5).squareRoot(), scale1 = 2 / Float(4 + 1e-5).squareRoot()
        assertValues(output, [-scale, -scale1, scale, scale1])
        assertValues(norm.runningMean.value, [0.2, 0.4])
        assertValues(norm.runningVariance.value, [0.9 + 0.2, 0.9 + 0.8])
        XCTAssertEqual(norm.batchesTracked.value.scalar, 1)
        norm.eval()
        let evaluated = norm(Tensor(shape: [1, 2], scalars: [0.2, 0.4]))
        assertValues(evaluated, [0, 0])
    }

    func testBatchNorm2dNormalisesPerChannelAndIsDifferentiable() {
        var generator = RandomGenerator(seed: 6)
        let norm = BatchNorm(featureCount: 3, generator: &generator)
        let input = Tensor.randomNormal([4, 3, 2, 2], mean: 3, standardDeviation: 2, generator: &generator).tracked()
        let output = norm(input)
        for channel in 0..<3 {
            let values = (0..<4).flatMap { n in (0..<4).map { output[n, channel, $0 / 2, $0 % 2] } }
            XCTAssertEqual(values.reduce(0, +) / 16, 0, accuracy: 1e-5)
        }
        // The normalised output's sum is constant in the input, so its gradient vanishes.
        let gradient = gradients(of: output.sum(), withRespectTo: [input])[0]
        XCTAssertLessThan(gradient.scalars.map(abs).max()!, 1e-4)
    }

    private func assertValues(_ tensor: Tensor, _ expected: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(tensor.scalarCount, expected.count, file: file, line: line)
        for (actual, wanted) in zip(tensor.scalars, expected) { XCTAssertEqual(actual, wanted, accuracy: 1e-4, file: file, line: line) }
    }
    func testMaxPoolLayerHalvesEachSideAndHasNoParameters() {
        let pool = MaxPool2d(kernelSize: 2)
        let input = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, -2, -3, 4, 0, -1, -9])
        let output = pool(input)
        XCTAssertEqual(output.shape, [1, 1, 1, 2])
        XCTAssertEqual(output.scalars, [5, -1])
        XCTAssertEqual(pool.parameterCount, 0)
        XCTAssertEqual(MaxPool2d(kernelSize: 3, stride: 1)(Tensor(zeros: [2, 3, 6, 5])).shape, [2, 3, 4, 3])
    }
}
