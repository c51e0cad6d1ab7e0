import XCTest
@testable import Datasets

final class GIFTests: XCTestCase {
    /// Frames with smooth gradients, noise and long runs, so the LZW table fills and clears.
    func frames(count: Int, width: Int, height: Int) -> [[UInt8]] {
        var state: UInt32 = 12_345
        return (0..<count).map { frame in
            (0..<(width * height)).map { index in
                state = state &* 1_664_525 &+ 1_013_904_223
                switch frame % 3 {
                case 0: return UInt8((index * 7 + frame) % 256)
                case 1: return UInt8(truncatingIfNeeded: state >> 24)
                default: return index < width * height / 2 ? 0 : 255
                }
            }
        }
    }

    func testAnimationDecodesToTheSameFramesSizeAndPalette() throws {
        let (width, height) = (61, 47)
        let original = frames(count: 5, width: width, height: height)
        let decoded = try TestGIFDecoder(GIF.encode(frames: original, width: width, height: height, delay: 7))
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        XCTAssertEqual(decoded.frames.count, 5)
        XCTAssertEqual(decoded.frames, original)
        XCTAssertEqual(decoded.delays, [7, 7, 7, 7, 7])
        XCTAssertEqual(decoded.loopCount, 0, "loops forever")
        XCTAssertEqual(decoded.palette.count, 256)
        XCTAssertTrue(decoded.palette.enumerated().allSatisfy { $0.element == [UInt8($0.offset), UInt8($0.offset), UInt8($0.offset)] })
    }

    func testLargeNoisyFrameFillsAndClearsTheCodeTable() throws {
        let frame = frames(count: 2, width: 300, height: 200)[1]
        let decoded = try TestGIFDecoder(GIF.encode(frames: [frame], width: 300, height: 200))
        XCTAssertEqual(decoded.frames, [frame])
        XCTAssertGreaterThan(decoded.clearCodes, 1, "the 4,096-entry table must have been reset")
    }

    func testSinglePixelAndUniformFrames() throws {
        for (width, height, value) in [(1, 1, UInt8(9)), (16, 16, UInt8(200))] {
            let frame = [UInt8](repeating: value, count: width * height)
            XCTAssertEqual(try TestGIFDecoder(GIF.encode(frames: [frame], width: width, height: height)).frames, [frame])
        }
    }
}

/// A minimal GIF89a decoder for tests: global palette, NETSCAPE loop, graphic control delays and
/// LZW image data (no local palettes or interlacing, which the encoder never writes).
struct TestGIFDecoder {
    struct Failure: Error { let message: String }
    var width = 0, height = 0, loopCount: Int?, clearCodes = 0
    var palette: [[UInt8]] = []
    var frames: [[UInt8]] = []
    var delays: [Int] = []

    init(_ bytes: [UInt8]) throws {
        var position = 0
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard position + count <= bytes.count else { throw Failure(message: "truncated at \(position)") }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func short() throws -> Int { let pair = Array(try take(2)); return Int(pair[0]) | Int(pair[1]) << 8 }
        func subBlocks() throws -> [UInt8] {
            var data: [UInt8] = []
            while true {
                let size = Int(try take(1).first!)
                if size == 0 { return data }
                data += try take(size)
            }
        }
        guard String(decoding: try take(6), as: UTF8.self) == "GIF89a" else { throw Failure(message: "signature") }
        width = try short()
        height = try short()
        let flags = try take(3).first!
        guard flags & 0x80 != 0 else { throw Failure(message: "no global palette") }
        let entries = 1 << (Int(flags & 7) + 1)
        palette = try (0..<entries).map { _ in Array(try take(3)) }
        while true {
            switch try take(1).first! {
            case 0x3B: return
            case 0x21:
                let label = try take(1).first!
                let data = try subBlocks()
                if label == 0xF9 { delays.append(Int(data[1]) | Int(data[2]) << 8) }
                if label == 0xFF, data.count == 14, String(decoding: data[0..<11], as: UTF8.self) == "NETSCAPE2.0" {
                    loopCount = Int(data[12]) | Int(data[13]) << 8
                }
            case 0x2C:
                _ = try take(4)
                let (frameWidth, frameHeight) = (try short(), try short())
                guard try take(1).first! == 0 else { throw Failure(message: "local palette or interlace") }
                let minimumCodeSize = Int(try take(1).first!)
                let (pixels, clears) = try Self.decompress(try subBlocks(), minimumCodeSize: minimumCodeSize)
                guard pixels.count == frameWidth * frameHeight else { throw Failure(message: "pixel count \(pixels.count)") }
                frames.append(pixels)
                clearCodes += clears
            case let other: throw Failure(message: "unknown block \(other)")
            }
        }
    }

    static func decompress(_ data: [UInt8], minimumCodeSize: Int) throws -> ([UInt8], Int) {
        let clear = 1 << minimumCodeSize, end = clear + 1
        var table: [[UInt8]] = [], width = 0, previous: [UInt8]? = nil, clears = 0
        var output: [UInt8] = [], bitPosition = 0
        func reset() {
            table = (0..<clear).map { [UInt8($0)] } + [[], []]
            width = minimumCodeSize + 1
            previous = nil
        }
        reset()
        while bitPosition + width <= data.count * 8 {
            var code = 0
            for bit in 0..<width where data[(bitPosition + bit) / 8] >> ((bitPosition + bit) % 8) & 1 == 1 { code |= 1 << bit }
            bitPosition += width
            if code == clear { reset(); clears += 1; continue }
            if code == end { return (output, clears) }
            let entry: [UInt8]
            if code < table.count {
                entry = table[code]
            } else if code == table.count, let previous {
                entry = previous + [previous[0]]
            } else {
                throw Failure(message: "bad code \(code)")
            }
            output += entry
            if let previous, table.count < 4096 { table.append(previous + [entry[0]]) }
            if table.count == 1 << width && width < 12 { width += 1 }
            previous = entry
        }
        throw Failure(message: "no end code")
    }
}
