import Kernels

extension Tensor {
    /// Batch normalisation with batch statistics over every axis but the channel axis 1:
    /// (x − mean) / √(var + ε) · weight + bias, with the biased variance, for `[N, C]` or `[N, C, H, W]`.
    ///
    /// Returns the batch mean and biased variance too, for the running statistics. The forward pass
    /// and the first-order backward pass are fused loops; when gradients are taken with
    /// `createGraph`, the backward pass differentiates the same formula composed from primitive ops,
    /// so gradients of gradients stay exact.
    public static func batchNormalized(
        _ input: Tensor, weight: Tensor, bias: Tensor, epsilon: Float
    ) -> (output: Tensor, mean: [Float], variance: [Float]) {
        precondition(input.rank == 2 || input.rank == 4, "batchNormalized takes [N, C] or [N, C, H, W], got \(input.shape)")
        let layout = ChannelLayout(input.shape)
        precondition(weight.shape == [layout.channels] && bias.shape == [layout.channels],
                     "batchNormalized weight and bias must be [\(layout.channels)]")
        let (mean, variance) = layout.statistics(input.storage.pointer)
        let inverseDeviation = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let output = Tensor.uninitialized(input.shape)
        let (x, y, gamma, beta) = (input.storage.pointer, output.storage.pointer, weight.storage.pointer, bias.storage.pointer)
        layout.forEachChannel { channel, offsets in
            let scale = gamma[channel] * inverseDeviation[channel]
            let shift = beta[channel] - mean[channel] * scale
            for start in offsets { for index in start..<(start + layout.spatial) { y[index] = x[index] * scale + shift } }
        }
        let result = output.recorded(from: [input, weight, bias]) { gradient, needed in
            if GradientMode.isRecording {
                return composedBatchNormGradients(gradient, input, weight, bias, epsilon: epsilon, needed: needed)
            }
            return fusedBatchNormGradients(gradient, input, weight, layout: layout, mean: mean, inverseDeviation: inverseDeviation)
        }
        return (result, mean, variance)
    }

    /// The same formula from primitive ops: the differentiable twin of the fused kernels.
    static func composedBatchNorm(_ input: Tensor, _ weight: Tensor, _ bias: Tensor, epsilon: Float) -> Tensor {
        let axes = input.rank == 2 ? [0] : [0, 2, 3]
        let shape = input.rank == 2 ? [1, -1] : [1, -1, 1, 1]
        let mean = input.mean(alongAxes: axes, keepingDimensions: true)
        let centered = input - mean
        let variance = centered.squared().mean(alongAxes: axes, keepingDimensions: true)
        return centered / (variance + epsilon).squareRoot() * weight.reshaped(to: shape) + bias.reshaped(to: shape)
    }

    private static func composedBatchNormGradients(
        _ gradient: Tensor, _ input: Tensor, _ weight: Tensor, _ bias: Tensor, epsilon: Float, needed: [Bool]
    ) -> [Tensor?] {
        let inputs = [input, weight, bias].map { $0.isTracked ? $0 : $0.tracked() }
        let output = composedBatchNorm(inputs[0], inputs[1], inputs[2], epsilon: epsilon)
        let result = gradients(of: output, withRespectTo: inputs, seed: gradient, createGraph: true)
        return zip(result, needed).map { $1 ? $0 : nil }
    }

