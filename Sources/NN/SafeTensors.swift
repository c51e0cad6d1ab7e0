import Foundation
import Tensors

/// One tensor of a safetensors file: float32 data as a `Tensor`, or int64 values (BatchNorm's counter).
public enum SafeTensorValue: Equatable {
    case float32(Tensor)
    /// Row-major values; `values.count` must equal the product of `shape` (1 for the scalar shape `[]`).
    case int64(values: [Int64], shape: [Int])

    public var shape: [Int] {
        switch self {
        case .float32(let tensor): return tensor.shape
        case .int64(_, let shape): return shape
        }
    }

    /// The safetensors dtype name: "F32" or "I64".
    public var dtype: String {
        if case .float32 = self { return "F32" }
        return "I64"
    }

    public static func == (lhs: SafeTensorValue, rhs: SafeTensorValue) -> Bool {
        switch (lhs, rhs) {
        case (.float32(let a), .float32(let b)): return a.shape == b.shape && a.scalars == b.scalars
        case (.int64(let a, let shapeA), .int64(let b, let shapeB)): return a == b && shapeA == shapeB
        default: return false
        }
    }
}

/// A malformed, unreadable or mismatched safetensors file; `description` names the file when known.
public struct SafeTensorsError: Error, CustomStringConvertible {
    /// The file's path, when the error came from reading or writing one.
    public let file: String?
    public let problem: String
    public var description: String { file.map { "\($0): \(problem)" } ?? problem }

    init(_ problem: String, file: String? = nil) { (self.problem, self.file) = (problem, file) }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of
/// JSON header mapping names to dtype, shape and data offsets, then the raw little-endian data.
///
/// Files are written as the Python library writes them, byte for byte: tensors ordered by dtype
/// (I64 before F32) then by name, header keys `dtype`, `shape`, `data_offsets` in that order,
/// `__metadata__` first with sorted keys, and the header padded with spaces to a multiple of 8.
/// Reading validates every field, offset and size before touching the data, so a malformed file
/// gives a `SafeTensorsError`, never a crash.
public enum SafeTensors {
    /// Headers above this are refused as absurd (the Python library's limit too).
    static let maximumHeaderLength = 100_000_000

    /// Encodes tensors and string metadata. A tensor named `__metadata__`, or an `.int64` whose
    /// value count does not fill its shape, is a programming error.
    public static func encode(_ tensors: [String: SafeTensorValue], metadata: [String: String] = [:]) -> [UInt8] {
        precondition(tensors["__metadata__"] == nil, "a tensor cannot be named __metadata__")
        let order = tensors.sorted { lhs, rhs in
            // Byte order of the UTF-8 names, as Rust compares strings (Swift's `<` normalises Unicode first).
            lhs.value.dtype != rhs.value.dtype ? lhs.value.dtype == "I64" : lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
        }
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonStringLiteral($0.key)):\(jsonStringLiteral($0.value))" }
            members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, value) in order {
            let length = byteCount(value)
            let shape = value.shape.map(String.init).joined(separator: ",")
            members.append("\(jsonStringLiteral(name)):{\"dtype\":\"\(value.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + length)]}")
            offset += length
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var bytes = [UInt8](repeating: 0, count: 8 + header.count + offset)
        bytes.withUnsafeMutableBytes { output in
            output.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
            header.withUnsafeBytes { output.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var position = 8 + header.count
            for (_, value) in order {
                writeData(value, to: output.baseAddress! + position)
                position += byteCount(value)
            }
        }
        return bytes
    }

    private static func byteCount(_ value: SafeTensorValue) -> Int {
        switch value {
        case .float32(let tensor): return tensor.scalarCount * 4
        case .int64(let values, let shape):
            precondition(values.count == shape.reduce(1, *), "\(values.count) int64 values do not fill shape \(shape)")
            return values.count * 8
        }
    }

    /// Copies the little-endian bytes of `value` to `destination` (which need not be aligned).
    private static func writeData(_ value: SafeTensorValue, to destination: UnsafeMutableRawPointer) {
        switch value {
        case .float32(let tensor):
            tensor.withUnsafeBufferPointer { buffer in
                #if _endian(little)
                if let base = buffer.baseAddress { destination.copyMemory(from: base, byteCount: buffer.count * 4) }
                #else
                for (index, scalar) in buffer.enumerated() {
                    destination.storeBytes(of: scalar.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
                }
                #endif
            }
        case .int64(let values, _):
            for (index, value) in values.enumerated() {
                destination.storeBytes(of: value.littleEndian, toByteOffset: index * 8, as: Int64.self)
            }
        }
    }

    /// Writes tensors atomically: `Data.write(options: .atomic)` writes a temporary file in the same
    /// folder and renames it over `url`, so a crash mid-write never leaves a truncated checkpoint.
    public static func write(_ tensors: [String: SafeTensorValue], metadata: [String: String] = [:], to url: URL) throws {
        do {
            try Data(encode(tensors, metadata: metadata)).write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError("cannot write: \(error.localizedDescription)", file: url.path)
        }
    }

    /// Reads and validates a file; every error names it.
    public static func read(contentsOf url: URL) throws -> (tensors: [String: SafeTensorValue], metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw SafeTensorsError("cannot read (\(reason))", file: url.path)
        }
        do {
            return try data.withUnsafeBytes { try decode(buffer: $0) }
        } catch let error as SafeTensorsError {
            throw SafeTensorsError(error.problem, file: url.path)
        }
    }

    /// Decodes and validates the bytes of a file.
    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [String: SafeTensorValue], metadata: [String: String]) {
        try bytes.withUnsafeBytes { try decode(buffer: $0) }
    }

