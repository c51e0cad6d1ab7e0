import Foundation
import XCTest
@testable import NN
import Tensors

final class SafeTensorsTests: XCTestCase {
    let sample: [String: SafeTensorValue] = [
        "b.weight": .float32(Tensor(shape: [2, 2, 2, 2], scalars: (0..<16).map { (Float($0) - 3.5) / 4 })),
        "a.scalar": .float32(Tensor(3.5)),
        "bn.num_batches_tracked": .int64(values: [42], shape: []),
        "c\"é": .int64(values: [-1, 1 << 40], shape: [2]),
        "z": .float32(Tensor(zeros: [0, 3])),
    ]

    func testRoundTripOfFloatAndIntegerTensorsOfEveryRankWithMetadata() throws {
        let metadata = ["format": "pt", "quote\"and\nnewline": "é ✓ \u{01}"]
        let bytes = SafeTensors.encode(sample, metadata: metadata)
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to a multiple of 8")
        let decoded = try SafeTensors.decode(bytes)
        XCTAssertEqual(decoded.tensors, sample)
        XCTAssertEqual(decoded.metadata, metadata)
        XCTAssertEqual(try decoded.tensors.float32("b.weight", shape: [2, 2, 2, 2])[1, 1, 1, 1], 11.5 / 4)
        XCTAssertEqual(try decoded.tensors.int64("bn.num_batches_tracked", shape: []), [42])
    }

    /// The bytes Python's `safetensors.numpy.save` (0.8.0) wrote for `sample` with metadata {"format": "pt"}.
    let pythonBytes = """
        60010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c22626e2e6e756d5f626174636865735f\
        747261636b6564223a7b226474797065223a22493634222c227368617065223a5b5d2c22646174615f6f666673657473223a5b302c385d7d\
        2c22635c22c3a9223a7b226474797065223a22493634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b382c3234\
        5d7d2c22612e7363616c6172223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a5b\
        32342c32385d7d2c22622e776569676874223a7b226474797065223a22463332222c227368617065223a5b322c322c322c325d2c22646174\
        615f6f666673657473223a5b32382c39325d7d2c227a223a7b226474797065223a22463332222c227368617065223a5b302c335d2c226461\
        74615f6f666673657473223a5b39322c39325d7d7d2020202a00000000000000ffffffffffffffff000000000001000000006040000060bf\
        000020bf0000c0be000000be0000003e0000c03e0000203f0000603f0000903f0000b03f0000d03f0000f03f000008400000184000002840\
        00003840
        """

    func testWriterMatchesThePythonLibraryByteForByte() throws {
        let expected = stride(from: 0, to: pythonBytes.count, by: 2).map { offset -> UInt8 in
            let start = pythonBytes.index(pythonBytes.startIndex, offsetBy: offset)
            return UInt8(pythonBytes[start...pythonBytes.index(after: start)], radix: 16)!
        }
        XCTAssertEqual(expected.count, 452)
        XCTAssertEqual(SafeTensors.encode(sample, metadata: ["format": "pt"]), expected)
        XCTAssertEqual(try SafeTensors.decode(expected).tensors, sample)
    }

    func testFileRoundTripIsAtomicAndErrorsNameTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensors.write(sample, metadata: ["step": "3"], to: url)
        try SafeTensors.write(sample, to: url)  // replaces the file in place
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"], "no temporary left")
        let read = try SafeTensors.read(contentsOf: url)
        XCTAssertEqual(read.tensors, sample)
        XCTAssertEqual(read.metadata, [:])
        try Data([1, 2, 3]).write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": file is 3 bytes"), "\(error)")
        }
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: folder.appendingPathComponent("absent"))) { error in
            XCTAssertTrue("\(error)".contains("absent: cannot read (no such file)"), "\(error)")
        }
    }

    func testLookupHelpersNameTheTensorAndTheMismatch() throws {
        let tensors = try SafeTensors.decode(SafeTensors.encode(sample)).tensors
        let cases: [(() throws -> Any, String)] = [
            ({ try tensors.float32("b.weight", shape: [2, 8]) }, "b.weight: expected shape [2, 8], file has [2, 2, 2, 2]"),
            ({ try tensors.float32("missing", shape: [1]) }, "missing: missing from the file"),
            ({ try tensors.float32("bn.num_batches_tracked", shape: []) }, "bn.num_batches_tracked: expected F32, file has I64"),
            ({ try tensors.int64("a.scalar", shape: []) }, "a.scalar: expected I64, file has F32"),
            ({ try tensors.int64("c\"é", shape: [3]) }, "expected shape [3], file has [2]"),
        ]
        for (lookup, expected) in cases {
            XCTAssertThrowsError(try lookup()) { XCTAssertTrue("\($0)".contains(expected), "expected '\(expected)' in: \($0)") }
        }
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
}
