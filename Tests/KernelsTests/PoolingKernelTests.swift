import Kernels
import XCTest

final class PoolingKernelTests: XCTestCase {
    private var defaultThreads = 1
    override func setUp() { defaultThreads = Kernels.threadCount }
    override func tearDown() { Kernels.threadCount = defaultThreads }

    func testFastMaxPoolMatchesNaiveTwinWithTiesAndThreads() {
        let geometries = [
            PoolingGeometry(batch: 3, channels: 5, inputHeight: 13, inputWidth: 11, kernelSize: 3, stride: 2),
            PoolingGeometry(batch: 64, channels: 32, inputHeight: 24, inputWidth: 24, kernelSize: 2, stride: 2),
            PoolingGeometry(batch: 2, channels: 1, inputHeight: 5, inputWidth: 4, kernelSize: 2, stride: 1),
        ]
        for (number, geometry) in geometries.enumerated() {
            // Values on a coarse grid, so that many windows hold ties.
            let input = testValues(geometry.planes * geometry.inputHeight * geometry.inputWidth, seed: UInt64(number)).map { ($0 * 2).rounded() }
            let count = geometry.outputCount
            var (fast, naive) = ([Float](repeating: .nan, count: count), [Float](repeating: .nan, count: count))
            var (fastIndices, naiveIndices) = ([Int](repeating: -1, count: count), [Int](repeating: -1, count: count))
            Kernels.naiveMaxPool2d(input: input, output: &naive, indices: &naiveIndices, geometry: geometry)
            for threads in [1, 2, 3] {
                Kernels.threadCount = threads
                Kernels.maxPool2d(input: input, output: &fast, indices: &fastIndices, geometry: geometry)
                XCTAssertEqual(fast, naive, "geometry \(number), \(threads) threads")
                XCTAssertEqual(fastIndices, naiveIndices, "geometry \(number), \(threads) threads")
            }
        }
    }

    func testNaiveMaxPoolByHand() {
        let geometry = PoolingGeometry(batch: 1, channels: 1, inputHeight: 3, inputWidth: 5, kernelSize: 2, stride: 2)
        var output = [Float](repeating: .nan, count: 2), indices = [Int](repeating: -1, count: 2)
        Kernels.naiveMaxPool2d(input: [1, 4, 4, 0, 9, 2, 3, 8, 1, 9, 9, 9, 9, 9, 9], output: &output, indices: &indices, geometry: geometry)
        XCTAssertEqual(output, [4, 8])
        XCTAssertEqual(indices, [1, 7])
        XCTAssertEqual([geometry.outputHeight, geometry.outputWidth], [1, 2])
    }
}
