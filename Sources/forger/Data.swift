import ArgumentParser
import Datasets
import Foundation

/// `forger data`: building image-to-image data sets in the pix2pix layout.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build paired (A|B) image folders for image-to-image translation.",
        subcommands: [Pairs.self, MakePairs.self])

    /// `forger data pairs`: A|B files from two folders of aligned images.
    struct Pairs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join aligned images from two folders into A|B PNG files.",
            discussion: """
                Files pair up by name without extension and must have the same size. When --from has \
                train/, val/ or test/ folders, each is paired with the same folder of --to and written \
                to the same folder of --out.
                """)

        @Option(name: .customLong("from"), help: "Folder of A images (the left halves).") var from: String
        @Option(name: .customLong("to"), help: "Folder of B images (the right halves).") var to: String
        @Option(help: "Output folder (new or empty).") var out: String

        func run() throws {
            try reportingErrors {
                let written = try PairedImages.combine(
                    from: URL(fileURLWithPath: from), to: URL(fileURLWithPath: to), out: URL(fileURLWithPath: out))
                for (folder, count) in written { print("Wrote \(count) A|B pairs to \(folder.path)") }
            }
        }
    }

    /// `forger data make-pairs`: offline translation tasks from MNIST.
    struct MakePairs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-pairs",
            abstract: "Write an MNIST image-to-image task as A|B PNG folders (train/, val/, test/) at 32×32.",
            discussion: """
                edges: Canny edge map → digit. superres: digit averaged to 8×8 and enlarged back → digit. \
                inpaint: a random 12×12 square painted gray → digit. val is MNIST's first 5,000 training digits, \
                train the other 55,000, test the 10,000 test digits; each folder has labels.txt.
                """)

        @Option(help: "The task: edges, superres or inpaint.") var task: MNISTPairTask
        @Option(help: "Output folder (its train/, val/ and test/ must be new or empty).") var out: String
        @Option(help: "Folder with the MNIST IDX files (else FORGER_DATA, the repository copy, the cache).") var data: String?
        @Option(help: "Seed for the task's randomness (inpaint's squares).") var seed: UInt64 = 0
        @Option(help: "Write at most N pairs per split.") var limit: Int?

        func validate() throws {
            if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let mnist = try MNIST.locateDirectory(explicit: data)
                let counts = try MNISTPairs.write(task: task, mnist: mnist, out: URL(fileURLWithPath: out), seed: seed, limit: limit)
                let summary = counts.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
                print("Wrote \(task.rawValue) pairs to \(out): \(summary)")
            }
        }
    }
}

extension MNISTPairTask: ExpressibleByArgument {}
