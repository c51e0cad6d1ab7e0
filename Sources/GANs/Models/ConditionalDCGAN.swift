import NN
import Tensors

// MARK: Provenance
// A conditional DCGAN for 28×28 digits: the `dcgan` networks (TensorFlow's DCGAN tutorial layout,
// Radford et al. 2016) conditioned on the class label in the way of Mirza & Osindero (2014) adapted to
// convolutions, as in the widely used Keras conditional DCGAN for MNIST. Design:
// - G: a 50-dimensional label embedding is projected by a dense layer to one 7×7 plane, which joins
//   the 256 channels after `dcgan`'s dense layer as a 257th channel; the transposed convolutions follow.
// - D: a 50-dimensional label embedding is projected to one 28×28 plane, stacked with the image as a
//   second input channel; `dcgan`'s convolutions follow.
// The label thus reaches both networks at full spatial extent and from the first layer on. Everything
// else — initialisation (Glorot uniform, embeddings N(0, 1)), BatchNorm, dropout, Adam 1e-4 with Keras
// defaults, batch 256, the simultaneous update and BCE with logits — is `dcgan`'s. There is no PyTorch
// reference module; the names below follow `dcgan`'s (`fc`, `bn0`, `net.*`) plus `label_*`.

/// The conditional DCGAN on 28×28 MNIST digits (catalogue name `cdcgan`).
public final class ConditionalDCGAN: GANModel {
    // MARK: Hyper-parameters (dcgan's)

    public static let defaults = DCGAN.defaults
    public let latentDimension = 100
    public let imageShape = [1, 28, 28]
    public let classCount = 10
    public var hyperparameters: Hyperparameters { Self.defaults }
    /// The label embedding's width in both networks.
    static let embeddingDimension = 50

    // MARK: Generator

    /// z → dense 12544 → BN → LReLU → [256, 7, 7] ⊕ label plane [1, 7, 7] → dcgan's transposed convolutions → tanh.
    public final class Generator: Module {
        public let labelEmbedding: Embedding
        public let labelProjection: Linear
        public let fc: Linear
        public let bn0: BatchNorm
        public let net: Sequential

        public init(latentDimension: Int, classCount: Int, generator random: inout RandomGenerator) {
            labelEmbedding = Embedding(count: classCount, dimension: embeddingDimension, generator: &random)
            labelProjection = Linear(inputSize: embeddingDimension, outputSize: 7 * 7, initializer: .glorotUniform, generator: &random)
            fc = Linear(inputSize: latentDimension, outputSize: 7 * 7 * 256, bias: false, initializer: .glorotUniform, generator: &random)
            bn0 = DCGAN.normalization(7 * 7 * 256, generator: &random)
            net = DCGAN.Generator.upsampling(inputChannels: 256 + 1, generator: &random)
        }

        /// Images `[N, 1, 28, 28]` in [-1, 1] for noise `[N, latent]` and N labels.
        public func callAsFunction(_ noise: Tensor, labels: [Int]) -> Tensor {
            let features = bn0(fc(noise)).leakyRelu(slope: 0.3).reshaped(to: [-1, 256, 7, 7])
            let labelPlane = labelProjection(labelEmbedding(labels)).reshaped(to: [-1, 1, 7, 7])
            return net(Tensor.concatenating([features, labelPlane], alongAxis: 1))
        }
    }

    // MARK: Discriminator

    /// image ⊕ label plane [1, 28, 28] → dcgan's convolutions with dropout → logit.
    public final class Discriminator: Module {
        public let labelEmbedding: Embedding
        public let labelProjection: Linear
        public let net: Sequential
        /// How many (image, label) pairs one score judges (PacGAN); 1 is the reference.
        public let pack: Int

        public init(classCount: Int, pack: Int = 1, generator random: inout RandomGenerator, dropoutSeed: UInt64) {
            self.pack = pack
            labelEmbedding = Embedding(count: classCount, dimension: embeddingDimension, generator: &random)
            labelProjection = Linear(inputSize: embeddingDimension, outputSize: 28 * 28, initializer: .glorotUniform, generator: &random)
            net = DCGAN.Discriminator.layers(inputChannels: 2 * pack, generator: &random, dropoutSeed: dropoutSeed)
        }

        /// Logits `[N / pack]` for images `[N, 1, 28, 28]` and their N labels; packing groups the
        /// two-channel (image, label plane) inputs.
        public func callAsFunction(_ images: Tensor, labels: [Int]) -> Tensor {
            let labelPlane = labelProjection(labelEmbedding(labels)).reshaped(to: [-1, 1, 28, 28])
            return net(Tensor.concatenating([images, labelPlane], alongAxis: 1).packed(pack)).reshaped(to: [-1])
        }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks drawn from `seed` (Glorot-uniform weights, zero biases, N(0, 1) embeddings).
    /// D judges `pack` pairs at once.
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, classCount: classCount, generator: &random)
        discriminatorNetwork = Discriminator(
            classCount: classCount, pack: pack, generator: &random, dropoutSeed: RandomGenerator(seed: seed).derived(stream: 3).seed)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor {
        precondition(labels.count == noise.shape[0], "cdcgan needs one label per noise vector")
        return generatorNetwork(noise, labels: labels)
    }

    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor {
        precondition(labels.count == images.shape[0], "cdcgan needs one label per image")
        return discriminatorNetwork(images, labels: labels)
    }

    // MARK: Losses and training step

    /// dcgan's simultaneous update, with labels: fakes get uniformly drawn labels, real images
    /// their own; one forward pass serves both losses and then both optimisers step.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let (kind, objective) = (hyperparameters.scores, context.objective)
        let count = batch.images.shape[0]
        let noise = context.sampleNoise(count: count, dimension: latentDimension)
        let fakeLabels = context.sampleLabels(count: count, classCount: classCount)
        let optimizers: [Optimizer] = [context.discriminatorOptimizer, context.generatorOptimizer]
        let pass = Adversarial.record(for: optimizers) {
            let fake = generate(noise, labels: fakeLabels)
            let realScores = discriminate(batch.images, labels: batch.labels)
            let fakeScores = discriminate(fake, labels: fakeLabels)
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
