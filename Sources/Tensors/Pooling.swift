import Kernels

extension Tensor {
    /// Max pooling of `input` `[N, C, H, W]` over square `kernelSize` windows every `stride` pixels,
    /// without padding (PyTorch's `max_pool2d(kernel_size, stride)`): `[N, C, (H − k)/s + 1, (W − k)/s + 1]`.
    ///
    /// Derivative: each output's gradient routed to the input element that was its maximum (the
    /// first one on ties), a scatter whose own derivative is the matching gather, so gradients of
    /// gradients flow through pooling too.
    public static func maxPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil) -> Tensor {
        let stride = stride ?? kernelSize
        precondition(input.rank == 4, "maxPool2d takes [N, C, H, W], got \(input.shape)")
        precondition(kernelSize > 0 && stride > 0 && kernelSize <= input.shape[2] && kernelSize <= input.shape[3],
                     "maxPool2d window \(kernelSize) with stride \(stride) does not fit input \(input.shape)")
        let geometry = PoolingGeometry(batch: input.shape[0], channels: input.shape[1], inputHeight: input.shape[2],
                                       inputWidth: input.shape[3], kernelSize: kernelSize, stride: stride)
        let result = Tensor.uninitialized([geometry.batch, geometry.channels, geometry.outputHeight, geometry.outputWidth])
        var indices = [Int](repeating: 0, count: geometry.outputCount)
        indices.withUnsafeMutableBufferPointer { buffer in
            Kernels.maxPool2d(input: input.storage.pointer, output: result.storage.pointer, indices: buffer.baseAddress!, geometry: geometry)
        }
        let inputShape = input.shape
        return result.recorded(from: [input]) { gradient, _ in
            [gradient.scatteringElements(indices, shape: inputShape)]
        }
    }

    /// The elements at flat `indices` of this tensor, shaped `shape` (which must hold `indices.count` elements).
    ///
    /// Derivative: the gradient added back at those offsets (`scatteringElements`).
    func gatheringElements(_ indices: [Int], shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == indices.count, "gatheringElements: \(indices.count) indices do not fill \(shape)")
        let result = Tensor.uninitialized(shape)
        let (source, destination) = (storage.pointer, result.storage.pointer)
        for (position, index) in indices.enumerated() { destination[position] = source[index] }
        let sourceShape = self.shape
        return result.recorded(from: [self]) { gradient, _ in [gradient.scatteringElements(indices, shape: sourceShape)] }
    }

    /// A zero tensor of `shape` with element i of this tensor added at flat offset `indices[i]`.
    ///
    /// Derivative: the gradient gathered at those offsets (`gatheringElements`).
    func scatteringElements(_ indices: [Int], shape: [Int]) -> Tensor {
        precondition(scalarCount == indices.count, "scatteringElements needs one index per element of \(self.shape)")
        let result = Tensor(zeros: shape)
        let (source, destination) = (storage.pointer, result.storage.pointer)
        for (position, index) in indices.enumerated() { destination[index] += source[position] }
        let sourceShape = self.shape
        return result.recorded(from: [self]) { gradient, _ in [gradient.gatheringElements(indices, shape: sourceShape)] }
    }
}
