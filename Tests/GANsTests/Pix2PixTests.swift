import XCTest
@testable import GANs
import NN
import Tensors

/// The U-Net and PatchGAN against the reference's sizes and names, and the training step.
final class Pix2PixTests: XCTestCase {
    func configuration(size: Int = 32, channels: (Int, Int) = (1, 1), normalization: Pix2Pix.Normalization = .batch) -> Pix2Pix.Configuration {
        Pix2Pix.Configuration(imageSize: size, sourceChannels: channels.0, targetChannels: channels.1, normalization: normalization)
    }

    /// The counts of `docs/reference-models.md` (PyTorch's `sum(p.numel() for p in net.parameters())`).
    func testParameterCountsMatchTheReference() {
        let small = Pix2Pix(seed: 0, configuration: configuration())
        XCTAssertEqual(small.generator.parameterCount, 16_652_929)
        XCTAssertEqual(small.discriminator.parameterCount, 2_764_609)
        let large = Pix2Pix(seed: 0, configuration: configuration(size: 256, channels: (3, 3)))
        XCTAssertEqual(large.generator.parameterCount, 54_413_955)
        XCTAssertEqual(large.discriminator.parameterCount, 2_768_705)
        XCTAssertEqual(large.generator.namedRandomStreams().count, 3, "dropout in the 8 − 5 levels outside the innermost")
        XCTAssertEqual(small.generator.namedRandomStreams().count, 0, "no dropout level at 32×32")
    }

    /// Instance norm has no parameters, so its convolutions keep their biases (the reference's `use_bias`).
    func testInstanceNormHasNoStateAndBiasedConvolutions() {
        let model = Pix2Pix(seed: 0, configuration: configuration(normalization: .instance))
        // Batch-norm counts minus the norms' weights and biases (3,712 in G, 1,792 in D), plus the
        // biases of the convolutions that precede a norm (2,432 in G, 896 in D).
        XCTAssertEqual(model.generator.parameterCount, 16_651_649)
        XCTAssertEqual(model.discriminator.parameterCount, 2_763_713)
        let names = Set(model.generator.stateDictionary().keys).union(model.discriminator.stateDictionary().keys)
        XCTAssertFalse(names.contains { $0.hasSuffix("running_mean") }, "instance norm tracks no statistics")
        XCTAssertTrue(names.contains("model.model.0.bias"))
        XCTAssertTrue(names.contains("model.2.bias"))
    }

    /// Keys of the reference's `UnetGenerator` / `NLayerDiscriminator` `state_dict`, with their shapes.
    func testStateDictionaryNamesAndShapesMatchTheReference() {
        let model = Pix2Pix(seed: 0, configuration: configuration(channels: (1, 3)))
        let generator = model.generator.stateDictionary(), discriminator = model.discriminator.stateDictionary()
        let innermost = "model.model.1.model.3.model.3.model.3.model."
        let expectedGenerator: [String: [Int]] = [
            "model.model.0.weight": [64, 1, 4, 4],
            "model.model.3.weight": [128, 3, 4, 4], "model.model.3.bias": [3],
            "model.model.1.model.1.weight": [128, 64, 4, 4],
            "model.model.1.model.2.running_var": [128], "model.model.1.model.2.num_batches_tracked": [],
            "model.model.1.model.5.weight": [256, 64, 4, 4], "model.model.1.model.6.weight": [64],
            innermost + "1.weight": [512, 512, 4, 4], innermost + "3.weight": [512, 512, 4, 4], innermost + "4.bias": [512],
        ]
        for (name, shape) in expectedGenerator { XCTAssertEqual(generator[name]?.shape, shape, name) }
        XCTAssertNil(generator["model.model.0.bias"], "no bias before batch norm")
        XCTAssertNil(generator[innermost + "2.weight"], "no norm after the innermost down conv")
        let expectedDiscriminator: [String: [Int]] = [
            "model.0.weight": [64, 4, 4, 4], "model.0.bias": [64], "model.2.weight": [128, 64, 4, 4], "model.3.running_mean": [128],
            "model.5.weight": [256, 128, 4, 4], "model.8.weight": [512, 256, 4, 4], "model.9.weight": [512],
            "model.11.weight": [1, 512, 4, 4], "model.11.bias": [1],
        ]
        for (name, shape) in expectedDiscriminator { XCTAssertEqual(discriminator[name]?.shape, shape, name) }
        XCTAssertNil(discriminator["model.2.bias"])
    }

