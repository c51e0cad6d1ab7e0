import Foundation
import XCTest
@testable import Datasets
import Tensors

/// libpng / libjpeg decoding of the Pillow-written files in Fixtures/ (see make_fixtures.py).
final class ImageFileTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func fixture(_ name: String) -> URL { Self.fixtures.appendingPathComponent(name) }

    func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixture(name))) }

    /// The fixture script's formula for the PNG samples.
    func sample(_ x: Int, _ y: Int, _ channel: Int) -> UInt8 { UInt8((x * 37 + y * 11 + channel * 80) % 256) }

    func expected(width: Int = 7, height: Int = 5, channels: Int) -> [UInt8] {
        (0..<height).flatMap { y in (0..<width).flatMap { x in (0..<channels).map { sample(x, y, $0) } } }
    }

    func testDecodesGrayGrayAlphaRGBAndRGBAPNG() throws {
        for (name, channels) in [("gray.png", 1), ("gray-alpha.png", 1), ("rgb.png", 3), ("rgba.png", 3)] {
            let image = try ImageFile.read(fixture(name))
            XCTAssertEqual([image.width, image.height, image.channels], [7, 5, channels], name)
            XCTAssertEqual(image.pixels, expected(channels: channels), name)
        }
    }

    func testDecodesPaletteWithTransparencyAsRGB() throws {
        let image = try ImageFile.read(fixture("palette.png"))
        XCTAssertEqual(image.channels, 3)
        let colours: [[UInt8]] = (0..<16).map { (index: Int) -> [UInt8] in
            [UInt8(index * 16), UInt8(255 - index * 16), UInt8(index * 53 % 256)]
        }
        let indices = (0..<5).flatMap { y in (0..<7).map { x in (x + 2 * y) % 16 } }
        XCTAssertEqual(image.pixels, indices.flatMap { colours[$0] })
    }

    func testDecodesInterlacedSixteenBitAndOneBitPNG() throws {
        let interlaced = try ImageFile.read(fixture("interlaced.png"))
        XCTAssertEqual([interlaced.width, interlaced.height, interlaced.channels], [11, 9, 3])
        XCTAssertEqual(interlaced.pixels, expected(width: 11, height: 9, channels: 3))
        // 16-bit samples keep their high byte, as Pillow does for 16-bit RGB.
        XCTAssertEqual(try ImageFile.read(fixture("gray-16bit.png")).pixels, expected(channels: 1))
        let oneBit = try ImageFile.read(fixture("gray-1bit.png"))
        XCTAssertEqual(oneBit.pixels, (0..<5).flatMap { y in (0..<7).map { x in UInt8(255 * ((x + y) % 2)) } })
    }

    /// Forger's own decoder, the naive twin, agrees with libpng on every layout it supports.
    func testLibPNGAgreesWithTheOwnDecoder() throws {
        for name in ["gray.png", "gray-alpha.png", "rgb.png", "rgba.png"] {
            let own = try PNG.decode(bytes(name))
            let twin = Image(width: own.width, height: own.height, channels: own.channels, pixels: own.pixels)
            let library = try ImageFile.decode(bytes(name), name: name, channels: twin.channels <= 2 ? 1 : 3)
            XCTAssertEqual(library, twin.converted(toChannels: library.channels), name)
        }
        let encoded = PNG.encode(width: 9, height: 4, channels: 3, pixels: expected(width: 9, height: 4, channels: 3))
        XCTAssertEqual(try ImageFile.decode(encoded).pixels, try PNG.decode(encoded).pixels)
    }

    /// Pillow's decoding of the same files; libjpeg-turbo's default integer IDCT and fancy upsampling
    /// are the same in both, so at most rounding of one level may differ between library versions.
    func testDecodesBaselineProgressiveAndGrayJPEGAsPillowDoes() throws {
        for (name, channels) in [("baseline.jpg", 3), ("progressive.jpg", 3), ("gray.jpg", 1)] {
            let image = try ImageFile.read(fixture(name))
            XCTAssertEqual([image.width, image.height, image.channels], [16, 16, channels], name)
            let pillow = try bytes(name + ".pixels")
            let difference = zip(image.pixels, pillow).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(difference, 1, name)
            XCTAssertEqual(ImageFile.format(of: try bytes(name)), .jpeg)
        }
        let baseline = try ImageFile.read(fixture("baseline.jpg")).pixels
        var largest = 0
        for y in 0..<16 {
            for x in 0..<16 {
                let original = [x * 15, y * 15, 128 + (x - y) * 4]
                for channel in 0..<3 { largest = max(largest, abs(Int(baseline[(y * 16 + x) * 3 + channel]) - original[channel])) }
            }
        }
        XCTAssertLessThan(largest, 16, "quality 90 stays near the gradient")
    }

    func testConvertsChannelsAsPillow() throws {
        let gray = try ImageFile.read(fixture("rgb.png"), channels: 1)
        let rgb = expected(channels: 3)
        let luma: [UInt8] = (0..<35).map { (pixel: Int) -> UInt8 in
            let (red, green, blue) = (UInt32(rgb[3 * pixel]), UInt32(rgb[3 * pixel + 1]), UInt32(rgb[3 * pixel + 2]))
            let weighted: UInt32 = 19595 * red + 38470 * green + 7471 * blue
            return UInt8((weighted + 0x8000) >> 16)
        }
        XCTAssertEqual(gray.pixels, luma)
        // Pillow: Image.new("RGB", (1, 1), (200, 100, 50)).convert("L") == 124.
        XCTAssertEqual(Image(width: 1, height: 1, channels: 3, pixels: [200, 100, 50]).converted(toChannels: 1).pixels, [124])
        let expanded = try ImageFile.read(fixture("gray.jpg"), channels: 3)
        XCTAssertEqual(expanded.channels, 3)
        XCTAssertEqual(expanded.pixels[0..<3], [expanded.pixels[0], expanded.pixels[0], expanded.pixels[0]])
        XCTAssertThrowsError(try ImageFile.read(fixture("gray.png"), channels: 4)) { error in
            XCTAssertEqual(error as? ImageFileError, .invalidChannelCount(file: fixture("gray.png").path, requested: 4))
        }
    }

    /// Every prefix of every fixture fails with an error (never a crash or an exit), and a cut
    /// inside the image data is reported as truncation.
    func testTruncatedFilesThrow() throws {
        for name in ["rgb.png", "interlaced.png", "palette.png", "baseline.jpg", "progressive.jpg", "gray.jpg"] {
            let whole = try bytes(name)
            for length in 0..<whole.count {
                XCTAssertThrowsError(try ImageFile.decode(Array(whole.prefix(length)), name: name), "\(name) cut at \(length)")
            }
            XCTAssertThrowsError(try ImageFile.decode(Array(whole.prefix(whole.count * 2 / 3)), name: name)) { error in
                guard case .truncated(let file, _, _) = error as? ImageFileError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(file, name)
                XCTAssertTrue("\(error)".hasPrefix("\(name): truncated"), "\(error)")
            }
        }
    }

    func testCorruptFilesThrowNamingTheFile() throws {
        var png = try bytes("rgb.png")
        png[png.count - 20] ^= 0xFF  // inside IDAT: the CRC no longer matches
        XCTAssertThrowsError(try ImageFile.decode(png, name: "bad.png")) { error in
            guard case .corrupt(let file, .png, let detail) = error as? ImageFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "bad.png")
            XCTAssertFalse(detail.isEmpty)
        }
        var jpeg = try bytes("baseline.jpg")
        for index in 200..<260 { jpeg[index] = 0xFF }  // a run of marker prefixes inside the tables and scan
        XCTAssertThrowsError(try ImageFile.decode(jpeg, name: "bad.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.jpg: "), "\(error)")
        }
        // A JPEG whose frame header claims zero width.
        var header = try bytes("gray.jpg")
        let frame = (0..<(header.count - 1)).first { header[$0] == 0xFF && header[$0 + 1] == 0xC0 }!
        (header[frame + 7], header[frame + 8]) = (0, 0)
        XCTAssertThrowsError(try ImageFile.decode(header, name: "zero.jpg")) { error in
            guard case .corrupt(_, .jpeg, _) = error as? ImageFileError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ImageFile.decode(Array("GIF89a....".utf8), name: "x.gif")) { error in
            guard case .unknownFormat(let file, _) = error as? ImageFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "x.gif")
        }
        XCTAssertThrowsError(try ImageFile.read(fixture("missing.png"))) { error in
            guard case .unreadable = error as? ImageFileError else { return XCTFail("\(error)") }
        }
    }

    /// Random byte damage anywhere: decoding either succeeds or throws, never ends the process.
    func testRandomDamageNeverCrashes() throws {
        var generator = RandomGenerator(seed: 7)
        for name in ["rgba.png", "interlaced.png", "progressive.jpg", "gray.jpg"] {
            let whole = try bytes(name)
            for _ in 0..<200 {
                var damaged = whole
                for _ in 0..<3 { damaged[8 + generator.nextInt(below: damaged.count - 8)] = UInt8(truncatingIfNeeded: generator.next()) }
                _ = try? ImageFile.decode(damaged, name: name)
            }
        }
    }

    /// Damage behind recomputed CRCs reaches the chunk parsers (header fields, palettes, compressed
    /// pixels): both PNG decoders either decode or throw, never end the process.
    func testDamageBehindValidCRCsNeverCrashes() throws {
        var generator = RandomGenerator(seed: 8)
        var decoded = 0
        for name in ["rgba.png", "interlaced.png", "palette.png", "gray-16bit.png", "gray-1bit.png", "gray-alpha.png"] {
            let whole = try bytes(name)
            for _ in 0..<300 {
                let png = withValidCRCs(damaged(whole, from: 8, generator: &generator))
                if (try? PNG.decode(png)) != nil { decoded += 1 }
                if (try? ImageFile.decode(png, name: name)) != nil { decoded += 1 }
            }
        }
        XCTAssertGreaterThan(decoded, 0, "damage to pixel values or ancillary chunks still decodes, so the CRCs were fixed")
    }

    func testImageHelpers() throws {
        let image = Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(image.cropped(x: 1, y: 0, width: 2, height: 2).pixels, [2, 3, 5, 6])
        let pair = Image.sideBySide(image, Image(width: 1, height: 2, channels: 1, pixels: [7, 8]))
        XCTAssertEqual(pair.pixels, [1, 2, 3, 7, 4, 5, 6, 8])
        let tensor = Image(width: 2, height: 1, channels: 3, pixels: [0, 255, 51, 255, 0, 102]).tensor()
        XCTAssertEqual(tensor.shape, [1, 3, 1, 2])
        XCTAssertEqual(tensor.scalars, [-1, 1, 1, -1, 51 / 127.5 - 1, 102 / 127.5 - 1])
        XCTAssertEqual(Image(tensor: tensor).pixels, [0, 255, 51, 255, 0, 102])
    }
}
