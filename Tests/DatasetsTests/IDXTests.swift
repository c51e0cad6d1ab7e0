import Foundation
import XCTest
@testable import Datasets
import Tensors

final class IDXTests: XCTestCase {
    /// Two 2×3 images with bytes 0…11.
    let valid = idxHeader([2, 2, 3]) + Array(0..<12)

    func testParsesAHandmadeFileGzippedOrNot() throws {
        XCTAssertEqual(valid.prefix(8), [0, 0, 8, 3, 0, 0, 0, 2])
        let file = try IDXFile(contentsOf: valid, name: "tiny")
        XCTAssertEqual(file.dimensions, [2, 2, 3])
        XCTAssertEqual(file.bytes, Array(0..<12))
        let fromGzip = try IDXFile(contentsOf: gzipped(valid), name: "tiny.gz", expectedRank: 3)
        XCTAssertEqual(fromGzip.dimensions, file.dimensions)
        XCTAssertEqual(fromGzip.bytes, file.bytes)
        let large = idxHeader([70_000]) + [UInt8](repeating: 7, count: 70_000)  // extents above 16 bits
        XCTAssertEqual(try IDXFile(contentsOf: large, name: "large").dimensions, [70_000])
    }

    func testCorruptFilesGiveErrorsNamingTheFileAndTheProblem() throws {
        var badMagic = valid; badMagic[0] = 7
        var badType = valid; badType[2] = 0x0D
        var corruptGzip = gzipped(valid); corruptGzip[corruptGzip.count - 6] ^= 0xFF
        let cases: [(bytes: [UInt8], expected: String)] = [
            (Array(valid[0..<3]), "truncated header: needs 4 bytes, file has 3"),
            (Array(valid[0..<10]), "truncated header: needs 16 bytes, file has 10"),
            (badMagic, "bad magic number 07 00 08 03"),
            (badType, "unsupported element type 0x0d (32-bit floats)"),
            (idxHeader([]), "wrong dimension count: file has 0"),
            (Array(valid.dropLast(5)), "truncated data: dimensions [2, 2, 3] need 12 bytes, file has 7"),
            (valid + [1, 2], "trailing bytes: dimensions [2, 2, 3] need 12 bytes, file has 14 (2 extra)"),
            (idxHeader([0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), "truncated data"),
            (corruptGzip, "corrupt gzip data: corrupt compressed data (incorrect data check)"),
            (Array(gzipped(valid).prefix(20)), "corrupt gzip data: truncated compressed stream"),
        ]
        for (index, test) in cases.enumerated() {
            XCTAssertThrowsError(try IDXFile(contentsOf: test.bytes, name: "case-\(index).idx")) { error in
                XCTAssertTrue("\(error)".hasPrefix("case-\(index).idx: "), "names the file: \(error)")
                XCTAssertTrue("\(error)".contains(test.expected), "case \(index): \(error)")
            }
        }
        XCTAssertThrowsError(try IDXFile(contentsOf: gzipped(valid), name: "bomb.gz", inflatedLimit: 20)) { error in
            XCTAssertEqual("\(error)", "bomb.gz: corrupt gzip data: the stream inflates to more than 20 bytes")
        }
        XCTAssertThrowsError(try IDXFile(contentsOf: valid, name: "labels", expectedRank: 1)) { error in
            XCTAssertEqual("\(error)", "labels: wrong dimension count: file has 3, expected 1")
        }
    }

    /// Seeded random damage, plain and gzipped: parsing either succeeds or throws an error naming the file.
    func testRandomDamageThrowsOrParsesNeverCrashes() {
        var generator = RandomGenerator(seed: 3)
        for _ in 0..<2_000 {
            for bytes in [damaged(valid, generator: &generator), damaged(gzipped(valid), generator: &generator)] {
                do { _ = try IDXFile(contentsOf: bytes, name: "damaged.idx") } catch {
                    XCTAssertTrue("\(error)".hasPrefix("damaged.idx: "), "\(error)")
                }
            }
        }
    }

    func testFilesOnDiskAreNamedByPath() throws {
        let folder = try temporaryFolder("idx")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("broken-idx1-ubyte.gz")
        try Data(Array(gzipped(valid).dropLast(3))).write(to: url)
        XCTAssertThrowsError(try IDXFile(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": corrupt gzip data: truncated"), "\(error)")
        }
        XCTAssertThrowsError(try IDXFile(contentsOf: folder.appendingPathComponent("absent"))) { error in
            XCTAssertTrue("\(error)".hasSuffix("absent: cannot be read (no such file)"), "\(error)")
        }
    }
}
