/// Geometry of a square max pooling window over NCHW data, without padding (PyTorch's
/// `MaxPool2d(kernel_size, stride)` with `padding=0`, `ceil_mode=False`).
public struct PoolingGeometry: Hashable, Sendable {
    public var batch, channels, inputHeight, inputWidth, kernelSize, stride: Int

    public init(batch: Int, channels: Int, inputHeight: Int, inputWidth: Int, kernelSize: Int, stride: Int) {
        (self.batch, self.channels, self.inputHeight, self.inputWidth) = (batch, channels, inputHeight, inputWidth)
        (self.kernelSize, self.stride) = (kernelSize, stride)
    }

    /// (H − k) / s + 1: windows that do not fit are dropped.
    public var outputHeight: Int { (inputHeight - kernelSize) / stride + 1 }
    /// (W − k) / s + 1.
    public var outputWidth: Int { (inputWidth - kernelSize) / stride + 1 }
    public var planes: Int { batch * channels }
    public var outputCount: Int { planes * outputHeight * outputWidth }
}

extension Kernels {
    /// output `[N, C, OH, OW]` = the maximum of each window of input `[N, C, H, W]`; `indices` receives,
    /// for each output, the flat input offset of its maximum (the first one in row-major window order
    /// on ties, as PyTorch). Planes are split across threads; each output is written by one task.
    public static func maxPool2d(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int>,
        geometry g: PoolingGeometry
    ) {
        let (height, width, outputHeight, outputWidth) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        let (kernel, stride) = (g.kernelSize, g.stride)
        let planeGrain = Swift.max(1, 8_192 / Swift.max(height * width, 1))
        parallelFor(g.planes, grain: planeGrain) { planes in
            for plane in planes {
                let planeStart = plane * height * width
                var out = plane * outputHeight * outputWidth
                for row in 0..<outputHeight {
                    for column in 0..<outputWidth {
                        let corner = planeStart + row * stride * width + column * stride
                        var best = input[corner], bestIndex = corner
                        for windowRow in 0..<kernel {
                            let rowStart = corner + windowRow * width
                            for offset in rowStart..<(rowStart + kernel) where input[offset] > best {
                                best = input[offset]
                                bestIndex = offset
                            }
                        }
                        output[out] = best
                        indices[out] = bestIndex
                        out += 1
                    }
                }
            }
        }
    }

    /// The single-threaded twin of `maxPool2d`, written from the definition over multi-indices: the oracle.
    public static func naiveMaxPool2d(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int>,
        geometry g: PoolingGeometry
    ) {
        for n in 0..<g.batch { for c in 0..<g.channels { for oh in 0..<g.outputHeight { for ow in 0..<g.outputWidth {
            var best = -Float.infinity, bestIndex = -1
            for kh in 0..<g.kernelSize { for kw in 0..<g.kernelSize {
                let (h, w) = (oh * g.stride + kh, ow * g.stride + kw)
                let offset = ((n * g.channels + c) * g.inputHeight + h) * g.inputWidth + w
                if bestIndex < 0 || input[offset] > best { (best, bestIndex) = (input[offset], offset) }
            } }
            let out = ((n * g.channels + c) * g.outputHeight + oh) * g.outputWidth + ow
            output[out] = best
            indices[out] = bestIndex
        } } } }
    }
}
