import Foundation
import XCTest
@testable import Datasets
import Tensors

final class MNISTTests: XCTestCase {
    /// The repository copy, found from this source file's location (tests may run from any folder).
    let repositoryData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/mnist")

    func testRealTestSplitLoadsFromTheRepositoryCopy() throws {
        let test = try MNIST(directory: repositoryData, split: .test)
        XCTAssertEqual(test.images.shape, [10_000, 1, 28, 28])
        XCTAssertEqual(test.labels.count, 10_000)
        XCTAssertEqual(Array(test.labels.prefix(5)), [7, 2, 1, 0, 4])
        XCTAssertEqual(Set(test.labels), Set(0...9))
        let scalars = test.images.scalars
        XCTAssertEqual(scalars.min(), -1)
        XCTAssertEqual(scalars.max(), 1)
        // Corner pixels of a digit are background; the digit's pixels average well above it.
        XCTAssertEqual(test.images[0, 0, 0, 0], -1)
        XCTAssertGreaterThan(scalars.reduce(0, +) / Float(scalars.count), -0.9)
        let limited = try MNIST(directory: repositoryData, split: .test, limit: 3)
        XCTAssertEqual(limited.images.shape, [3, 1, 28, 28])
        XCTAssertEqual(limited.labels, [7, 2, 1])
        XCTAssertEqual(limited.images.scalars, Array(scalars.prefix(3 * 784)))
    }

    /// Writes a test split of `count` images (pixel value = image index × 100) with the given labels.
    func writeSplit(in folder: URL, count: Int, labels: [UInt8], side: Int = 28) throws {
        let pixels = (0..<count).flatMap { [UInt8](repeating: UInt8($0 * 100 % 256), count: side * side) }
        try Data(idxHeader([count, side, side]) + pixels).write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
        try Data(gzipped(idxHeader([labels.count]) + labels)).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
    }

    func testInconsistentSplitsAreRejectedWithClearErrors() throws {
        let folder = try temporaryFolder("mnist")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) {
            XCTAssertTrue("\($0)".contains("missing t10k-images-idx3-ubyte.gz (or t10k-images-idx3-ubyte)"), "\($0)")
        }
        try writeSplit(in: folder, count: 2, labels: [1, 2, 3])
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) {
            XCTAssertTrue("\($0)".contains("t10k-labels-idx1-ubyte.gz has 3 labels for 2 images"), "\($0)")
        }
        try writeSplit(in: folder, count: 2, labels: [1, 12])
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) {
            XCTAssertTrue("\($0)".contains("label 12 at index 1 is not a digit 0–9"), "\($0)")
        }
        try writeSplit(in: folder, count: 2, labels: [1, 9], side: 27)
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test)) {
            XCTAssertTrue("\($0)".contains("expected [N, 28, 28] images, file has dimensions [2, 27, 27]"), "\($0)")
        }
        try writeSplit(in: folder, count: 2, labels: [1, 9])
        XCTAssertThrowsError(try MNIST(directory: folder, split: .test, limit: 0)) {
            XCTAssertTrue("\($0)".contains("at least 1"), "\($0)")
        }
        let loaded = try MNIST(directory: folder, split: .test, limit: 5)
        XCTAssertEqual(loaded.labels, [1, 9])
        XCTAssertEqual(loaded.images[0, 0, 5, 5], -1)
        XCTAssertEqual(loaded.images[1, 0, 5, 5], 100 / 127.5 - 1)
    }

    func testLocationOrderAndTheNotFoundReport() throws {
        let empty = try temporaryFolder("mnist-empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        let fromRepository = repositoryData.deletingLastPathComponent().deletingLastPathComponent()
        func locate(_ explicit: String?, _ environment: [String: String], starts: [URL]) throws -> URL {
            try MNIST.locateDirectory(explicit: explicit, environment: environment, searchStarts: starts, allowDownload: false)
        }
        XCTAssertEqual(try locate(repositoryData.path, [:], starts: []), repositoryData)
        XCTAssertEqual(try locate(nil, ["FORGER_DATA": repositoryData.path], starts: []), repositoryData)
        let nested = fromRepository.appendingPathComponent("Sources/Datasets")
        XCTAssertEqual(try locate(nil, ["FORGER_DATA": empty.path, "XDG_CACHE_HOME": empty.path], starts: [nested]).standardizedFileURL,
                       repositoryData.standardizedFileURL)
        XCTAssertThrowsError(try locate(empty.path, [:], starts: [nested])) { error in
            XCTAssertTrue("\(error)".contains("\(empty.path) (from --data): missing train-images-idx3-ubyte"), "\(error)")
        }
        XCTAssertThrowsError(try locate(nil, ["FORGER_DATA": "/nonexistent/forger", "XDG_CACHE_HOME": empty.path], starts: [empty])) { error in
            let message = "\(error)"
            for place in ["/nonexistent/forger (from FORGER_DATA)", "data/mnist in \(empty.path)",
                          "\(empty.path)/forger/mnist (user cache)", "Pass --data DIR"] {
                XCTAssertTrue(message.contains(place), "\(place) missing from: \(message)")
            }
        }
        XCTAssertEqual(MNIST.cacheDirectory(environment: ["HOME": "/home/x"]).path, "/home/x/.cache/forger/mnist")
    }
}
