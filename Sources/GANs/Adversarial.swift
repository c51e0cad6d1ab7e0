import NN
import Tensors

/// The adversarial losses and update helpers that every model's training step is written with.
enum Adversarial {
    /// Binary cross-entropy of every score against one constant target (1 = real, 0 = fake).
    static func loss(_ scores: Tensor, target: Float, kind: ScoreKind) -> Tensor {
        let targets = Tensor(repeating: target, shape: scores.shape)
        switch kind {
        case .probability: return Loss.binaryCrossEntropy(scores, targets)
        case .logits: return Loss.binaryCrossEntropyWithLogits(scores, targets)
        }
    }

    /// The generator's loss on D(G(z)): −log D(G(z)) (non-saturating) or log(1 − D(G(z))) (minimax).
    static func generatorLoss(_ fakeScores: Tensor, objective: GeneratorObjective, kind: ScoreKind) -> Tensor {
        switch objective {
        case .nonSaturating: return loss(fakeScores, target: 1, kind: kind)
        case .minimax: return -loss(fakeScores, target: 0, kind: kind)
        }
    }

    /// The mean score as a probability.
    static func meanProbability(_ scores: Tensor, kind: ScoreKind) -> Float {
        withoutGradients { (kind == .logits ? scores.sigmoid() : scores).mean().scalar }
    }

    /// What a step reports: the two optimised losses and the mean scores as probabilities.
    static func metrics(discriminatorLoss: Tensor, generatorLoss: Tensor, realScores: Tensor, fakeScores: Tensor, kind: ScoreKind) -> StepMetrics {
        StepMetrics(discriminatorLoss: discriminatorLoss.scalar, generatorLoss: generatorLoss.scalar,
                    realScore: meanProbability(realScores, kind: kind), fakeScore: meanProbability(fakeScores, kind: kind))
    }

    /// The gradients of `loss` for the parameters `optimizer` owns (and only those).
    static func gradients(of loss: Tensor, for optimizer: Optimizer) -> [Tensor] {
        Tensors.gradients(of: loss, withRespectTo: optimizer.parameters.map(\.parameter.value))
    }

    /// One optimiser step on `loss`.
    static func minimize(_ loss: Tensor, with optimizer: Optimizer) {
        optimizer.update(with: gradients(of: loss, for: optimizer))
    }
}
