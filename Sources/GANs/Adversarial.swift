import NN
import Tensors

/// The adversarial losses and update helpers that every model's training step is written with.
enum Adversarial {
    /// The loss of every score against one constant target (1 = real, 0 = fake): binary
    /// cross-entropy, or the squared error of the raw scores for the least-squares game.
    static func loss(_ scores: Tensor, target: Float, kind: ScoreKind, objective: AdversarialLoss = .nonSaturating) -> Tensor {
        let targets = Tensor(repeating: target, shape: scores.shape)
        if objective == .leastSquares { return Loss.meanSquaredError(scores, targets) }
        switch kind {
        case .probability: return Loss.binaryCrossEntropy(scores, targets)
        case .logits: return Loss.binaryCrossEntropyWithLogits(scores, targets)
        }
    }

    /// The generator's loss on D(G(z)): −log D(G(z)) (non-saturating), log(1 − D(G(z))) (minimax)
    /// or (D(G(z)) − 1)² (least squares).
    static func generatorLoss(_ fakeScores: Tensor, objective: AdversarialLoss, kind: ScoreKind) -> Tensor {
        switch objective {
        case .nonSaturating, .leastSquares: return loss(fakeScores, target: 1, kind: kind, objective: objective)
        case .minimax: return -loss(fakeScores, target: 0, kind: kind)
        }
    }

    /// The mean score as a probability.
    static func meanProbability(_ scores: Tensor, kind: ScoreKind) -> Float {
        withoutGradients { (kind == .logits ? scores.sigmoid() : scores).mean().scalar }
    }

    /// The mean score as the progress line reports D(x) and D(G(z)): a probability under BCE, and
    /// the raw score under least squares, where D regresses toward 1 (real) and 0 (fake) directly.
    static func meanScore(_ scores: Tensor, kind: ScoreKind, objective: AdversarialLoss) -> Float {
        objective == .leastSquares ? withoutGradients { scores.mean().scalar } : meanProbability(scores, kind: kind)
    }

    /// D's scores for a real batch and an equally large fake one, from one pass over both.
    ///
    /// Why: one pass reads D's weights once and runs GEMMs twice as tall (the fake-batch pass had
    /// been the second reading of every weight). Only for a D that judges each image on its own — no
    /// BatchNorm — whose scores are then the separate passes' (dropout masks are drawn for both
    /// halves at once). Labels matter only to conditional models.
    static func scoresTogether(of model: some GANModel, real: Tensor, realLabels: [Int], fake: Tensor,
                               fakeLabels: [Int]) -> (real: Tensor, fake: Tensor) {
        precondition(real.shape == fake.shape, "the real and fake batches must have the same shape")
        let scores = model.discriminate(Tensor.concatenating([real, fake], alongAxis: 0), labels: realLabels + fakeLabels)
        let half = scores.shape[0] / 2
        return (scores.sliced(axis: 0, 0..<half), scores.sliced(axis: 0, half..<2 * half))
    }

    /// What one recorded pass produced: each loss's value and gradients, plus whatever else the
    /// pass reports (scores, a detached image batch).
    struct Pass<Extra> {
        let losses: [Float]
        let gradients: [[Tensor]]
        let extra: Extra

        /// Steps each optimiser with its loss's gradients.
        func apply(to optimizers: [Optimizer]) {
            for (optimizer, gradients) in zip(optimizers, gradients) { optimizer.update(with: gradients) }
        }

        /// Steps the optimisers on one pool thread while `next` (the other network's pass) runs, and
        /// returns what `next` returned.
        ///
        /// Why: Adam streams 28 bytes per parameter through memory while a pass is mostly arithmetic;
        /// side by side they share two cores better than each split over both (the MLP models' G update
        /// beside D's pass: `BENCHMARKS.md`). `next` must neither read nor write these optimisers'
        /// parameters: D's pass on detached fakes qualifies, G's pass through an updated D does not.
        func apply<Next>(to optimizers: [Optimizer], during next: () -> Next) -> Next {
            Parallelism.overlapping({ apply(to: optimizers) }, with: next)
        }
    }

    /// Records the graph `build` makes, takes each returned loss's gradients for the optimiser at the
    /// same position, and lets the graph go before anything is updated.
    ///
    /// Why: optimisers write parameters in place, and a live graph still holding a parameter's
    /// storage forces a copy of that parameter (copy-on-write) — every parameter, every step.
    static func record<Extra>(for optimizers: [Optimizer], _ build: () -> (losses: [Tensor], extra: Extra)) -> Pass<Extra> {
        let (losses, extra) = build()
        precondition(losses.count == optimizers.count, "one loss per optimiser")
        return Pass(losses: losses.map(\.scalar), gradients: zip(losses, optimizers).map { gradients(of: $0, for: $1) }, extra: extra)
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