    static func decode(buffer: UnsafeRawBufferPointer) throws -> (tensors: [String: SafeTensorValue], metadata: [String: String]) {
        guard buffer.count >= 8 else {
            throw SafeTensorsError("file is \(buffer.count) bytes, shorter than the 8-byte header length")
        }
        let declared = UInt64(littleEndian: buffer.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maximumHeaderLength) else {
            throw SafeTensorsError("header length \(declared) is absurd (over \(maximumHeaderLength) bytes): not a safetensors file?")
        }
        guard declared <= UInt64(buffer.count - 8) else {
            throw SafeTensorsError("header length \(declared) exceeds the file size \(buffer.count)")
        }
        let dataStart = 8 + Int(declared)
        let (entries, metadata) = try parseHeader(UnsafeRawBufferPointer(rebasing: buffer[8..<dataStart]))
        let data = UnsafeRawBufferPointer(rebasing: buffer[dataStart...])
        try checkLayout(entries, dataLength: data.count)
        var tensors: [String: SafeTensorValue] = [:]
        for entry in entries { tensors[entry.name] = entry.value(in: data) }
        return (tensors, metadata)
    }
}

extension Dictionary where Key == String, Value == SafeTensorValue {
    /// The F32 tensor `name`, which must have shape `expected`.
    ///
    /// Throws when it is missing, is I64, or has another shape ("<name>: expected shape [..], file has [..]").
    public func float32(_ name: String, shape expected: [Int]) throws -> Tensor {
        guard let value = self[name] else { throw SafeTensorsError("\(name): missing from the file") }
        guard case .float32(let tensor) = value else { throw SafeTensorsError("\(name): expected F32, file has \(value.dtype)") }
        guard tensor.shape == expected else { throw SafeTensorsError("\(name): expected shape \(expected), file has \(tensor.shape)") }
        return tensor
    }

    /// The I64 values of `name`, which must have shape `expected`; throws like `float32(_:shape:)`.
    public func int64(_ name: String, shape expected: [Int]) throws -> [Int64] {
        guard let value = self[name] else { throw SafeTensorsError("\(name): missing from the file") }
        guard case .int64(let values, let shape) = value else { throw SafeTensorsError("\(name): expected I64, file has \(value.dtype)") }
        guard shape == expected else { throw SafeTensorsError("\(name): expected shape \(expected), file has \(shape)") }
        return values
    }
}
