import Tensors

/// Bilinear resize of `[N, C, H, W]` images to `height × width` with half-pixel centres
/// (PyTorch's `interpolate(mode="bilinear", align_corners=False)`; the same as PIL's bilinear
/// when enlarging, which is how MNIST becomes 64×64 for `dcgan64`).
public func resizeBilinear(_ images: Tensor, height: Int, width: Int) -> Tensor {
    precondition(images.rank == 4, "resizeBilinear takes [N, C, H, W], got \(images.shape)")
    let (count, channels, sourceHeight, sourceWidth) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let rows = samplePositions(output: height, input: sourceHeight)
    let columns = samplePositions(output: width, input: sourceWidth)
    var result = [Float](repeating: 0, count: count * channels * height * width)
    images.withUnsafeBufferPointer { source in
        for plane in 0..<(count * channels) {
            let input = plane * sourceHeight * sourceWidth, output = plane * height * width
            for (y, row) in rows.enumerated() {
                for (x, column) in columns.enumerated() {
                    let top = source[input + row.low * sourceWidth + column.low] * (1 - column.weight)
                        + source[input + row.low * sourceWidth + column.high] * column.weight
                    let bottom = source[input + row.high * sourceWidth + column.low] * (1 - column.weight)
                        + source[input + row.high * sourceWidth + column.high] * column.weight
                    result[output + y * width + x] = top * (1 - row.weight) + bottom * row.weight
                }
            }
        }
    }
    return Tensor(shape: [count, channels, height, width], scalars: result)
}

/// For each output index: the two neighbouring input indices and the weight of the upper one.
private func samplePositions(output: Int, input: Int) -> [(low: Int, high: Int, weight: Float)] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { index in
        let position = max((Float(index) + 0.5) * scale - 0.5, 0)
        let low = min(Int(position), input - 1)
        return (low, min(low + 1, input - 1), position - Float(low))
    }
}
