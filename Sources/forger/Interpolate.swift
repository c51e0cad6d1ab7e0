import ArgumentParser
import Datasets
import Foundation
import GANs
import NN
import Tensors

/// `forger interpolate`: images along a path through the latent space, as a strip or an animation.
struct Interpolate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk a generator's latent space between seeded points.",
        discussion: """
            The path runs from the noise of --from-seed to that of --to-seed (each the first vector \
            `forger sample --seed` draws), or with --walk N loops through N points drawn with --from-seed. \
            .png writes a strip (one row per segment), .gif an animation that loops, .safetensors z and images.
            """)

    @OptionGroup var source: GeneratorSource
    @Option(help: "Seed of the path's start (and of the walk's points).") var fromSeed: UInt64 = 0
    @Option(help: "Seed of the path's end.") var toSeed: UInt64 = 1
    @Option(help: "Images along the path, ends included (with --walk: per segment).") var steps = 10
    @Option(help: "lerp or slerp.") var mode: LatentPath.Mode = .slerp
    @Option(help: "Class label for every image (conditional models).") var label: Int?
    @Option(help: "Loop through this many random points instead of going from one seed to another.") var walk: Int?
    @Option(help: "GIF: hundredths of a second per frame.") var delay = 8
    @Option(help: "GIF: pixels per image pixel.") var scale = 4
    @Option(help: "Output file: .png, .gif or .safetensors.") var out: String

    func validate() throws {
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
        if let walk, walk < 2 { throw ValidationError("--walk needs at least 2 points") }
        guard delay > 0, scale > 0 else { throw ValidationError("--delay and --scale must be positive") }
        guard [".png", ".gif", ".safetensors"].contains(where: out.hasSuffix) else {
            throw ValidationError("--out must end in .png, .gif or .safetensors")
        }
    }

    func run() throws {
        try reportingErrors {
            let generator = try source.load()
            guard generator.kind.data != .mixture else {
                throw RunError("\(generator.kind.rawValue) generates 2-D points, not images; use forger sample --out FILE.safetensors")
            }
            try generator.validate(labels: label.map { [$0] } ?? [])
            let path: Tensor
            if let walk {
                path = LatentPath.walk(through: generator.noise(count: walk, seed: fromSeed), stepsPerSegment: steps, mode: mode)
            } else {
                let start = generator.noise(count: 1, seed: fromSeed).scalars, end = generator.noise(count: 1, seed: toSeed).scalars
                path = LatentPath.interpolate(from: start, to: end, steps: steps, mode: mode)
            }
            let count = path.shape[0]
            let labels = label.map { [Int](repeating: $0, count: count) } ?? []
            let images = generator.generate(path, labels: labels)
            try write(images: images, path: path, generator: generator)
            print("Wrote \(count) images along a \(mode.rawValue) path from \(generator.kind.rawValue) step \(generator.step) to \(out)")
        }
    }

    private func write(images: Tensor, path: Tensor, generator: TrainedGenerator) throws {
        let url = URL(fileURLWithPath: out)
        if out.hasSuffix(".png") {
            try writeImageGrid(images, to: url, columns: steps)
        } else if out.hasSuffix(".gif") {
            let side = (width: images.shape[3] * scale, height: images.shape[2] * scale)
            let bytes = GIF.encode(frames: GIF.frames(of: images, scale: scale), width: side.width, height: side.height, delay: delay)
            try Data(bytes).write(to: url, options: .atomic)
        } else {
            try SafeTensors.write(["z": .float32(path), "images": .float32(images)], metadata: [
                "model": generator.kind.rawValue, "step": String(generator.step), "mode": mode.rawValue,
            ], to: url)
        }
    }
}

extension LatentPath.Mode: ExpressibleByArgument {}

/// `forger export`: the generator alone, ready for `forger sample --generator` and PyTorch.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's generator without the discriminator or training state.",
        discussion: "Writes DIR/generator.safetensors (the reference's PyTorch names) and DIR/generator.json.")

    @Option(name: .customLong("run"), help: "The run folder (runs/<name>).") var runPath: String
    @Option(help: "Use this step's checkpoint (default: the latest).") var checkpoint: Int?
    @Option(help: "The folder to write.") var out: String

    func run() throws {
        try reportingErrors {
            let generator = try TrainedGenerator.load(run: URL(fileURLWithPath: runPath), checkpoint: checkpoint)
            try generator.export(to: URL(fileURLWithPath: out))
            print("Exported the \(generator.kind.rawValue) generator of step \(generator.step) to \(out)")
        }
    }
}
