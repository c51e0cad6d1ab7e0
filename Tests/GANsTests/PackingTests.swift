import Foundation
import XCTest
@testable import GANs
import NN
import Tensors

/// PacGAN packing: the discriminator's first layer widens by m and it scores m-tuples.
final class PackingTests: XCTestCase {
    /// Extra first-layer weights per additional packed sample: one sample's input width times the
    /// first layer's outputs (mlp 784·512, cgan (784 + 10)·512, conv models in·64·5·5 or ·4·4, maxout 2·1000).
    let extraPerSample: [ModelKind: Int] = [
        .mlp: 784 * 512, .dcgan: 64 * 25, .dcgan64: 64 * 16, .cgan: 794 * 512, .cdcgan: 2 * 64 * 25,
        .mixture: 2 * 1000, .dcganStacked: 3 * 64 * 25,
    ]

    func testPackedDiscriminatorsWidenTheirInputAndScoreTuples() {
        for kind in ModelKind.allCases {
            let plain = kind.makeModel(seed: 0)
            for pack in [2, 4] {
                let model = kind.makeModel(seed: 0, pack: pack)
                XCTAssertEqual(model.discriminator.parameterCount - plain.discriminator.parameterCount,
                               (pack - 1) * extraPerSample[kind]!, "\(kind) pack \(pack) D parameters")
                XCTAssertEqual(model.generator.parameterCount, plain.generator.parameterCount, "\(kind) G is unchanged")
                let count = 2 * pack
                let labels = model.isConditional ? (0..<count).map { $0 % 10 } : []
                let samples = withoutGradients { model.generate(Tensor(zeros: [count, model.latentDimension]), labels: labels) }
                XCTAssertEqual(withoutGradients { model.discriminate(samples, labels: labels) }.shape, [2], "\(kind) pack \(pack): one score per tuple")
            }
        }
    }

    /// Tuple k holds samples k·m … k·m + m − 1 with their features side by side, in order.
    func testPackingGroupsConsecutiveSamples() {
        let points = Tensor(shape: [4, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
        let packed = points.packed(2)
        XCTAssertEqual(packed.shape, [2, 4])
        XCTAssertEqual(packed.scalars, [0, 1, 2, 3, 4, 5, 6, 7])
        let images = Tensor(shape: [4, 1, 1, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7]).packed(2)
        XCTAssertEqual(images.shape, [2, 2, 1, 2])
        XCTAssertEqual(images.sliced(axis: 0, 1..<2).sliced(axis: 1, 1..<2).scalars, [6, 7], "tuple 1, channel 1 = sample 3")
        XCTAssertEqual(Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5]).packed(1).shape, [3, 2], "pack 1 is the identity")
    }

    /// The packed mixture discriminator's score of a tuple is the plain network's score of the
    /// concatenated points: packing changes only the input width.
    func testPackedScoreIsTheScoreOfTheConcatenatedTuple() {
        let model = MixtureGAN(seed: 3, pack: 2)
        let points = Tensor(shape: [4, 2], scalars: [0.1, 0.2, -1, 0.5, 2, -2, 0.3, 0.4])
        let scores = withoutGradients { model.discriminate(points) }
        let concatenated = Tensor(shape: [2, 4], scalars: [0.1, 0.2, -1, 0.5, 2, -2, 0.3, 0.4])
        XCTAssertEqual(scores.scalars, withoutGradients { model.discriminatorNetwork.model(concatenated) }.scalars)
    }

    /// Two seeded steps with pack 2: finite, deterministic, D moves. One model per kind of
    /// discriminator input (flattened, conditioned, convolutional with a label plane, points,
    /// stacked images); the 64×64 one is left to the unpacked tests for time.
    func testTwoPackedStepsAreDeterministic() {
        for kind in [ModelKind.mlp, .cgan, .cdcgan, .mixture, .dcganStacked] {
            func run() -> (metrics: [StepMetrics], discriminator: [Float]) {
                let model = kind.makeModel(seed: 5, pack: 2)
                let context = TrainingContext(model: model, hyperparameters: kind.defaults, noise: RandomGenerator(seed: 6), objective: kind.defaultLoss)
                var data = RandomGenerator(seed: 7)
                let real = TrainingBatch(images: Tensor.randomUniform([4] + model.imageShape, low: -1, high: 1, generator: &data), labels: [0, 9, 4, 4])
                let metrics = (0..<2).map { _ in model.trainingStep(real, context: context) }
                return (metrics, model.discriminator.parameters().first!.value.scalars)
            }
            let first = run(), second = run()
            XCTAssertEqual(first.metrics, second.metrics, "\(kind)")
            XCTAssertEqual(first.discriminator, second.discriminator, "\(kind)")
            XCTAssertTrue(first.metrics.allSatisfy { $0.discriminatorLoss.isFinite && $0.generatorLoss.isFinite }, "\(kind)")
            XCTAssertNotEqual(kind.makeModel(seed: 5, pack: 2).discriminator.parameters().first!.value.scalars, first.discriminator, "\(kind) D moved")
        }
    }
}
