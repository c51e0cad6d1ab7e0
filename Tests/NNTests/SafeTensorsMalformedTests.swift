import Foundation
import XCTest
@testable import NN
import Tensors

/// Every way a safetensors file can be malformed gives a `SafeTensorsError` that says what is wrong.
final class SafeTensorsMalformedTests: XCTestCase {
    /// A file from a header string and a data section; `length` overrides the declared header length.
    func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        file(bytes: Array(header.utf8), data: data, length: length)
    }

    func file(bytes header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + header + data
    }

    func entry(_ name: String = "x", dtype: String = "\"F32\"", shape: String = "[1]", offsets: String = "[0, 4]") -> String {
        "\"\(name)\": {\"dtype\": \(dtype), \"shape\": \(shape), \"data_offsets\": \(offsets)}"
    }

    func assertRejected(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes), file: file, line: line) { error in
            XCTAssertTrue(error is SafeTensorsError, "\(type(of: error))", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)", file: file, line: line)
        }
    }

    let four = [UInt8](repeating: 0, count: 4)

    func testShortFilesAndBadHeaderLengths() {
        assertRejected([], "0 bytes, shorter than the 8-byte header length")
        assertRejected([1, 2, 3], "3 bytes, shorter than")
        assertRejected(file("{}", length: 1_000), "header length 1000 exceeds the file size 10")
        assertRejected(file("{}", length: 200_000_000), "absurd")
        assertRejected(file("{}", length: UInt64.max), "absurd")
    }

    func testHeadersThatAreNotAJSONObject() {
        assertRejected(file(bytes: [0x7B, 0xFF, 0xFE, 0x7D]), "not valid UTF-8")
        assertRejected(file("[1, 2]"), "not a JSON object (it is an array)")
        assertRejected(file("{\"x\": "), "not valid JSON: unexpected end of header")
        assertRejected(file("{\"x\": 1} trailing"), "not valid JSON: unexpected text after the JSON value")
        assertRejected(file("{'x': 1}"), "not valid JSON")
        assertRejected(file(String(repeating: "[", count: 10_000)), "nesting deeper than")
        assertRejected(file("{\(entry()), \(entry())}", data: four), "duplicate name x")
        assertRejected(file("{\"__metadata__\": {\"a\": 1}}"), "__metadata__ must map strings to strings; a is a number")
        assertRejected(file("{\"__metadata__\": [\"a\"]}"), "__metadata__ must be an object")
    }

    func testEntriesWithMissingOrInvalidFields() {
        assertRejected(file("{\"x\": 3}"), "tensor x: entry is a number, not an object")
        assertRejected(file("{\"x\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", data: four), "tensor x: missing dtype")
        assertRejected(file("{\"x\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", data: four), "tensor x: missing shape")
        assertRejected(file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1]}}", data: four), "tensor x: missing data_offsets")
        assertRejected(file("{\(entry(dtype: "\"BF16\"", offsets: "[0, 2]"))}", data: [0, 0]), "unsupported dtype BF16 (only F32 and I64")
        assertRejected(file("{\(entry(dtype: "\"Q4\""))}", data: four), "unknown dtype Q4")
        assertRejected(file("{\(entry(dtype: "7"))}", data: four), "dtype is not a string")
        assertRejected(file("{\(entry(shape: "[-1]"))}", data: four), "negative extent in shape [-1]")
        assertRejected(file("{\(entry(shape: "[1.5]"))}", data: four), "shape holds a value that is not a 64-bit integer")
        assertRejected(file("{\(entry(shape: "[99999999999999999999]"))}", data: four), "shape holds a value that is not a 64-bit integer")
        assertRejected(file("{\(entry(shape: "4"))}", data: four), "shape is a number, not an array")
        assertRejected(file("{\(entry(offsets: "[0]"))}", data: four), "must be two non-negative integers")
        assertRejected(file("{\(entry(offsets: "[-4, 0]"))}", data: four), "must be two non-negative integers")
    }

    func testOffsetsAndSizesThatDoNotFit() {
        assertRejected(file("{\(entry(offsets: "[4, 0]"))}", data: four), "out of order (begin > end)")
        assertRejected(file("{\(entry(offsets: "[0, 8]"))}", data: four), "span 8 bytes, but F32 shape [1] needs 4 bytes")
        assertRejected(file("{\(entry(shape: "[2]", offsets: "[0, 8]"))}", data: four), "out of range: the data section has 4 bytes")
        assertRejected(file("{\(entry(shape: "[4611686018427387904, 4]"))}", data: four), "needs more bytes than can exist")
        assertRejected(file("{\(entry(offsets: "[4, 8]"))}", data: four + four), "gap of 4 bytes before tensor x")
        assertRejected(file("{\(entry())}", data: four + four), "4 trailing bytes")
        let overlapping = "{\(entry("x", shape: "[2]", offsets: "[0, 8]")), \(entry("y", offsets: "[4, 8]"))}"
        assertRejected(file(overlapping, data: four + four), "tensors x and y overlap")
    }

    func testTheDecoderAcceptsWhatTheFormatAllows() throws {
        // Whitespace anywhere, unknown fields, escapes, zero-sized tensors and an empty header are all valid.
        let header = "  {\"x\\u00e9\" : {\"shape\":[ ],\"extra\":null,\"data_offsets\":[0,4],\"dtype\":\"F32\"},"
            + "\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[4,4]}}   "
        let decoded = try SafeTensors.decode(file(header, data: [0, 0, 0x80, 0x3F]))
        XCTAssertEqual(decoded.tensors["xé"], .float32(Tensor(1)))
        XCTAssertEqual(decoded.tensors["e"], .int64(values: [], shape: [0]))
        XCTAssertTrue(try SafeTensors.decode(file("{}      ")).tensors.isEmpty)
    }

    /// Every cut of a real file and seeded damage anywhere in it (bytes overwritten, a bit flipped,
    /// bytes inserted): decoding either succeeds or throws a `SafeTensorsError`, never ends the process.
    func testEveryCutAndRandomDamageThrowOrDecode() {
        let whole = SafeTensors.encode(
            ["model.0.weight": .float32(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])), "bn.num_batches_tracked": .int64(values: [7], shape: [])],
            metadata: ["format": "pt"])
        func check(_ bytes: [UInt8]) {
            do { _ = try SafeTensors.decode(bytes) } catch { XCTAssertTrue(error is SafeTensorsError, "\(type(of: error)): \(error)") }
        }
        for length in 0..<whole.count { check(Array(whole.prefix(length))) }
        var generator = RandomGenerator(seed: 4)
        for _ in 0..<3_000 {
            var bytes = whole
            let position = generator.nextInt(below: bytes.count)
            switch generator.nextInt(below: 3) {
            case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            case 1: bytes[position] ^= 1 << UInt8(generator.nextInt(below: 8))
            default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
            }
            check(bytes)
        }
    }
}
