import NN
import Tensors

// MARK: Provenance
// Deep Convolutional GAN (Radford, Metz & Chintala, ICLR 2016) at 28×28, in the layout of
// TensorFlow's DCGAN tutorial for MNIST: a dense projection to 7×7×256, then three 5×5 transposed
// convolutions with BatchNorm and LeakyReLU(0.3); a two-convolution discriminator with dropout that
// outputs logits. Differences from the paper, kept from the tutorial: LeakyReLU in G, dropout in D,
// Adam with Keras defaults. PyTorch names: the reference module's `state_dict` keys.

/// DCGAN for 28×28 MNIST digits (catalogue name `dcgan`).
public final class DCGAN: GANModel {
    // MARK: Hyper-parameters (the tutorial's defaults)

    /// Adam 1e-4 with Keras's betas (0.9, 0.999) and ε 1e-7; batch 256; D outputs logits.
    public static let defaults = Hyperparameters(
        learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, batchSize: 256, scores: .logits)
    public let latentDimension = 100
    public let imageShape = [1, 28, 28]
    public var hyperparameters: Hyperparameters { Self.defaults }
    /// Keras's BatchNormalization: ε 1e-3, momentum 0.01 in PyTorch's convention.
    static func normalization(_ features: Int, generator random: inout RandomGenerator) -> BatchNorm {
        BatchNorm(featureCount: features, epsilon: 1e-3, momentum: 0.01, generator: &random)
    }

    // MARK: Generator

    /// z → dense 12544 → BN → LReLU → [256, 7, 7] → ConvT 128 (7×7) → ConvT 64 (14×14) → ConvT 1 (28×28) → tanh.
    public final class Generator: Module {
        public let fc: Linear
        public let bn0: BatchNorm
        public let net: Sequential

        public init(latentDimension: Int, generator random: inout RandomGenerator) {
            fc = Linear(inputSize: latentDimension, outputSize: 7 * 7 * 256, bias: false, initializer: .glorotUniform, generator: &random)
            bn0 = DCGAN.normalization(7 * 7 * 256, generator: &random)
            net = Self.upsampling(inputChannels: 256, generator: &random)
        }

        /// The three transposed convolutions from `[N, inputChannels, 7, 7]` to `[N, 1, 28, 28]`; `cdcgan` shares them.
        static func upsampling(inputChannels: Int, generator random: inout RandomGenerator) -> Sequential {
            Sequential {
                ConvTranspose2d(inputChannels: inputChannels, outputChannels: 128, kernelSize: 5, stride: 1, padding: 2,
                                bias: false, initializer: .glorotUniform, generator: &random)
                DCGAN.normalization(128, generator: &random)
                Activation.leakyRelu(0.3)
                ConvTranspose2d(inputChannels: 128, outputChannels: 64, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1,
                                bias: false, initializer: .glorotUniform, generator: &random)
                DCGAN.normalization(64, generator: &random)
                Activation.leakyRelu(0.3)
                ConvTranspose2d(inputChannels: 64, outputChannels: 1, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1,
                                bias: false, initializer: .glorotUniform, generator: &random)
                Activation.tanh
            }
        }

        /// Images `[N, 1, 28, 28]` from noise `[N, latent]`.
        public func callAsFunction(_ noise: Tensor) -> Tensor {
            net(bn0(fc(noise)).leakyRelu(slope: 0.3).reshaped(to: [-1, 256, 7, 7]))
        }
    }

    // MARK: Discriminator

    /// Conv 64 (14×14) → LReLU → Dropout 0.3 → Conv 128 (7×7) → LReLU → Dropout 0.3 → dense → logit.
    public final class Discriminator: Module {
        public let net: Sequential
        /// How many images one score judges (PacGAN); 1 is the reference.
        public let pack: Int

        public init(pack: Int = 1, generator random: inout RandomGenerator, dropoutSeed: UInt64) {
            self.pack = pack
            net = Self.layers(inputChannels: pack, generator: &random, dropoutSeed: dropoutSeed)
        }

        /// The two convolutions, dropout and the dense logit from `[N, inputChannels, 28, 28]`; `cdcgan` shares them.
        static func layers(inputChannels: Int, generator random: inout RandomGenerator, dropoutSeed: UInt64) -> Sequential {
            Sequential {
                Conv2d(inputChannels: inputChannels, outputChannels: 64, kernelSize: 5, stride: 2, padding: 2, initializer: .glorotUniform, generator: &random)
                Activation.leakyRelu(0.3)
                Dropout(probability: 0.3, seed: dropoutSeed)
                Conv2d(inputChannels: 64, outputChannels: 128, kernelSize: 5, stride: 2, padding: 2, initializer: .glorotUniform, generator: &random)
                Activation.leakyRelu(0.3)
                Dropout(probability: 0.3, seed: dropoutSeed &+ 1)
                Reshape.flatten
                Linear(inputSize: 7 * 7 * 128, outputSize: 1, initializer: .glorotUniform, generator: &random)
            }
        }

        /// Logits `[N / pack]`, one per tuple of images.
        public func callAsFunction(_ images: Tensor) -> Tensor { net(images.packed(pack)).reshaped(to: [-1]) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with Glorot-uniform weights and zero biases drawn from `seed`; D judges
    /// `pack` images at once.
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, generator: &random)
        discriminatorNetwork = Discriminator(
            pack: pack, generator: &random, dropoutSeed: RandomGenerator(seed: seed).derived(stream: 3).seed)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor { discriminatorNetwork(images) }

    // MARK: Losses and training step

    /// The tutorial's simultaneous update: one forward pass of G and of D on real and generated
    /// images; D's loss is BCE(real, 1) + BCE(fake, 0), G's is BCE(fake, 1); both gradients are
    /// taken from that pass (D's only with respect to D's parameters, so G's output is in effect
    /// detached for D) and then both optimisers step.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let realImages = batch.images
        let kind = hyperparameters.scores
        let noise = context.sampleNoise(count: realImages.shape[0], dimension: latentDimension)
        let optimizers: [Optimizer] = [context.discriminatorOptimizer, context.generatorOptimizer]
        let pass = Adversarial.record(for: optimizers) {
            let fake = generate(noise)
            let realScores = discriminate(realImages)
            let fakeScores = discriminate(fake)
            let discriminatorLoss = Adversarial.loss(realScores, target: 1, kind: kind, objective: context.objective)
                + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: context.objective)
            let generatorLoss = Adversarial.generatorLoss(fakeScores, objective: context.objective, kind: kind)
            return ([discriminatorLoss, generatorLoss],
                    (real: Adversarial.meanProbability(realScores, kind: kind), fake: Adversarial.meanProbability(fakeScores, kind: kind)))
        }
        pass.apply(to: optimizers)
        return StepMetrics(discriminatorLoss: pass.losses[0], generatorLoss: pass.losses[1], realScore: pass.extra.real, fakeScore: pass.extra.fake)
    }
}
