import NN
import Tensors

// MARK: Provenance
// The 2-D mixture experiments of PacGAN (Lin et al., NeurIPS 2018, §5.1 and Table 1), which follow
// VEEGAN's (Srivastava et al., NeurIPS 2017) ring and grid. Architecture and optimiser from the
// PacGAN repository's `synthetic_data_experiments/2D{Ring,Grid}_GAN&PacGAN` configurations (Theano /
// Blocks): G an MLP z(2) → 4 × [400 units, BatchNorm, ReLU] → 2, linear layers without bias except
// the last; D three maxout layers (200 units, 5 pieces) → 1 logit; weights N(0, 0.02), biases 0;
// Adam lr 1e-4, β1 0.8; batch 100; D and G updated simultaneously from one pass (ALI's algorithm),
// D's loss the sum of its real and fake BCE. Differences: Blocks' BatchNorm averages population
// statistics with weight 0.05 over a separate pass; here the running statistics follow PyTorch's
// rule with momentum 0.05 during training. PacGAN's reference draws m·100 samples per step for
// m-packing; here the batch is split into m-tuples, so `--batch-size 400 --pack 4` matches it.

/// A GAN for 2-D points (catalogue name `mixture`); its "images" are points `[N, 2]`.
public final class MixtureGAN: GANModel {
    // MARK: Hyper-parameters (the PacGAN repository's)

    /// Adam 1e-4, betas (0.8, 0.999), batch 100; D outputs logits.
    public static let defaults = Hyperparameters(
        learningRate: 1e-4, beta1: 0.8, beta2: 0.999, epsilon: 1e-8, batchSize: 100, scores: .logits)
    public let latentDimension = 2
    public let imageShape = [2]
    public var hyperparameters: Hyperparameters { Self.defaults }
    static let initializer = Initializer.normal(standardDeviation: 0.02)

    // MARK: Generator

    /// z (2) → 400 → 400 → 400 → 400 → 2: each hidden layer linear (no bias), BatchNorm, ReLU.
    public final class Generator: Module {
        public let model: Sequential

        public init(latentDimension: Int, generator random: inout RandomGenerator) {
            var layers: [any Layer] = []
            for input in [latentDimension, 400, 400, 400] {
                layers.append(Linear(inputSize: input, outputSize: 400, bias: false, initializer: MixtureGAN.initializer, generator: &random))
                layers.append(BatchNorm(featureCount: 400, epsilon: 1e-4, momentum: 0.05, generator: &random))
                layers.append(Activation.relu)
            }
            layers.append(Linear(inputSize: 400, outputSize: 2, initializer: MixtureGAN.initializer, generator: &random))
            model = Sequential(layers)
        }

        /// Points `[N, 2]` from noise `[N, 2]`.
        public func callAsFunction(_ noise: Tensor) -> Tensor { model(noise) }
    }

    // MARK: Discriminator

    /// 2·pack → maxout 200 → maxout 200 → maxout 200 (5 pieces each) → 1 logit.
    public final class Discriminator: Module {
        public let model: Sequential
        /// How many points one score judges (PacGAN's m); 1 is the plain GAN.
        public let pack: Int

        public init(pack: Int = 1, generator random: inout RandomGenerator) {
            self.pack = pack
            model = Sequential {
                Maxout(inputSize: 2 * pack, outputSize: 200, pieces: 5, initializer: MixtureGAN.initializer, generator: &random)
                Maxout(inputSize: 200, outputSize: 200, pieces: 5, initializer: MixtureGAN.initializer, generator: &random)
                Maxout(inputSize: 200, outputSize: 200, pieces: 5, initializer: MixtureGAN.initializer, generator: &random)
                Linear(inputSize: 200, outputSize: 1, initializer: MixtureGAN.initializer, generator: &random)
            }
        }

        /// Logits `[N / pack]` for points `[N, 2]`, one per tuple of points.
        public func callAsFunction(_ points: Tensor) -> Tensor { model(points.packed(pack)).reshaped(to: [-1]) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with N(0, 0.02) weights and zero biases drawn from `seed`; D judges
    /// `pack` points at once.
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, generator: &random)
        discriminatorNetwork = Discriminator(pack: pack, generator: &random)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor { discriminatorNetwork(images) }

    // MARK: Losses and training step

    /// ALI's simultaneous update, as PacGAN trains: one pass of G and of D on real and generated
    /// points; D's loss BCE(real, 1) + BCE(fake, 0), G's BCE(fake, 1) (non-saturating); D's
    /// gradients are taken for D's parameters only, then both optimisers step.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let (kind, objective) = (hyperparameters.scores, context.objective)
        let noise = context.sampleNoise(count: batch.images.shape[0], dimension: latentDimension)
        let optimizers: [Optimizer] = [context.discriminatorOptimizer, context.generatorOptimizer]
        let pass = Adversarial.record(for: optimizers) {
            let realScores = discriminate(batch.images)
            let fakeScores = discriminate(generate(noise))
            let discriminatorLoss = Adversarial.loss(realScores, target: 1, kind: kind, objective: objective)
                + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: objective)
            let generatorLoss = Adversarial.generatorLoss(fakeScores, objective: objective, kind: kind)
            return ([discriminatorLoss, generatorLoss],
                    (real: Adversarial.meanScore(realScores, kind: kind, objective: objective),
                     fake: Adversarial.meanScore(fakeScores, kind: kind, objective: objective)))
        }
        pass.apply(to: optimizers)
        return StepMetrics(discriminatorLoss: pass.losses[0], generatorLoss: pass.losses[1], realScore: pass.extra.real, fakeScore: pass.extra.fake)
    }
}
