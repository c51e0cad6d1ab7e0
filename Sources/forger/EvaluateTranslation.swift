import ArgumentParser
import Datasets
import Foundation
import GANs
import Metrics
import Tensors

/// The translation branch of `forger eval`: mean L1 and PSNR of a pix2pix run on its paired
/// images and, for MNIST digit tasks, the classifier's accuracy on the translated digits.
struct TranslationEvaluationCommand {
    let runURL: URL
    let checkpoint: Int?
    let split: PairedImages.Split
    let limit: Int?
    let batchStatistics: Bool
    /// Classifier weights (default: the shipped MNIST classifier).
    let weights: String?

    func run() throws {
        let translator = try TrainedTranslator.load(run: runURL, checkpoint: checkpoint)
        let report = try TranslationEvaluation.evaluate(
            translator, split: split, limit: limit, batchStatistics: batchStatistics, classify: try digitClassifier())
        try TranslationEvaluation.write(report, to: RunDirectory(url: runURL))
        print("\(report.model) step \(report.step), \(report.pairs) \(report.split.rawValue) pairs"
            + (report.batchStatistics ? " (batch statistics, dropout on)" : " (evaluation mode)"))
        print("output              mean L1   PSNR (dB)")
        print(row("translation", report.translation))
        if let input = report.input { print(row("input as output", input)) }
        if let digits = report.digitAccuracy {
            print(String(format: "MNIST classifier reads the true digit in %.2f %% of translations (%.2f %% of targets)",
                         100 * digits.translation, 100 * digits.target))
        }
        print("Wrote \(runURL.appendingPathComponent("eval.json").path)")
    }

    /// The MNIST classifier on single-channel images: 32×32 digits (MNIST padded by 2) are cropped
    /// back to 28×28, other sizes resized bilinearly.
    private func digitClassifier() throws -> (Tensor) -> [Int] {
        let classifier = try MNISTClassifier.load(from: weights.map { URL(fileURLWithPath: $0) })
        return { images in
            let side = images.shape[2]
            let digits = side == 32 ? withoutGradients { images.sliced(from: [0, 0, 2, 2], to: [images.shape[0], 1, 30, 30]) }
                : side == 28 ? images : resizeBilinear(images, height: 28, width: 28)
            return MNISTClassifier.predictedLabels(classifier.logits(digits))
        }
    }

    private func row(_ name: String, _ scores: TranslationEvaluation.Scores) -> String {
        name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "  %7.4f   %9.2f", scores.meanL1, scores.psnr)
    }
}

extension PairedImages.Split: ExpressibleByArgument {}
