import ArgumentParser

/// `forger-bench`: release-mode timings printed as one JSON line per run.
@main
struct ForgerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks of Forger's kernels and training steps (build with -c release).",
        subcommands: [GEMMBenchmark.self, ConvolutionBenchmark.self, TrainBenchmark.self, CrossCheck.self])
}
