import Tensors

/// Batch normalisation over the channel axis of `[N, C]` (1-d) or `[N, C, H, W]` (2-d) input.
///
/// Training mode normalises with the batch's mean and biased variance and updates the running
/// statistics as PyTorch does: running = (1 − momentum)·running + momentum·batch, with the unbiased
/// variance; evaluation mode normalises with the running statistics. Weight starts at 1, bias at 0
/// (or N(1, σ²) weights when `weightStandardDeviation` is given, as DCGAN and pix2pix initialise).
/// Training mode runs fused kernels whose backward pass falls back to the composed formula when a
/// second-order graph is requested, so gradients of gradients stay exact.
public final class BatchNorm: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let batchesTracked: Buffer
    public let epsilon: Float
    public let momentum: Float

    public override var stateNameOverrides: [String: String] {
        ["runningVariance": "running_var", "batchesTracked": "num_batches_tracked"]
    }

    public init(featureCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1,
                weightStandardDeviation: Float? = nil, generator: inout RandomGenerator) {
        if let weightStandardDeviation {
            weight = Parameter(Tensor.randomNormal([featureCount], mean: 1, standardDeviation: weightStandardDeviation, generator: &generator))
        } else {
            weight = Parameter(Tensor(repeating: 1, shape: [featureCount]))
        }
        bias = Parameter(Tensor(zeros: [featureCount]))
        runningMean = Buffer(Tensor(zeros: [featureCount]))
        runningVariance = Buffer(Tensor(repeating: 1, shape: [featureCount]))
        batchesTracked = Buffer(Tensor(0), storageType: .int64)
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 || input.rank == 4, "BatchNorm takes [N, C] or [N, C, H, W], got \(input.shape)")
        let channels = weight.value.scalarCount
        precondition(input.shape[1] == channels, "BatchNorm over \(channels) channels got input \(input.shape)")
        guard !isTraining else {
            let (output, mean, variance) = Tensor.batchNormalized(input, weight: weight.value, bias: bias.value, epsilon: epsilon)
            updateRunningStatistics(mean: mean, variance: variance, count: input.scalarCount / channels)
            return output
        }
        let statisticsShape = input.rank == 2 ? [1, channels] : [1, channels, 1, 1]
        let mean = runningMean.value.reshaped(to: statisticsShape)
        let variance = runningVariance.value.reshaped(to: statisticsShape)
        let normalized = (input - mean) / (variance + epsilon).squareRoot()
        return normalized * weight.value.reshaped(to: statisticsShape) + bias.value.reshaped(to: statisticsShape)
    }

    private func updateRunningStatistics(mean batchMean: [Float], variance batchVariance: [Float], count: Int) {
        let correction = Float(count) / Float(Swift.max(count - 1, 1))
        runningMean.value.withUnsafeMutableBufferPointer { running in
            for index in running.indices { running[index] += momentum * (batchMean[index] - running[index]) }
        }
        runningVariance.value.withUnsafeMutableBufferPointer { running in
            for index in running.indices {
                running[index] += momentum * (batchVariance[index] * correction - running[index])
            }
        }
        batchesTracked.value = Tensor(batchesTracked.value.scalar + 1)
    }
}
