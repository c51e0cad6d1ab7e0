import NN
import Tensors

// MARK: Provenance
// Conditional Generative Adversarial Nets (Mirza & Osindero, 2014), in the layout of PyTorch-GAN's
// `implementations/cgan/cgan.py`: both networks see the class label through a learned 10-dimensional
// embedding — prepended to the noise in G (label first), appended to the flattened image in D (image
// first). G is the vanilla GAN's MLP stack (BatchNorm eps 0.8 kept); D is a wider MLP with dropout
// 0.4 and no sigmoid, trained with squared error against 1/0 as the reference does. Parameter names
// equal the reference's `state_dict` keys.

/// The conditional GAN on 28×28 MNIST digits (catalogue name `cgan`).
public final class ConditionalGAN: GANModel {
    // MARK: Hyper-parameters (the reference's defaults)

    /// Adam 2e-4, betas (0.5, 0.999), batch 64; D outputs raw scores (MSE by default, logits under BCE).
    public static let defaults = Hyperparameters(
        learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 64, scores: .logits)
    public let latentDimension = 100
    public let imageShape = [1, 28, 28]
    public let classCount = 10
    public var hyperparameters: Hyperparameters { Self.defaults }

    // MARK: Generator

    /// concat(embedding(label), z) → the `mlp` generator stack → `[N, 1, 28, 28]`.
    public final class Generator: Module {
        public let labelEmbedding: Embedding
        public let model: Sequential
        override public var stateNameOverrides: [String: String] { ["labelEmbedding": "label_emb"] }

        public init(latentDimension: Int, classCount: Int, generator random: inout RandomGenerator) {
            labelEmbedding = Embedding(count: classCount, dimension: classCount, generator: &random)
            model = VanillaGAN.Generator.stack(inputSize: classCount + latentDimension, generator: &random)
        }

        /// Images `[N, 1, 28, 28]` in [-1, 1] for noise `[N, latent]` and N labels.
        public func callAsFunction(_ noise: Tensor, labels: [Int]) -> Tensor {
            let input = Tensor.concatenating([labelEmbedding(labels), noise], alongAxis: 1)
            return model(input).reshaped(to: [-1, 1, 28, 28])
        }
    }

    // MARK: Discriminator

    /// concat(flatten(image), embedding(label)) → 512 → 512 → 512 → 1 with dropout 0.4; raw scores.
    public final class Discriminator: Module {
        public let labelEmbedding: Embedding
        public let model: Sequential
        /// How many (image, label) pairs one score judges (PacGAN); 1 is the reference.
        public let pack: Int

        public init(classCount: Int, pack: Int = 1, generator random: inout RandomGenerator, dropoutSeed: UInt64) {
            self.pack = pack
            labelEmbedding = Embedding(count: classCount, dimension: classCount, generator: &random)
            model = Sequential {
                Linear(inputSize: (28 * 28 + classCount) * pack, outputSize: 512, generator: &random)
                Activation.leakyRelu(0.2)
                Linear(inputSize: 512, outputSize: 512, generator: &random)
                Dropout(probability: 0.4, seed: dropoutSeed)
                Activation.leakyRelu(0.2)
                Linear(inputSize: 512, outputSize: 512, generator: &random)
                Dropout(probability: 0.4, seed: dropoutSeed &+ 1)
                Activation.leakyRelu(0.2)
                Linear(inputSize: 512, outputSize: 1, generator: &random)
            }
        }

        /// Raw scores `[N / pack]` for images `[N, 1, 28, 28]` and their N labels; packing groups
        /// the conditioned inputs (image and label together).
        public func callAsFunction(_ images: Tensor, labels: [Int]) -> Tensor {
            let input = Tensor.concatenating([images.flattened(), labelEmbedding(labels)], alongAxis: 1)
            return model(input.packed(pack)).reshaped(to: [-1])
        }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }

    /// Builds both networks with PyTorch's default initialisation (embeddings N(0, 1)) drawn from `seed`.
    /// D judges `pack` pairs at once.
    public init(seed: UInt64, pack: Int = 1) {
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        generatorNetwork = Generator(latentDimension: latentDimension, classCount: classCount, generator: &random)
        discriminatorNetwork = Discriminator(
            classCount: classCount, pack: pack, generator: &random, dropoutSeed: RandomGenerator(seed: seed).derived(stream: 3).seed)
    }

    public func generate(_ noise: Tensor, labels: [Int]) -> Tensor {
        precondition(labels.count == noise.shape[0], "cgan needs one label per noise vector")
        return generatorNetwork(noise, labels: labels)
    }

    public func discriminate(_ images: Tensor, labels: [Int]) -> Tensor {
        precondition(labels.count == images.shape[0], "cgan needs one label per image")
        return discriminatorNetwork(images, labels: labels)
    }

    // MARK: Losses and training step

    /// The reference's order: labels for the fakes drawn uniformly; G first against the current D
    /// (dropout active); then D on real images with their labels and on the detached fakes with
    /// theirs (one pass over both: D has no BatchNorm), its loss the mean of the two halves.
    public func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics {
        let (kind, objective) = (hyperparameters.scores, context.objective)
        let count = batch.images.shape[0]
        let noise = context.sampleNoise(count: count, dimension: latentDimension)
        let fakeLabels = context.sampleLabels(count: count, classCount: classCount)
        let generatorPass = Adversarial.record(for: [context.generatorOptimizer]) {
            let fake = generate(noise, labels: fakeLabels)
            let fakeScores = discriminate(fake, labels: fakeLabels)
            let loss = Adversarial.generatorLoss(fakeScores, objective: objective, kind: kind)
            return ([loss], (fake: fake.detached(), score: Adversarial.meanScore(fakeScores, kind: kind, objective: objective)))
        }
        // D's pass reads only the detached fakes, so G's update runs beside it.
        let discriminatorPass = generatorPass.apply(to: [context.generatorOptimizer]) {
            Adversarial.record(for: [context.discriminatorOptimizer]) {
                let (realScores, fakeScores) = Adversarial.scoresTogether(
                    of: self, real: batch.images, realLabels: batch.labels, fake: generatorPass.extra.fake, fakeLabels: fakeLabels)
                let loss = (Adversarial.loss(realScores, target: 1, kind: kind, objective: objective)
                    + Adversarial.loss(fakeScores, target: 0, kind: kind, objective: objective)) * 0.5
                return ([loss], Adversarial.meanScore(realScores, kind: kind, objective: objective))
            }
        }
        discriminatorPass.apply(to: [context.discriminatorOptimizer])
        return StepMetrics(discriminatorLoss: discriminatorPass.losses[0], generatorLoss: generatorPass.losses[0],
                           realScore: discriminatorPass.extra, fakeScore: generatorPass.extra.score)
    }
}
