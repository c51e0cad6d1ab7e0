import Datasets
import Foundation
import NN
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

    /// A two-step run of `model` on 32 images, for the sampling commands to load.
    func tinyRun(_ model: String, name: String) throws -> URL {
        let runs = workspace.appendingPathComponent("runs")
        try forger(["train", model, "--steps", "2", "--batch-size", "8", "--limit", "32", "--runs-dir", runs.path,
                    "--name", name, "--seed", "3"])
        return runs.appendingPathComponent(name)
    }

    func images(in file: URL) throws -> [Float] {
        guard case .float32(let images) = try SafeTensors.read(contentsOf: file).tensors["images"] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return images.scalars
    }

    func testConditionalSamplingWithLabelsAndItsErrors() throws {
        let run = try tinyRun("cgan", name: "conditional")
        let grid = workspace.appendingPathComponent("labels.png")
        try forger(["sample", "--run", run.path, "--labels", "0-9", "--count", "3", "--out", grid.path])
        let picture = try PNG.decode(Array(try Data(contentsOf: grid)))
        XCTAssertEqual([picture.width, picture.height], [3 * 28 + 4 * 2, 10 * 28 + 11 * 2], "one row per label")

        let sevens = workspace.appendingPathComponent("sevens.safetensors")
        try forger(["sample", "--run", run.path, "--label", "7", "--count", "5", "--out", sevens.path])
        guard case .int64(let labels, let shape) = try SafeTensors.read(contentsOf: sevens).tensors["labels"] else {
            return XCTFail("no labels tensor")
        }
        XCTAssertEqual(labels, [7, 7, 7, 7, 7])
        XCTAssertEqual(shape, [5])

        let outOfRange = try forger(["sample", "--run", run.path, "--label", "12", "--out", grid.path], expectSuccess: false)
        XCTAssertNotEqual(outOfRange.status, 0)
        XCTAssertTrue(outOfRange.output.contains("out of range"), outOfRange.output)
        let badList = try forger(["sample", "--run", run.path, "--labels", "a-b", "--out", grid.path], expectSuccess: false)
        XCTAssertTrue(badList.output.contains("--labels takes"), badList.output)

        let unconditional = try tinyRun("mlp", name: "plain")
        let refused = try forger(["sample", "--run", unconditional.path, "--label", "3", "--out", grid.path], expectSuccess: false)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("unconditional"), refused.output)
    }

    /// A path's first and last images are exactly the images `forger sample` makes from the same
    /// seeds, in both modes, and the same command gives the same bytes twice.
    func testInterpolationEndsAreTheSeedsImagesAndRepeat() throws {
        let run = try tinyRun("mlp", name: "latent")
        func sampled(_ seed: Int) throws -> [Float] {
            let file = workspace.appendingPathComponent("seed-\(seed).safetensors")
            try forger(["sample", "--run", run.path, "--count", "1", "--seed", String(seed), "--out", file.path])
            return try images(in: file)
        }
        let (start, end) = (try sampled(4), try sampled(9))
        for mode in ["slerp", "lerp"] {
            let file = workspace.appendingPathComponent("\(mode).safetensors")
            try forger(["interpolate", "--run", run.path, "--from-seed", "4", "--to-seed", "9", "--steps", "5",
                        "--mode", mode, "--out", file.path])
            let path = try images(in: file)
            XCTAssertEqual(path.count, 5 * 784)
            XCTAssertEqual(Array(path.prefix(784)), start, mode)
            XCTAssertEqual(Array(path.suffix(784)), end, mode)
            XCTAssertNotEqual(Array(path[784..<1568]), start, "\(mode) moves")
        }
        let gifs = ["a.gif", "b.gif"].map { workspace.appendingPathComponent($0) }
        for gif in gifs {
            try forger(["interpolate", "--run", run.path, "--walk", "3", "--steps", "4", "--scale", "2", "--out", gif.path])
        }
        let bytes = try Data(contentsOf: gifs[0])
        XCTAssertEqual(bytes, try Data(contentsOf: gifs[1]), "same seeds, same animation")
        XCTAssertEqual(Array(bytes.prefix(10)), Array("GIF89a".utf8) + [56, 0, 56, 0], "56×56 frames")
    }

    func testExportedGeneratorReproducesSamplingBitForBit() throws {
        let run = try tinyRun("cgan", name: "exported")
        let folder = workspace.appendingPathComponent("generator")
        try forger(["export", "--run", run.path, "--out", folder.path])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(files, ["generator.json", "generator.safetensors"], "no discriminator, no training state")
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("generator.json"))) as? [String: Any]
        XCTAssertEqual(description?["model"] as? String, "cgan")
        XCTAssertEqual(description?["latent_dimension"] as? Int, 100)
        XCTAssertEqual(description?["classes"] as? Int, 10)
        XCTAssertEqual(description?["image_shape"] as? [Int], [1, 28, 28])

        let fromRun = workspace.appendingPathComponent("run.safetensors"), fromExport = workspace.appendingPathComponent("export.safetensors")
        try forger(["sample", "--run", run.path, "--labels", "0-9", "--count", "2", "--seed", "5", "--out", fromRun.path])
        try forger(["sample", "--generator", folder.path, "--labels", "0-9", "--count", "2", "--seed", "5", "--out", fromExport.path])
        XCTAssertEqual(try images(in: fromRun), try images(in: fromExport))
        let both = try forger(["sample", "--run", run.path, "--generator", folder.path, "--out", fromRun.path], expectSuccess: false)
        XCTAssertTrue(both.output.contains("exactly one"), both.output)
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

    func testEvalOfAConditionalGeneratorReportsLabelAccuracy() throws {
        let data = try writeSmallMNIST(count: 100).path
        let run = try tinyRun("cgan", name: "labelled")
        let folder = workspace.appendingPathComponent("exported")
        try forger(["export", "--run", run.path, "--out", folder.path])
        let output = try forger(["eval", "--generator", folder.path, "--samples", "20", "--data", data]).output
        XCTAssertTrue(output.contains("label_accuracy") && output.contains("per requested digit"), output)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("eval.json"))) as! [String: Any]
        XCTAssertEqual((report["label_accuracy_per_class"] as? [Any])?.count, 10)
        let accuracy = (report["metrics"] as! [[String: Any]]).first { $0["metric"] as? String == "label_accuracy" }
        XCTAssertNotNil(accuracy)
        XCTAssertTrue((0...1).contains(accuracy?["value"] as? Double ?? -1))
    }
}