    /// dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)).
    private static func fusedBatchNormGradients(
        _ gradient: Tensor, _ input: Tensor, _ weight: Tensor, layout: ChannelLayout, mean: [Float], inverseDeviation: [Float]
    ) -> [Tensor?] {
        let inputGradient = Tensor.uninitialized(input.shape)
        var weightGradient = Tensor(zeros: [layout.channels]), biasGradient = Tensor(zeros: [layout.channels])
        let (x, dy, dx, gamma) = (input.storage.pointer, gradient.storage.pointer, inputGradient.storage.pointer, weight.storage.pointer)
        let count = Float(layout.perChannel)
        weightGradient.withUnsafeMutableBufferPointer { dGamma in
            biasGradient.withUnsafeMutableBufferPointer { dBeta in
                layout.forEachChannel { channel, offsets in
                    let (mu, inverse) = (mean[channel], inverseDeviation[channel])
                    var sum: Float = 0, dotNormalized: Float = 0
                    for start in offsets {
                        for index in start..<(start + layout.spatial) {
                            sum += dy[index]
                            dotNormalized += dy[index] * (x[index] - mu) * inverse
                        }
                    }
                    dBeta[channel] = sum
                    dGamma[channel] = dotNormalized
                    let scale = gamma[channel] * inverse
                    let (meanGradient, meanProduct) = (sum / count, dotNormalized / count)
                    for start in offsets {
                        for index in start..<(start + layout.spatial) {
                            let normalized = (x[index] - mu) * inverse
                            dx[index] = scale * (dy[index] - meanGradient - normalized * meanProduct)
                        }
                    }
                }
            }
        }
        return [inputGradient, weightGradient, biasGradient]
    }
}

/// Where one channel's elements lie in an `[N, C]` or `[N, C, H, W]` buffer: N runs of `spatial` elements.
struct ChannelLayout {
    let batch: Int, channels: Int, spatial: Int

    init(_ shape: [Int]) {
        batch = shape[0]
        channels = shape[1]
        spatial = shape.dropFirst(2).reduce(1, *)
    }

    var perChannel: Int { batch * spatial }

    /// Calls `body(channel, runStarts)` for every channel, channels split across threads.
    func forEachChannel(_ body: (Int, StrideTo<Int>) -> Void) {
        let (channels, spatial, batch) = (self.channels, self.spatial, self.batch)
        Kernels.parallelFor(channels, grain: Swift.max(1, 16_384 / Swift.max(perChannel, 1))) { range in
            for channel in range {
                body(channel, stride(from: channel * spatial, to: batch * channels * spatial, by: channels * spatial))
            }
        }
    }

    /// Per-channel mean and biased variance, accumulated in Double for accuracy.
    func statistics(_ x: UnsafePointer<Float>) -> (mean: [Float], variance: [Float]) {
        var mean = [Float](repeating: 0, count: channels), variance = [Float](repeating: 0, count: channels)
        mean.withUnsafeMutableBufferPointer { meanBuffer in
            variance.withUnsafeMutableBufferPointer { varianceBuffer in
                forEachChannel { channel, offsets in
                    var sum = 0.0
                    for start in offsets { for index in start..<(start + spatial) { sum += Double(x[index]) } }
                    let mu = sum / Double(perChannel)
                    var squares = 0.0
                    for start in offsets {
                        for index in start..<(start + spatial) {
                            let deviation = Double(x[index]) - mu
                            squares += deviation * deviation
                        }
                    }
                    meanBuffer[channel] = Float(mu)
                    varianceBuffer[channel] = Float(squares / Double(perChannel))
                }
            }
        }
        return (mean, variance)
    }
}

extension Tensor {
    /// Instance normalisation of `[N, C, H, W]`: every (sample, channel) plane minus its own mean,
    /// divided by √(its biased variance + ε), with no learned scale or shift.
    ///
    /// This is PyTorch's `InstanceNorm2d(affine=False, track_running_stats=False)` (Ulyanov et al.
    /// 2016), pix2pix's `--norm instance`: the same in training and evaluation. Composed from primitive
    /// ops, so its gradient differentiates again.
    public func instanceNormalized(epsilon: Float = 1e-5) -> Tensor {
        precondition(rank == 4, "instanceNormalized takes [N, C, H, W], got \(shape)")
        let centered = self - mean(alongAxes: [2, 3], keepingDimensions: true)
        let variance = centered.squared().mean(alongAxes: [2, 3], keepingDimensions: true)
        return centered / (variance + epsilon).squareRoot()
    }
}
