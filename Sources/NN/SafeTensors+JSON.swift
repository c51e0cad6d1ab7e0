import Foundation

/// A parsed JSON value, just enough for safetensors headers.
///
/// Objects keep their members in file order, duplicates included, because the format forbids
/// duplicate tensor names and Foundation's parser would silently keep only one of them.
/// Numbers keep their literal text so that integers are read exactly (no detour through Double).
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The value as an exact integer, or nil for non-integers, fractions, exponents or overflow.
    var integer: Int? {
        guard case .number(let literal) = self, !literal.contains(where: { ".eE".contains($0) }) else { return nil }
        return Int(literal)
    }

    var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A strict recursive-descent JSON parser (RFC 8259) over UTF-8 bytes, with a nesting limit so a
/// hostile header cannot exhaust the stack.
struct JSONParser {
    struct Failure: Error { let message: String }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private static let maximumDepth = 32

    /// Parses one value followed only by whitespace (safetensors pads its header with spaces).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func failure(_ message: String) -> Failure { Failure(message: "\(message) at byte \(position)") }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard position < bytes.count, bytes[position] == byte else { throw failure("invalid literal") }
            position += 1
        }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of header") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            members.append((key, try value(depth: depth + 1)))
            if try endOfList(closing: "}") { return .object(members) }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            elements.append(try value(depth: depth + 1))
            if try endOfList(closing: "]") { return .array(elements) }
        }
    }

    /// Consumes `,` (returning false) or the closing bracket (returning true).
    private mutating func endOfList(closing: Unicode.Scalar) throws -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of header") }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == UInt8(ascii: closing) { return true }
        position -= 1
        throw failure("expected ',' or '\(closing)'")
    }

    private mutating func number() throws -> String {
        let start = position
        let allowed: Set<UInt8> = Set("+-.eE0123456789".utf8)
        while position < bytes.count, allowed.contains(bytes[position]) { position += 1 }
        let literal = String(decoding: bytes[start..<position], as: UTF8.self)
        // Validated by Double's parser; leading zeros and a bare '-' are rejected explicitly, as JSON does.
        let digits = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
        guard Double(literal) != nil, digits.first?.isNumber == true,
              !(digits.hasPrefix("0") && digits.count > 1 && digits.dropFirst().first?.isNumber == true) else {
            position = start
            throw failure("invalid number \(literal)")
        }
        return literal
    }

    private mutating func string() throws -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var run = position  // start of the current stretch of unescaped bytes
        while true {
            guard position < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                scalars.append(contentsOf: String(decoding: bytes[run..<position], as: UTF8.self).unicodeScalars)
                position += 1
                if byte == UInt8(ascii: "\"") { return String(scalars) }
                scalars.append(try escape())
                run = position
            } else {
                guard byte >= 0x20 else { throw failure("control character in string") }
                position += 1
            }
        }
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard position < bytes.count else { throw failure("unterminated escape") }
        let byte = bytes[position]
        position += 1
        let simple: [UInt8: Unicode.Scalar] = [0x22: "\"", 0x5C: "\\", 0x2F: "/", 0x62: "\u{08}", 0x66: "\u{0C}",
                                               0x6E: "\n", 0x72: "\r", 0x74: "\t"]
        if let scalar = simple[byte] { return scalar }
        guard byte == UInt8(ascii: "u") else { throw failure("invalid escape") }
        let high = try hexQuad()
        if (0xD800..<0xDC00).contains(high) {
            try expect("\\u")
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw failure("unpaired surrogate") }
        return scalar
    }

    private mutating func hexQuad() throws -> UInt32 {
        let hexDigits = Set("0123456789abcdefABCDEF".utf8)
        guard bytes.count - position >= 4, bytes[position..<(position + 4)].allSatisfy(hexDigits.contains),
              let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
            throw failure("invalid \\u escape")
        }
        position += 4
        return value
    }
}

/// Writes a JSON string literal the way serde_json does (Python safetensors' writer), so headers match byte for byte.
func jsonStringLiteral(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\u{08}": result += "\\b"
        case "\u{0C}": result += "\\f"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
