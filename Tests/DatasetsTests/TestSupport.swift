import CZlib
import Datasets
import Foundation
import Tensors

/// gzip-compresses `bytes` with zlib (window bits 15 + 16 selects the gzip wrapper), so tests need no `gzip` tool.
func gzipped(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    precondition(deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                               Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
    var input = bytes
    let written = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { destination -> Int in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            stream.next_out = destination.baseAddress
            stream.avail_out = uInt(destination.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return destination.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<written])
}

/// A fresh empty folder, removed by the caller.
func temporaryFolder(_ prefix: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// An IDX header: magic 00 00 08, the rank, then big-endian extents.
func idxHeader(_ dimensions: [Int], type: UInt8 = 0x08) -> [UInt8] {
    [0, 0, type, UInt8(dimensions.count)] + dimensions.flatMap { extent in
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: extent >> $0) }
    }
}

/// `bytes` with seeded damage from `first` on: a few bytes overwritten, one bit flipped, a cut at a
/// random length, or a few random bytes inserted (one of the four per call).
func damaged(_ bytes: [UInt8], from first: Int = 0, generator: inout RandomGenerator) -> [UInt8] {
    var result = bytes
    let position = first + generator.nextInt(below: bytes.count - first)
    switch generator.nextInt(below: 4) {
    case 0:
        result[position] = UInt8(truncatingIfNeeded: generator.next())
        for _ in 0..<generator.nextInt(below: 3) {
            result[first + generator.nextInt(below: bytes.count - first)] = UInt8(truncatingIfNeeded: generator.next())
        }
    case 1:
        result[position] ^= 1 << UInt8(generator.nextInt(below: 8))
    case 2:
        result = Array(bytes.prefix(generator.nextInt(below: bytes.count)))
    default:
        result.insert(contentsOf: (0...generator.nextInt(below: 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: position)
    }
    return result
}

/// A PNG with every chunk's CRC recomputed, so that damage reaches the chunk parsers instead of
/// stopping at the first CRC check. Stops at the first chunk whose length overruns the file.
func withValidCRCs(_ png: [UInt8]) -> [UInt8] {
    var result = png
    var position = 8
    while position + 12 <= result.count {
        let length = result[position..<(position + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard position + 12 + length <= result.count else { break }
        let crc = CRC32.checksum(Array(result[(position + 4)..<(position + 8 + length)]))
        for index in 0..<4 { result[position + 8 + length + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index)) }
        position += 12 + length
    }
    return result
}
