import Foundation
import XCTest
@testable import GANs
import NN
import Tensors

/// Short seeded runs on the first 64 real MNIST images from the repository copy.
final class TrainerTests: XCTestCase {
    var runs: URL!

    override func setUpWithError() throws {
        runs = FileManager.default.temporaryDirectory.appendingPathComponent("forger-trainer-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: runs) }

    func options(name: String, steps: Int, checkpointEvery: Int = 0) -> TrainingOptions {
        var options = TrainingOptions(model: .mlp, name: name)
        options.runsDirectory = runs.path
        options.steps = steps
        options.batchSize = 16
        options.trainingLimit = 64
        options.sampleEvery = 2
        options.checkpointEvery = checkpointEvery
        options.seed = 11
        return options
    }

    func testRunDirectoryHoldsConfigMetricsSamplesAndCheckpoints() throws {
        let trainer = try Trainer(options: options(name: "contract", steps: 3))
        try trainer.train()
        let run = trainer.run
        XCTAssertEqual(try run.readConfiguration(), trainer.options)
        let lines = try String(contentsOf: run.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Double]
        for key in ["step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "images_per_second"] {
            XCTAssertNotNil(first[key], "metrics line has \(key)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.sampleURL(step: 2).path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.sampleURL(step: 3).path))
        XCTAssertEqual(Checkpoint.latestStep(in: run.checkpointsURL), 3)
        for file in ["generator.safetensors", "discriminator.safetensors", "step-000003/optimizers.safetensors", "step-000003/trainer.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.checkpointsURL.appendingPathComponent(file).path), file)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files remain")
    }

    /// A run resumed from step 2 reaches the same weights at step 5 as an uninterrupted run.
    func testResumeEqualsUninterruptedRun() throws {
        let uninterrupted = try Trainer(options: options(name: "straight", steps: 5))
        try uninterrupted.train()

        let interrupted = try Trainer(options: options(name: "resumed", steps: 2, checkpointEvery: 2))
        try interrupted.train()
        var extended = try RunDirectory(url: interrupted.run.url).readConfiguration()
        extended.steps = 5
        let resumed = try Trainer(options: extended, resume: true)
        XCTAssertEqual(resumed.step, 2)
        try resumed.train()

        for (a, b) in zip(uninterrupted.model.generator.stateDictionary().sorted { $0.key < $1.key },
                          resumed.model.generator.stateDictionary().sorted { $0.key < $1.key }) {
            XCTAssertEqual(a.key, b.key)
            XCTAssertEqual(a.value, b.value, "generator \(a.key) differs after resume")
        }
        XCTAssertEqual(uninterrupted.model.discriminator.parameters().map(\.value.scalars),
                       resumed.model.discriminator.parameters().map(\.value.scalars))
        XCTAssertEqual(uninterrupted.context.noise, resumed.context.noise)
        let resumedLines = try String(contentsOf: resumed.run.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(resumedLines.count, 5)
    }

    func testResumingARunWithoutCheckpointsFailsClearly() throws {
        let trainer = try Trainer(options: options(name: "empty", steps: 1))
        XCTAssertThrowsError(try Trainer(options: trainer.options, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("no checkpoint"), "\(error)")
        }
    }

    func testSamplingSwitchesGeneratorToEvaluationAndBack() throws {
        let trainer = try Trainer(options: options(name: "modes", steps: 1))
        try trainer.writeSamples()
        XCTAssertTrue(trainer.model.generator.isTraining)
    }
}