    /// N(0, 0.02) convolution weights, zero biases, N(1, 0.02) BatchNorm weights.
    func testInitialisationFollowsTheReference() {
        let model = Pix2Pix(seed: 3, configuration: configuration())
        let parameters = Dictionary(uniqueKeysWithValues: model.generator.namedParameters().map { ($0.name, $0.parameter.value.scalars) })
        let weights = parameters["model.model.1.model.5.weight"]!
        let mean = weights.reduce(0, +) / Float(weights.count)
        let deviation = (weights.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(weights.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        XCTAssertEqual(deviation, 0.02, accuracy: 1e-3)
        XCTAssertEqual(parameters["model.model.3.bias"], [0])
        let normWeights = parameters["model.model.1.model.2.weight"]!
        XCTAssertEqual(normWeights.reduce(0, +) / Float(normWeights.count), 1, accuracy: 0.01)
        XCTAssertGreaterThan(Set(normWeights).count, 1, "norm weights are drawn, not constant")
    }

    func testShapesAndRangeAt32() {
        let model = Pix2Pix(seed: 1, configuration: configuration(channels: (1, 3)))
        var random = RandomGenerator(seed: 2)
        let source = Tensor.randomUniform([2, 1, 32, 32], low: -1, high: 1, generator: &random)
        let output = withoutGradients { model.translate(source) }
        XCTAssertEqual(output.shape, [2, 3, 32, 32])
        XCTAssertTrue(output.scalars.allSatisfy { $0 > -1 && $0 < 1 }, "tanh output")
        let logits = withoutGradients { model.discriminate(source: source, target: output) }
        XCTAssertEqual(logits.shape, [2, 1, 2, 2], "a 2×2 patch map at 32×32")
    }

    /// Two steps at 32×32, batch 1: finite losses, both networks move, and the same seed repeats every number.
    func testTwoStepsAreDeterministicAndUpdateBothNetworks() {
        func run() -> (metrics: [TranslationStepMetrics], generator: [[Float]], discriminator: [[Float]], initial: [[Float]]) {
            let model = Pix2Pix(seed: 5, configuration: configuration())
            let initial = model.generator.parameters().map(\.value.scalars)
            let context = TrainingContext(model: model, hyperparameters: Pix2Pix.defaults, noise: RandomGenerator(seed: 6), objective: .nonSaturating)
            var random = RandomGenerator(seed: 7)
            let metrics = (0..<2).map { _ in
                let source = Tensor.randomUniform([1, 1, 32, 32], low: -1, high: 1, generator: &random)
                let target = Tensor.randomUniform([1, 1, 32, 32], low: -1, high: 1, generator: &random)
                return model.trainingStep(TranslationBatch(source: source, target: target), context: context)
            }
            return (metrics, model.generator.parameters().map(\.value.scalars), model.discriminator.parameters().map(\.value.scalars), initial)
        }
        let first = run(), second = run()
        for metrics in first.metrics {
            XCTAssertTrue([metrics.adversarial.discriminatorLoss, metrics.adversarial.generatorLoss, metrics.l1].allSatisfy(\.isFinite))
            XCTAssertEqual(metrics.adversarial.generatorLoss, metrics.generatorAdversarialLoss + 100 * metrics.l1, accuracy: 1e-3)
        }
        XCTAssertNotEqual(first.generator, first.initial, "the generator was updated")
        XCTAssertEqual(first.metrics, second.metrics)
        XCTAssertEqual(first.generator, second.generator)
        XCTAssertEqual(first.discriminator, second.discriminator)
    }

    /// Dropout (from 64×64 up) is active in training mode and off in evaluation mode.
    func testDropoutOnlyInTrainingMode() {
        let model = Pix2Pix(seed: 1, configuration: configuration(size: 64))
        XCTAssertEqual(model.generator.namedRandomStreams().count, 1)
        var random = RandomGenerator(seed: 4)
        let source = Tensor.randomUniform([1, 1, 64, 64], low: -1, high: 1, generator: &random)
        model.generator.eval()
        let evaluated = withoutGradients { (model.translate(source).scalars, model.translate(source).scalars) }
        XCTAssertEqual(evaluated.0, evaluated.1)
        model.generator.train()
        XCTAssertNotEqual(withoutGradients { model.translate(source).scalars }, withoutGradients { model.translate(source).scalars })
    }
}
