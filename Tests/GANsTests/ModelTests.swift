import Foundation
import XCTest
@testable import GANs
import NN
import Tensors

final class ModelTests: XCTestCase {
    /// Reference parameter counts (reference-models.md).
    let expectedCounts: [ModelKind: (generator: Int, discriminator: Int)] = [
        .mlp: (1_510_032, 533_505), .dcgan: (2_305_472, 212_865), .dcgan64: (3_574_656, 2_763_520),
        // cgan: the reference; cdcgan: dcgan + label embeddings (500 each), projections (2,499 and
        // 39,984) and the label plane's extra channel (3,200 in G, 1,600 in D).
        .cgan: (1_511_412, 932_965), .cdcgan: (2_311_671, 254_949),
        // mixture: 2·400 + 3·400² + 4 BatchNorms (800) + 802 / 3 maxouts (2·1000 + 1000, 2 × 201,000) + 201.
        // dcgan-stacked: PacGAN's DCGAN at gf_dim = df_dim = 64 with biases and BatchNorm (see its file).
        .mixture: (484_802, 405_201), .dcganStacked: (4_514_819, 4_310_401),
    ]

    func testParameterCountsAndShapesMatchTheReference() {
        for kind in ModelKind.allCases {
            let model = kind.makeModel(seed: 0)
            XCTAssertEqual(model.generator.parameterCount, expectedCounts[kind]!.generator, "\(kind) G")
            XCTAssertEqual(model.isConditional, kind.isConditional, "\(kind) catalogue entry")
            XCTAssertEqual(model.discriminator.parameterCount, expectedCounts[kind]!.discriminator, "\(kind) D")
            let labels = model.isConditional ? [3, 7] : []
            let images = withoutGradients { model.generate(Tensor(zeros: [2, model.latentDimension]), labels: labels) }
            XCTAssertEqual(images.shape, [2] + model.imageShape, "\(kind) G output")
            XCTAssertTrue(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 }, "\(kind) G ends in tanh")
            XCTAssertEqual(withoutGradients { model.discriminate(images, labels: labels) }.shape, [2], "\(kind) D output")
        }
    }

    func testStateDictionaryNamesAreThePyTorchKeys() {
        let mlp = ModelKind.mlp.makeModel(seed: 0)
        var expected: Set<String> = ["model.0.weight", "model.0.bias", "model.11.weight", "model.11.bias"]
        for index in [2, 5, 8] { expected.formUnion(["model.\(index).weight", "model.\(index).bias"]) }
        for index in [3, 6, 9] {
            for name in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"] { expected.insert("model.\(index).\(name)") }
        }
        XCTAssertEqual(Set(mlp.generator.stateDictionary().keys), expected)
        let dcgan = ModelKind.dcgan.makeModel(seed: 0)
        XCTAssertEqual(Set(dcgan.discriminator.stateDictionary().keys),
                       ["net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias", "net.7.weight", "net.7.bias"])
        XCTAssertTrue(dcgan.generator.stateDictionary().keys.contains("bn0.num_batches_tracked"))
        let dcgan64 = ModelKind.dcgan64.makeModel(seed: 0)
        XCTAssertEqual(dcgan64.generator.namedParameters().first?.parameter.value.shape, [100, 512, 4, 4])
        XCTAssertEqual(dcgan64.discriminator.namedParameters().last?.name, "main.11.weight")
    }

    func testInitialisationFollowsTheReferences() {
        let dcgan64 = DCGAN64(seed: 1)
        let weights = dcgan64.generatorNetwork.main.layers[3] as! ConvTranspose2d
        let values = weights.weight.value.scalars
        let deviation = (values.map { $0 * $0 }.reduce(0, +) / Float(values.count)).squareRoot()
        XCTAssertEqual(deviation, 0.02, accuracy: 0.001)
        let dcgan = DCGAN(seed: 1)
        let bound = (6 / Float(100 + 12544)).squareRoot()
        XCTAssertLessThanOrEqual(dcgan.generatorNetwork.fc.weight.value.scalars.map(abs).max()!, bound)
        let mlpFirst = (VanillaGAN(seed: 1).generatorNetwork.model.layers[0] as! Linear).weight.value.scalars
        XCTAssertLessThanOrEqual(mlpFirst.map(abs).max()!, 1 / Float(100).squareRoot())
    }

    /// Two seeded steps on tiny random "images": finite losses, changed parameters, and the same
    /// numbers when repeated with the same seed.
    func testTwoStepTrainingIsFiniteChangesWeightsAndIsDeterministic() {
        for kind in ModelKind.allCases {
            let first = twoSteps(kind), second = twoSteps(kind)
            XCTAssertEqual(first.metrics, second.metrics, "\(kind) metrics are deterministic")
            XCTAssertEqual(first.weights, second.weights, "\(kind) weights are deterministic")
            for metrics in first.metrics {
                XCTAssertTrue([metrics.discriminatorLoss, metrics.generatorLoss, metrics.realScore, metrics.fakeScore].allSatisfy(\.isFinite))
            }
            let initial = kind.makeModel(seed: 5)
            XCTAssertNotEqual(initial.generator.parameters().last!.value.scalars, first.weights.generator, "\(kind) G changed")
            XCTAssertNotEqual(initial.discriminator.parameters().first!.value.scalars, first.weights.discriminator, "\(kind) D changed")
        }
    }

    /// The MLP models update G on a worker while D's pass runs: every parameter after two steps
    /// must equal the one-thread run's (where G's update simply comes first), bit for bit.
    func testStepsGiveTheSameWeightsOnAnyThreadCount() {
        let threads = Parallelism.threadCount
        defer { Parallelism.threadCount = threads }
        for kind in [ModelKind.mlp, .cgan] {
            let runs = [1, 2, 3].map { count -> (metrics: [StepMetrics], weights: [[Float]]) in
                Parallelism.threadCount = count
                let model = kind.makeModel(seed: 5)
                let context = TrainingContext(model: model, hyperparameters: kind.defaults, noise: RandomGenerator(seed: 6), objective: kind.defaultLoss)
                var data = RandomGenerator(seed: 7)
                let real = TrainingBatch(images: Tensor.randomUniform([16] + model.imageShape, low: -1, high: 1, generator: &data),
                                         labels: (0..<16).map { $0 % 10 })
                let metrics = (0..<2).map { _ in model.trainingStep(real, context: context) }
                return (metrics, (model.generator.parameters() + model.discriminator.parameters()).map(\.value.scalars))
            }
            for run in runs.dropFirst() {
                XCTAssertEqual(run.metrics, runs[0].metrics, "\(kind)")
                XCTAssertTrue(run.weights == runs[0].weights, "\(kind): weights differ from the one-thread run")
            }
        }
    }

    private func twoSteps(_ kind: ModelKind) -> (metrics: [StepMetrics], weights: Weights) {
        let model = kind.makeModel(seed: 5)
        let context = TrainingContext(model: model, hyperparameters: kind.defaults, noise: RandomGenerator(seed: 6), objective: kind.defaultLoss)
        var data = RandomGenerator(seed: 7)
        let real = TrainingBatch(images: Tensor.randomUniform([4] + model.imageShape, low: -1, high: 1, generator: &data), labels: [0, 9, 4, 4])
        let metrics = (0..<2).map { _ in model.trainingStep(real, context: context) }
        return (metrics, Weights(generator: model.generator.parameters().last!.value.scalars,
                                 discriminator: model.discriminator.parameters().first!.value.scalars))
    }

    struct Weights: Equatable {
        var generator: [Float]
        var discriminator: [Float]
    }

    /// D must not move during G's update and G must not move during D's (checked on the mlp's order).
    /// One D pass over real and fake images together scores each exactly as its own pass does
    /// (dropout off: its masks are drawn once for both halves), with PacGAN tuples kept apart.
    func testScoresTogetherEqualSeparatePasses() {
        var random = RandomGenerator(seed: 3)
        let real = Tensor.randomUniform([8, 1, 28, 28], low: -1, high: 1, generator: &random)
        let fake = Tensor.randomUniform([8, 1, 28, 28], low: -1, high: 1, generator: &random)
        let realLabels = [0, 1, 2, 3, 4, 5, 6, 7], fakeLabels = [9, 8, 7, 6, 5, 4, 3, 2]
        let models: [any GANModel] = [VanillaGAN(seed: 1), VanillaGAN(seed: 1, pack: 2), ConditionalGAN(seed: 1)]
        for model in models {
            model.discriminator.eval()
            let labels = model.isConditional ? (realLabels, fakeLabels) : ([], [])
            let together = withoutGradients {
                Adversarial.scoresTogether(of: model, real: real, realLabels: labels.0, fake: fake, fakeLabels: labels.1)
            }
            XCTAssertEqual(together.real.scalars, withoutGradients { model.discriminate(real, labels: labels.0) }.scalars)
            XCTAssertEqual(together.fake.scalars, withoutGradients { model.discriminate(fake, labels: labels.1) }.scalars)
        }
    }

    func testEachUpdateTouchesOnlyItsOwnNetwork() {
        let model = VanillaGAN(seed: 2)
        let context = TrainingContext(model: model, hyperparameters: VanillaGAN.defaults, noise: RandomGenerator(seed: 3), objective: .minimax)
        let fake = model.generate(context.sampleNoise(count: 4, dimension: 100))
        let before = model.discriminator.parameters().map(\.value.scalars)
        Adversarial.minimize(Adversarial.generatorLoss(model.discriminate(fake), objective: .minimax, kind: .probability),
                             with: context.generatorOptimizer)
        XCTAssertEqual(model.discriminator.parameters().map(\.value.scalars), before)
        let generatorBefore = model.generator.parameters().map(\.value.scalars)
        Adversarial.minimize(Adversarial.loss(model.discriminate(fake.detached()), target: 0, kind: .probability),
                             with: context.discriminatorOptimizer)
        XCTAssertEqual(model.generator.parameters().map(\.value.scalars), generatorBefore)
        XCTAssertNotEqual(model.discriminator.parameters().map(\.value.scalars), before)
    }

    func testMinimaxAndNonSaturatingObjectives() {
        let probabilities = Tensor(shape: [2], scalars: [0.25, 0.5])
        let nonSaturating = Adversarial.generatorLoss(probabilities, objective: .nonSaturating, kind: .probability).scalar
        XCTAssertEqual(nonSaturating, -(log(0.25) + log(0.5)) / 2, accuracy: 1e-5)
        let minimax = Adversarial.generatorLoss(probabilities, objective: .minimax, kind: .probability).scalar
        XCTAssertEqual(minimax, (log(0.75) + log(0.5)) / 2, accuracy: 1e-5)
    }

    func testLeastSquaresLossesRegressTheRawScores() {
        let scores = Tensor(shape: [2], scalars: [0.25, 2])
        let discriminatorHalf = Adversarial.loss(scores, target: 0, kind: .logits, objective: .leastSquares).scalar
        XCTAssertEqual(discriminatorHalf, (0.0625 + 4) / 2, accuracy: 1e-6)
        let generator = Adversarial.generatorLoss(scores, objective: .leastSquares, kind: .logits).scalar
        XCTAssertEqual(generator, (0.5625 + 1) / 2, accuracy: 1e-6)
        XCTAssertEqual(AdversarialLoss(name: "bce"), .nonSaturating)
        XCTAssertEqual(AdversarialLoss(name: "mse"), .leastSquares)
        XCTAssertNil(AdversarialLoss(name: "hinge"))
        XCTAssertEqual(ModelKind.cgan.defaultLoss, .leastSquares)
        XCTAssertEqual(ModelKind.cdcgan.defaultLoss, .nonSaturating)
    }

    func testConditionalStateDictionaryNamesAreTheReferenceKeys() {
        let cgan = ConditionalGAN(seed: 0)
        let generatorNames = Set(cgan.generator.stateDictionary().keys)
        XCTAssertTrue(generatorNames.isSuperset(of: ["label_emb.weight", "model.0.weight", "model.3.running_var", "model.11.bias"]))
        XCTAssertEqual(cgan.generatorNetwork.model.layers.count, 13)
        XCTAssertEqual(cgan.generator.stateDictionary()["model.0.weight"].map { $0.shape }, [128, 110])
        XCTAssertEqual(Set(cgan.discriminator.stateDictionary().keys), [
            "label_embedding.weight", "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias",
            "model.5.weight", "model.5.bias", "model.8.weight", "model.8.bias",
        ])
        XCTAssertEqual(cgan.discriminator.stateDictionary()["model.0.weight"].map { $0.shape }, [512, 794])
        let cdcgan = ConditionalDCGAN(seed: 0)
        XCTAssertTrue(Set(cdcgan.generator.stateDictionary().keys).isSuperset(of: ["label_embedding.weight", "label_projection.weight", "fc.weight", "net.0.weight"]))
        XCTAssertEqual(cdcgan.discriminator.stateDictionary()["net.0.weight"].map { $0.shape }, [64, 2, 5, 5])
    }

    /// The label must steer the generator: the same noise with different labels gives different
    /// images, and the same label gives the same image (evaluation mode).
    func testLabelsSteerConditionalGenerators() {
        for kind in ModelKind.allCases where kind.makeModel(seed: 0).isConditional {
            let model = kind.makeModel(seed: 1)
            model.generator.eval()
            var random = RandomGenerator(seed: 2)
            let noise = Tensor.randomNormal([1, model.latentDimension], generator: &random)
            let pair = Tensor.concatenating([noise, noise, noise], alongAxis: 0)
            let images = withoutGradients { model.generate(pair, labels: [2, 2, 8]) }.scalars
            let size = images.count / 3
            XCTAssertEqual(Array(images[0..<size]), Array(images[size..<(2 * size)]), "\(kind)")
            XCTAssertNotEqual(Array(images[0..<size]), Array(images[(2 * size)...]), "\(kind)")
        }
    }

    func testSampledLabelsAreUniformOverTheClasses() {
        let context = TrainingContext(model: ConditionalGAN(seed: 0), hyperparameters: ConditionalGAN.defaults,
                                      noise: RandomGenerator(seed: 4), objective: .leastSquares)
        let labels = context.sampleLabels(count: 10_000, classCount: 10)
        let counts = (0..<10).map { label in labels.filter { $0 == label }.count }
        XCTAssertTrue(counts.allSatisfy { (900...1100).contains($0) }, "\(counts)")
    }
}
