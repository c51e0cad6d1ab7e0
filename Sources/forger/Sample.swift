import ArgumentParser
import Datasets
import Foundation
import GANs
import NN
import Tensors

/// `forger sample`: new images from a trained generator alone (the discriminator is not loaded).
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images with a trained generator.",
        discussion: """
            FILE.png writes a grid (for mixture models a scatter plot of the points); FILE.safetensors writes z [N, latent], images [N, C, H, W] in [-1, 1] \
            and, for conditional models, labels [N]. With --labels, each row is one label and each column \
            one noise vector shared by all rows.
            """)

    @OptionGroup var source: GeneratorSource
    @Option(help: "How many images (with --labels: per label; default 64, or 10 per label).") var count: Int?
    @Option(help: "Seed for the noise.") var seed: UInt64 = 0
    @Option(help: "Class label for every image (conditional models).") var label: Int?
    @Option(help: "Labels, one grid row each: a range (0-9) or a list (1,4,7).") var labels: String?
    @Flag(help: "Normalise with each batch's statistics (training mode), as the references' own sample images do.")
    var batchStatistics = false
    @Option(help: "Output file: .png or .safetensors.") var out: String

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if label != nil && labels != nil { throw ValidationError("give --label or --labels, not both") }
        guard out.hasSuffix(".png") || out.hasSuffix(".safetensors") else {
            throw ValidationError("--out must end in .png or .safetensors")
        }
    }

    func run() throws {
        try reportingErrors {
            let generator = try source.load()
            if batchStatistics { generator.model.generator.train() }
            let rows = try labels.map(parseLabels)
            let requested = rows ?? label.map { [$0] } ?? []
            try generator.validate(labels: requested)
            let columns = count ?? (rows == nil ? 64 : 10)
            var noise = generator.noise(count: columns, seed: seed)
            var imageLabels = label.map { [Int](repeating: $0, count: columns) } ?? []
            if let rows {
                noise = Tensor.concatenating([Tensor](repeating: noise, count: rows.count), alongAxis: 0)
                imageLabels = rows.flatMap { [Int](repeating: $0, count: columns) }
            } else if generator.model.isConditional && imageLabels.isEmpty {
                imageLabels = (0..<columns).map { $0 % generator.model.classCount }
            }
            let images = generator.generate(noise, labels: imageLabels)
            try write(images: images, noise: noise, labels: imageLabels, generator: generator, columns: rows == nil ? nil : columns)
            print("Wrote \(images.shape[0]) samples from \(generator.kind.rawValue) step \(generator.step) to \(out)")
        }
    }

    private func write(images: Tensor, noise: Tensor, labels: [Int], generator: TrainedGenerator, columns: Int?) throws {
        let url = URL(fileURLWithPath: out)
        if out.hasSuffix(".png") && generator.kind.data == .mixture {
            // Points, not images: a scatter plot of the generated points alone, framed around them.
            let extent = 1.2 * max(images.scalars.filter(\.isFinite).map(Swift.abs).max() ?? 1, 1e-3)
            return try writeScatterPlot(real: Tensor(zeros: [0, 2]), generated: images, extent: extent, to: url)
        }
        if out.hasSuffix(".png") { return try writeImageGrid(images, to: url, columns: columns) }
        var tensors: [String: SafeTensorValue] = ["z": .float32(noise), "images": .float32(images)]
        if !labels.isEmpty { tensors["labels"] = .int64(values: labels.map(Int64.init), shape: [labels.count]) }
        try SafeTensors.write(tensors, metadata: [
            "model": generator.kind.rawValue, "step": String(generator.step), "seed": String(seed),
        ], to: url)
    }
}

/// Where a command finds its generator: a run's checkpoint or an exported folder.
struct GeneratorSource: ParsableArguments {
    @Option(name: .customLong("run"), help: "A run folder (runs/<name>).") var runPath: String?
    @Option(help: "Use this step's checkpoint of --run (default: the latest).") var checkpoint: Int?
    @Option(name: .customLong("generator"), help: "A folder written by `forger export`.") var exportPath: String?

    func validate() throws {
        guard (runPath == nil) != (exportPath == nil) else { throw ValidationError("give exactly one of --run and --generator") }
        if checkpoint != nil && runPath == nil { throw ValidationError("--checkpoint needs --run") }
    }

    func load() throws -> TrainedGenerator {
        if let runPath { return try TrainedGenerator.load(run: URL(fileURLWithPath: runPath), checkpoint: checkpoint) }
        return try TrainedGenerator.load(exported: URL(fileURLWithPath: exportPath!))
    }
}

/// Labels from `0-9` (an inclusive range) or `1,4,7` (a list).
func parseLabels(_ text: String) throws -> [Int] {
    let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
    if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high { return Array(low...high) }
    let list = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
        throw RunError("--labels takes a range like 0-9 or a list like 1,4,7, not '\(text)'")
    }
    return list.map { $0! }
}
