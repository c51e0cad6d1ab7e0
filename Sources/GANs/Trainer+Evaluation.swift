import Foundation

/// What `forger train --eval-every N` measures: a closure from the layer that knows the metrics
/// (the CLI passes the Metrics target's evaluators; GANs does not import them).
public struct PeriodicEvaluation {
    /// The metric (a key of `evaluate`'s result) that picks the `best` checkpoint.
    public var selection: String
    /// Whether a larger `selection` value is better (modes captured) or a smaller one (Fréchet distance).
    public var higherIsBetter: Bool
    /// The metrics of the model's current generator. It must leave the model as it found it
    /// (training mode, random streams) and draw any noise from its own seed.
    public var evaluate: (GANModel) throws -> [String: Double]

    public init(selection: String, higherIsBetter: Bool, evaluate: @escaping (GANModel) throws -> [String: Double]) {
        (self.selection, self.higherIsBetter, self.evaluate) = (selection, higherIsBetter, evaluate)
    }
}

/// The best evaluation of a run so far, saved as `checkpoints/best/best.json` beside that step's
/// generator (an exported-generator folder: `forger sample|eval --generator runs/<name>/checkpoints/best`)
/// and discriminator.
public struct BestCheckpoint: Codable, Equatable {
    public var step: Int
    public var metric: String
    public var value: Double

    /// The folder of the best checkpoint.
    public static func directory(in checkpoints: URL) -> URL { checkpoints.appendingPathComponent("best") }

    /// The saved record, or nil when the run has none.
    public static func read(from checkpoints: URL) -> BestCheckpoint? {
        let url = directory(in: checkpoints).appendingPathComponent("best.json")
        return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(BestCheckpoint.self, from: $0) }
    }
}

extension Trainer {
    /// Evaluates the generator, replaces the `best` checkpoint when the selection metric improved
    /// (ties keep the earlier step), and returns the metrics prefixed `eval_` for `metrics.jsonl`.
    func evaluateAndKeepBest(_ evaluation: PeriodicEvaluation) throws -> [String: Double] {
        let metrics = try evaluation.evaluate(model)
        guard let value = metrics[evaluation.selection] else {
            throw RunError("the evaluation did not report \(evaluation.selection)")
        }
        let improved = best.map { evaluation.higherIsBetter ? value > $0.value : value < $0.value } ?? true
        if improved && value.isFinite {
            let record = BestCheckpoint(step: step, metric: evaluation.selection, value: value)
            try saveBest(record)
            best = record
        }
        return Dictionary(uniqueKeysWithValues: metrics.map { ("eval_" + $0.key, $0.value) })
    }

    /// Writes the best folder under a temporary name and swaps it into place.
    private func saveBest(_ record: BestCheckpoint) throws {
        let manager = FileManager.default
        let final = BestCheckpoint.directory(in: run.checkpointsURL)
        let partial = run.checkpointsURL.appendingPathComponent(".best.partial")
        try? manager.removeItem(at: partial)
        try TrainedGenerator(kind: options.model, model: model, step: step).export(to: partial)
        try model.discriminator.save(to: partial.appendingPathComponent("discriminator.safetensors"),
                                     metadata: ["format": "pt", "step": String(step)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: partial.appendingPathComponent("best.json"))
        try? manager.removeItem(at: final)
        try manager.moveItem(at: partial, to: final)
    }
}
