import Foundation
import Tensors

extension SafeTensors {
    /// One validated header entry: a supported dtype, a non-negative shape, and offsets whose span
    /// is exactly the shape's byte count.
    struct Entry {
        let name: String, dtype: String, shape: [Int], begin: Int, end: Int

        /// The tensor's bytes from the data section (already checked to lie inside it).
        func value(in data: UnsafeRawBufferPointer) -> SafeTensorValue {
            let source = data.baseAddress.map { UnsafeRawPointer($0) + begin }
            if dtype == "F32" {
                var tensor = Tensor(zeros: shape)
                tensor.withUnsafeMutableBufferPointer { destination in
                    guard let source, let target = destination.baseAddress else { return }
                    #if _endian(little)
                    UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: end - begin)
                    #else
                    for index in destination.indices {
                        destination[index] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                    }
                    #endif
                }
                return .float32(tensor)
            }
            let values = (0..<((end - begin) / 8)).map { index in
                Int64(littleEndian: source!.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))
            }
            return .int64(values: values, shape: shape)
        }
    }

    static let elementSizes = ["F32": 4, "I64": 8]
    static let knownDtypes: Set<String> = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
                                           "I32", "U32", "F32", "F64", "I64", "U64"]

    /// Parses and checks the JSON header: an object of tensor entries plus an optional `__metadata__`.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> (entries: [Entry], metadata: [String: String]) {
        guard String(bytes: bytes, encoding: .utf8) != nil else { throw SafeTensorsError("header is not valid UTF-8") }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch let failure as JSONParser.Failure {
            throw SafeTensorsError("header is not valid JSON: \(failure.message)")
        }
        guard case .object(let members) = root else { throw SafeTensorsError("header is not a JSON object (it is \(root.kind))") }
        var seen = Set<String>(), entries: [Entry] = [], metadata: [String: String] = [:]
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw SafeTensorsError("duplicate name \(name) in the header") }
            if name == "__metadata__" {
                metadata = try parseMetadata(value)
            } else {
                entries.append(try parseEntry(name: name, value))
            }
        }
        return (entries, metadata)
    }

    private static func parseMetadata(_ value: JSONValue) throws -> [String: String] {
        guard case .object(let pairs) = value else { throw SafeTensorsError("__metadata__ must be an object of strings, not \(value.kind)") }
        var metadata: [String: String] = [:]
        for (key, value) in pairs {
            guard case .string(let text) = value else {
                throw SafeTensorsError("__metadata__ must map strings to strings; \(key) is \(value.kind)")
            }
            guard metadata.updateValue(text, forKey: key) == nil else { throw SafeTensorsError("duplicate __metadata__ key \(key)") }
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: JSONValue) throws -> Entry {
        guard case .object(let fields) = value else { throw SafeTensorsError("tensor \(name): entry is \(value.kind), not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else { throw SafeTensorsError("tensor \(name): missing \(key)") }
            return found.value
        }
        guard case .string(let dtype) = try field("dtype") else { throw SafeTensorsError("tensor \(name): dtype is not a string") }
        guard let size = elementSizes[dtype] else {
            let kind = knownDtypes.contains(dtype) ? "unsupported" : "unknown"
            throw SafeTensorsError("tensor \(name): \(kind) dtype \(dtype) (only F32 and I64 are supported)")
        }
        let shape = try integers(try field("shape"), what: "shape", name: name)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw SafeTensorsError("tensor \(name): negative extent in shape \(shape)") }
        let offsets = try integers(try field("data_offsets"), what: "data_offsets", name: name)
        guard offsets.count == 2, offsets[0] >= 0 else {
            throw SafeTensorsError("tensor \(name): data_offsets \(offsets) must be two non-negative integers [begin, end]")
        }
        guard offsets[0] <= offsets[1] else { throw SafeTensorsError("tensor \(name): data_offsets \(offsets) out of order (begin > end)") }
        var (bytes, overflow) = (size, false)
        for extent in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: extent) }
        guard !overflow, bytes == offsets[1] - offsets[0] else {
            let needed = overflow ? "more bytes than can exist" : "\(bytes) bytes"
            throw SafeTensorsError("tensor \(name): data_offsets \(offsets) span \(offsets[1] - offsets[0]) bytes, but \(dtype) shape \(shape) needs \(needed)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    private static func integers(_ value: JSONValue, what: String, name: String) throws -> [Int] {
        guard case .array(let elements) = value else { throw SafeTensorsError("tensor \(name): \(what) is \(value.kind), not an array") }
        return try elements.map { element in
            guard let integer = element.integer else { throw SafeTensorsError("tensor \(name): \(what) holds a value that is not a 64-bit integer") }
            return integer
        }
    }

    /// The entries must tile the data section exactly: no gap, no overlap, nothing after the last.
    static func checkLayout(_ entries: [Entry], dataLength: Int) throws {
        if let outside = entries.first(where: { $0.end > dataLength }) {
            throw SafeTensorsError("tensor \(outside.name): data_offsets [\(outside.begin), \(outside.end)] out of range: the data section has \(dataLength) bytes")
        }
        var position = 0, previous: String?
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if entry.begin < position {
                throw SafeTensorsError("tensors \(previous ?? "?") and \(entry.name) overlap (\(entry.name) begins at \(entry.begin), before \(position))")
            }
            if entry.begin > position {
                throw SafeTensorsError("gap of \(entry.begin - position) bytes before tensor \(entry.name): data offsets must cover the data section without holes")
            }
            (position, previous) = (entry.end, entry.name)
        }
        guard position == dataLength else {
            throw SafeTensorsError("\(dataLength - position) trailing bytes: tensors cover \(position) bytes but the data section has \(dataLength)")
        }
    }
}
