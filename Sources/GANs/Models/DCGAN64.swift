import NN
import Tensors

// MARK: Provenance
// Deep Convolutional GAN (Radford, Metz & Chintala, ICLR 2016) at 64×64, in the layout of
// pytorch/examples `dcgan/main.py` with nz = 100 and ngf = ndf = 64: the architecture users know.
// Weights N(0, 0.02), BatchNorm weights N(1, 0.02), no biases, sigmoid output. For MNIST the
// digits are resized to 64×64 (bilinear); colour image folders use 3 channels.

/// DCGAN at 64×64 (catalogue name `dcgan64`).
public final class DCGAN64: GANModel {
    // MARK: Hyper-parameters (the reference's defaults)

    /// Adam 2e-4, betas (0.5, 0.999), batch 64; the discriminator outputs probabilities.
    public static let defaults = Hyperparameters(
        learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 64, scores: .probability)
    public let latentDimension = 100
    public var imageShape: [Int] { [channels, 64, 64] }
    public var hyperparameters: Hyperparameters { Self.defaults }
    public let channels: Int
    static let initializer = Initializer.normal(standardDeviation: 0.02)

    // MARK: Generator

    /// z as `[N, 100, 1, 1]` → ConvT 512 (4×4) → 256 (8×8) → 128 (16×16) → 64 (32×32) → C (64×64) → tanh.
    public final class Generator: Module {
        public let main: Sequential

        public init(latentDimension: Int, channels: Int, generator random: inout RandomGenerator) {
            let widths = [latentDimension, 512, 256, 128, 64]
            var layers: [any Layer] = []
            for index in 0..<4 {
                layers.append(ConvTranspose2d(inputChannels: widths[index], outputChannels: widths[index + 1], kernelSize: 4,
                                              stride: index == 0 ? 1 : 2, padding: index == 0 ? 0 : 1, bias: false,
                                              initializer: DCGAN64.initializer, generator: &random))
                layers.append(BatchNorm(featureCount: widths[index + 1], weightStandardDeviation: 0.02, generator: &random))
                layers.append(Activation.relu)
            }
            layers.append(ConvTranspose2d(inputChannels: 64, outputChannels: channels, kernelSize: 4, stride: 2, padding: 1,
                                          bias: false, initializer: DCGAN64.initializer, generator: &random))
            layers.append(Activation.tanh)
            main = Sequential(layers)
        }

        /// Images `[N, C, 64, 64]` from noise `[N, latent]`.
        public func callAsFunction(_ noise: Tensor) -> Tensor { main(noise.reshaped(to: [noise.shape[0], -1, 1, 1])) }
    }

    // MARK: Discriminator

    /// Conv 64 (32×32) → LReLU → 128 → BN → LReLU → 256 → BN → LReLU → 512 → BN → LReLU → 1 (1×1) → sigmoid.
    public final class Discriminator: Module {
        public let main: Sequential
        /// How many images one score judges (PacGAN); 1 is the reference.
        public let pack: Int

        public init(channels: Int, pack: Int = 1, generator random: inout RandomGenerator) {
            self.pack = pack
            var layers: [any Layer] = [
                Conv2d(inputChannels: channels * pack, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: false,
                       initializer: DCGAN64.initializer, generator: &random),
                Activation.leakyRelu(0.2),
            ]
            for width in [128, 256, 512] {
                layers.append(Conv2d(inputChannels: width / 2, outputChannels: width, kernelSize: 4, stride: 2, padding: 1,
                                     bias: false, initializer: DCGAN64.initializer, generator: &random))
                layers.append(BatchNorm(featureCount: width, weightStandardDeviation: 0.02, generator: &random))
                layers.append(Activation.leakyRelu(0.2))
            }
            layers.append(Conv2d(inputChannels: 512, outputChannels: 1, kernelSize: 4, stride: 1, padding: 0, bias: false,
                                 initializer: DCGAN64.initializer, generator: &random))
            layers.append(Activation.sigmoid)
            main = Sequential(layers)
        }

        /// Probabilities `[N / pack]` that each tuple of images is real.
        public func callAsFunction(_ images: Tensor) -> Tensor { main(images.packed(pack)).reshaped(to: [-1]) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with the reference's N(0, 0.02) initialisation drawn from `seed`; D
    /// judges `pack` images at once.
    public init(seed: UInt64, channels: Int = 1, pack: Int = 1) {
        self.channels = channels
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, channels: channels, generator: &random)
        discriminatorNetwork = Discriminator(channels: channels, pack: pack, generator: &random)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor { discriminatorNetwork(images) }

    // MARK: Losses and training step

    /// The reference's order: D first on real (target 1) and detached fake (target 0) images with
    /// the two losses summed; then G against the updated D. One generator forward serves both.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let realImages = batch.images
        let kind = hyperparameters.scores
        // Kept for both updates (G's graph is reused after D's step), and let go before G's update.
        var generated: Tensor? = generate(context.sampleNoise(count: realImages.shape[0], dimension: latentDimension))
        let discriminatorPass = Adversarial.record(for: [context.discriminatorOptimizer]) {
            let realScores = discriminate(realImages)
            let fakeScores = discriminate(generated!.detached())
            let loss = Adversarial.loss(realScores, target: 1, kind: kind, objective: context.objective)
                + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: context.objective)
            return ([loss], (real: Adversarial.meanProbability(realScores, kind: kind), fake: Adversarial.meanProbability(fakeScores, kind: kind)))
        }
        discriminatorPass.apply(to: [context.discriminatorOptimizer])

        let generatorPass = Adversarial.record(for: [context.generatorOptimizer]) {
            let fake = generated!
            generated = nil
            return ([Adversarial.generatorLoss(discriminate(fake), objective: context.objective, kind: kind)], ())
        }
        generatorPass.apply(to: [context.generatorOptimizer])
        return StepMetrics(discriminatorLoss: discriminatorPass.losses[0], generatorLoss: generatorPass.losses[0],
                           realScore: discriminatorPass.extra.real, fakeScore: discriminatorPass.extra.fake)
    }
}
