import Kernels

extension Tensor {
    /// Matrix product of the last two axes, op(a)·op(b), batched over equal leading axes.
    ///
    /// `transposeA`/`transposeB` read an operand's last two axes swapped without copying (a Linear
    /// layer computes x·Wᵀ this way). A rank-2 `b` is shared by every batch of `a`.
    /// Derivative: dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC, expressed again as transposed matmuls.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2 operands, got \(a.shape) and \(b.shape)")
        if b.rank == 2 && a.rank > 2 && !transposeA {
            let rows = a.shape.dropLast().reduce(1, *)
            let flat = matmul(a.reshaped(to: [rows, a.shape[a.rank - 1]]), b, transposeB: transposeB)
            return flat.reshaped(to: a.shape.dropLast() + [flat.shape[1]])
        }
        let batchShape = Array(a.shape.dropLast(2))
        precondition(batchShape == Array(b.shape.dropLast(2)), "matmul batch axes differ: \(a.shape) and \(b.shape)")
        let (aRows, aColumns) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bRows, bColumns) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (aColumns, aRows) : (aRows, aColumns)
        let (k2, n) = transposeB ? (bColumns, bRows) : (bRows, bColumns)
        precondition(k == k2, "matmul inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batch = batchShape.reduce(1, *)
        let result = Tensor.uninitialized(batchShape + [m, n])
        FlopCounter.add(2 * batch * m * n * k)
        for index in 0..<batch {
            Kernels.gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                a: a.storage.pointer + index * aRows * aColumns, lda: aColumns,
                b: b.storage.pointer + index * bRows * bColumns, ldb: bColumns,
                c: result.storage.pointer + index * m * n, ldc: n)
        }
        return result.recorded(from: [a, b]) { gradient, needed in
            matmulGradients(gradient, a, b, transposeA, transposeB, needed)
        }
    }

    /// dA and dB for C = op(A)·op(B), one case per transpose combination.
    private static func matmulGradients(
        _ gradient: Tensor, _ a: Tensor, _ b: Tensor, _ transposeA: Bool, _ transposeB: Bool, _ needed: [Bool]
    ) -> [Tensor?] {
        let gradientA: () -> Tensor
        let gradientB: () -> Tensor
        switch (transposeA, transposeB) {
        case (false, false):
            gradientA = { matmul(gradient, b, transposeB: true) }
            gradientB = { matmul(a, gradient, transposeA: true) }
        case (false, true):
            gradientA = { matmul(gradient, b) }
            gradientB = { matmul(gradient, a, transposeA: true) }
        case (true, false):
            gradientA = { matmul(b, gradient, transposeB: true) }
            gradientB = { matmul(a, gradient) }
        case (true, true):
            gradientA = { matmul(b, gradient, transposeA: true, transposeB: true) }
            gradientB = { matmul(gradient, a, transposeA: true, transposeB: true) }
        }
        return [needed[0] ? gradientA() : nil, needed[1] ? gradientB() : nil]
    }
}
