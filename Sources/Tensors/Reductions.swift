import Kernels

extension Tensor {
    /// Normalises possibly negative axes and checks them against the rank.
    func normalizedAxes(_ axes: [Int]) -> [Int] {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        precondition(normalized.allSatisfy { $0 >= 0 && $0 < rank }, "axes \(axes) out of range for shape \(shape)")
        return Array(Set(normalized)).sorted()
    }

    /// The shape after reducing `axes` while keeping them as size 1.
    func reducedShape(_ axes: [Int]) -> [Int] {
        shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    }

    /// Combines elements along `axes` with `combine`, starting each output at `initial`. (A generic
    /// value, not a closure: a closure captured by the pool's body is called out of line per element.)
    ///
    /// The longest kept axis is split across the compute threads: each output is still combined by
    /// one thread in the serial order, so results do not depend on the thread count.
    @inline(__always)
    private func reduced<Combination: ElementCombination>(_ axes: [Int], initial: Float, _ combine: Combination) -> Tensor {
        let keptShape = reducedShape(axes)
        let result = Tensor(repeating: initial, shape: keptShape)
        let x = storage.pointer, z = result.storage.pointer
        let outputStrides = broadcastStrides(keptShape, to: shape), inputStrides = contiguousStrides(shape)
        func combineRuns(_ shape: [Int], _ outputOffset: Int, _ inputOffset: Int) {
            forEachInnerRun(shape: shape, firstStrides: outputStrides, secondStrides: inputStrides) {
                _, out, input, count, outStep, _ in
                let (target, source) = (z + out + outputOffset, x + input + inputOffset)
                if outStep == 0 {
                    var accumulator = target[0]
                    for index in 0..<count { accumulator = combine(accumulator, source[index]) }
                    target[0] = accumulator
                } else {
                    for index in 0..<count { target[index] = combine(target[index], source[index]) }
                }
            }
        }
        guard let split = (0..<rank).filter({ outputStrides[$0] != 0 }).max(by: { shape[$0] < shape[$1] }), shape[split] > 1 else {
            combineRuns(shape, 0, 0)
            return result
        }
        // Chunks span at least a cache line of outputs: neighbouring outputs written from two cores
        // made each one's line bounce between them (a conv bias gradient got 2.6 times slower).
        let lineGrain = (16 + outputStrides[split] - 1) / outputStrides[split]
        let grain = Swift.max(lineGrain, parallelGrain / Swift.max(scalarCount / shape[split], 1))
        Kernels.parallelFor(shape[split], grain: grain) { range in
            var part = shape
            part[split] = range.count
            combineRuns(part, range.lowerBound * outputStrides[split], range.lowerBound * inputStrides[split])
        }
        return result
    }

    /// The sum over `axes` (all axes when empty is not intended: pass them explicitly).
    ///
    /// Derivative: the gradient broadcast back over the reduced axes.
    public func summed(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let keptShape = reducedShape(axes)
        let finalShape = keepingDimensions ? keptShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let inputShape = shape
        let value = reduced(axes, initial: 0, Sum())
        let result = Tensor(shape: finalShape, storage: value.storage)
        return result.recorded(from: [self]) { gradient, _ in
            [gradient.reshaped(to: keptShape).broadcast(to: inputShape)]
        }
    }

    /// The sum of every element, as a scalar.
    public func sum() -> Tensor { rank == 0 ? self : summed(alongAxes: Array(0..<rank)) }

    /// The mean over `axes` (composed: sum / count).
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let count = normalizedAxes(axes).map { shape[$0] }.reduce(1, *)
        return summed(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(count))
    }

    /// The mean of every element, as a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(scalarCount, 1))) }

    /// The maximum over `axes`.
    ///
    /// Derivative: the gradient shared equally among the elements that attain the maximum
    /// (composed from a constant mask, so it differentiates again).
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes)
        let keptShape = reducedShape(axes)
        let finalShape = keepingDimensions ? keptShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let value = reduced(axes, initial: -.infinity, Maximum())
        let result = Tensor(shape: finalShape, storage: value.storage)
        return result.recorded(from: [self]) { gradient, _ in
            let mask = self.detached() .== value
            let share = mask / mask.summed(alongAxes: axes, keepingDimensions: true)
            return [gradient.reshaped(to: keptShape) * share]
        }
    }
}
