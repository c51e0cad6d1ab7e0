import CZlib

/// A compressed stream that zlib could not read.
public enum CompressionError: Error, CustomStringConvertible, Equatable {
    /// The input ends before the end-of-stream marker (a partial download or copy).
    case truncated
    /// The gzip or zlib header is not valid (zlib's reason attached).
    case badHeader(String)
    /// The compressed blocks or the trailing checksum are wrong (zlib's reason attached).
    case corrupt(String)
    /// Bytes follow the end of the stream that are not another gzip member.
    case trailingBytes(Int)
    /// The stream inflates to more than the caller's limit (a "decompression bomb", or not the file expected).
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .truncated: return "truncated compressed stream: it ends before its end-of-stream marker"
        case .badHeader(let reason): return "bad gzip/zlib header (\(reason))"
        case .corrupt(let reason): return "corrupt compressed data (\(reason))"
        case .trailingBytes(let count): return "\(count) unexpected bytes after the end of the compressed stream"
        case .tooLarge(let limit): return "the stream inflates to more than \(limit) bytes"
        }
    }
}

/// gzip and zlib inflation through the system zlib (the MNIST files are gzip streams).
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// Inflates a gzip or zlib stream, the format detected from its header (zlib's `15 + 32` mode).
    ///
    /// Concatenated gzip members are inflated one after another, as `gunzip` does; anything else
    /// after the end of the stream is an error, so a file with garbage appended is not taken as valid.
    /// Inflating stops with `tooLarge` as soon as the output passes `limit` bytes, so a small input
    /// cannot make the reader hold gigabytes (deflate expands up to about 1,000 times).
    public static func inflate(_ bytes: [UInt8], limit: Int = .max) throws -> [UInt8] {
        guard !bytes.isEmpty else { throw CompressionError.truncated }
        // zlib's state points back at the z_stream, so it lives at one heap address throughout.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CompressionError.corrupt("zlib could not start inflating")
        }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(sizeHint(bytes), limit))
        try bytes.withUnsafeBufferPointer { try drain(stream, input: $0, into: &output, limit: limit) }
        return output
    }

    /// Runs `inflate` until the input's last stream ends, restarting for each further gzip member.
    private static func drain(
        _ stream: UnsafeMutablePointer<z_stream>, input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], limit: Int
    ) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var fed = 0  // bytes handed to zlib so far; avail_in is 32-bit, so big inputs go in slices
        while true {
            if stream.pointee.avail_in == 0 && fed < input.count {
                let slice = min(input.count - fed, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + fed)
                stream.pointee.avail_in = uInt(slice)
                fed += slice
            }
            let status = chunk.withUnsafeMutableBufferPointer { destination -> Int32 in
                stream.pointee.next_out = destination.baseAddress
                stream.pointee.avail_out = uInt(destination.count)
                return CZlib.inflate(stream, Z_NO_FLUSH)
            }
            output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.pointee.avail_out))])
            guard output.count <= limit else { throw CompressionError.tooLarge(limit: limit) }
            let remaining = input.count - fed + Int(stream.pointee.avail_in)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if remaining == 0 { return }
                let next = input.count - remaining
                guard remaining >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else {
                    throw CompressionError.trailingBytes(remaining)
                }
                inflateReset(stream)
            case Z_BUF_ERROR where remaining == 0:
                throw CompressionError.truncated
            default:
                throw failure(status: status, message: stream.pointee.msg.map { String(cString: $0) })
            }
        }
    }

    /// The uncompressed size from a gzip trailer (modulo 2³², so only a hint), capped at 1 GiB.
    private static func sizeHint(_ bytes: [UInt8]) -> Int {
        guard isGzip(bytes), bytes.count >= 18 else { return bytes.count * 2 }
        let tail = bytes.count - 4
        let size = (0..<4).reduce(0) { $0 | Int(bytes[tail + $1]) << (8 * $1) }
        return min(size, 1 << 30)
    }

    private static func failure(status: Int32, message: String?) -> CompressionError {
        let reason = message ?? "zlib status \(status)"
        switch status {
        case Z_NEED_DICT: return .corrupt("stream needs a preset dictionary")
        case Z_MEM_ERROR: return .corrupt("zlib ran out of memory")
        default:
            let headerProblems = ["header", "compression method", "window size", "flags"]
            return headerProblems.contains(where: reason.contains) ? .badHeader(reason) : .corrupt(reason)
        }
    }
}

/// zlib-format deflation (what PNG's IDAT chunks hold).
public enum Deflate {
    /// Compresses `bytes` into a zlib stream (2-byte header, deflate blocks, Adler-32 trailer).
    ///
    /// `level` is zlib's 0 (store) … 9 (smallest); out-of-range values are clamped, −1 is zlib's default (6).
    public static func compress(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        let level = level == -1 ? -1 : min(max(level, 0), 9)
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(destination.baseAddress, &length, source.baseAddress, uLong(source.count), Int32(level))
            }
        }
        // compressBound guarantees room, so only an allocation failure inside zlib can get here.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeSubrange(Int(length)...)
        return output
    }
}

/// CRC-32 (ISO 3309, as in gzip and PNG) through zlib.
public enum CRC32 {
    /// The checksum of `bytes`, continuing from `initial` (the checksum of what came before).
    public static func checksum(_ bytes: [UInt8], continuing initial: UInt32 = 0) -> UInt32 {
        // zlib answers a null buffer with the initial value, not `initial`; an empty input changes nothing.
        guard !bytes.isEmpty else { return initial }
        return bytes.withUnsafeBufferPointer { buffer in
            var value = uLong(initial), start = 0
            repeat {  // zlib takes 32-bit lengths
                let count = min(buffer.count - start, Int(UInt32.max))
                value = crc32(value, buffer.baseAddress.map { $0 + start }, uInt(count))
                start += count
            } while start < buffer.count
            return UInt32(truncatingIfNeeded: value)
        }
    }
}

/// Adler-32 (the zlib stream trailer) through zlib.
public enum Adler32 {
    /// The checksum of `bytes`, continuing from `initial` (1 for an empty prefix).
    public static func checksum(_ bytes: [UInt8], continuing initial: UInt32 = 1) -> UInt32 {
        guard !bytes.isEmpty else { return initial }
        return bytes.withUnsafeBufferPointer { buffer in
            var value = uLong(initial), start = 0
            repeat {
                let count = min(buffer.count - start, Int(UInt32.max))
                value = adler32(value, buffer.baseAddress.map { $0 + start }, uInt(count))
                start += count
            } while start < buffer.count
            return UInt32(truncatingIfNeeded: value)
        }
    }
}
