import Foundation
import NN
import Tensors

/// Everything needed to continue a run exactly: weights and buffers, both optimisers, the step
/// and every random stream.
///
/// Layout under `checkpoints/`: `step-<n>/` holding `generator.safetensors`,
/// `discriminator.safetensors` (PyTorch `state_dict` names), `optimizers.safetensors` and
/// `trainer.json`; `latest.json` naming the newest step; and top-level copies of the newest
/// `generator.safetensors` and `discriminator.safetensors`. A step folder is written under a
/// temporary name and renamed into place, and every file is replaced by rename, so a run killed
/// mid-write leaves the previous checkpoint intact.
public enum Checkpoint {
    /// The trainer's own state, saved as `trainer.json`.
    public struct TrainerState: Codable, Equatable {
        public var step: Int
        public var noise: RandomGenerator
        public var randomStreams: [String: RandomGenerator]
        public var elapsedSeconds: Double
    }

    static func folderName(step: Int) -> String { String(format: "step-%06d", step) }

    /// The newest saved step, or nil when the run has none.
    public static func latestStep(in checkpoints: URL) -> Int? {
        guard let data = try? Data(contentsOf: checkpoints.appendingPathComponent("latest.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["step"] as? Int
    }

    /// The folder of one saved step.
    public static func stepDirectory(_ step: Int, in checkpoints: URL) -> URL {
        checkpoints.appendingPathComponent(folderName(step: step))
    }

    /// Saves a step and prunes older step folders beyond `keep`.
    public static func save(
        model: NetworkPair, context: TrainingContext, state: TrainerState, to checkpoints: URL, keep: Int
    ) throws {
        let manager = FileManager.default
        let final = stepDirectory(state.step, in: checkpoints)
        let partial = checkpoints.appendingPathComponent("." + folderName(step: state.step) + ".partial")
        try? manager.removeItem(at: partial)
        try manager.createDirectory(at: partial, withIntermediateDirectories: true)
        let metadata = ["format": "pt", "step": String(state.step)]
        try model.generator.save(to: partial.appendingPathComponent("generator.safetensors"), metadata: metadata)
        try model.discriminator.save(to: partial.appendingPathComponent("discriminator.safetensors"), metadata: metadata)
        try saveOptimizers(context, to: partial.appendingPathComponent("optimizers.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: partial.appendingPathComponent("trainer.json"), options: .atomic)
        try? manager.removeItem(at: final)
        try manager.moveItem(at: partial, to: final)

        for file in ["generator.safetensors", "discriminator.safetensors"] {
            let temporary = checkpoints.appendingPathComponent("." + file + ".tmp")
            try? manager.removeItem(at: temporary)
            try manager.copyItem(at: final.appendingPathComponent(file), to: temporary)
            guard rename(temporary.path, checkpoints.appendingPathComponent(file).path) == 0 else {
                throw RunError("cannot move \(temporary.path) into place: \(String(cString: strerror(errno)))")
            }
        }
        try JSONSerialization.data(withJSONObject: ["step": state.step, "directory": folderName(step: state.step)])
            .write(to: checkpoints.appendingPathComponent("latest.json"), options: .atomic)
        try prune(checkpoints, keeping: keep, newest: state.step)
    }

    /// Restores a saved step into `model` and `context`; returns the trainer state.
    public static func load(step: Int, from checkpoints: URL, model: NetworkPair, context: TrainingContext?) throws -> TrainerState {
        let folder = stepDirectory(step, in: checkpoints)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw RunError("no checkpoint for step \(step) in \(checkpoints.path)")
        }
        try model.generator.load(contentsOf: folder.appendingPathComponent("generator.safetensors"))
        guard let context else { return try readState(folder) }
        try model.discriminator.load(contentsOf: folder.appendingPathComponent("discriminator.safetensors"))
        let (tensors, metadata) = try SafeTensors.read(contentsOf: folder.appendingPathComponent("optimizers.safetensors"))
        for (prefix, optimizer) in [("generator", context.generatorOptimizer as Optimizer), ("discriminator", context.discriminatorOptimizer)] {
            var own: [String: Tensor] = [:]
            for (name, value) in tensors where name.hasPrefix(prefix + ".") {
                guard case .float32(let tensor) = value else { throw RunError("\(name) in optimizer state is not F32") }
                own[String(name.dropFirst(prefix.count + 1))] = tensor
            }
            guard let stepText = metadata["\(prefix)_step"], let optimizerStep = Int(stepText) else {
                throw RunError("optimizer state in \(folder.path) has no \(prefix)_step")
            }
            try optimizer.load(state: own, step: optimizerStep)
        }
        let state = try readState(folder)
        context.noise = state.noise
        let streams = Dictionary(uniqueKeysWithValues: (model.generator.namedRandomStreams().map { ("generator.\($0.name)", $0.stream) })
            + model.discriminator.namedRandomStreams().map { ("discriminator.\($0.name)", $0.stream) })
        for (name, stream) in streams {
            guard let saved = state.randomStreams[name] else { throw RunError("trainer state has no random stream \(name)") }
            stream.generator = saved
        }
        return state
    }

    /// The random streams of both networks by prefixed name, for `TrainerState`.
    public static func randomStreams(of model: NetworkPair) -> [String: RandomGenerator] {
        var result: [String: RandomGenerator] = [:]
        for (name, stream) in model.generator.namedRandomStreams() { result["generator.\(name)"] = stream.generator }
        for (name, stream) in model.discriminator.namedRandomStreams() { result["discriminator.\(name)"] = stream.generator }
        return result
    }

    private static func readState(_ folder: URL) throws -> TrainerState {
        let url = folder.appendingPathComponent("trainer.json")
        do {
            return try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: url))
        } catch {
            throw RunError("cannot read \(url.path): \(error)")
        }
    }

    private static func saveOptimizers(_ context: TrainingContext, to url: URL) throws {
        var tensors: [String: SafeTensorValue] = [:]
        var metadata: [String: String] = [:]
        for (prefix, optimizer) in [("generator", context.generatorOptimizer), ("discriminator", context.discriminatorOptimizer)] {
            let state = optimizer.state
            for (name, tensor) in state.tensors { tensors["\(prefix).\(name)"] = .float32(tensor) }
            metadata["\(prefix)_step"] = String(state.step)
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    private static func prune(_ checkpoints: URL, keeping keep: Int, newest: Int) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        let steps = names.compactMap { name -> Int? in
            name.hasPrefix("step-") ? Int(name.dropFirst(5)) : nil
        }.sorted()
        for step in steps.dropLast(max(keep, 1)) where step != newest {
            try? FileManager.default.removeItem(at: stepDirectory(step, in: checkpoints))
        }
    }
}

extension Checkpoint {
    /// Saves the pair, both optimisers and the noise and dropout streams as of `step`.
    static func save(
        model: NetworkPair, context: TrainingContext, step: Int, elapsedSeconds: Double, to run: RunDirectory, keep: Int
    ) throws {
        let state = TrainerState(
            step: step, noise: context.noise, randomStreams: randomStreams(of: model), elapsedSeconds: elapsedSeconds)
        try save(model: model, context: context, state: state, to: run.checkpointsURL, keep: keep)
    }

    /// Throws when a step's losses are not finite, naming the step and the checkpoint to go back to;
    /// the step's metrics line has been written by then, so the run's log shows the divergence.
    static func requireFinite(_ metrics: StepMetrics, step: Int, run: RunDirectory) throws {
        guard metrics.discriminatorLoss.isFinite, metrics.generatorLoss.isFinite else {
            let last = latestStep(in: run.checkpointsURL).map { "step \($0)" } ?? "none"
            throw RunError("training diverged: the losses became non-finite at step \(step) (last checkpoint: \(last))")
        }
    }
}
