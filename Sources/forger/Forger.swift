import ArgumentParser
import GANs

/// The `forger` command: train, sample and inspect GANs.
@main
struct Forger: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train, sample and inspect generative adversarial networks.",
        version: forgerVersion,
        subcommands: [Train.self, Sample.self, Models.self])
}

extension ModelKind: ExpressibleByArgument {}
extension GeneratorObjective: ExpressibleByArgument {}

/// Turns a Forger error into a clean message and a non-zero exit instead of a stack trace.
func reportingErrors<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as CustomStringConvertible where !(error is ExitCode) {
        throw ValidationError(error.description)
    }
}
