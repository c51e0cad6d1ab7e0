import NN
import Tensors

// MARK: Provenance
// Generative Adversarial Nets (Goodfellow et al., NeurIPS 2014), in the layout of PyTorch-GAN's
// `implementations/gan/gan.py`: MLP generator with BatchNorm (eps 0.8, the reference's quirk kept on
// purpose) and an MLP discriminator ending in a sigmoid. Parameter names equal the reference's
// `state_dict` keys, so its checkpoints load into that code unchanged.

/// The vanilla GAN on 28×28 single-channel images (catalogue name `mlp`).
public final class VanillaGAN: GANModel {
    // MARK: Hyper-parameters (the reference's defaults)

    /// Adam 2e-4, betas (0.5, 0.999), batch 64; the discriminator outputs probabilities.
    public static let defaults = Hyperparameters(
        learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 64, scores: .probability)
    public let latentDimension = 100
    public let imageShape = [1, 28, 28]
    public var hyperparameters: Hyperparameters { Self.defaults }

    // MARK: Generator

    /// z → 128 → 256 → 512 → 1024 → 784, LeakyReLU(0.2), BatchNorm from the second layer, tanh.
    public final class Generator: Module {
        public let model: Sequential

        public init(latentDimension: Int, generator random: inout RandomGenerator) {
            model = Self.stack(inputSize: latentDimension, generator: &random)
        }

        /// The reference's layer stack from `inputSize` values to 784 pixels; `cgan` shares it.
        static func stack(inputSize: Int, generator random: inout RandomGenerator) -> Sequential {
            func block(_ input: Int, _ output: Int, normalize: Bool) -> [any Layer] {
                var layers: [any Layer] = [Linear(inputSize: input, outputSize: output, generator: &random)]
                if normalize { layers.append(BatchNorm(featureCount: output, epsilon: 0.8, generator: &random)) }
                layers.append(Activation.leakyRelu(0.2))
                return layers
            }
            return Sequential(
                block(inputSize, 128, normalize: false) + block(128, 256, normalize: true)
                    + block(256, 512, normalize: true) + block(512, 1024, normalize: true)
                    + [Linear(inputSize: 1024, outputSize: 28 * 28, generator: &random), Activation.tanh])
        }

        /// Images `[N, 1, 28, 28]` from noise `[N, latent]`.
        public func callAsFunction(_ noise: Tensor) -> Tensor { model(noise).reshaped(to: [-1, 1, 28, 28]) }
    }

    // MARK: Discriminator

    /// 784 → 512 → 256 → 1 with LeakyReLU(0.2), ending in a sigmoid probability.
    public final class Discriminator: Module {
        public let model: Sequential

        /// How many images one score judges (PacGAN); 1 is the reference.
        public let pack: Int

        public init(pack: Int = 1, generator random: inout RandomGenerator) {
            self.pack = pack
            model = Sequential {
                Linear(inputSize: 28 * 28 * pack, outputSize: 512, generator: &random)
                Activation.leakyRelu(0.2)
                Linear(inputSize: 512, outputSize: 256, generator: &random)
                Activation.leakyRelu(0.2)
                Linear(inputSize: 256, outputSize: 1, generator: &random)
                Activation.sigmoid
            }
        }

        /// Probabilities `[N / pack]` that each tuple of images is real.
        public func callAsFunction(_ images: Tensor) -> Tensor { model(images.flattened().packed(pack)).reshaped(to: [-1]) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with PyTorch's default initialisation drawn from `seed`; D judges
    /// `pack` images at once.
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, generator: &random)
        discriminatorNetwork = Discriminator(pack: pack, generator: &random)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor { discriminatorNetwork(images) }

    // MARK: Losses and training step

    /// The reference's order: G first (against the current D), then D on real and detached fake
    /// images (one pass over both), with D's loss the mean of the two halves. One generator
    /// forward serves both.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let realImages = batch.images
        let kind = hyperparameters.scores
        let noise = context.sampleNoise(count: realImages.shape[0], dimension: latentDimension)
        let generatorPass = Adversarial.record(for: [context.generatorOptimizer]) {
            let fake = generate(noise)
            let fakeScores = discriminate(fake)
            let loss = Adversarial.generatorLoss(fakeScores, objective: context.objective, kind: kind)
            return ([loss], (fake: fake.detached(), score: Adversarial.meanProbability(fakeScores, kind: kind)))
        }
        // D's pass reads only the detached fakes, so G's update runs beside it.
        let discriminatorPass = generatorPass.apply(to: [context.generatorOptimizer]) {
            Adversarial.record(for: [context.discriminatorOptimizer]) {
                let (realScores, fakeScores) = Adversarial.scoresTogether(
                    of: self, real: realImages, realLabels: [], fake: generatorPass.extra.fake, fakeLabels: [])
                let loss = (Adversarial.loss(realScores, target: 1, kind: kind, objective: context.objective)
                    + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: context.objective)) * 0.5
                return ([loss], Adversarial.meanProbability(realScores, kind: kind))
            }
        }
        discriminatorPass.apply(to: [context.discriminatorOptimizer])
        return StepMetrics(discriminatorLoss: discriminatorPass.losses[0], generatorLoss: generatorPass.losses[0],
                           realScore: discriminatorPass.extra, fakeScore: generatorPass.extra.score)
    }
}
