import ArgumentParser
import Datasets
import Foundation
import GANs
import NN
import Tensors

/// `forger sample`: new images from a trained generator alone (the discriminator is not loaded).
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images with a run's generator.",
        discussion: "FILE.png writes a grid; FILE.safetensors writes z [N, latent] and images [N, C, H, W] in [-1, 1].")

    @Option(name: .customLong("run"), help: "The run folder (runs/<name>).") var runPath: String
    @Option(help: "Use this step's checkpoint (default: the latest).") var checkpoint: Int?
    @Option(help: "How many images.") var count = 64
    @Option(help: "Seed for the noise.") var seed: UInt64 = 0
    @Option(help: "Output file: .png or .safetensors.") var out: String

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard out.hasSuffix(".png") || out.hasSuffix(".safetensors") else {
            throw ValidationError("--out must end in .png or .safetensors")
        }
    }

    func run() throws {
        try reportingErrors {
            let directory = RunDirectory(url: URL(fileURLWithPath: runPath))
            let options = try directory.readConfiguration()
            let model = options.model.makeModel(seed: options.seed)
            guard let step = checkpoint ?? Checkpoint.latestStep(in: directory.checkpointsURL) else {
                throw RunError("\(runPath) has no checkpoint yet")
            }
            _ = try Checkpoint.load(step: step, from: directory.checkpointsURL, model: model, context: nil)
            model.generator.eval()
            var random = RandomGenerator(seed: seed)
            let noise = Tensor.randomNormal([count, model.latentDimension], generator: &random)
            let images = withoutGradients { model.generate(noise) }
            let url = URL(fileURLWithPath: out)
            if out.hasSuffix(".png") {
                try writeImageGrid(images, to: url)
            } else {
                try SafeTensors.write(["z": .float32(noise), "images": .float32(images)],
                                      metadata: ["model": options.model.rawValue, "step": String(step), "seed": String(seed)], to: url)
            }
            print("Wrote \(count) samples from step \(step) to \(out)")
        }
    }
}
