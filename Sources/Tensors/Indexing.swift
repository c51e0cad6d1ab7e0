extension Tensor {
    /// Rows of a `[rows, …]` table picked by `indices`: the embedding lookup.
    ///
    /// Result shape: `[indices.count] + shape.dropFirst()`. Derivative: the gradient's rows added
    /// back into their table rows (`scatteringRows`), whose own derivative is this gather.
    public func gatheringRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gatheringRows needs rank ≥ 1")
        let rowLength = shape.dropFirst().reduce(1, *)
        for index in indices {
            precondition(index >= 0 && index < shape[0], "row index \(index) out of range 0..<\(shape[0])")
        }
        let result = Tensor.uninitialized([indices.count] + shape.dropFirst())
        for (row, index) in indices.enumerated() {
            (result.storage.pointer + row * rowLength).update(from: storage.pointer + index * rowLength, count: rowLength)
        }
        let rowCount = shape[0]
        return result.recorded(from: [self]) { gradient, _ in [gradient.scatteringRows(indices, rowCount: rowCount)] }
    }

    /// A `[rowCount, …]` table of zeros with row `i` of this tensor added into row `indices[i]`.
    public func scatteringRows(_ indices: [Int], rowCount: Int) -> Tensor {
        precondition(rank >= 1 && shape[0] == indices.count, "scatteringRows needs one index per row of \(shape)")
        let rowLength = shape.dropFirst().reduce(1, *)
        let result = Tensor(zeros: [rowCount] + shape.dropFirst())
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < rowCount, "row index \(index) out of range 0..<\(rowCount)")
            let destination = result.storage.pointer + index * rowLength, source = storage.pointer + row * rowLength
            for offset in 0..<rowLength { destination[offset] += source[offset] }
        }
        return result.recorded(from: [self]) { gradient, _ in [gradient.gatheringRows(indices)] }
    }

    /// Randomly zeroes elements with probability `probability` and scales the rest by 1/(1 − p).
    ///
    /// The mask comes from `generator`, so dropout is reproducible; composed as a product with a
    /// constant mask, so it differentiates like any product.
    public func dropout(probability: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        if probability == 0 { return self }
        let keep = 1 - probability
        var mask = Tensor.uninitialized(shape)
        let scale = 1 / keep
        mask.withUnsafeMutableBufferPointer { buffer in
            generator.fillDropoutMask(buffer, keep: keep, scale: scale)
        }
        return self * mask
    }
}
