import Foundation

/// The folder a run writes and every later tool reads: the contract between training, CLI and dashboard.
///
/// `config.json` (every option), `metrics.jsonl` (one JSON object per logged step),
/// `samples/step-<n>.png` (fixed-noise grids) and `checkpoints/` (see `Checkpoint`).
public struct RunDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public var configurationURL: URL { url.appendingPathComponent("config.json") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var samplesURL: URL { url.appendingPathComponent("samples") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints") }

    public func sampleURL(step: Int) -> URL { samplesURL.appendingPathComponent(String(format: "step-%06d.png", step)) }

    /// Creates the folders.
    public func create() throws {
        for folder in [url, samplesURL, checkpointsURL] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    /// Writes `config.json` atomically (`TrainingOptions` or `TranslationOptions`).
    public func writeConfiguration<Options: Encodable>(_ options: Options) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(options).write(to: configurationURL, options: .atomic)
    }

    /// Reads `config.json`, with a clear error when the folder is not a run.
    public func readConfiguration() throws -> TrainingOptions {
        guard let data = try? Data(contentsOf: configurationURL) else {
            throw RunError("\(url.path) is not a Forger run: it has no config.json")
        }
        do {
            return try JSONDecoder().decode(TrainingOptions.self, from: data)
        } catch where isTranslationRun {
            throw RunError("\(url.path) is an image-to-image translation run: use `forger translate` or `forger eval`")
        } catch {
            throw RunError("\(configurationURL.path) is not a valid run configuration: \(error)")
        }
    }

    /// Appends one JSON line to `metrics.jsonl`; non-finite values are written as null.
    public func appendMetrics(_ record: [String: Double]) throws {
        let object = record.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        line.append(0x0A)
        if let handle = try? FileHandle(forWritingTo: metricsURL) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: metricsURL)
        }
    }

    /// Drops metric lines after `step` (a resumed run rewrites the steps it repeats).
    public func truncateMetrics(after step: Int) throws {
        guard let text = try? String(contentsOf: metricsURL, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let lineStep = object["step"] as? Double else { return false }
            return Int(lineStep) <= step
        }
        try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(to: metricsURL, atomically: true, encoding: .utf8)
    }
}

/// A problem with a run directory or its contents, worded for the user.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension RunDirectory {
    /// Creates a new run's folders, or restores the latest checkpoint of this run into `model` and
    /// `context` and drops the metrics lines written after it; returns the restored trainer state.
    func start(resuming: Bool, model: NetworkPair, context: TrainingContext) throws -> Checkpoint.TrainerState? {
        guard resuming else {
            try create()
            return nil
        }
        guard let latest = Checkpoint.latestStep(in: checkpointsURL) else {
            throw RunError("\(url.path) has no checkpoint to resume from")
        }
        let state = try Checkpoint.load(step: latest, from: checkpointsURL, model: model, context: context)
        try truncateMetrics(after: state.step)
        return state
    }
}
