import CZlib
import Foundation

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
