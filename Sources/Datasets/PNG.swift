import Foundation

/// A PNG file that cannot be decoded, with the reason.
public struct PNGError: Error, CustomStringConvertible {
    public let description: String
}

/// 8-bit PNG encoding (grayscale or RGB) and decoding (grayscale, gray+alpha, RGB, RGBA; non-interlaced).
public enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes row-major interleaved pixels; `channels` is 1 (gray) or 3 (RGB).
    public static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        precondition(channels == 1 || channels == 3, "PNG.encode writes gray or RGB")
        precondition(pixels.count == width * height * channels, "pixel count does not match \(width)×\(height)×\(channels)")
        var header: [UInt8] = []
        for value in [UInt32(width), UInt32(height)] { header += bigEndian(value) }
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        var raw: [UInt8] = []
        raw.reserveCapacity((width * channels + 1) * height)
        let rowLength = width * channels
        for row in 0..<height {
            raw.append(0)
            raw += pixels[(row * rowLength)..<((row + 1) * rowLength)]
        }
        return signature + chunk("IHDR", header) + chunk("IDAT", Zlib.deflate(raw)) + chunk("IEND", [])
    }

    /// Encodes and writes atomically.
    public static func write(width: Int, height: Int, channels: Int, pixels: [UInt8], to url: URL) throws {
        try Data(encode(width: width, height: height, channels: channels, pixels: pixels)).write(to: url, options: .atomic)
    }

    /// Decodes an 8-bit, non-interlaced PNG into interleaved pixels.
    public static func decode(_ bytes: [UInt8]) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw PNGError(description: "not a PNG file (bad signature)") }
        var position = 8
        var header: [UInt8]?
        var compressed: [UInt8] = []
        var ended = false
        while !ended {
            guard position + 8 <= bytes.count else { throw PNGError(description: "truncated chunk header at byte \(position)") }
            let length = Int(bytes[position..<(position + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = Array(bytes[(position + 4)..<(position + 8)])
            guard length <= bytes.count, position + 12 + length <= bytes.count else {
                throw PNGError(description: "truncated \(String(decoding: type, as: UTF8.self)) chunk")
            }
            let body = Array(bytes[(position + 8)..<(position + 8 + length)])
            let stored = bytes[(position + 8 + length)..<(position + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard Zlib.crc32(type + body) == stored else {
                throw PNGError(description: "CRC mismatch in \(String(decoding: type, as: UTF8.self)) chunk")
            }
            switch String(decoding: type, as: UTF8.self) {
            case "IHDR": header = body
            case "IDAT": compressed += body
            case "IEND": ended = true
            default: break
            }
            position += 12 + length
        }
        guard let header, header.count == 13 else { throw PNGError(description: "missing or malformed IHDR chunk") }
        guard !compressed.isEmpty else { throw PNGError(description: "missing IDAT chunk") }
        return try unfilter(header: header, compressed: compressed)
    }

    private static func unfilter(header: [UInt8], compressed: [UInt8]) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        let width = Int(header[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let height = Int(header[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let channelsByType: [UInt8: Int] = [0: 1, 4: 2, 2: 3, 6: 4]
        guard header[8] == 8, let channels = channelsByType[header[9]], header[12] == 0 else {
            throw PNGError(description: "unsupported PNG: bit depth \(header[8]), color type \(header[9]), interlace \(header[12])")
        }
        let raw: [UInt8]
        do { raw = try Zlib.inflate(compressed) } catch { throw PNGError(description: "corrupt image data: \(error)") }
        let stride = width * channels
        guard raw.count == (stride + 1) * height else { throw PNGError(description: "image data has \(raw.count) bytes, expected \((stride + 1) * height)") }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for column in 0..<stride {
                let value = raw[row * (stride + 1) + 1 + column]
                let left = column >= channels ? Int(pixels[row * stride + column - channels]) : 0
                let up = row > 0 ? Int(pixels[(row - 1) * stride + column]) : 0
                let upLeft = row > 0 && column >= channels ? Int(pixels[(row - 1) * stride + column - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                case 4: predictor = paeth(left, up, upLeft)
                default: throw PNGError(description: "unknown filter type \(filter) in row \(row)")
                }
                pixels[row * stride + column] = UInt8(truncatingIfNeeded: Int(value) + predictor)
            }
        }
        return (width, height, channels, pixels)
    }

    private static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
        return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(body.count)) + typeBytes + body + bigEndian(Zlib.crc32(typeBytes + body))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
