import Foundation
import XCTest
@testable import Datasets
import Tensors

final class ImageTests: XCTestCase {
    func testPNGRoundTripsGrayAndRGB() throws {
        for channels in [1, 3] {
            let (width, height) = (5, 3)
            let pixels = (0..<(width * height * channels)).map { UInt8(($0 * 37) % 256) }
            let decoded = try PNG.decode(PNG.encode(width: width, height: height, channels: channels, pixels: pixels))
            XCTAssertEqual(decoded.width, width)
            XCTAssertEqual(decoded.height, height)
            XCTAssertEqual(decoded.channels, channels)
            XCTAssertEqual(decoded.pixels, pixels)
        }
    }

    func testPNGDecoderRejectsCorruptFiles() throws {
        let good = PNG.encode(width: 2, height: 2, channels: 1, pixels: [0, 64, 128, 255])
        var badCRC = good; badCRC[30] ^= 0xFF
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(5)), "signature"), (badCRC, "CRC"), (Array(good.prefix(40)), "truncated"),
            (Array(good.prefix(8)), "truncated"),
        ]
        for (bytes, expected) in cases {
            XCTAssertThrowsError(try PNG.decode(bytes)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
    }

    func testImageGridPlacesImagesWithPadding() {
        // Two 1×2×2 images: all −1 (black) and all +1 (white), one row, padding 1 of value 0 (grey).
        let images = Tensor(shape: [2, 1, 2, 2], scalars: [-1, -1, -1, -1, 1, 1, 1, 1])
        let grid = imageGrid(images, columns: 2, padding: 1, paddingValue: 0)
        XCTAssertEqual(grid.width, 7)
        XCTAssertEqual(grid.height, 4)
        let grey: UInt8 = 128
        XCTAssertEqual(Array(grid.pixels[0..<7]), [UInt8](repeating: grey, count: 7))
        XCTAssertEqual(Array(grid.pixels[7..<14]), [grey, 0, 0, grey, 255, 255, grey])
    }

    func testGridFileIsAValidPNG() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        var generator = RandomGenerator(seed: 1)
        try writeImageGrid(Tensor.randomUniform([6, 3, 4, 4], low: -1, high: 1, generator: &generator), to: url)
        let decoded = try PNG.decode(Array(try Data(contentsOf: url)))
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.width, 3 * 4 + 4 * 2)
    }

    func testBatchSamplerIsSeededAndDropsTheLastPartialBatch() {
        let sampler = BatchSampler(count: 10, batchSize: 3, seed: 4)
        let first = sampler.batches(epoch: 0)
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first, BatchSampler(count: 10, batchSize: 3, seed: 4).batches(epoch: 0))
        XCTAssertNotEqual(first, sampler.batches(epoch: 1))
        XCTAssertEqual(Set(first.joined()).count, 9)
        let rows = gatherRows(Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5]), [2, 0])
        XCTAssertEqual(rows.scalars, [4, 5, 0, 1])
    }

    func testBilinearResizeKeepsConstantsAndInterpolates() {
        let constant = resizeBilinear(Tensor(repeating: 0.5, shape: [1, 1, 28, 28]), height: 64, width: 64)
        XCTAssertEqual(constant.shape, [1, 1, 64, 64])
        XCTAssertTrue(constant.scalars.allSatisfy { abs($0 - 0.5) < 1e-6 })
        let ramp = resizeBilinear(Tensor(shape: [1, 1, 1, 2], scalars: [0, 1]), height: 1, width: 4)
        XCTAssertEqual(ramp.scalars, [0, 0.25, 0.75, 1])
    }
}
