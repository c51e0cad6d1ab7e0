import NN
import Tensors

// MARK: Provenance
// The DCGAN of the Stacked MNIST benchmark (VEEGAN §5.2, PacGAN §5.2 and Table 2), in the layout of
// the PacGAN repository's `stacked_MNIST_experiments/VEEGAN_experiment/model.py` (a TensorFlow DCGAN
// in the style of carpedm20/DCGAN-tensorflow) at 28×28 with gf_dim = df_dim = 64:
// G z(100) → linear 2·2·512 → BN → ReLU → four 5×5 stride-2 transposed convolutions
// 512 → 256 (4×4) → 128 (7×7) → 64 (14×14) → 3 (28×28), BN and ReLU between, tanh;
// D four 5×5 stride-2 convolutions 3·pack → 64 → 128 → 256 → 512 (14, 7, 4, 2), BN from the second,
// LeakyReLU(0.2), then a linear logit. Weights N(0, 0.02), biases 0, BN ε 1e-5 with TensorFlow's
// decay 0.9 (PyTorch momentum 0.1). Adam 2e-4, β1 0.5, batch 64; one D update, then two G updates
// on the same noise (the reference's "run g_optim twice", kept). Differences: z ~ N(0, 1) as
// everywhere in Forger (the reference draws U(−1, 1)); real images in [−1, 1] (the reference feeds
// [0, 1] against a tanh generator); TensorFlow's "SAME" padding becomes PyTorch padding 2 (and
// output padding 1 where the side doubles exactly), which places the kernel taps identically only
// up to a one-pixel shift; the reference's truncated-normal convolution weights are plain normal.

/// DCGAN for 3-channel Stacked MNIST at 28×28 (catalogue name `dcgan-stacked`).
public final class StackedDCGAN: GANModel {
    // MARK: Hyper-parameters (the benchmark's)

    /// Adam 2e-4, betas (0.5, 0.999), batch 64; D outputs logits.
    public static let defaults = Hyperparameters(
        learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 64, scores: .logits)
    public let latentDimension = 100
    public let imageShape = [3, 28, 28]
    public var hyperparameters: Hyperparameters { Self.defaults }
    static let initializer = Initializer.normal(standardDeviation: 0.02)

    // MARK: Generator

    /// z → linear [512, 2, 2] → BN → ReLU → ConvT 256 (4×4) → ConvT 128 (7×7) → ConvT 64 (14×14) → ConvT 3 (28×28) → tanh.
    public final class Generator: Module {
        public let fc: Linear
        public let bn0: BatchNorm
        public let net: Sequential

        public init(latentDimension: Int, generator random: inout RandomGenerator) {
            fc = Linear(inputSize: latentDimension, outputSize: 512 * 2 * 2, initializer: StackedDCGAN.initializer, generator: &random)
            bn0 = BatchNorm(featureCount: 512, generator: &random)
            var layers: [any Layer] = []
            // Output padding makes 2 → 4, 7 → 14 and 14 → 28 exact doublings; 4 → 7 needs none.
            for (input, output, outputPadding) in [(512, 256, 1), (256, 128, 0), (128, 64, 1)] {
                layers.append(ConvTranspose2d(inputChannels: input, outputChannels: output, kernelSize: 5, stride: 2, padding: 2,
                                              outputPadding: outputPadding, initializer: StackedDCGAN.initializer, generator: &random))
                layers.append(BatchNorm(featureCount: output, generator: &random))
                layers.append(Activation.relu)
            }
            layers.append(ConvTranspose2d(inputChannels: 64, outputChannels: 3, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1,
                                          initializer: StackedDCGAN.initializer, generator: &random))
            layers.append(Activation.tanh)
            net = Sequential(layers)
        }

        /// Images `[N, 3, 28, 28]` from noise `[N, latent]`.
        public func callAsFunction(_ noise: Tensor) -> Tensor {
            net(bn0(fc(noise).reshaped(to: [-1, 512, 2, 2])).relu())
        }
    }

    // MARK: Discriminator

    /// Conv 64 (14×14) → LReLU → Conv 128 (7×7) → BN → LReLU → Conv 256 (4×4) → BN → LReLU → Conv 512 (2×2) → BN → LReLU → linear logit.
    public final class Discriminator: Module {
        public let net: Sequential
        /// How many images one score judges (PacGAN's m); 1 is the plain DCGAN.
        public let pack: Int

        public init(pack: Int = 1, generator random: inout RandomGenerator) {
            self.pack = pack
            var layers: [any Layer] = []
            for (input, output) in [(3 * pack, 64), (64, 128), (128, 256), (256, 512)] {
                layers.append(Conv2d(inputChannels: input, outputChannels: output, kernelSize: 5, stride: 2, padding: 2,
                                     initializer: StackedDCGAN.initializer, generator: &random))
                if input != 3 * pack { layers.append(BatchNorm(featureCount: output, generator: &random)) }
                layers.append(Activation.leakyRelu(0.2))
            }
            layers.append(Reshape.flatten)
            layers.append(Linear(inputSize: 512 * 2 * 2, outputSize: 1, initializer: StackedDCGAN.initializer, generator: &random))
            net = Sequential(layers)
        }

        /// Logits `[N / pack]` for images `[N, 3, 28, 28]`, one per tuple of images.
        public func callAsFunction(_ images: Tensor) -> Tensor { net(images.packed(pack)).reshaped(to: [-1]) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with N(0, 0.02) weights and zero biases drawn from `seed`; D judges
    /// `pack` images at once (PacDCGAN2 is `pack: 2`).
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, generator: &random)
        discriminatorNetwork = Discriminator(pack: pack, generator: &random)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor { discriminatorNetwork(images) }

    // MARK: Losses and training step

    /// The reference's order: D on real (target 1) and detached fake (target 0) images, the two
    /// BCE losses summed; then two G updates with the same noise, each against the updated D
    /// (non-saturating loss). The reported G loss is the second update's.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let (kind, objective) = (hyperparameters.scores, context.objective)
        let noise = context.sampleNoise(count: batch.images.shape[0], dimension: latentDimension)
        let fake = withoutGradients { generate(noise) }
        let discriminatorPass = Adversarial.record(for: [context.discriminatorOptimizer]) {
            let realScores = discriminate(batch.images)
            let fakeScores = discriminate(fake)
            let loss = Adversarial.loss(realScores, target: 1, kind: kind, objective: objective)
                + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: objective)
            return ([loss], (real: Adversarial.meanScore(realScores, kind: kind, objective: objective),
                             fake: Adversarial.meanScore(fakeScores, kind: kind, objective: objective)))
        }
        discriminatorPass.apply(to: [context.discriminatorOptimizer])
        var generatorLoss: Float = 0
        for _ in 0..<2 {
            let generatorPass = Adversarial.record(for: [context.generatorOptimizer]) {
                ([Adversarial.generatorLoss(discriminate(generate(noise)), objective: objective, kind: kind)], ())
            }
            generatorPass.apply(to: [context.generatorOptimizer])
            generatorLoss = generatorPass.losses[0]
        }
        return StepMetrics(discriminatorLoss: discriminatorPass.losses[0], generatorLoss: generatorLoss,
                           realScore: discriminatorPass.extra.real, fakeScore: discriminatorPass.extra.fake)
    }
}
