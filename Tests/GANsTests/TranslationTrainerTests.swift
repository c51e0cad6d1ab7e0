import Datasets
import Foundation
import XCTest
@testable import GANs
import NN
import Tensors

/// Short seeded pix2pix runs at 32×32 on a few synthetic gray A|B files.
final class TranslationTrainerTests: XCTestCase {
    var workspace: URL!

    override func setUpWithError() throws {
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("forger-translation-\(UUID().uuidString)")
        var random = RandomGenerator(seed: 21)
        for (split, count) in [("train", 3), ("test", 2)] {
            let folder = workspace.appendingPathComponent("pairs/\(split)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 0..<count {
                let pixels = (0..<(64 * 32)).map { _ in UInt8(random.nextInt(below: 256)) }
                try ImageFile.writePNG(Image(width: 64, height: 32, channels: 1, pixels: pixels),
                                       to: folder.appendingPathComponent(String(format: "%03d.png", index)))
            }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: workspace) }

    func options(name: String, steps: Int, checkpointEvery: Int = 0) -> TranslationOptions {
        let architecture = Pix2Pix.Configuration(imageSize: 32, sourceChannels: 1, targetChannels: 1)
        var options = TranslationOptions(model: .pix2pix, dataDirectory: workspace.appendingPathComponent("pairs").path,
                                         architecture: architecture, name: name)
        options.runsDirectory = workspace.appendingPathComponent("runs").path
        options.steps = steps
        options.sampleEvery = 2
        options.checkpointEvery = checkpointEvery
        options.seed = 4
        return options
    }

    func testRunDirectoryContractAndEvaluation() throws {
        let trainer = try TranslationTrainer(options: options(name: "contract", steps: 2))
        try trainer.train()
        let run = trainer.run
        XCTAssertEqual(try run.readTranslationConfiguration(), trainer.options)
        XCTAssertTrue(run.isTranslationRun)
        XCTAssertThrowsError(try run.readConfiguration()) { XCTAssertTrue("\($0)".contains("translation run"), "\($0)") }
        let lines = try String(contentsOf: run.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Double]
        for key in ["step", "epoch", "d_loss", "g_loss", "g_gan", "l1", "d_real", "d_fake", "images_per_second"] {
            XCTAssertNotNil(first[key], "metrics line has \(key)")
        }
        let grid = try ImageFile.read(run.sampleURL(step: 2))
        XCTAssertEqual([grid.width, grid.height], [3 * 32 + 4 * 2, 2 * 32 + 3 * 2], "one input | output | target row per test pair")
        XCTAssertEqual(Checkpoint.latestStep(in: run.checkpointsURL), 2)

        let translator = try TrainedTranslator.load(run: run.url)
        XCTAssertFalse(translator.model.generator.isTraining)
        let report = try TranslationEvaluation.evaluate(translator)
        XCTAssertEqual(report.pairs, 2)
        let expected = try expectedScores(translator)
        XCTAssertEqual(report.translation.meanL1, expected.meanL1, accuracy: 1e-5)
        XCTAssertEqual(report.translation.psnr, expected.psnr, accuracy: 1e-4)
        XCTAssertNotNil(report.input)
    }

    /// L1 and PSNR recomputed directly from the two test pairs.
    private func expectedScores(_ translator: TrainedTranslator) throws -> TranslationEvaluation.Scores {
        let data = try PairedImages(root: workspace.appendingPathComponent("pairs"), split: .test, size: 32,
                                    sourceChannels: 1, targetChannels: 1, jitter: false)
        let (source, target) = try data.batch([0, 1], seed: 0, epoch: 0)
        let differences = zip(translator.translate(source).scalars, target.scalars).map { Double($0) - Double($1) }
        let psnrs = [differences[..<1024], differences[1024...]].map { image in
            10 * log10(4 / (image.map { $0 * $0 }.reduce(0, +) / 1024))
        }
        return .init(meanL1: differences.map(abs).reduce(0, +) / 2048, psnr: psnrs.reduce(0, +) / 2)
    }

    func testPSNROfKnownErrors() {
        XCTAssertEqual(TranslationEvaluation.psnr(meanSquaredError: 0.04), 20, accuracy: 1e-9, "10·log10(4 / 0.04)")
        XCTAssertEqual(TranslationEvaluation.psnr(meanSquaredError: 0), 100)
    }

    /// A run resumed from step 2 reaches the same weights at step 3 as an uninterrupted run.
    func testResumeEqualsUninterruptedRun() throws {
        let uninterrupted = try TranslationTrainer(options: options(name: "straight", steps: 3))
        try uninterrupted.train()
        let interrupted = try TranslationTrainer(options: options(name: "resumed", steps: 2, checkpointEvery: 2))
        try interrupted.train()
        var extended = try interrupted.run.readTranslationConfiguration()
        extended.steps = 3
        let resumed = try TranslationTrainer(options: extended, resume: true)
        XCTAssertEqual(resumed.step, 2)
        try resumed.train()
        for network in [\TranslationModel.generator, \TranslationModel.discriminator] {
            let a = uninterrupted.model[keyPath: network].stateDictionary(), b = resumed.model[keyPath: network].stateDictionary()
            XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
            for (name, value) in a { XCTAssertEqual(value, b[name], "\(name) differs after resume") }
        }
        let metrics = try String(contentsOf: resumed.run.metricsURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 3)
    }
}
