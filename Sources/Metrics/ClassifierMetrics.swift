import Foundation
import Tensors

/// exp(E_x KL(p(y|x) ‖ p(y))), the Inception-score formula with the MNIST classifier: 1 when every
/// sample gets the same class distribution, the number of classes when samples are confidently and
/// evenly spread over all of them.
///
/// `probabilities` is `[N, classes]`, each row a distribution (softmax of logits); p(y) is the mean
/// row. One split over all N samples; computed in Double with 0·log 0 = 0.
public func classifierScore(_ probabilities: Tensor) -> Double {
    precondition(probabilities.rank == 2 && probabilities.shape[0] > 0, "classifierScore needs [N > 0, classes], got \(probabilities.shape)")
    let (count, classes) = (probabilities.shape[0], probabilities.shape[1])
    let values = probabilities.scalars.map(Double.init)
    var marginal = [Double](repeating: 0, count: classes)
    for row in 0..<count { for column in 0..<classes { marginal[column] += values[row * classes + column] / Double(count) } }
    var divergence = 0.0
    for row in 0..<count {
        for column in 0..<classes where values[row * classes + column] > 0 {
            let p = values[row * classes + column]
            divergence += p * (log(p) - log(marginal[column]))
        }
    }
    return exp(divergence / Double(count))
}

/// How generated samples spread over the classes, as the mode-counting literature measures it.
public struct ModeCoverage: Codable, Hashable, Sendable {
    /// Samples per class.
    public let histogram: [Int]
    /// Classes with at least `threshold` of the samples.
    public let coveredClasses: Int
    /// `coveredClasses` / number of classes.
    public let fraction: Double
    /// KL(histogram ‖ uniform), natural log: 0 for a perfectly even spread, log(classes) for one class.
    public let divergenceFromUniform: Double
}

/// Counts `labels` (each in 0..<classes) per class; a class is covered when it has at least
/// `threshold` (default 1 %) of the samples.
public func modeCoverage(_ labels: [Int], classes: Int, threshold: Double = 0.01) -> ModeCoverage {
    precondition(!labels.isEmpty && classes > 0, "modeCoverage needs labels and at least one class")
    var histogram = [Int](repeating: 0, count: classes)
    for label in labels {
        precondition(label >= 0 && label < classes, "label \(label) out of range 0..<\(classes)")
        histogram[label] += 1
    }
    let total = Double(labels.count)
    let covered = histogram.filter { Double($0) >= threshold * total }.count
    let divergence = histogram.filter { $0 > 0 }.map { count -> Double in
        let p = Double(count) / total
        return p * log(p * Double(classes))
    }.reduce(0, +)
    return ModeCoverage(histogram: histogram, coveredClasses: covered, fraction: Double(covered) / Double(classes),
                        divergenceFromUniform: divergence)
}

/// How often the classifier agrees with the label a conditional generator was asked for.
public struct LabelAccuracy: Codable, Hashable, Sendable {
    /// Per requested class: the fraction classified as that class; nil for classes never requested.
    public let perClass: [Double?]
    /// The mean of the per-class accuracies over the requested classes.
    public let mean: Double
}

/// Per-class and mean agreement of `predicted` with `requested` labels (both in 0..<classes).
public func labelAccuracy(predicted: [Int], requested: [Int], classes: Int) -> LabelAccuracy {
    precondition(predicted.count == requested.count && !requested.isEmpty, "labelAccuracy needs as many predictions as requests")
    var (hits, totals) = ([Int](repeating: 0, count: classes), [Int](repeating: 0, count: classes))
    for (prediction, request) in zip(predicted, requested) {
        precondition(request >= 0 && request < classes, "requested label \(request) out of range 0..<\(classes)")
        totals[request] += 1
        if prediction == request { hits[request] += 1 }
    }
    let perClass = zip(hits, totals).map { $1 > 0 ? Double($0) / Double($1) : nil }
    let requestedClasses = perClass.compactMap { $0 }
    return LabelAccuracy(perClass: perClass, mean: requestedClasses.reduce(0, +) / Double(requestedClasses.count))
}
