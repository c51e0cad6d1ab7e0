import Kernels
import XCTest

/// Deterministic pseudo-random floats in [-1, 1) for kernel tests.
func testValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

func assertNearlyEqual(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4, _ message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
    for index in actual.indices where !(abs(actual[index] - expected[index]) <= tolerance * (1 + abs(expected[index]))) {
        XCTFail("\(message): element \(index) is \(actual[index]), expected \(expected[index])", file: file, line: line)
        return
    }
}

final class GEMMTests: XCTestCase {
    private var defaultThreads = 1
    override func setUp() { defaultThreads = Kernels.threadCount }
    override func tearDown() { Kernels.threadCount = defaultThreads }

    func check(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float = 1, beta: Float = 0, pad: Int = 0) {
        let lda = (transposeA ? m : k) + pad, ldb = (transposeB ? k : n) + pad, ldc = n + pad
        let a = testValues((transposeA ? k : m) * lda, seed: 1), b = testValues((transposeB ? n : k) * ldb, seed: 2)
        var fast = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : testValues(m * ldc, seed: 3)
        var slow = fast
        Kernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &fast, ldc: ldc)
        Kernels.naiveGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &slow, ldc: ldc)
        let keep = (0..<m).flatMap { row in (0..<n).map { row * ldc + $0 } }
        assertNearlyEqual(keep.map { fast[$0] }, keep.map { slow[$0] }, "gemm \(m)x\(n)x\(k) tA \(transposeA) tB \(transposeB) threads \(Kernels.threadCount)")
    }

    func testFastGEMMMatchesNaiveOnOddShapesSingleAndMultiThreaded() {
        for threads in [1, 2] {
            Kernels.threadCount = threads
            for (m, n, k) in [(1, 1, 1), (7, 13, 5), (6, 16, 1), (97, 131, 67), (200, 33, 300), (13, 300, 257), (2, 4100, 3),
                              (64, 100, 600), (96, 48, 300), (256, 40, 520), (257, 20, 30), (258, 4110, 3)] {
                for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                    check(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                }
            }
            check(m: 37, n: 41, k: 29, transposeA: false, transposeB: false, alpha: 0.5, beta: 2, pad: 3)
            check(m: 19, n: 23, k: 513, transposeA: true, transposeB: true, alpha: -1, beta: 0.25, pad: 1)
            // Last row panels of exactly 4 and 2 rows (through the scratch tile) with beta and padding.
            check(m: 64, n: 35, k: 70, transposeA: false, transposeB: true, alpha: 0.5, beta: 2, pad: 3)
            check(m: 50, n: 32, k: 33, transposeA: true, transposeB: false, alpha: -1, beta: 0.25, pad: 2)
        }
    }

    /// A row's floats do not depend on how many rows follow it: the ragged last panel of a GEMM of 64
    /// (62, 2) rows gives its rows exactly what a full panel gives them in a taller GEMM.
    func testRaggedLastPanelsGiveTheFullPanelsFloats() {
        let (n, k) = (40, 300)
        let a = testValues(70 * k, seed: 8), b = testValues(k * n, seed: 9)
        func product(rows: Int) -> [Float] {
            var c = [Float](repeating: 0, count: rows * n)
            Kernels.gemm(transposeA: false, transposeB: false, m: rows, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
            return c
        }
        let tall = product(rows: 66)
        XCTAssertEqual(product(rows: 64), Array(tall[0..<64 * n]))
        XCTAssertEqual(product(rows: 62), Array(tall[0..<62 * n]))
        XCTAssertEqual(product(rows: 2), Array(tall[0..<2 * n]))
    }

    func testBetaZeroIgnoresNaNAndZeroDepthScales() {
        var c: [Float] = [.nan, .nan]
        Kernels.gemm(transposeA: false, transposeB: false, m: 1, n: 2, k: 1, a: [2], lda: 1, b: [3, 4], ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [6, 8])
        var scaled: [Float] = [1, 2]
        Kernels.gemm(transposeA: false, transposeB: false, m: 1, n: 2, k: 0, a: [0], lda: 1, b: [0], ldb: 2, beta: 3, c: &scaled, ldc: 2)
        XCTAssertEqual(scaled, [3, 6])
    }

    func testResultsDoNotDependOnThreadCount() {
        let (m, n, k) = (150, 170, 300)
        let a = testValues(m * k, seed: 4), b = testValues(k * n, seed: 5)
        var results: [[Float]] = []
        for threads in [1, 2] {
            Kernels.threadCount = threads
            var c = [Float](repeating: 0, count: m * n)
            Kernels.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
            results.append(c)
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// GEMMs issued from inside pool tasks (each with its own packing buffers) match the oracle.
    func testGEMMInsideParallelTasksMatchesNaive() {
        Kernels.threadCount = 2
        let (m, n, k, copies) = (23, 37, 45, 6)
        let a = testValues(m * k, seed: 6), b = testValues(k * n, seed: 7)
        var expected = [Float](repeating: 0, count: m * n)
        Kernels.naiveGemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n)
        var results = [Float](repeating: .nan, count: copies * m * n)
        results.withUnsafeMutableBufferPointer { buffer in
            Kernels.parallelFor(copies, grain: 1) { range in
                for copy in range {
                    Kernels.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                                 c: buffer.baseAddress! + copy * m * n, ldc: n)
                }
            }
        }
        for copy in 0..<copies { assertNearlyEqual(Array(results[copy * m * n..<(copy + 1) * m * n]), expected, "copy \(copy)") }
    }
}
