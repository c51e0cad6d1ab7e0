import ArgumentParser
import Datasets
import Foundation
import GANs

/// `forger translate`: a translation run's generator applied to one image file or a folder of them.
struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate images with a trained image-to-image model (pix2pix).",
        discussion: """
            An image twice as wide as high is read as an A|B pair and its input half (by the run's \
            direction) is translated; any other image is translated whole. Inputs are resized to the run's \
            image size; each output is written as DIR/<name>.png at that size.
            """)

    @Option(name: .customLong("run"), help: "A translation run folder (runs/<name>).") var runPath: String
    @Option(help: "Use this step's checkpoint (default: the latest).") var checkpoint: Int?
    @Option(help: "An image file (PNG or JPEG) or a folder of them.") var input: String
    @Option(help: "Output folder (created when missing).") var out: String
    @Flag(help: "Normalise with each image's statistics and keep dropout active, as the reference's test.py.")
    var batchStatistics = false

    func run() throws {
        try reportingErrors {
            let translator = try TrainedTranslator.load(run: URL(fileURLWithPath: runPath), checkpoint: checkpoint)
            translator.useBatchStatistics(batchStatistics)
            let inputURL = URL(fileURLWithPath: input)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: inputURL.path, isDirectory: &isDirectory) else {
                throw RunError("\(input): no such file or folder")
            }
            let files = isDirectory.boolValue ? try ImageFile.files(in: inputURL) : [inputURL]
            guard !files.isEmpty else { throw RunError("\(input) holds no .png, .jpg or .jpeg files") }
            let outURL = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
            for file in files {
                let output = translator.translate(translator.source(from: try ImageFile.read(file)))
                let name = file.deletingPathExtension().lastPathComponent + ".png"
                try ImageFile.writePNG(Image(tensor: output), to: outURL.appendingPathComponent(name))
            }
            print("Translated \(files.count) image(s) with \(translator.options.model.rawValue) step \(translator.step) into \(out)")
        }
    }
}
