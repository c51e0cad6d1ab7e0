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
}
