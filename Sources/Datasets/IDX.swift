import Foundation

/// A malformed IDX file, naming the file and what is wrong.
public struct IDXError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public var description: String { "\(file): \(problem)" }
}

/// An IDX array of unsigned bytes (the MNIST format): big-endian dimensions, then the data.
public struct IDXFile {
    public let dimensions: [Int]
    public let bytes: [UInt8]

    /// Parses an IDX file, gzipped or not; `name` is used in error messages.
    public init(contentsOf bytes: [UInt8], name: String) throws {
        var raw = bytes
        if Zlib.isGzip(bytes) {
            do {
                raw = try Zlib.inflate(bytes)
            } catch {
                throw IDXError(file: name, problem: "corrupt gzip data: \(error)")
            }
        }
        guard raw.count >= 4 else { throw IDXError(file: name, problem: "truncated header: \(raw.count) bytes") }
        guard raw[0] == 0, raw[1] == 0 else {
            throw IDXError(file: name, problem: "bad magic number \(raw[0..<4].map { String(format: "%02x", $0) }.joined()): not an IDX file")
        }
        guard raw[2] == 0x08 else {
            throw IDXError(file: name, problem: String(format: "unsupported element type 0x%02x (only unsigned bytes, 0x08)", raw[2]))
        }
        let rank = Int(raw[3])
        guard rank >= 1, rank <= 4 else { throw IDXError(file: name, problem: "unsupported dimension count \(rank)") }
        guard raw.count >= 4 + 4 * rank else {
            throw IDXError(file: name, problem: "truncated header: \(rank) dimensions need \(4 + 4 * rank) bytes, file has \(raw.count)")
        }
        let dimensions = (0..<rank).map { axis -> Int in
            (0..<4).reduce(0) { $0 << 8 | Int(raw[4 + 4 * axis + $1]) }
        }
        let expected = dimensions.reduce(1, *)
        let available = raw.count - 4 - 4 * rank
        guard available == expected else {
            let kind = available < expected ? "truncated data" : "trailing bytes"
            throw IDXError(file: name, problem: "\(kind): dimensions \(dimensions) need \(expected) bytes, file has \(available)")
        }
        self.dimensions = dimensions
        self.bytes = Array(raw[(4 + 4 * rank)...])
    }

    /// Reads and parses a file.
    public init(contentsOf url: URL) throws {
        guard let data = try? Data(contentsOf: url) else { throw IDXError(file: url.path, problem: "cannot be read") }
        try self.init(contentsOf: Array(data), name: url.path)
    }
}
