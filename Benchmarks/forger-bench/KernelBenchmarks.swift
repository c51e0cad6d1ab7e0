import ArgumentParser
import Foundation
import Kernels

/// Median wall time in milliseconds of `repeats` runs of `body` after one warm-up run.
func medianMilliseconds(repeats: Int, _ body: () -> Void) -> Double {
    body()
    let times = (0..<max(repeats, 1)).map { _ -> Double in
        let started = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    }
    return times.sorted()[times.count / 2]
}

/// `forger-bench gemm`: SGEMM C = A·B on square-ish random matrices.
struct GEMMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Time the packed SGEMM.")

    @Option var m = 1024
    @Option var n = 1024
    @Option var k = 1024
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option var repeats = 20
    @Flag(help: "Time the naive twin instead.") var naive = false

    func run() {
        if let threads { Kernels.threadCount = threads }
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let time = medianMilliseconds(repeats: naive ? 1 : repeats) {
            (naive ? Kernels.naiveGemm : Kernels.gemm)(false, false, m, n, k, 1, a, k, b, n, 0, &c, n)
        }
        printJSONLine([
            "benchmark": naive ? "gemm-naive" : "gemm", "m": m, "n": n, "k": k, "threads": Kernels.threadCount,
            "median_ms": round3(time), "gflops": round3(2 * Double(m) * Double(n) * Double(k) / time / 1e6), "avx2": Kernels.usesAVX2,
        ])
    }
}

/// `forger-bench conv`: one convolution layer's forward, input-gradient or weight-gradient pass.
struct ConvolutionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conv", abstract: "Time a convolution layer.")

    enum Pass: String, ExpressibleByArgument, CaseIterable { case forward, inputGradient = "input-gradient", weightGradient = "weight-gradient", all }

    @Option var batch = 64
    @Option var inChannels = 64
    @Option var outChannels = 128
    @Option(help: "Input height and width.") var size = 14
    @Option var kernel = 5
    @Option var stride = 2
    @Option var padding = 2
    @Option var pass: Pass = .all
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option var repeats = 10

    func run() {
        if let threads { Kernels.threadCount = threads }
        let g = ConvolutionGeometry(batch: batch, inputChannels: inChannels, inputHeight: size, inputWidth: size, outputChannels: outChannels,
                                    kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                                    paddingHeight: padding, paddingWidth: padding)
        let x = [Float](repeating: 0.5, count: g.inputCount), w = [Float](repeating: 0.1, count: g.weightCount)
        let dy = [Float](repeating: 0.2, count: g.outputCount)
        var y = dy, dx = x, dw = w
        let passes: [Pass] = pass == .all ? [.forward, .inputGradient, .weightGradient] : [pass]
        let time = medianMilliseconds(repeats: repeats) {
            for current in passes {
                switch current {
                case .forward: Kernels.conv2d(input: x, weight: w, output: &y, geometry: g)
                case .inputGradient: Kernels.conv2dInputGradient(outputGradient: dy, weight: w, inputGradient: &dx, geometry: g)
                case .weightGradient, .all: Kernels.conv2dWeightGradient(input: x, outputGradient: dy, weightGradient: &dw, geometry: g)
                }
            }
        }
        let flops = 2.0 * Double(g.outputCount) * Double(inChannels * kernel * kernel) * Double(passes.count)
        printJSONLine([
            "benchmark": "conv", "pass": pass.rawValue, "batch": batch, "in_channels": inChannels, "out_channels": outChannels,
            "size": size, "kernel": kernel, "stride": stride, "padding": padding, "threads": Kernels.threadCount,
            "median_ms": round3(time), "gflops": round3(flops / time / 1e6),
        ])
    }
}
