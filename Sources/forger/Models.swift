import ArgumentParser
import GANs

/// `forger models`: the catalogue.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models Forger can train.")

    func run() {
        let width = ModelKind.allCases.map(\.rawValue.count).max() ?? 0
        for kind in ModelKind.allCases {
            let model = kind.makeModel(seed: 0)
            let shape = model.imageShape.map(String.init).joined(separator: "×")
            print("\(kind.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind.summary)")
            print(String(repeating: " ", count: width + 2)
                + "G \(model.generator.parameterCount) params, D \(model.discriminator.parameterCount) params, samples \(shape)")
        }
    }
}
