import Tensors

/// The mean and covariance of a set of feature vectors, in Double.
public struct GaussianStatistics: Sendable {
    public let mean: [Double]
    /// The unbiased sample covariance (divided by N − 1), as NumPy's `cov` and every FID code use.
    public let covariance: SquareMatrix
    public let count: Int

    public init(mean: [Double], covariance: SquareMatrix, count: Int) {
        precondition(mean.count == covariance.size, "mean of \(mean.count) values for a \(covariance.size)×\(covariance.size) covariance")
        (self.mean, self.covariance, self.count) = (mean, covariance, count)
    }

    /// Fits `features` `[N, D]` (N ≥ 2), accumulating in Double.
    public init(features: Tensor) {
        precondition(features.rank == 2 && features.shape[0] >= 2, "GaussianStatistics needs features [N ≥ 2, D], got \(features.shape)")
        let (count, dimension) = (features.shape[0], features.shape[1])
        let values = features.scalars.map(Double.init)
        var mean = [Double](repeating: 0, count: dimension)
        for row in 0..<count { for column in 0..<dimension { mean[column] += values[row * dimension + column] } }
        mean = mean.map { $0 / Double(count) }
        var covariance = SquareMatrix(size: dimension, elements: [Double](repeating: 0, count: dimension * dimension))
        var centered = [Double](repeating: 0, count: dimension)
        for row in 0..<count {
            for column in 0..<dimension { centered[column] = values[row * dimension + column] - mean[column] }
            for i in 0..<dimension where centered[i] != 0 {
                for j in i..<dimension { covariance.elements[i * dimension + j] += centered[i] * centered[j] }
            }
        }
        for i in 0..<dimension {
            for j in i..<dimension {
                covariance[i, j] /= Double(count - 1)
                covariance[j, i] = covariance[i, j]
            }
        }
        self.init(mean: mean, covariance: covariance, count: count)
    }
}

/// The Fréchet (2-Wasserstein) distance² between N(μa, A) and N(μb, B):
/// ‖μa − μb‖² + tr A + tr B − 2·tr((A^½·B·A^½)^½).
///
/// This symmetric form equals the usual tr((A·B)^½) (A·B has the same eigenvalues as A^½·B·A^½) but
/// needs only symmetric eigendecompositions, so no complex square roots appear. Round-off can make
/// a distance of a set to itself a tiny negative number; it is reported as 0.
public func frechetDistance(_ a: GaussianStatistics, _ b: GaussianStatistics) -> Double {
    precondition(a.mean.count == b.mean.count, "feature sizes differ: \(a.mean.count) and \(b.mean.count)")
    let meanTerm = zip(a.mean, b.mean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
    let rootA = SymmetricEigendecomposition(a.covariance).squareRoot
    let product = (rootA * b.covariance * rootA).symmetrized
    let crossTerm = SymmetricEigendecomposition(product).eigenvalues.map { Swift.max($0, 0).squareRoot() }.reduce(0, +)
    return Swift.max(0, meanTerm + a.covariance.trace + b.covariance.trace - 2 * crossTerm)
}

/// The Fréchet distance between Gaussians fitted to `featuresA` `[N, D]` and `featuresB` `[M, D]`.
public func frechetDistance(_ featuresA: Tensor, _ featuresB: Tensor) -> Double {
    frechetDistance(GaussianStatistics(features: featuresA), GaussianStatistics(features: featuresB))
}
