import ArgumentParser
import Foundation
import GANs

/// The `forger` command: train, sample and inspect GANs.
@main
struct Forger: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train, sample and inspect generative adversarial networks.",
        version: forgerVersion,
        subcommands: [
            Train.self, Sample.self, Interpolate.self, Export.self, Translate.self, Evaluate.self,
            Classifier.self, Models.self, DataCommand.self,
        ])
}

extension ModelKind: ExpressibleByArgument {}
extension AdversarialLoss: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["non-saturating", "bce", "minimax", "mse"] }
}

/// Turns a Forger error into one clear message on standard error and exit status 1.
func reportingErrors<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
