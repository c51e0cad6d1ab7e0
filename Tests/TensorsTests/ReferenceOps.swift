import Foundation
@testable import Tensors

/// Naive Double implementations of the primitive ops: written for clarity, never speed.
extension Reference {
    /// Multi-index of a flat offset.
    func index(of flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    func offset(of index: [Int]) -> Int { Swift.zip(index, strides).map(*).reduce(0, +) }

    func reduce(_ axes: [Int], keep: Bool, initial: Double, _ combine: (Double, Double) -> Double) -> Reference {
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        var result = Reference(shape: kept, values: [Double](repeating: initial, count: kept.reduce(1, *)))
        for flat in values.indices {
            let target = result.offset(of: index(of: flat).enumerated().map { axes.contains($0.offset) ? 0 : $0.element })
            result.values[target] = combine(result.values[target], values[flat])
        }
        if !keep { result.shape = shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element) }
        return result
    }

    func permuted(_ permutation: [Int]) -> Reference {
        let newShape = permutation.map { shape[$0] }
        var result = Reference(shape: newShape, values: [Double](repeating: 0, count: values.count))
        for flat in values.indices {
            let source = index(of: flat)
            result.values[result.offset(of: permutation.map { source[$0] })] = values[flat]
        }
        return result
    }

    func sliced(_ lower: [Int], _ upper: [Int]) -> Reference {
        let newShape = Swift.zip(lower, upper).map { $1 - $0 }
        var result = Reference(shape: newShape, values: [Double](repeating: 0, count: newShape.reduce(1, *)))
        for flat in result.values.indices {
            result.values[flat] = values[offset(of: Swift.zip(result.index(of: flat), lower).map(+))]
        }
        return result
    }

    func padded(_ before: [Int], _ after: [Int]) -> Reference {
        let newShape = shape.indices.map { shape[$0] + before[$0] + after[$0] }
        var result = Reference(shape: newShape, values: [Double](repeating: 0, count: newShape.reduce(1, *)))
        for flat in values.indices { result.values[result.offset(of: Swift.zip(index(of: flat), before).map(+))] = values[flat] }
        return result
    }

    static func matmul(_ a: Reference, _ b: Reference, transposeA: Bool, transposeB: Bool) -> Reference {
        let a = transposeA ? a.permuted(swapLast(a.shape.count)) : a
        let b = transposeB ? b.permuted(swapLast(b.shape.count)) : b
        let (m, k, n) = (a.shape[a.shape.count - 2], a.shape[a.shape.count - 1], b.shape[b.shape.count - 1])
        let batch = a.shape.dropLast(2).reduce(1, *)
        var values = [Double](repeating: 0, count: batch * m * n)
        for p in 0..<batch {
            for i in 0..<m { for j in 0..<n { for q in 0..<k {
                values[(p * m + i) * n + j] += a.values[(p * m + i) * k + q] * b.values[(p * k + q) * n + j]
            } } }
        }
        return Reference(shape: a.shape.dropLast(2) + [m, n], values: values)
    }

    static func swapLast(_ rank: Int) -> [Int] {
        var permutation = Array(0..<rank)
        permutation.swapAt(rank - 1, rank - 2)
        return permutation
    }

    /// Direct convolution; `transposed` scatters instead (the adjoint), with weight [in, out, kh, kw].
    static func conv(_ x: Reference, _ w: Reference, stride: Int, padding: Int, dilation: Int = 1) -> Reference {
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
        let ow = (width + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
        var y = Reference(shape: [n, o, oh, ow], values: [Double](repeating: 0, count: n * o * oh * ow))
        for b in 0..<n { for f in 0..<o { for i in 0..<oh { for j in 0..<ow { for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
            let (row, column) = (i * stride - padding + p * dilation, j * stride - padding + q * dilation)
            guard row >= 0, row < h, column >= 0, column < width else { continue }
            y.values[((b * o + f) * oh + i) * ow + j] +=
                x.values[((b * c + ch) * h + row) * width + column] * w.values[((f * c + ch) * kh + p) * kw + q]
        } } } } } } }
        return y
    }

    static func convTransposed(_ x: Reference, _ w: Reference, stride: Int, padding: Int, outputPadding: Int) -> Reference {
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let oh = (h - 1) * stride - 2 * padding + kh + outputPadding
        let ow = (width - 1) * stride - 2 * padding + kw + outputPadding
        var y = Reference(shape: [n, o, oh, ow], values: [Double](repeating: 0, count: n * o * oh * ow))
        for b in 0..<n { for ch in 0..<c { for i in 0..<h { for j in 0..<width { for f in 0..<o { for p in 0..<kh { for q in 0..<kw {
            let (row, column) = (i * stride - padding + p, j * stride - padding + q)
            guard row >= 0, row < oh, column >= 0, column < ow else { continue }
            y.values[((b * o + f) * oh + row) * ow + column] +=
                x.values[((b * c + ch) * h + i) * width + j] * w.values[((ch * o + f) * kh + p) * kw + q]
        } } } } } } }
        return y
    }
}
