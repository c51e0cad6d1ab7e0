import Foundation
import XCTest
@testable import Datasets
import Tensors

final class PairedImagesTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try temporaryFolder("pairs") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// A `side`×`side` RGB image whose every byte is different, offset by `base`.
    func pattern(side: Int, base: Int) -> Image {
        Image(width: side, height: side, channels: 3, pixels: (0..<(side * side * 3)).map { UInt8((base + $0 * 7) % 256) })
    }

    /// Writes A|B files `00000.png`… into `<root>/<split>/` and returns the halves.
    @discardableResult
    func writePairs(_ split: String, count: Int, side: Int) throws -> [(a: Image, b: Image)] {
        let folder = root.appendingPathComponent(split)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let (a, b) = (pattern(side: side, base: index * 3), pattern(side: side, base: 101 + index * 5))
            try ImageFile.writePNG(Image.sideBySide(a, b), to: folder.appendingPathComponent(String(format: "%05d.png", index)))
            return (a, b)
        }
    }

    func testSplitsAtHalfWidthInBothDirections() throws {
        let halves = try writePairs("test", count: 3, side: 6)
        let forward = try PairedImages(root: root, split: .test, size: 6)
        XCTAssertFalse(forward.jitter)
        let batch = try forward.batch([2, 0], seed: 0, epoch: 0)
        XCTAssertEqual(batch.source.shape, [2, 3, 6, 6])
        XCTAssertEqual(batch.source.scalars, halves[2].a.tensor().scalars + halves[0].a.tensor().scalars)
        XCTAssertEqual(batch.target.scalars, halves[2].b.tensor().scalars + halves[0].b.tensor().scalars)
        let backward = try PairedImages(root: root, split: .test, size: 6, direction: .bToA)
        let swapped = try backward.batch([1], seed: 0, epoch: 0)
        XCTAssertEqual(swapped.source.scalars, halves[1].b.tensor().scalars)
        XCTAssertEqual(swapped.target.scalars, halves[1].a.tensor().scalars)
    }

    func testOddWidthsGiveTheExtraColumnToB() throws {
        let image = Image(width: 5, height: 1, channels: 1, pixels: [1, 2, 3, 4, 5])
        let (a, b) = try PairedImages.halves(of: image, file: "x.png")
        XCTAssertEqual(a.pixels, [1, 2])
        XCTAssertEqual(b.pixels, [3, 4, 5])
        XCTAssertThrowsError(try PairedImages.halves(of: Image(width: 1, height: 2, channels: 1, pixels: [0, 0]), file: "thin.png")) {
            XCTAssertEqual($0 as? PairedImagesError, .tooNarrow(file: "thin.png", width: 1))
        }
    }

    func testChannelsConvertPerSide() throws {
        let halves = try writePairs("val", count: 1, side: 4)
        let data = try PairedImages(root: root, split: .val, size: 4, sourceChannels: 1, targetChannels: 3)
        let batch = try data.batch([0], seed: 0, epoch: 0)
        XCTAssertEqual(batch.source.shape, [1, 1, 4, 4])
        XCTAssertEqual(batch.source.scalars, halves[0].a.converted(toChannels: 1).tensor().scalars)
        XCTAssertEqual(batch.target.shape, [1, 3, 4, 4])
    }

    func testLoadSizeFollowsTheReference() {
        XCTAssertEqual([32, 64, 128, 256].map { PairedImages.loadSize(forSize: $0) }, [36, 72, 143, 286])
    }

    /// Jitter is the reference's resize → crop → flip, with the same crop and flip on both sides.
    func testJitterResizesCropsAndFlipsBothSidesAlike() throws {
        let halves = try writePairs("train", count: 4, side: 8)
        let data = try PairedImages(root: root, split: .train, size: 8)
        XCTAssertTrue(data.jitter)
        XCTAssertEqual(data.loadSize, 9)
        for index in 0..<4 {
            let jitter = data.jitter(seed: 5, epoch: 1, index: index)
            let batch = try data.batch([index], seed: 5, epoch: 1)
            for (side, tensor) in [(halves[index].a, batch.source), (halves[index].b, batch.target)] {
                let resized = resizeBilinear(side.tensor(), height: 9, width: 9).scalars
                var expected: [Float] = []
                for channel in 0..<3 {
                    for row in 0..<8 {
                        for column in 0..<8 {
                            let sourceColumn = jitter.x + (jitter.flip ? 7 - column : column)
                            expected.append(resized[(channel * 9 + jitter.y + row) * 9 + sourceColumn])
                        }
                    }
                }
                XCTAssertEqual(tensor.scalars, expected, "sample \(index), \(jitter)")
            }
        }
    }

    func testJitterIsAPureFunctionOfSeedEpochAndIndex() throws {
        try writePairs("train", count: 2, side: 32)
        let data = try PairedImages(root: root, split: .train, size: 32)
        XCTAssertEqual(data.loadSize, 36)
        let draws = (0..<400).map { data.jitter(seed: 9, epoch: 0, index: $0) }
        XCTAssertEqual(draws, (0..<400).map { data.jitter(seed: 9, epoch: 0, index: $0) })
        XCTAssertEqual(Set(draws.map(\.x)), Set(0...4), "every crop offset 0…loadSize − size occurs")
        XCTAssertEqual(Set(draws.map(\.y)), Set(0...4))
        XCTAssertEqual(Double(draws.filter(\.flip).count) / 400, 0.5, accuracy: 0.1)
        XCTAssertNotEqual(draws, (0..<400).map { data.jitter(seed: 10, epoch: 0, index: $0) })
        XCTAssertNotEqual(draws, (0..<400).map { data.jitter(seed: 9, epoch: 1, index: $0) })

        let first = try data.batch([0, 1], seed: 9, epoch: 3)
        let again = try data.batch([1, 0], seed: 9, epoch: 3)
        let plane = 3 * 32 * 32
        XCTAssertEqual(first.source.scalars, Array(again.source.scalars[plane...]) + Array(again.source.scalars[..<plane]),
                       "a sample's crop does not depend on its place in the batch")
        let other = try data.batch([0, 1], seed: 10, epoch: 3)
        XCTAssertNotEqual(first.source.scalars, other.source.scalars)
    }

    func testMissingEmptyAndCorruptFoldersThrowClearly() throws {
        XCTAssertThrowsError(try PairedImages(root: root, split: .train, size: 8)) {
            XCTAssertEqual($0 as? PairedImagesError, .missingSplit(folder: root.appendingPathComponent("train").path))
        }
        let test = root.appendingPathComponent("test")
        try FileManager.default.createDirectory(at: test, withIntermediateDirectories: true)
        try Data("not an image".utf8).write(to: test.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try PairedImages(root: root, split: .test, size: 8)) {
            XCTAssertTrue("\($0)".contains("no .png, .jpg or .jpeg files"), "\($0)")
        }
        let broken = test.appendingPathComponent("broken.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: broken)
        let data = try PairedImages(root: root, split: .test, size: 8)
        XCTAssertThrowsError(try data.batch([0], seed: 0, epoch: 0)) {
            XCTAssertTrue("\($0)".hasPrefix(broken.path + ": truncated JPEG"), "\($0)")
        }
    }

    func testLabelsFileIsReadInFileOrder() throws {
        try writePairs("test", count: 3, side: 2)
        let labels = root.appendingPathComponent("test/labels.txt")
        try "00001.png 4\n00000.png 7\n00002.png 1\n".write(to: labels, atomically: true, encoding: .utf8)
        XCTAssertEqual(try PairedImages(root: root, split: .test, size: 2).labels, [7, 4, 1])
        try "00001.png 4\n".write(to: labels, atomically: true, encoding: .utf8)
        XCTAssertNil(try PairedImages(root: root, split: .test, size: 2).labels)
    }
}
