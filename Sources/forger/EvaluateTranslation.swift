import ArgumentParser
import Datasets
import Foundation
import GANs

/// `forger eval-translation`: mean L1 and PSNR of a translation run on its test pairs, as a table
/// and as `eval.json` in the run.
struct EvaluateTranslation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-translation",
        abstract: "Score a translation run (pix2pix) on its paired test images: mean L1 and PSNR.",
        discussion: """
            L1 is the mean absolute difference in the [-1, 1] scale; PSNR is per image in dB (peak-to-peak \
            range 2), averaged. The 'input as output' row scores the untranslated input, the baseline to beat. \
            Writes eval.json into the run.
            """)

    @Option(name: .customLong("run"), help: "A translation run folder (runs/<name>).") var runPath: String
    @Option(help: "Use this step's checkpoint (default: the latest).") var checkpoint: Int?
    @Option(help: "The split to score: test, val or train.") var split: PairedImages.Split = .test
    @Option(help: "Score the first N pairs only.") var limit: Int?
    @Flag(help: "Normalise with each image's statistics and keep dropout active, as the reference's test.py.")
    var batchStatistics = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        try reportingErrors {
            let runURL = URL(fileURLWithPath: runPath)
            let translator = try TrainedTranslator.load(run: runURL, checkpoint: checkpoint)
            let report = try TranslationEvaluation.evaluate(translator, split: split, limit: limit, batchStatistics: batchStatistics)
            try TranslationEvaluation.write(report, to: RunDirectory(url: runURL))
            print("\(report.model) step \(report.step), \(report.pairs) \(report.split.rawValue) pairs"
                + (report.batchStatistics ? " (batch statistics, dropout on)" : " (evaluation mode)"))
            print("output              mean L1   PSNR (dB)")
            print(row("translation", report.translation))
            if let input = report.input { print(row("input as output", input)) }
            print("Wrote \(runURL.appendingPathComponent("eval.json").path)")
        }
    }

    private func row(_ name: String, _ scores: TranslationEvaluation.Scores) -> String {
        name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "  %7.4f   %9.2f", scores.meanL1, scores.psnr)
    }
}

extension PairedImages.Split: ExpressibleByArgument {}
