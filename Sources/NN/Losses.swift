import Tensors

/// The losses of the reference GANs, each averaged over every element (PyTorch's `reduction="mean"`).
public enum Loss {
    /// Binary cross-entropy of probabilities in [0, 1] against targets; each log is clamped at −100
    /// as PyTorch's BCELoss does, so a saturated sigmoid gives a large finite loss and a finite gradient.
    public static func binaryCrossEntropy(_ probabilities: Tensor, _ targets: Tensor) -> Tensor {
        -(targets * probabilities.clampedLog() + (1 - targets) * (1 - probabilities).clampedLog()).mean()
    }

    /// Binary cross-entropy on logits, computed stably as max(x, 0) − x·t + log(1 + e^−|x|).
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        (logits.relu() - logits * targets + (1 + (-logits.abs()).exp()).log()).mean()
    }

    /// Mean squared error.
    public static func meanSquaredError(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
        (predictions - targets).squared().mean()
    }

    /// Mean absolute error (L1).
    public static func meanAbsoluteError(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
        (predictions - targets).abs().mean()
    }
}

extension Loss {
    /// Softmax cross-entropy of `logits` `[N, classes]` against integer `labels` (0 ..< classes),
    /// averaged over the batch (PyTorch's `cross_entropy`): −mean log softmax(logits)[label].
    public static func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "softmaxCrossEntropy needs logits [N, classes] and N labels, got \(logits.shape) and \(labels.count)")
        let classes = logits.shape[1]
        var oneHot = [Float](repeating: 0, count: logits.scalarCount)
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "label \(label) out of range 0..<\(classes)")
            oneHot[row * classes + label] = 1
        }
        let picked = logits.logSoftmax(alongAxis: 1) * Tensor(shape: logits.shape, scalars: oneHot)
        return -picked.sum() * (1 / Float(labels.count))
    }
}
