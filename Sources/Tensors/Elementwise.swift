import Foundation
import Kernels

extension Tensor {
    /// Element-wise eˣ. Derivative: gradient·eˣ.
    public func exp() -> Tensor {
        let value = mapElements(self) { Foundation.exp($0) }
        return value.recorded(from: [self]) { gradient, _ in
            [gradient * (GradientMode.isRecording ? self.exp() : value)]
        }
    }

    /// Element-wise natural logarithm. Derivative: gradient / x.
    public func log() -> Tensor {
        mapElements(self) { Foundation.log($0) }.recorded(from: [self]) { gradient, _ in [gradient / self] }
    }

    /// Element-wise max(log x, minimum), the clamped logarithm of PyTorch's BCELoss.
    ///
    /// Derivative: gradient / max(x, 1e-12) where the log is above `minimum`, else 0 — bounded as
    /// PyTorch bounds it, so a saturated sigmoid (x = 0 in float32) gives a finite gradient, not 0·∞.
    public func clampedLog(minimum: Float = -100) -> Tensor {
        mapElements(self) { Swift.max(Foundation.log($0), minimum) }.recorded(from: [self]) { gradient, _ in
            let active = mapElements(self) { Foundation.log($0) > minimum ? 1 : 0 }
            return [gradient * active / ((self - 1e-12).relu() + 1e-12)]
        }
    }

    /// Element-wise square root. Derivative: gradient / (2√x).
    public func squareRoot() -> Tensor {
        mapElements(self) { $0.squareRoot() }.recorded(from: [self]) { gradient, _ in
            [gradient / (2 * self.squareRoot())]
        }
    }

    /// Element-wise hyperbolic tangent. Derivative: gradient·(1 − tanh²x).
    public func tanh() -> Tensor {
        let value = mapElements(self, HyperbolicTangent())
        return value.recorded(from: [self]) { gradient, _ in
            let y = GradientMode.isRecording ? self.tanh() : value
            return [gradient * (1 - y * y)]
        }
    }

    /// Element-wise logistic sigmoid 1/(1 + e⁻ˣ), computed without overflow. Derivative: σ(1 − σ).
    public func sigmoid() -> Tensor {
        let value = mapElements(self) { x in
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
        return value.recorded(from: [self]) { gradient, _ in
            let y = GradientMode.isRecording ? self.sigmoid() : value
            return [gradient * y * (1 - y)]
        }
    }

    /// Element-wise max(x, 0). Derivative: gradient where x > 0, else 0.
    public func relu() -> Tensor {
        mapElements(self, Rectifier()).recorded(from: [self]) { gradient, _ in
            [gradient.scaledBySlope(of: self, slope: 0)]
        }
    }

    /// Element-wise x for x > 0, slope·x otherwise. Derivative: gradient·(1 or slope).
    public func leakyRelu(slope: Float) -> Tensor {
        mapElements(self, LeakyRectifier(slope: slope)).recorded(from: [self]) { gradient, _ in
            [gradient.scaledBySlope(of: self, slope: slope)]
        }
    }

    /// This gradient times (1 where x > 0, else slope), in one pass: the rectifiers' backward rule.
    /// Differentiable in the gradient only (the factor is constant almost everywhere), so gradients
    /// of gradients flow through it.
    func scaledBySlope(of x: Tensor, slope: Float) -> Tensor {
        precondition(shape == x.shape, "a rectifier's gradient \(shape) must match its input \(x.shape)")
        return mapBroadcast(self, x, LeakyRectifierGradient(slope: slope)).recorded(from: [self]) { upstream, _ in
            [upstream.scaledBySlope(of: x, slope: slope)]
        }
    }

    /// Element-wise |x|. Derivative: gradient·sign(x) (0 at 0).
    public func abs() -> Tensor {
        mapElements(self, Absolute()).recorded(from: [self]) { gradient, _ in
            [gradient * mapElements(self, Sign())]
        }
    }
}

extension Tensor {
    /// 1 where a > b (broadcast), else 0. Not differentiable: the result is a constant.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { mapBroadcast(a, b, IsGreater()) }

    /// 1 where a < b (broadcast), else 0. A constant.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { mapBroadcast(a, b, IsLess()) }

    /// 1 where a == b (broadcast), else 0. A constant.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { mapBroadcast(a, b, IsEqual()) }

    /// Takes `other` where `condition` is non-zero and `self` elsewhere (all broadcast).
    ///
    /// Derivative: the gradient routed to the chosen operand, zero to the other.
    public func replacing(with other: Tensor, where condition: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(shape, other.shape), condition.shape)
        let (kept, replacement, mask) = (broadcast(to: shape), other.broadcast(to: shape), mapElements(condition.broadcast(to: shape), IsNonZero()))
        let result = Tensor.uninitialized(shape)
        let (x, y, c, z) = (kept.storage.pointer, replacement.storage.pointer, mask.storage.pointer, result.storage.pointer)
        for index in 0..<result.scalarCount { z[index] = c[index] != 0 ? y[index] : x[index] }
        return result.recorded(from: [kept, replacement]) { gradient, needed in
            let zero = Tensor(zeros: [])
            return [needed[0] ? zero.replacing(with: gradient, where: 1 - mask) : nil,
                    needed[1] ? zero.replacing(with: gradient, where: mask) : nil]
        }
    }
}

infix operator .> : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .== : ComparisonPrecedence
