import Kernels

/// The shape two operands broadcast to (NumPy rules: align trailing axes; 1 stretches).
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    let paddedA = [Int](repeating: 1, count: rank - a.count) + a
    let paddedB = [Int](repeating: 1, count: rank - b.count) + b
    return zip(paddedA, paddedB).map { left, right in
        precondition(left == right || left == 1 || right == 1,
                     "shapes \(a) and \(b) cannot be broadcast together")
        return max(left, right)
    }
}

/// Strides that read `shape` as if it had `target`'s shape: 0 along stretched axes.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
    let strides = contiguousStrides(padded)
    return zip(padded, strides).map { extent, stride in extent == 1 ? 0 : stride }
}

/// Calls `body(outputOffset, firstOffset, secondOffset, count, firstStep, secondStep)` once per
/// run of the innermost axis, walking the output in row-major order.
@inline(__always)
func forEachInnerRun(
    shape: [Int], firstStrides: [Int], secondStrides: [Int],
    _ body: (Int, Int, Int, Int, Int, Int) -> Void
) {
    let rank = shape.count
    guard rank > 0 else { return body(0, 0, 0, 1, 0, 0) }
    let inner = shape[rank - 1]
    let outerCount = shape.dropLast().reduce(1, *)
    guard inner > 0, outerCount > 0 else { return }
    var index = [Int](repeating: 0, count: rank - 1)
    var first = 0, second = 0
    for run in 0..<outerCount {
        body(run * inner, first, second, inner, firstStrides[rank - 1], secondStrides[rank - 1])
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            first += firstStrides[axis]
            second += secondStrides[axis]
            if index[axis] < shape[axis] { break }
            first -= firstStrides[axis] * shape[axis]
            second -= secondStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// `forEachInnerRun` with the outermost axis split across the compute threads (serial at or below
/// `parallelGrain` elements); each output element is still written by one call of `body`.
@inline(__always)
func forEachInnerRunConcurrently(
    shape: [Int], firstStrides: [Int], secondStrides: [Int],
    _ body: (Int, Int, Int, Int, Int, Int) -> Void
) {
    guard shape.count > 1, shape[0] > 1 else {
        return forEachInnerRun(shape: shape, firstStrides: firstStrides, secondStrides: secondStrides, body)
    }
    let slab = shape.dropFirst().reduce(1, *)
    Kernels.parallelFor(shape[0], grain: Swift.max(1, parallelGrain / Swift.max(slab, 1))) { range in
        let (out, first, second) = (range.lowerBound * slab, range.lowerBound * firstStrides[0], range.lowerBound * secondStrides[0])
        forEachInnerRun(shape: [range.count] + shape.dropFirst(), firstStrides: firstStrides, secondStrides: secondStrides) {
            body(out + $0, first + $1, second + $2, $3, $4, $5)
        }
    }
}

extension Tensor {
    /// This tensor stretched along size-1 (or missing leading) axes to `target`.
    ///
    /// Derivative: the upstream gradient summed back to this shape.
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(broadcastShape(shape, target) == target, "cannot broadcast shape \(shape) to \(target)")
        var result = Tensor.uninitialized(target)
        let source = storage.pointer, destination = result.storage.pointer
        let strides = broadcastStrides(shape, to: target)
        forEachInnerRun(shape: target, firstStrides: strides, secondStrides: strides) { out, offset, _, count, step, _ in
            if step == 0 {
                (destination + out).update(repeating: source[offset], count: count)
            } else {
                (destination + out).update(from: source + offset, count: count)
            }
        }
        let originalShape = shape
        result = result.recorded(from: [self]) { gradient, _ in [gradient.summed(toShape: originalShape)] }
        return result
    }

    /// Sums this tensor over the axes along which `target` was broadcast to reach this shape.
    ///
    /// Derivative: the upstream gradient broadcast back to this shape.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(broadcastShape(target, shape) == shape, "cannot sum shape \(shape) down to \(target)")
        let leading = shape.count - target.count
        let padded = [Int](repeating: 1, count: leading) + target
        let axes = shape.indices.filter { padded[$0] == 1 && shape[$0] != 1 }
        var result = axes.isEmpty ? self : summed(alongAxes: axes, keepingDimensions: true)
        result = result.reshaped(to: target)
        return result
    }
}
