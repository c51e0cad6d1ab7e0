import NN
import Tensors

/// The two networks every adversarial model owns: what checkpoints save and optimisers update.
public protocol NetworkPair: AnyObject {
    /// The network that makes images; saved as `generator.safetensors`.
    var generator: Module { get }
    /// The network that scores images; saved as `discriminator.safetensors`.
    var discriminator: Module { get }
}

/// A generator–discriminator pair with the training step of its reference implementation.
///
/// Images are NCHW in [-1, 1]; noise is `[N, latentDimension]` from N(0, 1). Conditional models
/// (`classCount > 0`) take one class label per image in both networks; unconditional ones ignore labels.
public protocol GANModel: NetworkPair {
    /// Defaults of the reference (optimiser, batch size, what the discriminator outputs).
    var hyperparameters: Hyperparameters { get }
    /// The noise size.
    var latentDimension: Int { get }
    /// `[C, H, W]` of one generated image.
    var imageShape: [Int] { get }
    /// How many classes the networks are conditioned on; 0 for an unconditional model.
    var classCount: Int { get }

    /// Images `[N, C, H, W]` in [-1, 1] from noise `[N, latentDimension]` and, for conditional
    /// models, N labels in `0..<classCount`.
    func generate(_ noise: Tensor, labels: [Int]) -> Tensor
    /// One score per image, `[N]`: probabilities or logits as `hyperparameters.scores` says.
    func discriminate(_ images: Tensor, labels: [Int]) -> Tensor
    /// One D update and one G update on a batch of real images, in the reference's order.
    func trainingStep(_ batch: TrainingBatch, context: TrainingContext) -> StepMetrics
}

extension GANModel {
    public var classCount: Int { 0 }
    public var isConditional: Bool { classCount > 0 }

    /// Images from noise alone: an unconditional model's samples.
    public func generate(_ noise: Tensor) -> Tensor { generate(noise, labels: []) }
    /// Scores without labels: an unconditional model's discriminator.
    public func discriminate(_ images: Tensor) -> Tensor { discriminate(images, labels: []) }
}

/// Real images and their class labels (labels matter only to conditional models).
public struct TrainingBatch {
    /// `[N, C, H, W]` in [-1, 1].
    public var images: Tensor
    /// N labels in 0–9 for MNIST.
    public var labels: [Int]

    public init(images: Tensor, labels: [Int]) {
        self.images = images
        self.labels = labels
    }
}

/// The reference's optimiser and data settings; options may override them.
public struct Hyperparameters: Codable, Hashable, Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var batchSize: Int
    public var scores: ScoreKind
}

/// What the discriminator's last layer gives.
public enum ScoreKind: String, Codable, Sendable {
    /// Sigmoid outputs, scored with binary cross-entropy.
    case probability
    /// Raw logits, scored with the numerically stable BCE-with-logits.
    case logits
}

/// The adversarial game both networks' losses come from.
public enum AdversarialLoss: String, Codable, CaseIterable, Sendable {
    /// Binary cross-entropy; G maximises log D(G(z)) (Goodfellow et al.'s practical choice; what
    /// the BCE references train). The CLI also accepts `bce` for it.
    case nonSaturating = "non-saturating"
    /// Binary cross-entropy; G minimises log(1 − D(G(z))), the original minimax game.
    case minimax
    /// Squared error of the raw scores against the targets 1 (real) and 0 (fake), as PyTorch-GAN's
    /// `cgan` trains (least-squares GAN, Mao et al. 2017).
    case leastSquares = "mse"

    /// Parses the CLI spelling; `bce` names the non-saturating BCE game.
    public init?(name: String) {
        if name == "bce" { self = .nonSaturating } else if let loss = Self(rawValue: name) { self = loss } else { return nil }
    }
}

/// Mutable state a training step needs: optimisers, the noise stream and the objective.
public final class TrainingContext {
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public var noise: RandomGenerator
    public let objective: AdversarialLoss

    public init(model: NetworkPair, hyperparameters: Hyperparameters, noise: RandomGenerator, objective: AdversarialLoss) {
        let settings = hyperparameters
        generatorOptimizer = Adam(parameters: model.generator.namedParameters(), learningRate: settings.learningRate,
                                  beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon)
        discriminatorOptimizer = Adam(parameters: model.discriminator.namedParameters(), learningRate: settings.learningRate,
                                      beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.epsilon)
        self.noise = noise
        self.objective = objective
    }

    /// A batch of N(0, 1) noise from the training stream.
    public func sampleNoise(count: Int, dimension: Int) -> Tensor {
        Tensor.randomNormal([count, dimension], generator: &noise)
    }

    /// Labels drawn uniformly from `0..<classCount` from the training stream (for generated samples).
    public func sampleLabels(count: Int, classCount: Int) -> [Int] {
        (0..<count).map { _ in noise.nextInt(below: classCount) }
    }
}

/// What one training step measured: the losses actually optimised and the mean scores.
public struct StepMetrics: Codable, Hashable, Sendable {
    public var discriminatorLoss: Float
    public var generatorLoss: Float
    /// Mean D(x) on the real batch, as a probability.
    public var realScore: Float
    /// Mean D(G(z)) on the generated batch, as a probability.
    public var fakeScore: Float
}
