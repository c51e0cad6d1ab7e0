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
