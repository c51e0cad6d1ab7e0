import Datasets
import Foundation
import NN
import Tensors

/// How `MNISTClassifier` is trained; the defaults produced the shipped weights.
public struct ClassifierTrainingOptions: Codable, Hashable, Sendable {
    /// Passes over the 60,000 training images.
    public var epochs = 4
    public var batchSize = 64
    /// Adam's learning rate in the first epoch (betas 0.9, 0.999; ε 1e-8).
    public var learningRate: Float = 1e-3
    /// The learning rate is multiplied by this after every epoch.
    public var learningRateDecay: Float = 0.5
    /// Seeds the initial weights and the data order.
    public var seed: UInt64 = 0

    public init() {}
}

/// What one epoch of classifier training measured.
public struct ClassifierEpochReport: Sendable {
    public var epoch: Int
    /// Mean cross-entropy over the epoch's batches.
    public var meanLoss: Double
    /// Accuracy on the training batches as they were trained (weights changing during the epoch).
    public var trainingAccuracy: Double
    public var seconds: Double
}

extension MNISTClassifier {
    /// Trains a fresh classifier with Adam on softmax cross-entropy.
    ///
    /// Deterministic: the weights come from `options.seed` and epoch e's batch order from
    /// `BatchSampler(seed: options.seed)` (the last partial batch is dropped), so the same options and
    /// data give the same weights (kernels are deterministic for any thread count).
    /// `images` are `[N, 1, 28, 28]` in [-1, 1]; `progress` is called after every epoch.
    public static func train(
        images: Tensor, labels: [Int], options: ClassifierTrainingOptions,
        progress: (ClassifierEpochReport) -> Void = { _ in }
    ) -> MNISTClassifier {
        precondition(images.shape[0] == labels.count, "\(images.shape[0]) images for \(labels.count) labels")
        let classifier = MNISTClassifier(seed: options.seed)
        classifier.train()
        let optimizer = Adam(parameters: classifier.namedParameters(), learningRate: options.learningRate)
        let sampler = BatchSampler(count: labels.count, batchSize: options.batchSize,
                                   seed: RandomGenerator(seed: options.seed).derived(stream: 1).seed)
        for epoch in 0..<options.epochs {
            let start = Date()
            var lossSum = 0.0, correct = 0
            let batches = sampler.batches(epoch: epoch)
            for indices in batches {
                let batchLabels = indices.map { labels[$0] }
                let logits = classifier(gatherRows(images, indices))
                let loss = Loss.softmaxCrossEntropy(logits, labels: batchLabels)
                let gradients = Tensors.gradients(of: loss, withRespectTo: optimizer.parameters.map(\.parameter.value))
                lossSum += Double(loss.scalar)
                correct += zip(predictedLabels(logits.detached()), batchLabels).filter { $0 == $1 }.count
                optimizer.update(with: gradients)
            }
            let trained = Swift.max(batches.count, 1)
            progress(ClassifierEpochReport(epoch: epoch, meanLoss: lossSum / Double(trained),
                                           trainingAccuracy: Double(correct) / Double(trained * options.batchSize),
                                           seconds: Date().timeIntervalSince(start)))
            optimizer.learningRate *= options.learningRateDecay
        }
        classifier.eval()
        return classifier
    }
}
