import Foundation
import Tensors

/// One tensor of a safetensors file: float32 data as a `Tensor`, or int64 values (BatchNorm's counter).
public enum SafeTensorValue: Equatable {
    case float32(Tensor)
    case int64(values: [Int64], shape: [Int])

    public var shape: [Int] {
        switch self {
        case .float32(let tensor): return tensor.shape
        case .int64(_, let shape): return shape
        }
    }

    public static func == (lhs: SafeTensorValue, rhs: SafeTensorValue) -> Bool {
        switch (lhs, rhs) {
        case (.float32(let a), .float32(let b)): return a.shape == b.shape && a.scalars == b.scalars
        case (.int64(let a, let shapeA), .int64(let b, let shapeB)): return a == b && shapeA == shapeB
        default: return false
        }
    }
}

/// A malformed or mismatched safetensors file, with the file and the problem named.
public struct SafeTensorsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping names to dtype, shape and data offsets, then the raw little-endian data.
///
/// Files are written as the Python library writes them (tensors sorted by name, header padded with
/// spaces to a multiple of 8), so `safetensors.torch.load_file` reads them. Reading validates every
/// offset and size before touching the data, so a malformed file gives an error, never a crash.
public enum SafeTensors {
    /// Encodes tensors and string metadata.
    public static func encode(_ tensors: [String: SafeTensorValue], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let value = tensors[name]!
            let begin = data.count
            switch value {
            case .float32(let tensor):
                tensor.withUnsafeBufferPointer { buffer in
                    for scalar in buffer { withUnsafeBytes(of: scalar.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                }
            case .int64(let values, _):
                for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
            }
            let dtype: String
            if case .float32 = value { dtype = "F32" } else { dtype = "I64" }
            header[name] = ["dtype": dtype, "shape": value.shape, "data_offsets": [begin, data.count]] as [String: Any]
        }
        var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    /// Writes tensors atomically: a temporary file in the same folder, then a rename.
    public static func write(_ tensors: [String: SafeTensorValue], metadata: [String: String] = [:], to url: URL) throws {
        do {
            try Data(encode(tensors, metadata: metadata)).write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads and validates a file.
    public static func read(contentsOf url: URL) throws -> (tensors: [String: SafeTensorValue], metadata: [String: String]) {
        guard let data = try? Data(contentsOf: url) else { throw SafeTensorsError("cannot read \(url.path)") }
        do {
            return try decode(Array(data))
        } catch let error as SafeTensorsError {
            throw SafeTensorsError("\(url.path): \(error.description)")
        }
    }

    /// Decodes and validates bytes.
    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [String: SafeTensorValue], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw SafeTensorsError("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for byte in 0..<8 { headerLength |= UInt64(bytes[byte]) << UInt64(8 * byte) }
        guard headerLength <= 100_000_000, headerLength <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])),
              let header = object as? [String: Any] else {
            throw SafeTensorsError("header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let strings = raw as? [String: String] else { throw SafeTensorsError("__metadata__ must map strings to strings") }
            metadata = strings
        }
        var entries: [(name: String, entry: Entry)] = []
        for (name, value) in header where name != "__metadata__" {
            entries.append((name, try Entry(name: name, value)))
        }
        try checkCoverage(entries.map(\.entry), dataLength: bytes.count - dataStart)
        var tensors: [String: SafeTensorValue] = [:]
        for (name, entry) in entries {
            tensors[name] = entry.value(bytes, dataStart: dataStart)
        }
        return (tensors, metadata)
    }

    /// The data section must be covered exactly, without gaps or overlaps (as the format requires).
    private static func checkCoverage(_ entries: [Entry], dataLength: Int) throws {
        var position = 0
        for entry in entries.sorted(by: { $0.begin < $1.begin }) {
            guard entry.begin == position else {
                throw SafeTensorsError("tensor \(entry.name) starts at \(entry.begin), expected \(position): data offsets overlap or leave gaps")
            }
            position = entry.end
        }
        guard position == dataLength else {
            throw SafeTensorsError("tensors cover \(position) bytes but the data section has \(dataLength)")
        }
    }

    private struct Entry {
        let name: String, dtype: String, shape: [Int], begin: Int, end: Int

        init(name: String, _ value: Any) throws {
            guard let fields = value as? [String: Any] else { throw SafeTensorsError("entry \(name) is not an object") }
            guard let dtype = fields["dtype"] as? String else { throw SafeTensorsError("entry \(name) has no dtype") }
            guard dtype == "F32" || dtype == "I64" else { throw SafeTensorsError("tensor \(name) has unsupported dtype \(dtype) (F32 and I64 are supported)") }
            guard let shape = (fields["shape"] as? [Any])?.compactMap({ $0 as? Int }), shape.count == (fields["shape"] as? [Any])?.count else {
                throw SafeTensorsError("entry \(name) has no valid shape")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw SafeTensorsError("tensor \(name) has a negative extent in \(shape)") }
            guard let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ $0 as? Int }), offsets.count == 2 else {
                throw SafeTensorsError("entry \(name) has no valid data_offsets")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1] else { throw SafeTensorsError("tensor \(name) has data_offsets \(offsets) out of order") }
            let (count, overflow) = shape.reduce((1, false)) { partial, extent in
                let product = partial.0.multipliedReportingOverflow(by: extent)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, count.multipliedReportingOverflow(by: 8).overflow == false,
                  offsets[1] - offsets[0] == count * (dtype == "F32" ? 4 : 8) else {
                throw SafeTensorsError("tensor \(name) has \(offsets[1] - offsets[0]) bytes, which does not fit \(dtype) shape \(shape)")
            }
            (self.name, self.dtype, self.shape, begin, end) = (name, dtype, shape, offsets[0], offsets[1])
        }

        func value(_ bytes: [UInt8], dataStart: Int) -> SafeTensorValue {
            let start = dataStart + begin
            if dtype == "F32" {
                var scalars = [Float](repeating: 0, count: (end - begin) / 4)
                for index in scalars.indices {
                    var bits: UInt32 = 0
                    for byte in 0..<4 { bits |= UInt32(bytes[start + index * 4 + byte]) << UInt32(8 * byte) }
                    scalars[index] = Float(bitPattern: bits)
                }
                return .float32(Tensor(shape: shape, scalars: scalars))
            }
            var values = [Int64](repeating: 0, count: (end - begin) / 8)
            for index in values.indices {
                var bits: UInt64 = 0
                for byte in 0..<8 { bits |= UInt64(bytes[start + index * 8 + byte]) << UInt64(8 * byte) }
                values[index] = Int64(bitPattern: bits)
            }
            return .int64(values: values, shape: shape)
        }
    }
}
