import NN
import Tensors

/// A conditional generator–discriminator pair that translates source images into target images
/// (image-to-image translation), with the training step of its reference implementation.
///
/// Images are NCHW in [-1, 1]. Unlike `GANModel` there is no noise input: the generator's only
/// randomness is its dropout, whose seeded streams live in the module tree (and in checkpoints).
public protocol TranslationModel: NetworkPair {
    /// Defaults of the reference (optimiser, batch size).
    var hyperparameters: Hyperparameters { get }
    /// `[C, H, W]` of one source image.
    var sourceShape: [Int] { get }
    /// `[C, H, W]` of one target (and generated) image.
    var targetShape: [Int] { get }

    /// Generated targets `[N, C_target, H, W]` for sources `[N, C_source, H, W]`, both in [-1, 1].
    func translate(_ source: Tensor) -> Tensor
    /// One D update and one G update on a batch of aligned pairs, in the reference's order.
    func trainingStep(_ batch: TranslationBatch, context: TrainingContext) -> TranslationStepMetrics
}

/// Aligned source and target images, `[N, C, H, W]` each, in [-1, 1].
public struct TranslationBatch {
    public var source: Tensor
    public var target: Tensor

    public init(source: Tensor, target: Tensor) {
        precondition(source.shape[0] == target.shape[0], "a batch needs as many targets as sources")
        self.source = source
        self.target = target
    }
}

/// What one translation training step measured: the adversarial losses and scores (its
/// `generatorLoss` is the full generator objective, adversarial + λ·L1), and the two terms of G's loss.
public struct TranslationStepMetrics: Codable, Hashable, Sendable {
    public var adversarial: StepMetrics
    /// The generator's adversarial term alone, BCE(D(x, G(x)), 1).
    public var generatorAdversarialLoss: Float
    /// Mean |G(x) − y| over every element, in the [-1, 1] scale (before the λ weight).
    public var l1: Float
}
