extension Tensor {
    /// The same elements with another shape (one extent may be −1). Shares storage.
    ///
    /// Derivative: the gradient reshaped back.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let wildcard = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != wildcard }.map(\.element).reduce(1, *)
            precondition(known > 0 && scalarCount % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[wildcard] = scalarCount / known
        }
        precondition(resolved.reduce(1, *) == scalarCount, "cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
        if resolved == shape { return self }
        let originalShape = shape
        return Tensor(shape: resolved, storage: storage).recorded(from: [self]) { gradient, _ in
            [gradient.reshaped(to: originalShape)]
        }
    }

    /// Flattens every axis after the first: [N, …] → [N, product].
    public func flattened() -> Tensor { reshaped(to: [shape.first ?? 1, -1]) }

    /// The axes reordered: result axis i is this tensor's axis `permutation[i]`.
    ///
    /// Derivative: the gradient permuted by the inverse permutation.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "\(permutation) is not a permutation of \(rank) axes")
        if permutation == Array(0..<rank) { return self }
        let newShape = permutation.map { shape[$0] }
        let strides = contiguousStrides(shape)
        let sourceStrides = permutation.map { strides[$0] }
        let result = Tensor.uninitialized(newShape)
        let x = storage.pointer, z = result.storage.pointer
        forEachInnerRun(shape: newShape, firstStrides: sourceStrides, secondStrides: sourceStrides) {
            out, input, _, count, step, _ in
            for index in 0..<count { z[out + index] = x[input + index * step] }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return result.recorded(from: [self]) { gradient, _ in [gradient.permuted(inverse)] }
    }

    /// Swaps the last two axes.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs rank ≥ 2, got shape \(shape)")
        var permutation = Array(0..<rank)
        permutation.swapAt(rank - 1, rank - 2)
        return permuted(permutation)
    }

    /// The block `lowerBounds ..< upperBounds` (one pair per axis).
    ///
    /// Derivative: the gradient zero-padded back to this shape.
    public func sliced(from lowerBounds: [Int], to upperBounds: [Int]) -> Tensor {
        precondition(lowerBounds.count == rank && upperBounds.count == rank, "slice bounds must give one value per axis of \(shape)")
        for axis in 0..<rank {
            precondition(0 <= lowerBounds[axis] && lowerBounds[axis] <= upperBounds[axis] && upperBounds[axis] <= shape[axis],
                         "slice \(lowerBounds)..<\(upperBounds) out of range for shape \(shape)")
        }
        let newShape = zip(lowerBounds, upperBounds).map { $1 - $0 }
        let strides = contiguousStrides(shape)
        let start = zip(lowerBounds, strides).map(*).reduce(0, +)
        let result = Tensor.uninitialized(newShape)
        let x = storage.pointer + start, z = result.storage.pointer
        forEachInnerRun(shape: newShape, firstStrides: strides, secondStrides: strides) { out, input, _, count, _, _ in
            (z + out).update(from: x + input, count: count)
        }
        let after = zip(shape, upperBounds).map { $0 - $1 }
        return result.recorded(from: [self]) { gradient, _ in [gradient.padded(before: lowerBounds, after: after)] }
    }

    /// The elements `range` along one axis.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        var lower = [Int](repeating: 0, count: rank), upper = shape
        lower[axis] = range.lowerBound
        upper[axis] = range.upperBound
        return sliced(from: lower, to: upper)
    }

    /// Zero-padded by `before[i]` and `after[i]` elements on each axis.
    ///
    /// Derivative: the gradient sliced back to this block.
    public func padded(before: [Int], after: [Int]) -> Tensor {
        precondition(before.count == rank && after.count == rank && (before + after).allSatisfy { $0 >= 0 },
                     "padding must give a non-negative value per axis of \(shape)")
        let newShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
        let result = Tensor(zeros: newShape)
        let outputStrides = contiguousStrides(newShape)
        let start = zip(before, outputStrides).map(*).reduce(0, +)
        let x = storage.pointer, z = result.storage.pointer + start
        forEachInnerRun(shape: shape, firstStrides: outputStrides, secondStrides: outputStrides) { input, out, _, count, _, _ in
            (z + out).update(from: x + input, count: count)
        }
        let upper = (0..<rank).map { before[$0] + shape[$0] }
        return result.recorded(from: [self]) { gradient, _ in [gradient.sliced(from: before, to: upper)] }
    }

    /// Joins tensors along `axis`; every other extent must agree.
    ///
    /// Derivative: the gradient sliced into each input's block.
    public static func concatenating(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenating needs at least one tensor")
        let rank = tensors[0].rank
        let axis = axis < 0 ? axis + rank : axis
        for tensor in tensors {
            precondition(tensor.rank == rank && (0..<rank).allSatisfy { $0 == axis || tensor.shape[$0] == tensors[0].shape[$0] },
                         "cannot concatenate shapes \(tensors.map(\.shape)) along axis \(axis)")
        }
        var shape = tensors[0].shape
        shape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let result = Tensor.uninitialized(shape)
        let outer = shape[..<axis].reduce(1, *)
        let rowLength = shape[axis...].reduce(1, *)
        var offset = 0
        var bounds: [Range<Int>] = []
        for tensor in tensors {
            let length = tensor.shape[axis...].reduce(1, *)
            for row in 0..<outer {
                (result.storage.pointer + row * rowLength + offset).update(from: tensor.storage.pointer + row * length, count: length)
            }
            let start = bounds.last?.upperBound ?? 0
            bounds.append(start..<(start + tensor.shape[axis]))
            offset += length
        }
        return result.recorded(from: tensors) { gradient, needed in
            zip(bounds, needed).map { range, isNeeded in isNeeded ? gradient.sliced(axis: axis, range) : nil }
        }
    }
}
