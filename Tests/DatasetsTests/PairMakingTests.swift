import Foundation
import XCTest
@testable import Datasets
import Tensors

/// `PairedImages.combine` (forger data pairs) and the MNIST tasks (forger data make-pairs).
final class PairMakingTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try temporaryFolder("pair-making") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    let repositoryData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/mnist")

    func folder(_ path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func gray(_ value: UInt8, width: Int = 3, height: Int = 2) -> Image {
        Image(width: width, height: height, channels: 1, pixels: [UInt8](repeating: value, count: width * height))
    }

    func testCombinesByNameAcrossExtensionsAndColours() throws {
        let (a, b) = (try folder("a"), try folder("b"))
        try ImageFile.writePNG(gray(10), to: a.appendingPathComponent("one.png"))
        try Data(contentsOf: ImageFileTests.fixtures.appendingPathComponent("baseline.jpg")).write(to: a.appendingPathComponent("two.jpg"))
        try ImageFile.writePNG(gray(20), to: b.appendingPathComponent("one.png"))
        try ImageFile.writePNG(Image(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: 7, count: 768)),
                               to: b.appendingPathComponent("two.png"))
        let out = root.appendingPathComponent("out")
        let written = try PairedImages.combine(from: a, to: b, out: out)
        XCTAssertEqual(written.map(\.count), [2])
        let one = try ImageFile.read(out.appendingPathComponent("one.png"))
        XCTAssertEqual(one, Image.sideBySide(gray(10), gray(20)))
        let two = try ImageFile.read(out.appendingPathComponent("two.png"))
        XCTAssertEqual([two.width, two.height, two.channels], [32, 16, 3])
        XCTAssertEqual(two.cropped(x: 0, y: 0, width: 16, height: 16), try ImageFile.read(a.appendingPathComponent("two.jpg")))
    }

    func testCombinesSplitFoldersIntoTheSameSplits() throws {
        for split in ["train", "test"] {
            try ImageFile.writePNG(gray(1), to: try folder("a/\(split)").appendingPathComponent("x.png"))
            try ImageFile.writePNG(gray(2), to: try folder("b/\(split)").appendingPathComponent("x.png"))
        }
        let out = root.appendingPathComponent("out")
        let written = try PairedImages.combine(from: root.appendingPathComponent("a"), to: root.appendingPathComponent("b"), out: out)
        XCTAssertEqual(written.map(\.folder.lastPathComponent), ["train", "test"])
        let data = try PairedImages(root: out, split: .test, size: 3, sourceChannels: 1, targetChannels: 1)
        XCTAssertEqual(try data.batch([0], seed: 0, epoch: 0).target.scalars.first, 2 / 127.5 - 1)
    }

    func testCombineErrorsNameTheProblem() throws {
        let (a, b) = (try folder("a"), try folder("b"))
        let out = root.appendingPathComponent("out")
        XCTAssertThrowsError(try PairedImages.combine(from: a, to: b, out: out)) {
            XCTAssertEqual($0 as? PairedImagesError, .noImages(folder: a.path))
        }
        for name in ["1.png", "2.png", "3.png"] { try ImageFile.writePNG(gray(1), to: a.appendingPathComponent(name)) }
        for name in ["1.png", "3.png", "4.png"] { try ImageFile.writePNG(gray(1), to: b.appendingPathComponent(name)) }
        XCTAssertThrowsError(try PairedImages.combine(from: a, to: b, out: out)) {
            XCTAssertEqual($0 as? PairedImagesError, .unmatched(onlyInFrom: ["2.png"], onlyInTo: ["4.png"]))
            XCTAssertEqual("\($0)", "file names do not match (only in --from: 2.png; only in --to: 4.png)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing is written before names are checked")
        try FileManager.default.removeItem(at: a.appendingPathComponent("2.png"))
        try FileManager.default.removeItem(at: b.appendingPathComponent("4.png"))
        try ImageFile.writePNG(gray(1, width: 4), to: b.appendingPathComponent("3.png"))
        XCTAssertThrowsError(try PairedImages.combine(from: a, to: b, out: out)) {
            XCTAssertEqual("\($0)", "\(a.path)/3.png is 3×2 but \(b.path)/3.png is 4×2: A and B must have the same size")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [], "partial output is removed")
        try ImageFile.writePNG(gray(1), to: b.appendingPathComponent("3.png"))
        try Data([1]).write(to: out.appendingPathComponent("old.png"))
        XCTAssertThrowsError(try PairedImages.combine(from: a, to: b, out: out)) {
            XCTAssertEqual($0 as? PairedImagesError, .outputNotEmpty(folder: out.path))
        }
        try FileManager.default.removeItem(at: out.appendingPathComponent("old.png"))
        try ImageFile.writePNG(gray(1), to: a.appendingPathComponent("1.jpeg"))
        XCTAssertThrowsError(try PairedImages.combine(from: a, to: b, out: out)) {
            XCTAssertEqual($0 as? PairedImagesError, .ambiguousName(folder: a.path, names: ["1.jpeg", "1.png"]))
        }
    }

    func testTaskInputs() throws {
        var generator = RandomGenerator(seed: 0)
        let blank = gray(0, width: 32, height: 32)
        XCTAssertEqual(MNISTPairTask.edges.source(for: blank, generator: &generator), blank)
        XCTAssertEqual(MNISTPairTask.superres.source(for: gray(200, width: 32, height: 32), generator: &generator),
                       gray(200, width: 32, height: 32))
        // A white square: its outline is found, its inside and outside are not.
        var square = [UInt8](repeating: 0, count: 1024)
        for y in 10..<22 { for x in 10..<22 { square[y * 32 + x] = 255 } }
        let edges = MNISTPairTask.edges.source(for: Image(width: 32, height: 32, channels: 1, pixels: square), generator: &generator)
        XCTAssertEqual(Set(edges.pixels), [0, 255])
        XCTAssertEqual(edges.pixels[16 * 32 + 16], 0)
        XCTAssertEqual(edges.pixels[2 * 32 + 2], 0)
        XCTAssertTrue((9...10).contains { edges.pixels[16 * 32 + $0] == 255 }, "left side of the square")
        // Superres keeps each 4×4 block's mean at the block centre's neighbourhood: a half-white image stays half white.
        let halfWhite = Image(width: 32, height: 32, channels: 1, pixels: (0..<1024).map { $0 % 32 < 16 ? 255 : 0 })
        let blurred = MNISTPairTask.superres.source(for: halfWhite, generator: &generator)
        XCTAssertEqual(blurred.pixels[0], 255)
        XCTAssertEqual(blurred.pixels[31], 0)
        XCTAssertTrue((1...254).contains(blurred.pixels[16]), "the boundary is blurred")
        let masked = MNISTPairTask.inpaint.source(for: blank, generator: &generator)
        XCTAssertEqual(masked.pixels.filter { $0 == 128 }.count, 144)
        let rows = (0..<32).filter { row in masked.pixels[(row * 32)..<(row * 32 + 32)].contains(128) }
        XCTAssertEqual(rows.count, 12)
        XCTAssertTrue(rows.first! >= 4 && rows.last! <= 27)
    }

    func testMakePairsWritesDeterministicSplitsWithLabels() throws {
        let first = root.appendingPathComponent("first"), second = root.appendingPathComponent("second")
        let counts = try MNISTPairs.write(task: .inpaint, mnist: repositoryData, out: first, seed: 3, limit: 4)
        XCTAssertEqual(counts.map(\.0), [.train, .val, .test])
        XCTAssertEqual(counts.map(\.1), [4, 4, 4])
        _ = try MNISTPairs.write(task: .inpaint, mnist: repositoryData, out: second, seed: 4, limit: 4)
        let test = try PairedImages(root: first, split: .test, size: 32, sourceChannels: 1, targetChannels: 1)
        XCTAssertEqual(test.labels, [7, 2, 1, 0])
        let image = try ImageFile.read(test.files[0])
        XCTAssertEqual([image.width, image.height, image.channels], [64, 32, 1])
        let mnist = try MNIST(directory: repositoryData, split: .test, limit: 1)
        XCTAssertEqual(image.cropped(x: 32, y: 0, width: 32, height: 32), MNISTPairs.paddedDigit(mnist.images, index: 0))
        XCTAssertEqual(try PairedImages(root: first, split: .val, size: 32).labels?.count, 4)

        let again = root.appendingPathComponent("again")
        _ = try MNISTPairs.write(task: .inpaint, mnist: repositoryData, out: again, seed: 3, limit: 4)
        for name in ["00000.png", "00003.png"] {
            let path = "train/\(name)"
            XCTAssertEqual(try Data(contentsOf: first.appendingPathComponent(path)), try Data(contentsOf: again.appendingPathComponent(path)))
            XCTAssertNotEqual(try Data(contentsOf: first.appendingPathComponent(path)), try Data(contentsOf: second.appendingPathComponent(path)))
        }
        XCTAssertThrowsError(try MNISTPairs.write(task: .edges, mnist: repositoryData, out: first, seed: 3, limit: 4)) {
            XCTAssertEqual($0 as? PairedImagesError, .outputNotEmpty(folder: first.appendingPathComponent("train").path))
        }
    }
}
