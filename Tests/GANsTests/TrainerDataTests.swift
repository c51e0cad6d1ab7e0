import Datasets
import Foundation
import XCTest
@testable import GANs
import NN
import Tensors

/// The trainer on other data than MNIST, with packing, and with evaluation during training.
final class TrainerDataTests: XCTestCase {
    var runs: URL!

    override func setUpWithError() throws {
        runs = FileManager.default.temporaryDirectory.appendingPathComponent("forger-trainer-data-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: runs) }

    func mixtureOptions(name: String, steps: Int, pack: Int = 1) -> TrainingOptions {
        var options = TrainingOptions(model: .mixture, name: name)
        options.runsDirectory = runs.path
        options.mixture = .grid
        options.steps = steps
        options.batchSize = 20
        options.trainingLimit = 200
        options.pack = pack
        options.seed = 4
        return options
    }

    /// Two steps on the grid, twice: the same weights; the run's samples are a scatter plot.
    func testTwoStepMixtureRunIsDeterministicAndPlotsPoints() throws {
        for pack in [1, 2] {
            let first = try Trainer(options: mixtureOptions(name: "a\(pack)", steps: 2, pack: pack))
            try first.train()
            let second = try Trainer(options: mixtureOptions(name: "b\(pack)", steps: 2, pack: pack))
            try second.train()
            XCTAssertEqual(first.model.generator.parameters().map(\.value.scalars), second.model.generator.parameters().map(\.value.scalars))
            XCTAssertEqual(first.model.discriminator.parameters().map(\.value.scalars), second.model.discriminator.parameters().map(\.value.scalars))
            XCTAssertNotEqual(MixtureGAN(seed: 4, pack: pack).generator.parameters().last!.value.scalars,
                              first.model.generator.parameters().last!.value.scalars)
            let plot = try PNG.decode(Array(Data(contentsOf: first.run.sampleURL(step: 2))))
            XCTAssertEqual([plot.width, plot.height, plot.channels], [512, 512, 3])
            XCTAssertEqual(try first.run.readConfiguration().pack, pack)
        }
    }

    func testTrainingDataFollowsTheModel() throws {
        let mixture = try TrainingDataLoader.load(mixtureOptions(name: "data", steps: 1), sampleShape: [2])
        XCTAssertEqual(mixture.count, 200)
        let batch = mixture.batch([0, 1, 2])
        XCTAssertEqual(batch.images.shape, [3, 2])
        XCTAssertTrue(batch.labels.allSatisfy { (0..<25).contains($0) })
        var stackedOptions = TrainingOptions(model: .dcganStacked, name: "stacked")
        stackedOptions.trainingLimit = 100
        let stacked = try TrainingDataLoader.load(stackedOptions, sampleShape: [3, 28, 28])
        XCTAssertEqual(stacked.count, StackedMNIST.standardCount)
        XCTAssertEqual(stacked.batch([5, 6]).images.shape, [2, 3, 28, 28])
        XCTAssertTrue(stacked.batch([5, 6]).labels.allSatisfy { (0..<1000).contains($0) })
    }

    func testPackMustDivideTheBatch() {
        var options = mixtureOptions(name: "odd", steps: 1, pack: 3)
        options.batchSize = 20
        XCTAssertThrowsError(try Trainer(options: options)) { XCTAssertTrue("\($0)".contains("divisible"), "\($0)") }
    }

    /// A configuration written before packing and evaluation existed still reads, as pack 1.
    func testOlderConfigurationsDecodeWithoutTheNewKeys() throws {
        let options = mixtureOptions(name: "old", steps: 1)
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(options)) as! [String: Any]
        for key in ["pack", "mixture", "evaluateEvery", "evaluationSamples"] { object.removeValue(forKey: key) }
        let decoded = try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(decoded.pack, 1)
        XCTAssertEqual(decoded.evaluateEvery, 0)
        XCTAssertNil(decoded.mixture)
        XCTAssertEqual(decoded.seed, options.seed)
    }

    /// Evaluations land in the metrics lines of their steps, and `best` keeps the best step's generator.
    func testEvaluationDuringTrainingRecordsMetricsAndKeepsTheBest() throws {
        var options = mixtureOptions(name: "evaluated", steps: 6)
        options.evaluateEvery = 2
        let scores: [Double] = [3, 7, 5]
        var calls = 0
        var generatorAtBest: [Float] = []
        let evaluation = PeriodicEvaluation(selection: "modes_captured", higherIsBetter: true) { model in
            defer { calls += 1 }
            if calls == 1 { generatorAtBest = model.generator.parameters().last!.value.scalars }
            return ["modes_captured": scores[calls]]
        }
        let trainer = try Trainer(options: options, evaluation: evaluation)
        try trainer.train()
        XCTAssertEqual(calls, 3)
        let lines = try String(contentsOf: trainer.run.metricsURL, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Double] }
        XCTAssertEqual(lines.count, 6)
        XCTAssertEqual(lines.compactMap { $0["eval_modes_captured"] }, scores)
        XCTAssertEqual(lines[3]["eval_modes_captured"], 7, "step 4's line")
        let best = try XCTUnwrap(BestCheckpoint.read(from: trainer.run.checkpointsURL))
        XCTAssertEqual(best, BestCheckpoint(step: 4, metric: "modes_captured", value: 7))
        let saved = try TrainedGenerator.load(exported: BestCheckpoint.directory(in: trainer.run.checkpointsURL))
        XCTAssertEqual(saved.step, 4)
        XCTAssertEqual(saved.model.generator.parameters().last!.value.scalars, generatorAtBest)
        XCTAssertThrowsError(try Trainer(options: options), "evaluateEvery without an evaluation")
    }
}
