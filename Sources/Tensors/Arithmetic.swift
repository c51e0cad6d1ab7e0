import Kernels

/// Element counts below which element-wise loops stay on the calling thread.
let parallelGrain = 32_768

/// Applies `operation` element-wise over broadcast operands into a new tensor.
///
/// Runs in parallel. Broadcast operands walk the output one innermost run at a time (split over the
/// outermost axis), with unit-stride and stretched (stride 0) runs as their own vectorisable loops.
@inline(__always)
func mapBroadcast<Operation: ElementCombination>(_ a: Tensor, _ b: Tensor, _ operation: Operation) -> Tensor {
    let shape = a.shape == b.shape ? a.shape : broadcastShape(a.shape, b.shape)
    let result = Tensor.uninitialized(shape)
    let x = a.storage.pointer, y = b.storage.pointer, z = result.storage.pointer
    if a.shape == b.shape {
        Kernels.parallelFor(result.scalarCount, grain: parallelGrain) { range in
            for index in range { z[index] = operation(x[index], y[index]) }
        }
    } else if b.scalarCount == 1 {
        let constant = y[0]
        Kernels.parallelFor(result.scalarCount, grain: parallelGrain) { range in
            for index in range { z[index] = operation(x[index], constant) }
        }
    } else {
        let firstStrides = broadcastStrides(a.shape, to: shape)
        let secondStrides = broadcastStrides(b.shape, to: shape)
        forEachInnerRunConcurrently(shape: shape, firstStrides: firstStrides, secondStrides: secondStrides) {
            out, first, second, count, firstStep, secondStep in
            let (left, right, target) = (x + first, y + second, z + out)
            switch (firstStep, secondStep) {
            case (1, 1): for index in 0..<count { target[index] = operation(left[index], right[index]) }
            case (1, 0): for index in 0..<count { target[index] = operation(left[index], right[0]) }
            case (0, 1): for index in 0..<count { target[index] = operation(left[0], right[index]) }
            default:
                for index in 0..<count {
                    target[index] = operation(left[index * firstStep], right[index * secondStep])
                }
            }
        }
    }
    return result
}

/// Applies `function` to every element into a new tensor of the same shape.
@inline(__always)
func mapElements<Function: ElementFunction>(_ a: Tensor, _ function: Function) -> Tensor {
    let result = Tensor.uninitialized(a.shape)
    let x = a.storage.pointer, z = result.storage.pointer
    Kernels.parallelFor(result.scalarCount, grain: parallelGrain) { range in
        for index in range { z[index] = function(x[index]) }
    }
    return result
}

/// Applies a closure to every element: for functions costly enough that the call does not matter.
func mapElements(_ a: Tensor, _ body: (Float) -> Float) -> Tensor {
    withoutActuallyEscaping(body) { mapElements(a, ElementClosure(body: $0)) }
}

extension Tensor {
    /// Element-wise sum with broadcasting. Derivative: the gradient, summed to each operand's shape.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (shapeA, shapeB) = (a.shape, b.shape)
        return mapBroadcast(a, b, Sum()).recorded(from: [a, b]) { gradient, needed in
            [needed[0] ? gradient.summed(toShape: shapeA) : nil,
             needed[1] ? gradient.summed(toShape: shapeB) : nil]
        }
    }

    /// Element-wise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (shapeA, shapeB) = (a.shape, b.shape)
        return mapBroadcast(a, b, Difference()).recorded(from: [a, b]) { gradient, needed in
            [needed[0] ? gradient.summed(toShape: shapeA) : nil,
             needed[1] ? (-gradient).summed(toShape: shapeB) : nil]
        }
    }

    /// Element-wise product with broadcasting. Derivative: d(ab) = b·da + a·db.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        mapBroadcast(a, b, Product()).recorded(from: [a, b]) { gradient, needed in
            [needed[0] ? (gradient * b).summed(toShape: a.shape) : nil,
             needed[1] ? (gradient * a).summed(toShape: b.shape) : nil]
        }
    }

    /// Element-wise quotient with broadcasting. Derivative: d(a/b) = da/b − a·db/b².
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        mapBroadcast(a, b, Quotient()).recorded(from: [a, b]) { gradient, needed in
            [needed[0] ? (gradient / b).summed(toShape: a.shape) : nil,
             needed[1] ? (-(gradient * a) / (b * b)).summed(toShape: b.shape) : nil]
        }
    }

    /// Negation. Derivative: −gradient.
    public static prefix func - (a: Tensor) -> Tensor {
        mapElements(a, Negation()).recorded(from: [a]) { gradient, _ in [-gradient] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func * (a: Float, b: Tensor) -> Tensor { b * Tensor(a) }
    public static func / (a: Tensor, b: Float) -> Tensor { a * Tensor(1 / b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }

    /// The element-wise square (composed: x·x).
    public func squared() -> Tensor { self * self }
}
