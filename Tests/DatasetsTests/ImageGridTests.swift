import Foundation
import XCTest
@testable import Datasets
import Tensors

final class ImageGridTests: XCTestCase {
    func testPlacesImagesRowByRowInsidePadding() {
        // Three 1×1×2 images (values −1, 0, 1) in 2 columns, padding 1 of value 0.5.
        let images = Tensor(shape: [3, 1, 1, 2], scalars: [-1, -1, 0, 0, 1, 1])
        let grid = imageGrid(images, columns: 2, padding: 1, paddingValue: 0.5)
        XCTAssertEqual(grid.width, 2 * 2 + 3)
        XCTAssertEqual(grid.height, 2 * 1 + 3)
        XCTAssertEqual(grid.channels, 1)
        let p: UInt8 = 191  // round(1.5 × 127.5)
        XCTAssertEqual(grid.pixels, [
            p, p, p, p, p, p, p,
            p, 0, 0, p, 128, 128, p,
            p, p, p, p, p, p, p,
            p, 255, 255, p, p, p, p,  // the unused fourth cell stays padding colour
            p, p, p, p, p, p, p,
        ])
    }

    func testRGBChannelsInterleaveAndValuesClampAndRound() {
        // One 3×1×2 image: red channel [−2, 1], green [0.004, NaN], blue [−1, 0.9].
        let image = Tensor(shape: [1, 3, 1, 2], scalars: [-2, 1, 0.004, .nan, -1, 0.9])
        let grid = imageGrid(image, padding: 0)
        XCTAssertEqual(grid.width, 2)
        XCTAssertEqual(grid.height, 1)
        XCTAssertEqual(grid.pixels, [0, 128, 0, 255, 0, 242])  // 0.004 → 128.01 → 128; 0.9 → 242.25 → 242
    }

    func testDefaultsAreSquareGridsWithWhitePadding() {
        let grid = imageGrid(Tensor(repeating: -1, shape: [10, 1, 3, 3]))
        XCTAssertEqual(grid.width, 4 * 3 + 5 * 2)  // ⌈√10⌉ = 4 columns
        XCTAssertEqual(grid.height, 3 * 3 + 4 * 2)  // 3 rows
        XCTAssertEqual(grid.pixels.first, 255)
        XCTAssertEqual(grid.pixels[2 * grid.width + 2], 0)
    }

    func testGridFileDecodesToTheSamePixels() throws {
        let folder = try temporaryFolder("grid")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("grid.png")
        var generator = RandomGenerator(seed: 1)
        let images = Tensor.randomUniform([6, 3, 4, 4], low: -1, high: 1, generator: &generator)
        try writeImageGrid(images, to: url, columns: 3, padding: 1)
        let decoded = try PNG.decode(Array(try Data(contentsOf: url)))
        let grid = imageGrid(images, columns: 3, padding: 1)
        XCTAssertEqual(decoded.width, 3 * 4 + 4)
        XCTAssertEqual(decoded.height, 2 * 4 + 3)
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.pixels, grid.pixels)
    }
}
