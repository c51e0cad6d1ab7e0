import Foundation
import XCTest
@testable import Datasets

final class IDXTests: XCTestCase {
    /// A tiny valid file: two 2×3 images.
    let valid: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + Array(0..<12)

    func testParsesDimensionsAndBytes() throws {
        let file = try IDXFile(contentsOf: valid, name: "tiny")
        XCTAssertEqual(file.dimensions, [2, 2, 3])
        XCTAssertEqual(file.bytes, Array(0..<12))
        let gzipped = try IDXFile(contentsOf: gzip(valid), name: "tiny.gz")
        XCTAssertEqual(gzipped.bytes, file.bytes)
    }

    func testCorruptFilesGiveClearErrors() throws {
        var badMagic = valid; badMagic[0] = 7
        var badType = valid; badType[2] = 0x0D
        var trailing = valid; trailing.append(1)
        var corruptGzip = try gzip(valid); corruptGzip[corruptGzip.count / 2] ^= 0xFF; corruptGzip[12] ^= 0x55
        let cases: [(bytes: [UInt8], expected: String)] = [
            (Array(valid[0..<3]), "truncated header"),
            (Array(valid[0..<10]), "truncated header"),
            (badMagic, "bad magic"),
            (badType, "unsupported element type"),
            (Array(valid.dropLast(5)), "truncated data"),
            (trailing, "trailing bytes"),
            (corruptGzip, "gzip"),
            (Array(try gzip(valid).prefix(20)), "gzip"),
        ]
        for (index, test) in cases.enumerated() {
            XCTAssertThrowsError(try IDXFile(contentsOf: test.bytes, name: "case-\(index).idx")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("case-\(index).idx"), "error names the file: \(message)")
                XCTAssertTrue(message.contains(test.expected), "case \(index): \(message)")
            }
        }
    }

    func testMNISTRejectsMismatchedLabelCounts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 255, count: 2 * 784)
        try Data(images).write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) { error in
            XCTAssertTrue("\(error)".contains("labels for 2 images"), "\(error)")
        }
        try Data([0, 0, 8, 1, 0, 0, 0, 2, 1, 12]).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) { error in
            XCTAssertTrue("\(error)".contains("not a digit"), "\(error)")
        }
        try Data([0, 0, 8, 1, 0, 0, 0, 2, 1, 9]).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let loaded = try MNIST(directory: folder, split: .test)
        XCTAssertEqual(loaded.images.scalars.max(), 1)
        XCTAssertEqual(loaded.labels, [1, 9])
    }

    func testRealMNISTTestSplitLoadsFromTheRepositoryCopy() throws {
        let directory = try MNIST.locateDirectory(explicit: nil)
        let test = try MNIST(directory: directory, split: .test)
        XCTAssertEqual(test.images.shape, [10_000, 1, 28, 28])
        XCTAssertEqual(test.labels.count, 10_000)
        XCTAssertEqual(test.labels.first, 7)
        XCTAssertEqual(Set(test.labels), Set(0...9))
        XCTAssertEqual(test.images.scalars.min(), -1)
        XCTAssertEqual(test.images.scalars.max(), 1)
        XCTAssertThrowsError(try MNIST.locateDirectory(explicit: "/nonexistent/forger")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/forger"), "\(error)")
        }
    }

    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("data")
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", file.path]
        try process.run()
        process.waitUntilExit()
        return Array(try Data(contentsOf: folder.appendingPathComponent("data.gz")))
    }
}
