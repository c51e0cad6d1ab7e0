import CKernels

/// The CPU backend over raw buffers: threads, GEMM and convolution. Knows nothing of tensors or
/// gradients; every fast kernel has a naive twin used as the oracle in tests.
public enum Kernels {
    /// Threads used by every parallel kernel (default: online CPUs, or `FORGER_THREADS`).
    public static var threadCount: Int {
        get { Int(ck_pool_threads()) }
        set { ck_pool_set_threads(Int32(newValue)) }
    }

    /// True when the AVX2/FMA micro-kernel was selected at run time.
    public static var usesAVX2: Bool { ck_sgemm_uses_avx2() != 0 }

    /// Runs `body` over `0..<count` split into chunks on the pool; serial at or below `grain` elements.
    /// Blocks until every chunk is done; nested calls run serially.
    public static func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        guard count > grain, ck_pool_threads() > 1 else { return body(0..<count) }
        withoutActuallyEscaping(body) { escaping in
            var task = escaping
            withUnsafeMutablePointer(to: &task) { pointer in
                ck_parallel_for(count, grain, { context, begin, end in
                    let body = context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee
                    body(begin..<end)
                }, pointer)
            }
        }
    }

    /// Row-major C = α·op(A)·op(B) + β·C, with op(A) m×k and op(B) k×n; `transposeA` means A is
    /// stored k×m (and likewise B). β = 0 ignores C's old contents, NaN included.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ck_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// The triple-loop twin of `gemm` (Double accumulation): the oracle.
    public static func naiveGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ck_sgemm_naive(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
