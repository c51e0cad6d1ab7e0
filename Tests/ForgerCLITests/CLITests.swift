import Datasets
import Foundation
import XCTest

/// Runs the built `forger` binary end to end on a tiny subset of real MNIST.
final class CLITests: XCTestCase {
    var workspace: URL!

    override func setUpWithError() throws {
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("forger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: workspace) }

    /// The binary SwiftPM built beside the test bundle.
    var binary: URL {
        let bundle = Bundle(for: CLITests.self).bundleURL
        let candidates = [bundle.appendingPathComponent("forger"), bundle.deletingLastPathComponent().appendingPathComponent("forger")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// The repository root, so the binary finds `data/mnist` from there.
    var repository: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    @discardableResult
    func forger(_ arguments: [String], expectSuccess: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repository
        var environment = ProcessInfo.processInfo.environment
        environment["FORGER_THREADS"] = "2"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if expectSuccess {
            XCTAssertEqual(process.terminationStatus, 0, "forger \(arguments.joined(separator: " ")) failed:\n\(output)", file: file, line: line)
        }
        return (process.terminationStatus, output)
    }

    func testModelsListsTheCatalogue() throws {
        let output = try forger(["models"]).output
        for name in ["mlp", "dcgan", "dcgan64"] { XCTAssertTrue(output.contains(name), output) }
        XCTAssertTrue(output.contains("1510032"), output)
    }

    func testTrainResumeAndSampleEndToEnd() throws {
        let runs = workspace.appendingPathComponent("runs").path
        let train = try forger(["train", "mlp", "--steps", "2", "--batch-size", "8", "--limit", "32", "--runs-dir", runs,
                                "--name", "tiny", "--sample-every", "1", "--checkpoint-every", "1", "--seed", "3"]).output
        XCTAssertTrue(train.contains("step 2/2"), train)
        let run = workspace.appendingPathComponent("runs/tiny")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("samples/step-000002.png").path))

        try forger(["train", "--resume", run.path, "--steps", "3"])
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 3)

        let grid = workspace.appendingPathComponent("grid.png")
        try forger(["sample", "--run", run.path, "--count", "9", "--seed", "1", "--out", grid.path])
        let bytes = try Data(contentsOf: grid)
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

        let tensors = workspace.appendingPathComponent("samples.safetensors")
        try forger(["sample", "--run", run.path, "--checkpoint", "2", "--count", "4", "--out", tensors.path])
        let header = try Data(contentsOf: tensors)
        XCTAssertTrue(String(decoding: header.prefix(400), as: UTF8.self).contains("\"images\""))
    }

    func testErrorsAreClearAndNonZero() throws {
        let unknown = try forger(["train", "gpt"], expectSuccess: false)
        XCTAssertNotEqual(unknown.status, 0)
        let missing = try forger(["sample", "--run", workspace.appendingPathComponent("nope").path, "--out", "x.png"], expectSuccess: false)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("not a Forger run"), missing.output)
        let badData = try forger(["train", "mlp", "--steps", "1", "--data", workspace.path, "--runs-dir", workspace.path], expectSuccess: false)
        XCTAssertNotEqual(badData.status, 0)
        XCTAssertFalse(badData.output.contains("Fatal error"), badData.output)
    }
    /// A copy of the first `count` MNIST test images and labels as uncompressed IDX files, serving as
    /// both splits, so that the debug binary classifies a handful of images instead of 10,000.
    func writeSmallMNIST(count: Int) throws -> URL {
        let folder = workspace.appendingPathComponent("mnist-small")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let test = try MNIST(directory: repository.appendingPathComponent("data/mnist"), split: .test, limit: count)
        let pixels = test.images.scalars.map { UInt8((($0 + 1) * 127.5).rounded()) }
        func bigEndian(_ values: [Int]) -> [UInt8] { values.flatMap { value in (0..<4).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) } } }
        for split in MNIST.Split.allCases {
            let names = MNIST.fileNames(split)
            try Data(bigEndian([0x803, count, 28, 28]) + pixels).write(to: folder.appendingPathComponent(names.images))
            try Data(bigEndian([0x801, count]) + test.labels.map(UInt8.init)).write(to: folder.appendingPathComponent(names.labels))
        }
        return folder
    }

    func testClassifierEvalAndRunEvalWriteTheirNumbers() throws {
        let data = try writeSmallMNIST(count: 200).path
        let accuracy = try forger(["classifier", "eval", "--data", data]).output
        XCTAssertTrue(accuracy.contains("Test accuracy") && accuracy.contains("of 200 images"), accuracy)

        let runs = workspace.appendingPathComponent("runs").path
        try forger(["train", "mlp", "--steps", "2", "--batch-size", "8", "--limit", "32", "--runs-dir", runs, "--name", "tiny",
                    "--sample-every", "0", "--checkpoint-every", "0", "--seed", "1"])
        let run = workspace.appendingPathComponent("runs/tiny")
        let output = try forger(["eval", "--run", run.path, "--samples", "40", "--seed", "3", "--data", data]).output
        for metric in ["classifier_score", "frechet_distance", "mode_coverage", "mode_kl"] { XCTAssertTrue(output.contains(metric), output) }

        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("eval.json"))) as! [String: Any]
        XCTAssertEqual(report["checkpoint_step"] as? Int, 2)
        XCTAssertEqual(report["samples"] as? Int, 40)
        XCTAssertEqual(report["seed"] as? Int, 3)
        XCTAssertEqual((report["label_histogram"] as! [Int]).reduce(0, +), 40)
        let metrics = report["metrics"] as! [[String: Any]]
        XCTAssertEqual(metrics.map { $0["metric"] as! String }, ["classifier_score", "frechet_distance", "mode_coverage", "mode_kl"])
        for metric in metrics {
            XCTAssertFalse((metric["protocol"] as! String).isEmpty)
            XCTAssertEqual(metric["checkpoint_step"] as? Int, 2)
        }
        let score = metrics[0]["value"] as! Double
        XCTAssertTrue(score >= 1 && score <= 10, "classifier score \(score) outside [1, 10]")
        let reference = report["test_set_reference"] as! [[String: Any]]
        XCTAssertEqual(reference[1]["value"] as! Double, 0, accuracy: 1e-6, "the test set is at distance 0 from itself")
        XCTAssertGreaterThan(reference[0]["value"] as! Double, 8, "real digits are confidently and evenly classified")
        let training = report["training_set_reference"] as! [[String: Any]]
        XCTAssertEqual(training.map { $0["samples"] as! Int }, [40, 40, 40, 40])

        let again = try forger(["eval", "--run", run.path, "--samples", "40", "--seed", "3", "--data", data]).output
        XCTAssertEqual(again, output, "evaluation is deterministic")
    }
}
