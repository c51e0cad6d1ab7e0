import XCTest
@testable import Datasets

final class GzipTests: XCTestCase {
    let text = Array(String(repeating: "Forger inflates MNIST. ", count: 200).utf8)

    func testInflatesGzipAndZlibStreams() throws {
        XCTAssertEqual(try Gzip.inflate(gzipped(text)), text)
        XCTAssertEqual(try Gzip.inflate(Deflate.compress(text, level: 9)), text)
        XCTAssertLessThan(Deflate.compress(text).count, text.count / 10)
        XCTAssertEqual(try Gzip.inflate(Deflate.compress([])), [])
        XCTAssertEqual(try Gzip.inflate(gzipped([1, 2]) + gzipped([3])), [1, 2, 3], "concatenated members, as gunzip reads them")
        XCTAssertTrue(Gzip.isGzip(gzipped(text)))
        XCTAssertFalse(Gzip.isGzip(Deflate.compress(text)))
    }

    func testZlibTrailerIsTheAdlerChecksum() {
        let stream = Deflate.compress(text, level: 0)
        XCTAssertEqual(Array(stream.suffix(4)), [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: Adler32.checksum(text) >> $0) })
    }

    func testChecksumsMatchPublishedValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)  // the CRC-32 check value
        XCTAssertEqual(CRC32.checksum(Array("6789".utf8), continuing: CRC32.checksum(Array("12345".utf8))), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
        XCTAssertEqual(CRC32.checksum([], continuing: 0x1234), 0x1234)
        XCTAssertEqual(Adler32.checksum(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(Adler32.checksum([]), 1)
    }

    /// Eight megabytes of zeros deflate to a few kilobytes; a limit stops inflating soon after it is
    /// passed instead of holding all of it, and a limit the stream fits is no obstacle.
    func testALimitStopsADecompressionBomb() throws {
        let bomb = Deflate.compress([UInt8](repeating: 0, count: 8 << 20), level: 9)
        XCTAssertLessThan(bomb.count, 16_384)
        XCTAssertThrowsError(try Gzip.inflate(bomb, limit: 1 << 20)) { error in
            XCTAssertEqual(error as? CompressionError, .tooLarge(limit: 1 << 20))
            XCTAssertEqual("\(error)", "the stream inflates to more than 1048576 bytes")
        }
        XCTAssertEqual(try Gzip.inflate(bomb, limit: 8 << 20).count, 8 << 20)
        XCTAssertEqual(try Gzip.inflate(gzipped(text), limit: text.count), text)
    }

    func testBrokenStreamsGiveSpecificErrors() throws {
        let good = gzipped(text)
        var badHeader = good; badHeader[2] = 99  // compression method other than deflate
        var badChecksum = good; badChecksum[good.count - 6] ^= 0xFF  // CRC-32 in the gzip trailer
        var badZlibHeader = Deflate.compress(text); badZlibHeader[1] ^= 0x01
        let cases: [([UInt8], CompressionError)] = [
            ([], .truncated),
            (Array(good.prefix(good.count / 2)), .truncated),
            (Array(good.dropLast(1)), .truncated),
            (badHeader, .badHeader("unknown compression method")),
            (badZlibHeader, .badHeader("incorrect header check")),
            (badChecksum, .corrupt("incorrect data check")),
            (good + [0, 0, 0], .trailingBytes(3)),
        ]
        for (index, (bytes, expected)) in cases.enumerated() {
            XCTAssertThrowsError(try Gzip.inflate(bytes), "case \(index)") { error in
                XCTAssertEqual(error as? CompressionError, expected, "case \(index): \(error)")
            }
        }
        XCTAssertTrue("\(CompressionError.truncated)".contains("truncated"))
    }
}
