import Foundation
import XCTest
@testable import Metrics
import Tensors

/// Seeded N(0, 1) features, `[count, dimension]`.
func normalFeatures(_ count: Int, _ dimension: Int, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomNormal([count, dimension], generator: &generator)
}

func rotation(_ angle: Double) -> SquareMatrix {
    SquareMatrix(size: 2, elements: [cos(angle), -sin(angle), sin(angle), cos(angle)])
}

final class EigendecompositionTests: XCTestCase {
    func testReconstructsARandomSymmetricMatrixWithOrthonormalVectors() {
        let n = 12
        let values = normalFeatures(n, n, seed: 1).scalars.map(Double.init)
        let matrix = SquareMatrix(size: n, elements: values).symmetrized
        let decomposition = SymmetricEigendecomposition(matrix)
        let rebuilt = decomposition.reconstructed()
        for (a, b) in zip(rebuilt.elements, matrix.elements) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let gram = decomposition.eigenvectors.transposed * decomposition.eigenvectors
        for row in 0..<n { for column in 0..<n { XCTAssertEqual(gram[row, column], row == column ? 1 : 0, accuracy: 1e-12) } }
        XCTAssertEqual(decomposition.eigenvalues, decomposition.eigenvalues.sorted())
        XCTAssertEqual(decomposition.eigenvalues.reduce(0, +), matrix.trace, accuracy: 1e-12)
    }

    func testKnownSpectrumOfARotatedDiagonalMatrix() {
        let q = rotation(0.7)
        let matrix = q * SquareMatrix(diagonal: [3, -1]) * q.transposed
        let decomposition = SymmetricEigendecomposition(matrix)
        XCTAssertEqual(decomposition.eigenvalues[0], -1, accuracy: 1e-13)
        XCTAssertEqual(decomposition.eigenvalues[1], 3, accuracy: 1e-13)
        // The eigenvector of 3 is the rotated first axis, up to sign.
        XCTAssertEqual(abs(decomposition.eigenvectors[0, 1]), cos(0.7), accuracy: 1e-12)
        XCTAssertEqual(abs(decomposition.eigenvectors[1, 1]), sin(0.7), accuracy: 1e-12)
    }

    func testSquareRootSquaresBack() {
        let features = normalFeatures(50, 6, seed: 2)
        let covariance = GaussianStatistics(features: features).covariance
        let root = SymmetricEigendecomposition(covariance).squareRoot
        for (a, b) in zip((root * root).elements, covariance.elements) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }
}

final class FrechetDistanceTests: XCTestCase {
    func testStatisticsByHand() {
        let statistics = GaussianStatistics(features: Tensor(shape: [3, 2], scalars: [1, 2, 3, 2, 5, 8]))
        XCTAssertEqual(statistics.mean, [3, 4])
        XCTAssertEqual(statistics.covariance.elements, [4, 6, 6, 12])
    }

    func testDiagonalCovariancesMatchTheClosedForm() {
        let (a, b) = ([1.0, 4, 0.25, 9, 2], [2.0, 1, 0.25, 16, 0.5])
        let (meanA, meanB) = ([0.0, 1, 2, 3, 4], [1.0, 1, 0, 3, 4])
        let distance = frechetDistance(GaussianStatistics(mean: meanA, covariance: SquareMatrix(diagonal: a), count: 100),
                                       GaussianStatistics(mean: meanB, covariance: SquareMatrix(diagonal: b), count: 100))
        let expected = 1 + 4 + zip(a, b).map { pow($0.squareRoot() - $1.squareRoot(), 2) }.reduce(0, +)
        XCTAssertEqual(distance, expected, accuracy: 1e-12)
    }

    /// For 2×2 matrices tr(M^½) = √(tr M + 2√det M), and A^½·B·A^½ has trace tr(AB) and determinant det A·det B.
    func testRotatedCovariancesMatchTheTwoDimensionalClosedForm() {
        let a = SquareMatrix(diagonal: [1, 4])
        let b = rotation(0.6) * SquareMatrix(diagonal: [2, 0.5]) * rotation(0.6).transposed
        let distance = frechetDistance(GaussianStatistics(mean: [0, 0], covariance: a, count: 10),
                                       GaussianStatistics(mean: [1, -2], covariance: b, count: 10))
        let determinants = 4.0 * 1.0
        let crossTrace = ((a * b).trace + 2 * determinants.squareRoot()).squareRoot()
        XCTAssertEqual(distance, 5 + a.trace + b.trace - 2 * crossTrace, accuracy: 1e-12)
        // Not the diagonal formula: rotation matters.
        XCTAssertGreaterThan(abs(distance - (5 + pow(1 - 2.0.squareRoot(), 2) + pow(2 - 0.5.squareRoot(), 2))), 0.05)
    }

    func testFittedSamplesApproachTheClosedFormAndASetIsAtZeroFromItself() {
        // x = μ + L·z with L·Lᵀ = Σ: 40,000 samples of N([1, 2], [[2, 0.6], [0.6, 1]]) against exact N(0, I).
        let z = normalFeatures(40_000, 2, seed: 3).scalars
        let (l11, l21) = (2.0.squareRoot(), 0.6 / 2.0.squareRoot())
        let l22 = (1 - l21 * l21).squareRoot()
        var samples = [Float]()
        for row in 0..<40_000 {
            let (z1, z2) = (Double(z[2 * row]), Double(z[2 * row + 1]))
            samples += [Float(1 + l11 * z1), Float(2 + l21 * z1 + l22 * z2)]
        }
        let features = Tensor(shape: [40_000, 2], scalars: samples)
        let covariance = SquareMatrix(size: 2, elements: [2, 0.6, 0.6, 1])
        let expected = 5 + 3 + 2 - 2 * (covariance.trace + 2 * (2 - 0.36).squareRoot()).squareRoot()
        let standard = GaussianStatistics(mean: [0, 0], covariance: SquareMatrix(diagonal: [1, 1]), count: 1)
        // Sampling error of the fitted mean dominates: about 0.02 at this size.
        XCTAssertEqual(frechetDistance(GaussianStatistics(features: features), standard), expected, accuracy: 0.08)
        XCTAssertEqual(frechetDistance(features, features), 0, accuracy: 1e-10)
        let wide = normalFeatures(300, 16, seed: 5)
        XCTAssertEqual(frechetDistance(wide, wide), 0, accuracy: 1e-9)
        XCTAssertGreaterThan(frechetDistance(wide, normalFeatures(300, 16, seed: 6)), 0.1)
    }
}
