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

    /// Runs `background` on one pool worker while `foreground` runs on the caller, and returns once
    /// both are done. `foreground`'s parallel kernels split over the other threads (and the worker,
    /// once it is free); `background`'s own parallel calls run serially on its worker. Neither may
    /// write memory the other reads or writes. With one thread, `background` runs first, then
    /// `foreground`, on the caller.
    public static func overlapping<Result>(_ background: () -> Void, with foreground: () -> Result) -> Result {
        withoutActuallyEscaping(background) { escaping in
            var task = escaping
            return withUnsafeMutablePointer(to: &task) { pointer in
                let posted = ck_pool_begin_background({ context, _, _ in
                    context!.assumingMemoryBound(to: (() -> Void).self).pointee()
                }, pointer)
                defer { if posted != 0 { ck_pool_end_background() } }
                return foreground()
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
