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
        let scales = (0..<layout.channels).map { gamma[$0] * inverseDeviation[$0] }
        let shifts = (0..<layout.channels).map { beta[$0] - mean[$0] * scales[$0] }
        scales.withUnsafeBufferPointer { scale in
            shifts.withUnsafeBufferPointer { shift in
                layout.forEachChannelBlock { block in
                    guard layout.spatial > 1 else {
                        return layout.forEachRowElement(of: block) { index, channel in y[index] = x[index] * scale[channel] + shift[channel] }
                    }
                    for channel in block {
                        let (factor, offset) = (scale[channel], shift[channel])
                        layout.forEachRun(of: channel) { run in for index in run { y[index] = x[index] * factor + offset } }
                    }
                }
            }
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
        mean.withUnsafeBufferPointer { mu in
            inverseDeviation.withUnsafeBufferPointer { inverse in
                weightGradient.withUnsafeMutableBufferPointer { dGamma in
                    biasGradient.withUnsafeMutableBufferPointer { dBeta in
                        layout.forEachChannelBlock { block in
                            guard layout.spatial > 1 else {
                                layout.forEachRowElement(of: block) { index, channel in
                                    dBeta[channel] += dy[index]
                                    dGamma[channel] += dy[index] * (x[index] - mu[channel]) * inverse[channel]
                                }
                                return layout.forEachRowElement(of: block) { index, channel in
                                    let normalized = (x[index] - mu[channel]) * inverse[channel]
                                    let (meanGradient, meanProduct) = (dBeta[channel] / count, dGamma[channel] / count)
                                    dx[index] = gamma[channel] * inverse[channel] * (dy[index] - meanGradient - normalized * meanProduct)
                                }
                            }
                            for channel in block {
                                let (center, scale) = (mu[channel], inverse[channel])
                                dBeta[channel] = layout.sum(of: channel) { dy[$0] }
                                dGamma[channel] = layout.sum(of: channel) { dy[$0] * (x[$0] - center) * scale }
                                let (meanGradient, meanProduct) = (dBeta[channel] / count, dGamma[channel] / count)
                                let factor = gamma[channel] * scale
                                layout.forEachRun(of: channel) { run in
                                    for index in run {
                                        dx[index] = factor * (dy[index] - meanGradient - (x[index] - center) * scale * meanProduct)
                                    }
                                }
                            }
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

    /// Calls `body(channels)` for blocks of channels split across threads; each block's loops
    /// visit every channel's elements in the same order whatever the thread count.
    func forEachChannelBlock(_ body: (Range<Int>) -> Void) {
        Kernels.parallelFor(channels, grain: Swift.max(1, 16_384 / Swift.max(perChannel, 1)), body)
    }

    /// Calls `body(index, channel)` for every element of `[N, C]` input in the channels of `block`, a
    /// row at a time across the block (contiguous, so the loop vectorises).
    @inline(__always)
    func forEachRowElement(of block: Range<Int>, _ body: (Int, Int) -> Void) {
        for sample in 0..<batch { for channel in block { body(sample * channels + channel, channel) } }
    }

    /// Calls `body(run)` for each sample's contiguous run of one channel's elements (`[N, C, H, W]`).
    @inline(__always)
    func forEachRun(of channel: Int, _ body: (Range<Int>) -> Void) {
        for sample in 0..<batch {
            let start = (sample * channels + channel) * spatial
            body(start..<(start + spatial))
        }
    }

    /// Σ term(index) over one channel's elements of `[N, C, H, W]` input, with four partial sums: one
    /// running sum waits on every add.
    @inline(__always)
    func sum<Scalar: FloatingPoint>(of channel: Int, _ term: (Int) -> Scalar) -> Scalar {
        var (first, second, third, fourth): (Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0)
        forEachRun(of: channel) { run in
            var index = run.lowerBound
            while index + 4 <= run.upperBound {
                first += term(index)
                second += term(index + 1)
                third += term(index + 2)
                fourth += term(index + 3)
                index += 4
            }
            while index < run.upperBound {
                first += term(index)
                index += 1
            }
        }
        return (first + second) + (third + fourth)
    }

    /// Per-channel mean and biased variance, accumulated in Double for accuracy.
    func statistics(_ x: UnsafePointer<Float>) -> (mean: [Float], variance: [Float]) {
        var sums = [Double](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        let count = Double(perChannel)
        sums.withUnsafeMutableBufferPointer { sum in
            squares.withUnsafeMutableBufferPointer { square in
                forEachChannelBlock { block in
                    guard spatial > 1 else {
                        forEachRowElement(of: block) { index, channel in sum[channel] += Double(x[index]) }
                        for channel in block { sum[channel] /= count }
                        return forEachRowElement(of: block) { index, channel in
                            let deviation = Double(x[index]) - sum[channel]
                            square[channel] += deviation * deviation
                        }
                    }
                    for channel in block {
                        let mean = self.sum(of: channel) { Double(x[$0]) } / count
                        sum[channel] = mean
                        square[channel] = self.sum(of: channel) { index in
                            let deviation = Double(x[index]) - mean
                            return deviation * deviation
                        }
                    }
                }
            }
        }
        return (sums.map { Float($0) }, squares.map { Float($0 / count) })
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
