import Datasets
import Foundation
import XCTest

/// The mode-counting benchmarks end to end through the built binary.
extension CLITests {
    /// A packed two-step grid run with evaluation during training, then `forger eval` and `forger sample`.
    func testMixtureTrainEvaluateAndSample() throws {
        let runs = workspace.appendingPathComponent("runs")
        let train = try forger(["train", "mixture", "--dataset", "grid", "--pack", "2", "--steps", "2", "--batch-size", "20",
                                "--limit", "200", "--eval-every", "1", "--runs-dir", runs.path, "--name", "grid", "--seed", "1"]).output
        XCTAssertTrue(train.contains("mixture (grid)") && train.contains("pack 2"), train)
        let run = runs.appendingPathComponent("grid")
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.contains("eval_modes_captured") && $0.contains("eval_high_quality_percent") }, "\(lines)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/best/best.json").path))

        let evaluation = try forger(["eval", "--run", run.path, "--samples", "500"]).output
        XCTAssertTrue(evaluation.contains("modes_captured") && evaluation.contains("high_quality_percent"), evaluation)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("eval.json"))) as! [String: Any]
        XCTAssertEqual(report["benchmark"] as? String, "grid")
        let quality = report["mixture"] as! [String: Any]
        XCTAssertEqual(quality["mode_count"] as? Int, 25)
        XCTAssertEqual((quality["high_quality_per_mode"] as? [Int])?.count, 25)
        let plot = try PNG.decode(Array(Data(contentsOf: run.appendingPathComponent("samples/eval-step-000002.png"))))
        XCTAssertEqual([plot.width, plot.height], [512, 512])

        let points = workspace.appendingPathComponent("points.png")
        try forger(["sample", "--run", run.path, "--count", "100", "--out", points.path])
        XCTAssertEqual(try PNG.decode(Array(Data(contentsOf: points))).channels, 3)
        let refused = try forger(["train", "mlp", "--pack", "3", "--batch-size", "64", "--steps", "1", "--runs-dir", runs.path], expectSuccess: false)
        XCTAssertTrue(refused.output.contains("divisible"), refused.output)
    }
}
