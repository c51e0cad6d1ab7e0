import Datasets
import Foundation
import Tensors

/// Mean L1 and PSNR of translations against their targets on a split of the run's paired data.
///
/// L1 is the mean |output − target| over every element in the [-1, 1] scale (the generator's L1
/// term, before λ). PSNR is per image, 10·log10(2² / MSE) on [-1, 1] (the same as 10·log10(1 / MSE)
/// on [0, 1]), averaged over images; a perfect image counts as 100 dB. The `input` row scores the
/// source itself as the output (when source and target have the same channels): the baseline a
/// translation has to beat.
public enum TranslationEvaluation {
    /// Scores of one set of outputs.
    public struct Scores: Codable, Equatable, Sendable {
        public var meanL1: Double
        public var psnr: Double

        enum CodingKeys: String, CodingKey {
            case meanL1 = "l1", psnr
        }
    }

    /// What `eval.json` holds.
    public struct Report: Codable, Equatable, Sendable {
        public var model: String
        public var step: Int
        public var split: PairedImages.Split
        public var pairs: Int
        public var batchStatistics: Bool
        /// The generator's translations.
        public var translation: Scores
        /// The source image taken as the output; nil when source and target channels differ.
        public var input: Scores?
        /// For digit tasks (pairs with `labels.txt` and a digit classifier): how often the
        /// classifier reads the true digit in the translations and in the targets themselves.
        public var digitAccuracy: DigitAccuracy?

        enum CodingKeys: String, CodingKey {
            case model, step, split, pairs, translation, input
            case batchStatistics = "batch_statistics"
            case digitAccuracy = "digit_accuracy"
        }
    }

    /// Classifier accuracy on translated digits next to its accuracy on the true target images.
    public struct DigitAccuracy: Codable, Equatable, Sendable {
        public var translation: Double
        public var target: Double
    }

    /// Running sums of per-image L1 and PSNR.
    struct Accumulator {
        var l1Sum = 0.0, psnrSum = 0.0, elementCount = 0, imageCount = 0

        /// Adds `[N, C, H, W]` outputs scored against targets of the same shape.
        mutating func add(_ outputs: Tensor, _ targets: Tensor) {
            precondition(outputs.shape == targets.shape, "outputs \(outputs.shape) and targets \(targets.shape) differ")
            let perImage = outputs.scalarCount / max(outputs.shape[0], 1)
            let (output, target) = (outputs.scalars, targets.scalars)
            for image in 0..<outputs.shape[0] {
                var absolute = 0.0, squared = 0.0
                for index in (image * perImage)..<((image + 1) * perImage) {
                    let difference = Double(output[index]) - Double(target[index])
                    absolute += Swift.abs(difference)
                    squared += difference * difference
                }
                l1Sum += absolute
                psnrSum += TranslationEvaluation.psnr(meanSquaredError: squared / Double(perImage))
            }
            elementCount += outputs.scalarCount
            imageCount += outputs.shape[0]
        }

        var scores: Scores { Scores(meanL1: l1Sum / Double(max(elementCount, 1)), psnr: psnrSum / Double(max(imageCount, 1))) }
    }

    /// PSNR in dB of images in [-1, 1] (peak-to-peak 2) with this mean squared error, at most 100.
    public static func psnr(meanSquaredError: Double) -> Double {
        min(100, 10 * log10(4 / max(meanSquaredError, 1e-12)))
    }

    /// Scores the translator on `split` (the first `limit` pairs when given), unjittered. With
    /// `classify` (images → digit labels) and labelled pairs, also the digit accuracy of the
    /// translations and of the targets.
    ///
    /// With batch statistics the pairs go one at a time, as the reference's `test.py` does, so each
    /// image is normalised by its own statistics; otherwise in batches of `batchSize`, which do not
    /// change the result.
    public static func evaluate(
        _ translator: TrainedTranslator, split: PairedImages.Split = .test, limit: Int? = nil,
        batchStatistics: Bool = false, batchSize: Int = 50, classify: ((Tensor) -> [Int])? = nil
    ) throws -> Report {
        let options = translator.options, architecture = options.architecture
        let data = try PairedImages(
            root: URL(fileURLWithPath: options.dataDirectory), split: split, size: architecture.imageSize,
            sourceChannels: architecture.sourceChannels, targetChannels: architecture.targetChannels,
            direction: options.direction, jitter: false)
        let count = min(data.count, limit ?? .max)
        translator.useBatchStatistics(batchStatistics)
        defer { translator.useBatchStatistics(false) }
        var translation = Accumulator(), input = Accumulator()
        let labels = classify == nil || architecture.targetChannels != 1 ? nil : data.labels
        var hits = (translation: 0, target: 0)
        let step = batchStatistics ? 1 : batchSize
        for start in stride(from: 0, to: count, by: step) {
            let indices = Array(start..<min(start + step, count))
            let (source, target) = try data.batch(indices, seed: 0, epoch: 0)
            let output = translator.translate(source)
            translation.add(output, target)
            if source.shape == target.shape { input.add(source, target) }
            if let labels, let classify {
                let truth = indices.map { labels[$0] }
                hits.translation += zip(classify(output), truth).filter { $0 == $1 }.count
                hits.target += zip(classify(target), truth).filter { $0 == $1 }.count
            }
        }
        let digitAccuracy = labels == nil || count == 0 ? nil
            : DigitAccuracy(translation: Double(hits.translation) / Double(count), target: Double(hits.target) / Double(count))
        return Report(
            model: options.model.rawValue, step: translator.step, split: split, pairs: count, batchStatistics: batchStatistics,
            translation: translation.scores, input: input.imageCount > 0 ? input.scores : nil, digitAccuracy: digitAccuracy)
    }

    /// Writes the report as `eval.json` in the run folder, atomically.
    public static func write(_ report: Report, to run: RunDirectory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: run.url.appendingPathComponent("eval.json"), options: .atomic)
    }
}
