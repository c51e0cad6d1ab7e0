import ArgumentParser
import Kernels

/// `forger-bench gemm`: SGEMM C = A·B (row-major, no transposes) on random matrices.
struct GEMMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Time the packed SGEMM; prints one JSON line.")

    @Option(help: "Rows of A and C.") var m = 1024
    @Option(help: "Columns of B and C.") var n = 1024
    @Option(help: "Columns of A, rows of B.") var k = 1024
    @Option(help: "Compute threads (default: all cores, or FORGER_THREADS).") var threads: Int?
    @Option(help: "Timed runs; the median is reported.") var repeats = 20
    @Flag(help: "Time the naive twin instead (one run).") var naive = false
    @Flag(help: "A stored k x m (a weight gradient's dYᵀ).") var transposeA = false
    @Flag(help: "B stored n x k (a linear layer's weight in x·Wᵀ).") var transposeB = false

    func run() {
        if let threads { Kernels.threadCount = threads }
        let a = benchmarkValues(m * k), b = benchmarkValues(k * n)
        var c = [Float](repeating: 0, count: m * n)
        let time = medianMilliseconds(repeats: naive ? 1 : repeats) {
            (naive ? Kernels.naiveGemm : Kernels.gemm)(transposeA, transposeB, m, n, k, 1, a, transposeA ? m : k,
                                                        b, transposeB ? k : n, 0, &c, n)
        }
        printJSONLine([
            "benchmark": naive ? "gemm-naive" : "gemm", "m": m, "n": n, "k": k, "threads": Kernels.threadCount,
            "transpose_a": transposeA, "transpose_b": transposeB,
            "median_ms": round3(time), "gflops": round3(2 * Double(m) * Double(n) * Double(k) / time / 1e6),
            "avx2": Kernels.usesAVX2,
        ])
    }
}

/// Deterministic values in [-1, 1): real data, so no denormal or zero shortcuts flatter the timing.
func benchmarkValues(_ count: Int) -> [Float] {
    var state: UInt32 = 2_463_534_242
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return Float(state >> 8) / Float(1 << 23) - 1
    }
}
