import Foundation
import XCTest
@testable import Datasets

final class PNGTests: XCTestCase {
    /// Pixels with enough structure that every filter type predicts something different.
    func pixels(width: Int, height: Int, channels: Int) -> [UInt8] {
        (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: ($0 * 37) ^ ($0 / 7 * 11)) }
    }

    func testRoundTripsGrayAndRGBThroughEveryFilterType() throws {
        for channels in [1, 3] {
            let (width, height) = (7, 5)
            let original = pixels(width: width, height: height, channels: channels)
            let choices: [PNG.FilterChoice] = [.adaptive] + (0...4).map { .fixed($0) }
            for choice in choices {
                let bytes = PNG.encode(width: width, height: height, channels: channels, pixels: original, filter: choice)
                let decoded = try PNG.decode(bytes)
                XCTAssertEqual(decoded.width, width)
                XCTAssertEqual(decoded.height, height)
                XCTAssertEqual(decoded.channels, channels)
                XCTAssertEqual(decoded.pixels, original, "channels \(channels), filter \(choice)")
            }
        }
    }

    func testEncoderWritesTheStandardChunks() throws {
        let bytes = PNG.encode(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 0, 255])
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: length 13, type, width 2, height 1, depth 8, colour type 2 (RGB), deflate, filter 0, no interlace.
        XCTAssertEqual(Array(bytes[8..<29]), [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0])
        XCTAssertEqual(Array(bytes.suffix(12)), [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
    }

    /// A PNG assembled by hand, for colour types and layouts the encoder does not write.
    func handmade(width: Int, height: Int, colourType: UInt8, interlace: UInt8 = 0, rows: [[UInt8]]) -> [UInt8] {
        let header = PNG.bigEndian(UInt32(width)) + PNG.bigEndian(UInt32(height)) + [8, colourType, 0, 0, interlace]
        return PNG.signature + PNG.chunk("IHDR", header) + PNG.chunk("tEXt", Array("Comment\0hand".utf8))
            + PNG.chunk("IDAT", Deflate.compress(rows.flatMap { $0 })) + PNG.chunk("IEND", [])
    }

    func testDecodesRGBAAndGrayAlphaWithFilters() throws {
        // RGBA, 2×2: row 0 unfiltered, row 1 "up" (adds the row above).
        let rgba = handmade(width: 2, height: 2, colourType: 6, rows: [[0, 1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 1, 1, 1, 1, 1, 1, 1]])
        let decoded = try PNG.decode(rgba)
        XCTAssertEqual(decoded.channels, 4)
        XCTAssertEqual(decoded.pixels, [1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8, 9])
        // Gray+alpha, 3×1, "sub" (adds the pixel two bytes to the left).
        let grayAlpha = handmade(width: 3, height: 1, colourType: 4, rows: [[1, 10, 200, 5, 100, 5, 100]])
        XCTAssertEqual(try PNG.decode(grayAlpha).pixels, [10, 200, 15, 44, 20, 144])
    }

    /// 6×4 images written by Pillow (PNG rows filtered sub/Paeth/up/Paeth for gray, up for RGB), as hex.
    let pillowFiles: [(channels: Int, hex: String)] = [
        (1, "89504e470d0a1a0a0000000d4948445200000006000000040800000000886f119f0000002549444154789c6364505555555565b9a7"
            + "f5ef0f1707d3cd476fbf9f3dce72f5d323b3e73a0090fd0cfe91b675bb0000000049454e44ae426082"),
        (3, "89504e470d0a1a0a0000000d49484452000000060000000408020000002266d9140000005749444154789c014c00b3ff0000254a6f"
            + "94b9de082346799cb7ea103d4663008ca9f2280f7259bce3c6201d7a578ce9c6380277c5576cf068f7b93bfdc46c3801eb2903ac00"
            + "83be40653adff489ae782306e9ccb79a702df6c72311561a87e20000000049454e44ae426082"),
    ]

    func testDecodesFilesWrittenByPillow() throws {
        for (channels, hex) in pillowFiles {
            let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start...hex.index(after: start)], radix: 16)!
            }
            let decoded = try PNG.decode(bytes)
            XCTAssertEqual(decoded.width, 6)
            XCTAssertEqual(decoded.height, 4)
            XCTAssertEqual(decoded.channels, channels)
            // Pillow was given byte i = (i·37) xor (⌊i/7⌋·11), truncated to 8 bits.
            XCTAssertEqual(decoded.pixels, (0..<(24 * channels)).map { UInt8(truncatingIfNeeded: ($0 * 37) ^ ($0 / 7 * 11)) })
        }
    }

    func testCorruptOrUnsupportedFilesThrowInsteadOfCrashing() throws {
        let good = PNG.encode(width: 2, height: 2, channels: 1, pixels: [0, 64, 128, 255])
        var badCRC = good; badCRC[20] ^= 0xFF  // inside IHDR's body
        var badType = good; badType[12] = 0x01
        let noIDAT = PNG.signature + PNG.chunk("IHDR", Array(good[16..<29])) + PNG.chunk("IEND", [])
        let rows: [[UInt8]] = [[0, 1, 2], [0, 3, 4]]
        let cases: [([UInt8], String)] = [
            ([], "bad signature"), (Array(good.prefix(5)), "bad signature"),
            (Array(good.prefix(8)), "truncated file"), (Array(good.prefix(48)), "truncated IDAT chunk"),
            (Array(good.dropLast(12)), "missing IEND"), (badCRC, "CRC mismatch in IHDR"), (badType, "corrupt chunk type"),
            (PNG.signature + PNG.chunk("IEND", []), "missing IHDR"),
            (PNG.signature + PNG.chunk("IDAT", [1, 2]) + PNG.chunk("IEND", []), "IDAT chunk before IHDR"),
            (noIDAT, "missing IDAT"),
            (handmade(width: 2, height: 2, colourType: 3, rows: rows), "colour type 3"),
            (handmade(width: 2, height: 2, colourType: 0, interlace: 1, rows: rows), "interlaced"),
            (handmade(width: 0, height: 2, colourType: 0, rows: rows), "invalid image size 0×2"),
            (handmade(width: 2, height: 2, colourType: 0, rows: [[5, 1, 2], [0, 3, 4]]), "unknown filter type 5 in row 0"),
            (handmade(width: 3, height: 2, colourType: 0, rows: rows), "image data has 6 bytes"),
            (handmade(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, colourType: 6, rows: rows), "more bytes than memory can address"),
            (handmade(width: 1, height: 1, colourType: 0, rows: [[0, 7], [0, 7]]), "inflates to more than 2 bytes"),
        ]
        for (index, (bytes, expected)) in cases.enumerated() {
            XCTAssertThrowsError(try PNG.decode(bytes), "case \(index)") { error in
                XCTAssertTrue("\(error)".contains(expected), "case \(index): expected '\(expected)' in: \(error)")
            }
        }
        var idatBroken = good; idatBroken[good.count - 20] ^= 0xFF  // IDAT body: CRC catches it first
        XCTAssertThrowsError(try PNG.decode(idatBroken)) { XCTAssertTrue("\($0)".contains("CRC mismatch in IDAT"), "\($0)") }
    }

    func testWriteRefusesBadArgumentsAndWritesAtomically() throws {
        let folder = try temporaryFolder("png")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.png")
        XCTAssertThrowsError(try PNG.write(width: 2, height: 2, channels: 1, pixels: [1, 2, 3], to: url)) {
            XCTAssertTrue("\($0)".contains("3 pixel bytes do not fill 2×2×1"), "\($0)")
        }
        XCTAssertThrowsError(try PNG.write(width: 1, height: 1, channels: 4, pixels: [1, 2, 3, 4], to: url))
        try PNG.write(width: 1, height: 1, channels: 1, pixels: [9], to: url)
        XCTAssertEqual(try PNG.decode(Array(Data(contentsOf: url))).pixels, [9])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["a.png"])
    }
}
