import Foundation

/// A malformed IDX file; every case names the file, and `description` says what is wrong.
public enum IDXError: Error, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case corruptGzip(file: String, CompressionError)
    case truncatedHeader(file: String, needed: Int, found: Int)
    case badMagic(file: String, bytes: [UInt8])
    case unsupportedType(file: String, code: UInt8)
    /// `expected` is nil when any rank would do but the file has none.
    case wrongDimensionCount(file: String, expected: Int?, found: Int)
    /// The data section is shorter (truncated) or longer (trailing bytes) than the dimensions say.
    case dataSizeMismatch(file: String, dimensions: [Int], expected: Int, found: Int)

    public var file: String {
        switch self {
        case .unreadable(let file, _), .corruptGzip(let file, _), .truncatedHeader(let file, _, _),
             .badMagic(let file, _), .unsupportedType(let file, _), .wrongDimensionCount(let file, _, _),
             .dataSizeMismatch(let file, _, _, _):
            return file
        }
    }

    public var description: String { "\(file): \(problem)" }

    private var problem: String {
        switch self {
        case .unreadable(_, let reason):
            return "cannot be read (\(reason))"
        case .corruptGzip(_, let error):
            return "corrupt gzip data: \(error)"
        case .truncatedHeader(_, let needed, let found):
            return "truncated header: needs \(needed) bytes, file has \(found)"
        case .badMagic(_, let bytes):
            let hex = bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "bad magic number \(hex): an IDX file starts with 00 00, a type byte and a dimension count"
        case .unsupportedType(_, let code):
            let names: [UInt8: String] = [0x09: "signed bytes", 0x0B: "16-bit integers", 0x0C: "32-bit integers",
                                          0x0D: "32-bit floats", 0x0E: "64-bit floats"]
            let name = names[code].map { " (\($0))" } ?? ""
            return String(format: "unsupported element type 0x%02x", code) + name + "; only unsigned bytes (0x08) are supported"
        case .wrongDimensionCount(_, let expected, let found):
            return "wrong dimension count: file has \(found), expected \(expected.map(String.init) ?? "at least 1")"
        case .dataSizeMismatch(_, let dimensions, let expected, let found):
            if found < expected {
                return "truncated data: dimensions \(dimensions) need \(expected) bytes, file has \(found)"
            }
            return "trailing bytes: dimensions \(dimensions) need \(expected) bytes, file has \(found) (\(found - expected) extra)"
        }
    }
}

/// An IDX array of unsigned bytes (the MNIST format).
///
/// Layout: two zero bytes, the type byte 0x08, the dimension count, each dimension as a big-endian
/// 32-bit integer, then the row-major data. Gzipped files (magic 1f 8b) are inflated first.
public struct IDXFile {
    /// The extents, outermost first (`[N, 28, 28]` for MNIST images).
    public let dimensions: [Int]
    /// The data section, row-major, exactly the product of `dimensions` bytes.
    public let bytes: [UInt8]

    /// The most a gzipped IDX file may inflate to: 1 GiB, twice EMNIST's largest image file.
    public static let inflatedLimit = 1 << 30

    /// Parses IDX bytes, gzipped or not; `name` appears in every error, and a non-nil
    /// `expectedRank` rejects files with another dimension count. Gzipped data may inflate to at
    /// most `inflatedLimit` bytes (a smaller `inflatedLimit` is for tests).
    public init(contentsOf bytes: [UInt8], name: String, expectedRank: Int? = nil, inflatedLimit: Int = Self.inflatedLimit) throws {
        var raw = bytes
        if Gzip.isGzip(raw) {
            do { raw = try Gzip.inflate(raw, limit: inflatedLimit) } catch let error as CompressionError {
                throw IDXError.corruptGzip(file: name, error)
            }
        }
        guard raw.count >= 4 else { throw IDXError.truncatedHeader(file: name, needed: 4, found: raw.count) }
        guard raw[0] == 0, raw[1] == 0 else { throw IDXError.badMagic(file: name, bytes: Array(raw[0..<4])) }
        guard raw[2] == 0x08 else { throw IDXError.unsupportedType(file: name, code: raw[2]) }
        let rank = Int(raw[3])
        guard rank >= 1, expectedRank.map({ $0 == rank }) ?? true else {
            throw IDXError.wrongDimensionCount(file: name, expected: expectedRank, found: rank)
        }
        let headerLength = 4 + 4 * rank
        guard raw.count >= headerLength else {
            throw IDXError.truncatedHeader(file: name, needed: headerLength, found: raw.count)
        }
        let dimensions = (0..<rank).map { axis in
            (0..<4).reduce(0) { $0 << 8 | Int(raw[4 + 4 * axis + $1]) }
        }
        // Extents are up to 2³²−1 each, so the product can overflow; then no file is long enough.
        let expected = dimensions.reduce(1) { product, extent in
            let (value, overflow) = product.multipliedReportingOverflow(by: extent)
            return overflow ? Int.max : value
        }
        let found = raw.count - headerLength
        guard found == expected else {
            throw IDXError.dataSizeMismatch(file: name, dimensions: dimensions, expected: expected, found: found)
        }
        raw.removeSubrange(0..<headerLength)
        self.dimensions = dimensions
        self.bytes = raw
    }

    /// Reads and parses a file, gzipped or not; errors name `url.path`.
    public init(contentsOf url: URL, expectedRank: Int? = nil) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw IDXError.unreadable(file: url.path, reason: reason)
        }
        try self.init(contentsOf: Array(data), name: url.path, expectedRank: expectedRank)
    }
}
