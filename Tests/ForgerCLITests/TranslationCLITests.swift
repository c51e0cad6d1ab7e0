import Datasets
import Foundation
import XCTest

/// `forger train pix2pix`, `forger translate` and `forger eval`, run as the built binary.
extension CLITests {
    func testPix2PixTrainResumeTranslateAndEvaluate() throws {
        let pairs = workspace.appendingPathComponent("edges")
        try forger(["data", "make-pairs", "--task", "edges", "--out", pairs.path, "--limit", "3"])
        let runs = workspace.appendingPathComponent("runs")
        let train = try forger(["train", "pix2pix", "--data", pairs.path, "--image-size", "32", "--steps", "1", "--runs-dir", runs.path,
                                "--name", "edges", "--seed", "2"]).output
        XCTAssertTrue(train.contains("1→1 channels"), train)
        let run = runs.appendingPathComponent("edges")
        try forger(["train", "--resume", run.path, "--steps", "2"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("samples/step-000002.png").path))

        let outputs = workspace.appendingPathComponent("translated")
        let folder = try forger(["translate", "--run", run.path, "--input", pairs.appendingPathComponent("test").path, "--out", outputs.path]).output
        XCTAssertTrue(folder.contains("Translated 3 image(s)"), folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        XCTAssertEqual(names, ["00000.png", "00001.png", "00002.png"])
        let image = try ImageFile.read(outputs.appendingPathComponent("00000.png"))
        XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 1])

        // A plain (not A|B) image is translated whole; the reference's test-time mode is a flag.
        let plain = workspace.appendingPathComponent("plain.png")
        try ImageFile.writePNG(Image(width: 28, height: 28, channels: 3, pixels: [UInt8](repeating: 90, count: 28 * 28 * 3)), to: plain)
        try forger(["translate", "--run", run.path, "--input", plain.path, "--out", outputs.path, "--batch-statistics"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: outputs.appendingPathComponent("plain.png").path))

        let evaluation = try forger(["eval", "--run", run.path]).output
        XCTAssertTrue(evaluation.contains("3 test pairs") && evaluation.contains("input as output"), evaluation)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("eval.json"))) as! [String: Any]
        let scores = report["translation"] as! [String: Double]
        XCTAssertTrue(scores["l1"]!.isFinite && scores["l1"]! > 0, "\(scores)")
        XCTAssertTrue(scores["psnr"]!.isFinite, "\(scores)")
        XCTAssertEqual(report["step"] as? Int, 2)
        XCTAssertTrue(evaluation.contains("MNIST classifier reads the true digit"), evaluation)
        let digits = report["digit_accuracy"] as! [String: Double]
        XCTAssertEqual(digits["target"], 1, "the shipped classifier reads the first three test digits")
        XCTAssertTrue((0...1).contains(digits["translation"]!))

        let sample = try forger(["sample", "--run", run.path, "--out", workspace.appendingPathComponent("x.png").path], expectSuccess: false)
        XCTAssertTrue(sample.output.contains("translation run"), sample.output)
        let wrongFlag = try forger(["train", "mlp", "--norm", "instance"], expectSuccess: false)
        XCTAssertTrue(wrongFlag.output.contains("--norm applies to translation models"), wrongFlag.output)
    }
}
