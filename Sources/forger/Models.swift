import ArgumentParser
import GANs

/// `forger models`: the catalogue.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models Forger can train.")

    func run() {
        let names = ModelKind.allCases.map(\.rawValue) + TranslationModelKind.allCases.map(\.rawValue)
        let width = names.map(\.count).max() ?? 0
        for kind in ModelKind.allCases {
            let model = kind.makeModel(seed: 0)
            let shape = model.imageShape.map(String.init).joined(separator: "×")
            print("\(kind.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind.summary)")
            print(String(repeating: " ", count: width + 2)
                + "G \(model.generator.parameterCount) params, D \(model.discriminator.parameterCount) params, samples \(shape)")
        }
        for kind in TranslationModelKind.allCases {
            let model = kind.makeModel(seed: 0, configuration: Pix2Pix.Configuration())
            print("\(kind.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind.summary)")
            print(String(repeating: " ", count: width + 2) + "at 256×256, 3→3 channels: G \(model.generator.parameterCount) params, "
                + "D \(model.discriminator.parameterCount) params; --image-size 32–256, 1 or 3 channels")
        }
    }
}
