import Foundation

/// A dense square matrix of Doubles, row-major: the precision the Fréchet distance is computed in.
public struct SquareMatrix: Equatable, Sendable {
    public let size: Int
    public var elements: [Double]

    public init(size: Int, elements: [Double]) {
        precondition(elements.count == size * size, "\(elements.count) elements do not fill a \(size)×\(size) matrix")
        self.size = size
        self.elements = elements
    }

    /// The diagonal matrix with `diagonal` on its diagonal.
    public init(diagonal: [Double]) {
        self.init(size: diagonal.count, elements: [Double](repeating: 0, count: diagonal.count * diagonal.count))
        for (index, value) in diagonal.enumerated() { self[index, index] = value }
    }

    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * size + column] }
        set { elements[row * size + column] = newValue }
    }

    public var trace: Double { (0..<size).map { self[$0, $0] }.reduce(0, +) }

    public var transposed: SquareMatrix {
        var result = self
        for row in 0..<size { for column in 0..<size { result[row, column] = self[column, row] } }
        return result
    }

    /// (M + Mᵀ) / 2: removes the round-off asymmetry of products that are symmetric in exact arithmetic.
    public var symmetrized: SquareMatrix {
        var result = self
        for row in 0..<size { for column in 0..<size { result[row, column] = (self[row, column] + self[column, row]) / 2 } }
        return result
    }

    public static func * (a: SquareMatrix, b: SquareMatrix) -> SquareMatrix {
        precondition(a.size == b.size, "cannot multiply \(a.size)×\(a.size) by \(b.size)×\(b.size)")
        let n = a.size
        var result = [Double](repeating: 0, count: n * n)
        for row in 0..<n {
            for inner in 0..<n {
                let left = a.elements[row * n + inner]
                if left == 0 { continue }
                for column in 0..<n { result[row * n + column] += left * b.elements[inner * n + column] }
            }
        }
        return SquareMatrix(size: n, elements: result)
    }
}

/// Eigenvalues and eigenvectors of a symmetric matrix: A = V·diag(λ)·Vᵀ with V orthogonal.
public struct SymmetricEigendecomposition: Sendable {
    /// Ascending.
    public let eigenvalues: [Double]
    /// Column i is the unit eigenvector of `eigenvalues[i]`.
    public let eigenvectors: SquareMatrix

    /// Diagonalises symmetric `matrix` by cyclic Jacobi rotations (each zeroes one off-diagonal
    /// pair), sweeping until the off-diagonal mass is below 1e-14 of the matrix's norm.
    ///
    /// Jacobi is slower than tridiagonal QR but short, exact to round-off on every eigenvalue, and
    /// plenty fast at the 128×128 size of the classifier's features. Only the upper triangle's
    /// symmetry is assumed, not checked.
    public init(_ matrix: SquareMatrix, maximumSweeps: Int = 100) {
        let n = matrix.size
        var a = matrix.elements
        var v = SquareMatrix(diagonal: [Double](repeating: 1, count: n)).elements
        let norm = a.map { $0 * $0 }.reduce(0, +).squareRoot()
        for _ in 0..<maximumSweeps {
            var offDiagonal = 0.0
            for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p * n + q] * a[p * n + q] } }
            if offDiagonal.squareRoot() <= 1e-14 * norm || offDiagonal == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    Self.rotate(&a, &v, n: n, p: p, q: q)
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        eigenvalues = order.map { a[$0 * n + $0] }
        var vectors = SquareMatrix(size: n, elements: [Double](repeating: 0, count: n * n))
        for (column, source) in order.enumerated() { for row in 0..<n { vectors[row, column] = v[row * n + source] } }
        eigenvectors = vectors
    }

    /// A ← Jᵀ·A·J and V ← V·J for the rotation J in the (p, q) plane that makes A[p, q] zero.
    private static func rotate(_ a: inout [Double], _ v: inout [Double], n: Int, p: Int, q: Int) {
        let apq = a[p * n + q]
        let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
        // The smaller root of t² + 2θt − 1 = 0 keeps the rotation angle at most π/4, which converges.
        let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n {
            let (akp, akq) = (a[k * n + p], a[k * n + q])
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
        }
        for k in 0..<n {
            let (apk, aqk) = (a[p * n + k], a[q * n + k])
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
        }
        a[p * n + q] = 0
        a[q * n + p] = 0
        for k in 0..<n {
            let (vkp, vkq) = (v[k * n + p], v[k * n + q])
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
        }
    }

    /// V·diag(f(λ))·Vᵀ.
    public func reconstructed(applying function: (Double) -> Double = { $0 }) -> SquareMatrix {
        let n = eigenvalues.count
        var scaled = eigenvectors
        for row in 0..<n { for column in 0..<n { scaled[row, column] *= function(eigenvalues[column]) } }
        return scaled * eigenvectors.transposed
    }

    /// The positive semi-definite square root V·diag(√max(λ, 0))·Vᵀ; eigenvalues that round-off
    /// made slightly negative count as zero.
    public var squareRoot: SquareMatrix { reconstructed { Swift.max($0, 0).squareRoot() } }
}
