import ArgumentParser
import Foundation
import GANs
import NN
import Tensors

/// `forger-bench crosscheck <model>`: records one full training step for PyTorch to replay.
///
/// Writes the initial weights (`initial.generator.*`, `initial.discriminator.*`), the noise `z` the
/// step draws, the real batch `real`, and the weights after the step (`after.*`), so
/// `Benchmarks/peers/crosscheck.py` can run the reference's step from the same start and compare.
/// Models with dropout draw masks PyTorch cannot reproduce, so only `mlp` and `dcgan64` are accepted.
struct CrossCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crosscheck", abstract: "Record a training step for PyTorch to replay.")

    @Argument(help: "mlp or dcgan64.") var model: ModelKind
    @Option var batchSize = 8
    @Option var seed: UInt64 = 0
    @Option(help: "Output .safetensors file.") var out: String

    func validate() throws {
        guard model == .mlp || model == .dcgan64 else { throw ValidationError("crosscheck supports mlp and dcgan64 (no dropout)") }
    }

    func run() throws {
        let gan = model.makeModel(seed: seed)
        let context = TrainingContext(model: gan, hyperparameters: model.defaults, noise: RandomGenerator(seed: seed &+ 1), objective: .nonSaturating)
        var data = RandomGenerator(seed: seed &+ 2)
        let real = Tensor.randomUniform([batchSize] + gan.imageShape, low: -1, high: 1, generator: &data)
        var probe = context.noise
        let noise = Tensor.randomNormal([batchSize, gan.latentDimension], generator: &probe)
        var tensors: [String: SafeTensorValue] = ["z": .float32(noise), "real": .float32(real)]
        func record(_ prefix: String) {
            for (name, value) in gan.generator.stateDictionary() { tensors["\(prefix).generator.\(name)"] = value }
            for (name, value) in gan.discriminator.stateDictionary() { tensors["\(prefix).discriminator.\(name)"] = value }
        }
        record("initial")
        let metrics = gan.trainingStep(TrainingBatch(images: real, labels: []), context: context)
        record("after")
        try SafeTensors.write(tensors, metadata: [
            "model": model.rawValue, "d_loss": String(metrics.discriminatorLoss), "g_loss": String(metrics.generatorLoss),
        ], to: URL(fileURLWithPath: out))
        print("recorded one \(model.rawValue) step (d_loss \(metrics.discriminatorLoss), g_loss \(metrics.generatorLoss)) to \(out)")
    }
}
