import ArgumentParser
import Foundation
import Kernels

/// `forger-bench conv`: one square convolution layer's forward, input-gradient and weight-gradient passes.
struct ConvolutionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conv", abstract: "Time a convolution layer; prints one JSON line.")

    enum Pass: String, ExpressibleByArgument, CaseIterable {
        case forward, inputGradient = "input-gradient", weightGradient = "weight-gradient", all
    }

    @Option var batch = 64
    @Option var inChannels = 64
    @Option var outChannels = 128
    @Option(help: "Input height and width.") var size = 14
    @Option var kernel = 5
    @Option var stride = 2
    @Option var padding = 2
    @Option(help: "forward, input-gradient, weight-gradient or all (each timed, and their sum).") var pass: Pass = .all
    @Option(help: "Compute threads (default: all cores, or FORGER_THREADS).") var threads: Int?
    @Option(help: "Timed runs; medians are reported.") var repeats = 10

    func run() {
        if let threads { Kernels.threadCount = threads }
        let g = ConvolutionGeometry(
            batch: batch, inputChannels: inChannels, inputHeight: size, inputWidth: size, outputChannels: outChannels,
            kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
            paddingHeight: padding, paddingWidth: padding)
        let passes: [Pass] = pass == .all ? [.forward, .inputGradient, .weightGradient] : [pass]
        let times = passes.map { time($0, g) }
        let total = times.reduce(0, +)
        let flops = 2.0 * Double(g.outputCount) * Double(inChannels * kernel * kernel) * Double(passes.count)
        var record: [String: Any] = [
            "benchmark": "conv", "pass": pass.rawValue, "batch": batch, "in_channels": inChannels,
            "out_channels": outChannels, "size": size, "kernel": kernel, "stride": stride, "padding": padding,
            "threads": Kernels.threadCount, "median_ms": round3(total), "gflops": round3(flops / total / 1e6),
            "avx2": Kernels.usesAVX2,
        ]
        for (current, milliseconds) in zip(passes, times) where passes.count > 1 {
            record[current.rawValue.replacingOccurrences(of: "-", with: "_") + "_ms"] = round3(milliseconds)
        }
        printJSONLine(record)
    }

    /// Median milliseconds of one pass over fixed random data.
    private func time(_ current: Pass, _ g: ConvolutionGeometry) -> Double {
        let x = benchmarkValues(g.inputCount), w = benchmarkValues(g.weightCount), dy = benchmarkValues(g.outputCount)
        var y = dy, dx = x, dw = w
        return medianMilliseconds(repeats: repeats) {
            switch current {
            case .forward: Kernels.conv2d(input: x, weight: w, output: &y, geometry: g)
            case .inputGradient: Kernels.conv2dInputGradient(outputGradient: dy, weight: w, inputGradient: &dx, geometry: g)
            case .weightGradient, .all: Kernels.conv2dWeightGradient(input: x, outputGradient: dy, weightGradient: &dw, geometry: g)
            }
        }
    }
}
