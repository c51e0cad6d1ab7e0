import NN
import Tensors

/// A generator–discriminator pair with the training step of its reference implementation.
///
/// Images are NCHW in [-1, 1]; noise is `[N, latentDimension]` from N(0, 1).
public protocol GANModel: AnyObject {
    /// The network that turns noise into images; saved as `generator.safetensors`.
    var generator: Module { get }
    /// The network that scores images; saved as `discriminator.safetensors`.
    var discriminator: Module { get }
    /// Defaults of the reference (optimiser, batch size, what the discriminator outputs).
    var hyperparameters: Hyperparameters { get }
    /// The noise size.
    var latentDimension: Int { get }
    /// `[C, H, W]` of one generated image.
    var imageShape: [Int] { get }

    /// Images `[N, C, H, W]` in [-1, 1] from noise `[N, latentDimension]`.
    func generate(_ noise: Tensor) -> Tensor
    /// One score per image, `[N]`: probabilities or logits as `hyperparameters.scores` says.
    func discriminate(_ images: Tensor) -> Tensor
    /// One D update and one G update on a batch of real images, in the reference's order.
    func trainingStep(realImages: Tensor, context: TrainingContext) -> StepMetrics
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

/// How the generator's loss is formed from D(G(z)).
public enum GeneratorObjective: String, Codable, CaseIterable, Sendable {
    /// Maximise log D(G(z)) (Goodfellow et al.'s practical choice; what the references train).
    case nonSaturating = "non-saturating"
    /// Minimise log(1 − D(G(z))), the original minimax game.
    case minimax
}

/// Mutable state a training step needs: optimisers, the noise stream and the objective.
public final class TrainingContext {
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public var noise: RandomGenerator
    public let objective: GeneratorObjective

    public init(model: GANModel, hyperparameters: Hyperparameters, noise: RandomGenerator, objective: GeneratorObjective) {
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
