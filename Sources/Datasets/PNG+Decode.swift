extension PNG {
    /// Decodes an 8-bit, non-interlaced PNG (gray, gray+alpha, RGB or RGBA) into interleaved pixels.
    ///
    /// Every chunk's length and CRC is checked before its contents are used; a bad signature or CRC,
    /// a truncated file, a missing IHDR/IDAT/IEND, an unsupported format or corrupt image data
    /// throws `PNGError`. Ancillary chunks are skipped; unknown critical chunks (such as a palette) are refused.
    public static func decode(_ bytes: [UInt8]) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw PNGError("not a PNG file (bad signature)") }
        var header: Header?
        var compressed: [UInt8] = []
        var position = 8, sawIDAT = false, ended = false
        while !ended {
            let start = position
            let (type, body) = try readChunk(bytes, at: &position)
            switch type {
            case "IHDR":
                guard header == nil, start == 8 else { throw PNGError("IHDR must be the first and only header chunk") }
                header = try Header(body)
            case "IDAT":
                guard header != nil else { throw PNGError("IDAT chunk before IHDR") }
                compressed += body
                sawIDAT = true
            case "IEND":
                ended = true
            default:
                guard header != nil else { throw PNGError("missing IHDR chunk (first chunk is \(type))") }
                // Bit 5 of the first type byte clear means critical: it changes how pixels decode.
                guard type.utf8.first.map({ $0 & 0x20 != 0 }) ?? false else {
                    throw PNGError("unsupported critical chunk \(type)")
                }
            }
        }
        guard let header else { throw PNGError("missing IHDR chunk") }
        guard sawIDAT else { throw PNGError("missing IDAT chunk") }
        let raw: [UInt8]
        guard let allowed = header.filteredByteCount else {
            throw PNGError("image size \(header.width)×\(header.height)×\(header.channels) is more bytes than memory can address")
        }
        // Inflating stops past the size the header allows, so a tiny file cannot expand to gigabytes.
        do { raw = try Gzip.inflate(compressed, limit: allowed) } catch { throw PNGError("corrupt image data: \(error)") }
        let pixels = try unfilter(raw, header: header, expectedCount: allowed)
        return (header.width, header.height, header.channels, pixels)
    }

    /// The IHDR fields this decoder supports.
    struct Header {
        let width: Int, height: Int, channels: Int

        init(_ body: [UInt8]) throws {
            guard body.count == 13 else { throw PNGError("IHDR chunk has \(body.count) bytes, expected 13") }
            width = Int(readBigEndian(body, at: 0))
            height = Int(readBigEndian(body, at: 4))
            guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
                throw PNGError("invalid image size \(width)×\(height)")
            }
            let channelsByColourType: [UInt8: Int] = [0: 1, 4: 2, 2: 3, 6: 4]
            guard body[8] == 8, let channels = channelsByColourType[body[9]] else {
                throw PNGError("unsupported PNG: bit depth \(body[8]), colour type \(body[9]) (8-bit gray, gray+alpha, RGB, RGBA only)")
            }
            guard body[10] == 0, body[11] == 0 else { throw PNGError("unknown compression or filter method") }
            guard body[12] == 0 else { throw PNGError("unsupported PNG: interlaced (Adam7)") }
            self.channels = channels
        }

        /// Bytes of the inflated image data: each row's filter byte and pixels; nil when that overflows.
        var filteredByteCount: Int? {
            let (stride, overflow) = width.multipliedReportingOverflow(by: channels)
            let (count, overflow2) = (stride + 1).multipliedReportingOverflow(by: height)
            return overflow || overflow2 ? nil : count
        }
    }

    /// Reads the chunk at `position` (length, type, body, CRC) and moves past it.
    private static func readChunk(_ bytes: [UInt8], at position: inout Int) throws -> (type: String, body: [UInt8]) {
        guard bytes.count - position >= 12 else {
            throw PNGError("truncated file: chunk at byte \(position) is incomplete (missing IEND?)")
        }
        let length = Int(readBigEndian(bytes, at: position))
        let typeBytes = Array(bytes[(position + 4)..<(position + 8)])
        guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw PNGError("corrupt chunk type at byte \(position)")
        }
        let type = String(decoding: typeBytes, as: UTF8.self)
        guard length <= Int(Int32.max), bytes.count - position - 12 >= length else {
            throw PNGError("truncated \(type) chunk: declares \(length) bytes, file has \(max(0, bytes.count - position - 12))")
        }
        let body = Array(bytes[(position + 8)..<(position + 8 + length)])
        let stored = readBigEndian(bytes, at: position + 8 + length)
        guard CRC32.checksum(typeBytes + body) == stored else { throw PNGError("CRC mismatch in \(type) chunk at byte \(position)") }
        position += 12 + length
        return (type, body)
    }

    /// Reverses the per-row filters (PNG spec §9): each byte plus the prediction from decoded neighbours.
    /// `expectedCount` is the header's `filteredByteCount`, already checked not to overflow.
    private static func unfilter(_ raw: [UInt8], header: Header, expectedCount: Int) throws -> [UInt8] {
        guard raw.count == expectedCount else {
            throw PNGError("image data has \(raw.count) bytes, \(header.width)×\(header.height)×\(header.channels) needs \(expectedCount)")
        }
        let stride = header.width * header.channels
        var pixels = [UInt8](repeating: 0, count: stride * header.height)
        let bytesPerPixel = header.channels
        try raw.withUnsafeBufferPointer { raw in
            try pixels.withUnsafeMutableBufferPointer { pixels in
                for row in 0..<header.height {
                    let filter = raw[row * (stride + 1)]
                    guard filter <= 4 else { throw PNGError("unknown filter type \(filter) in row \(row)") }
                    let line = raw.baseAddress! + row * (stride + 1) + 1
                    let out = pixels.baseAddress! + row * stride
                    let prior: UnsafeMutablePointer<UInt8>? = row > 0 ? out - stride : nil
                    for index in 0..<stride {
                        let left = index >= bytesPerPixel ? out[index - bytesPerPixel] : 0
                        let up = prior?[index] ?? 0
                        let upLeft = index >= bytesPerPixel ? (prior?[index - bytesPerPixel] ?? 0) : 0
                        out[index] = line[index] &+ predictor(filter, left: left, up: up, upLeft: upLeft)
                    }
                }
            }
        }
        return pixels
    }
}

private func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
}
