import Foundation

/// A PNG that cannot be written or decoded, with the reason.
public struct PNGError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// 8-bit PNG: encoding of grayscale and RGB, decoding of gray, gray+alpha, RGB and RGBA (non-interlaced).
///
/// Pixels are row-major and interleaved (`[y][x][channel]`), top row first.
public enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The per-row filter the encoder applies before deflating.
    enum FilterChoice: Equatable {
        /// libpng's heuristic: per row, the filter whose output has the smallest sum of |signed byte|.
        case adaptive
        /// One filter type (0 none, 1 sub, 2 up, 3 average, 4 Paeth) for every row.
        case fixed(UInt8)
    }

    /// Encodes `pixels` (`width × height × channels` bytes; `channels` 1 = gray, 3 = RGB) as a PNG file.
    ///
    /// Wrong sizes or channel counts are programming errors; `write` checks them and throws instead.
    public static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        encode(width: width, height: height, channels: channels, pixels: pixels, filter: .adaptive)
    }

    static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8], filter: FilterChoice) -> [UInt8] {
        if let problem = invalidArguments(width: width, height: height, channels: channels, count: pixels.count) {
            preconditionFailure(problem)
        }
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]  // bit depth, colour type, deflate, filter set 0, no interlace
        let filtered = filterRows(pixels, width: width, height: height, channels: channels, choice: filter)
        return signature + chunk("IHDR", header) + chunk("IDAT", Deflate.compress(filtered, level: 6)) + chunk("IEND", [])
    }

    /// Encodes and writes a PNG atomically (a temporary file beside `url`, then a rename).
    public static func write(width: Int, height: Int, channels: Int, pixels: [UInt8], to url: URL) throws {
        if let problem = invalidArguments(width: width, height: height, channels: channels, count: pixels.count) {
            throw PNGError("cannot write \(url.path): \(problem)")
        }
        do {
            try Data(encode(width: width, height: height, channels: channels, pixels: pixels)).write(to: url, options: .atomic)
        } catch {
            throw PNGError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private static func invalidArguments(width: Int, height: Int, channels: Int, count: Int) -> String? {
        guard channels == 1 || channels == 3 else { return "PNG encoding takes 1 (gray) or 3 (RGB) channels, got \(channels)" }
        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            return "PNG sides must be 1…2³¹−1, got \(width)×\(height)"
        }
        let (expected, overflow) = width.multipliedReportingOverflow(by: height * channels)
        guard !overflow, expected == count else { return "\(count) pixel bytes do not fill \(width)×\(height)×\(channels)" }
        return nil
    }

    /// Each row prefixed with its filter type byte and filtered against the row above.
    private static func filterRows(_ pixels: [UInt8], width: Int, height: Int, channels: Int, choice: FilterChoice) -> [UInt8] {
        let stride = width * channels
        var output = [UInt8](repeating: 0, count: (stride + 1) * height)
        var candidates = [[UInt8]](repeating: [UInt8](repeating: 0, count: stride), count: 5)
        pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<height {
                let line = pixels.baseAddress! + row * stride
                let prior = row > 0 ? line - stride : nil
                let types: [UInt8]
                if case .fixed(let type) = choice { types = [type] } else { types = [0, 1, 2, 3, 4] }
                for type in types {
                    candidates[Int(type)].withUnsafeMutableBufferPointer { out in
                        applyFilter(type, line: line, prior: prior, count: stride, bytesPerPixel: channels, into: out.baseAddress!)
                    }
                }
                let best = types.min { cost(candidates[Int($0)]) < cost(candidates[Int($1)]) }!
                output[row * (stride + 1)] = best
                output.replaceSubrange((row * (stride + 1) + 1)...(row * (stride + 1) + stride), with: candidates[Int(best)])
            }
        }
        return output
    }

    private static func cost(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) }
    }

    /// PNG filter `type` applied to one row (`prior` nil for the first row, which has none above).
    private static func applyFilter(
        _ type: UInt8, line: UnsafePointer<UInt8>, prior: UnsafePointer<UInt8>?, count: Int,
        bytesPerPixel: Int, into out: UnsafeMutablePointer<UInt8>
    ) {
        for index in 0..<count {
            let left = index >= bytesPerPixel ? line[index - bytesPerPixel] : 0
            let up = prior?[index] ?? 0
            let upLeft = index >= bytesPerPixel ? (prior?[index - bytesPerPixel] ?? 0) : 0
            out[index] = line[index] &- predictor(type, left: left, up: up, upLeft: upLeft)
        }
    }

    /// The value a filter predicts from the left, upper and upper-left neighbours (PNG spec §9.2).
    @inline(__always)
    static func predictor(_ type: UInt8, left: UInt8, up: UInt8, upLeft: UInt8) -> UInt8 {
        switch type {
        case 1: return left
        case 2: return up
        case 3: return UInt8((Int(left) + Int(up)) / 2)
        case 4:
            let (a, b, c) = (Int(left), Int(up), Int(upLeft))
            let p = a + b - c
            let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
            return pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
        default: return 0
        }
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(body.count)) + typeBytes + body + bigEndian(CRC32.checksum(typeBytes + body))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
