import Foundation
import XCTest
@testable import NN
import Tensors

final class SafeTensorsTests: XCTestCase {
    func testRoundTripOfFloatAndIntegerTensorsWithMetadata() throws {
        let tensors: [String: SafeTensorValue] = [
            "b.weight": .float32(Tensor(shape: [2, 1, 2, 2], scalars: (0..<8).map(Float.init))),
            "a.scalar": .float32(Tensor(3.5)),
            "bn.num_batches_tracked": .int64(values: [42], shape: []),
        ]
        let bytes = SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        let decoded = try SafeTensors.decode(bytes)
        XCTAssertEqual(decoded.tensors, tensors)
        XCTAssertEqual(decoded.metadata, ["format": "pt"])
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("\"a.scalar\":{\"data_offsets\":[0,4],\"dtype\":\"F32\",\"shape\":[]}"), header)
    }

    func testModuleStateRoundTripsThroughAFile() throws {
        var generator = RandomGenerator(seed: 1)
        let source = Sequential { Linear(inputSize: 3, outputSize: 2, generator: &generator); BatchNorm(featureCount: 2, generator: &generator) }
        _ = source(Tensor.randomNormal([4, 3], generator: &generator))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.save(to: url)
        let target = Sequential { Linear(inputSize: 3, outputSize: 2, generator: &generator); BatchNorm(featureCount: 2, generator: &generator) }
        try target.load(contentsOf: url)
        XCTAssertEqual(target.stateDictionary(), source.stateDictionary())
        let wrong = Sequential { Linear(inputSize: 4, outputSize: 2, generator: &generator) }
        XCTAssertThrowsError(try wrong.load(contentsOf: url)) { XCTAssertTrue("\($0)".contains(url.path), "\($0)") }
    }

    func testStateDictionaryMismatchesAreReported() {
        var generator = RandomGenerator(seed: 2)
        let linear = Linear(inputSize: 2, outputSize: 2, generator: &generator)
        var state = linear.stateDictionary()
        state["weight"] = .float32(Tensor(zeros: [3, 2]))
        XCTAssertThrowsError(try linear.load(stateDictionary: state)) { XCTAssertTrue("\($0)".contains("expected shape [2, 2]"), "\($0)") }
        state["weight"] = .int64(values: [1, 2, 3, 4], shape: [2, 2])
        XCTAssertThrowsError(try linear.load(stateDictionary: state)) { XCTAssertTrue("\($0)".contains("F32"), "\($0)") }
        state.removeValue(forKey: "weight")
        XCTAssertThrowsError(try linear.load(stateDictionary: state)) { XCTAssertTrue("\($0)".contains("missing [\"weight\"]"), "\($0)") }
    }

    /// Builds a file from a header string and a data section.
    func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    func testMalformedFilesAreRejectedWithClearErrors() {
        let four = [UInt8](repeating: 0, count: 4)
        let cases: [([UInt8], String)] = [
            ([1, 2, 3], "shorter than"),
            (file("{}", length: 1_000), "exceeds the file size"),
            (file("[1, 2]"), "not a JSON object"),
            (file("{\"x\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", data: four), "no dtype"),
            (file("{\"x\": {\"dtype\": \"BF16\", \"shape\": [1], \"data_offsets\": [0, 2]}}", data: [0, 0]), "unsupported dtype"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", data: four), "negative"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}}", data: four), "does not fit"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", data: four), "out of order"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", data: four), "overlap or leave gaps"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data: four + four), "data section has 8"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"y\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data: four), "overlap"),
            (file("{\"x\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 4]}}", data: four), "does not fit"),
            (file("{\"__metadata__\": {\"a\": 1}}"), "__metadata__"),
        ]
        for (bytes, expected) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(bytes)) { error in
                XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)")
            }
        }
    }
}
