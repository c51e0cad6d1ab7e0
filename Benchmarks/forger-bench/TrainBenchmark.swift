import ArgumentParser
import Foundation
import GANs
import Tensors

/// `forger-bench train <model>`: median time of full training steps (one D and one G update) on
/// random data shaped like the model's images, built outside the timed region.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Time training steps of a model.")

    @Argument(help: "The model.") var model: ModelKind
    @Option(help: "Images per batch (default: the reference's).") var batchSize: Int?
    @Option(help: "Timed steps.") var steps = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 2
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "Seed for weights, noise and data.") var seed: UInt64 = 0

    func run() {
        if let threads { Parallelism.threadCount = threads }
        let gan = model.makeModel(seed: seed)
        let batch = batchSize ?? model.defaults.batchSize
        let context = TrainingContext(model: gan, hyperparameters: model.defaults, noise: RandomGenerator(seed: seed &+ 1), objective: model.defaultLoss)
        var data = RandomGenerator(seed: seed &+ 2)
        let images = Tensor.randomUniform([batch] + gan.imageShape, low: -1, high: 1, generator: &data)
        let labels = (0..<batch).map { _ in data.nextInt(below: max(gan.classCount, 1)) }
        let real = TrainingBatch(images: images, labels: labels)
        for _ in 0..<warmup { _ = gan.trainingStep(real, context: context) }
        var times: [Double] = []
        var flops = 0
        for _ in 0..<steps {
            FlopCounter.reset()
            let started = DispatchTime.now().uptimeNanoseconds
            _ = gan.trainingStep(real, context: context)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
            flops = FlopCounter.count
        }
        let median = times.sorted()[times.count / 2]
        let record: [String: Any] = [
            "benchmark": "train", "model": model.rawValue, "batch_size": batch, "threads": Parallelism.threadCount,
            "steps": steps, "median_ms": round3(median), "min_ms": round3(times.min() ?? median),
            "images_per_s": round3(Double(batch) / median * 1000),
            "gflops": round3(Double(flops) / median / 1e6), "peak_rss_mb": peakResidentMegabytes(),
        ]
        printJSONLine(record)
    }
}

extension ModelKind: ExpressibleByArgument {}

func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

/// The process's peak resident set (VmHWM) in MB, or −1 where /proc is missing.
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return round3(kilobytes / 1024)
}

/// Prints one JSON object on one line with sorted keys.
func printJSONLine(_ record: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}
