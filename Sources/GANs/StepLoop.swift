import Datasets
import Foundation

/// The bookkeeping both trainers' loops share: which samples a step trains on, when a periodic
/// action is due, and the progress report with its running estimate of the time left.
///
/// Determinism: a step's rows depend only on the sampler's seed, the epoch and the step, so a loop
/// started at a resumed step draws the same batches as one that ran from the start.
struct StepLoop {
    let sampler: BatchSampler
    let totalSteps: Int
    private var epochBatches: (epoch: Int, batches: [[Int]])? = nil
    private var averageStepSeconds: Double? = nil

    init(sampler: BatchSampler, totalSteps: Int) {
        (self.sampler, self.totalSteps) = (sampler, totalSteps)
    }

    /// The epoch that `step` (counted from 0) falls in and the sample indices of its batch; an
    /// epoch's order is drawn once, when its first step asks.
    mutating func batch(forStep step: Int) -> (epoch: Int, rows: [Int]) {
        let epoch = step / sampler.batchesPerEpoch
        if epochBatches?.epoch != epoch { epochBatches = (epoch, sampler.batches(epoch: epoch)) }
        return (epoch, epochBatches!.batches[step % sampler.batchesPerEpoch])
    }

    /// The report after `step` steps, the last of which took `seconds`; the estimate of the time
    /// left follows an exponential average of step times (weight 0.1 on the newest).
    mutating func report(step: Int, epoch: Int, metrics: StepMetrics, seconds: Double) -> ProgressReport {
        let average = averageStepSeconds.map { 0.9 * $0 + 0.1 * seconds } ?? seconds
        averageStepSeconds = average
        return ProgressReport(
            step: step, totalSteps: totalSteps, epoch: epoch, metrics: metrics,
            imagesPerSecond: Double(sampler.batchSize) / max(seconds, 1e-9),
            secondsRemaining: Double(totalSteps - step) * average)
    }

    /// Whether an action taken every `every` steps (0: never) is due after `step` steps; the
    /// last step always is, so a run ends with samples and a checkpoint.
    func isDue(_ every: Int, afterStep step: Int) -> Bool {
        step == totalSteps || (every > 0 && step % every == 0)
    }
}
