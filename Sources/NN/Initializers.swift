import Tensors

/// Weight initialisation schemes of the reference implementations.
///
/// Fan sizes follow PyTorch: fan-in = weight.shape[1] × receptive field, fan-out = shape[0] × receptive
/// field (so for ConvTranspose2d's `[in, out, kh, kw]` weight, "fan-in" is out × kh × kw, as in PyTorch).
public enum Initializer: Sendable, Hashable {
    /// PyTorch's default for Linear and convolutions: kaiming-uniform with a = √5 for weights,
    /// i.e. U(±1/√fan-in), and U(±1/√fan-in) for biases.
    case pytorchDefault
    /// Glorot (Xavier) uniform U(±√(6/(fan-in + fan-out))) weights and zero biases: Keras's default.
    case glorotUniform
    /// N(0, standardDeviation²) weights and zero biases: DCGAN's and pix2pix's N(0, 0.02).
    case normal(standardDeviation: Float)

    static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        let receptive = shape.dropFirst(2).reduce(1, *)
        return shape.count < 2 ? (shape.first ?? 1, shape.first ?? 1) : (shape[1] * receptive, shape[0] * receptive)
    }

    /// A weight tensor of `shape`.
    public func weight(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = Self.fans(shape)
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(fanIn).squareRoot()
            return Tensor.randomUniform(shape, low: -bound, high: bound, generator: &generator)
        case .glorotUniform:
            let bound = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.randomUniform(shape, low: -bound, high: bound, generator: &generator)
        case .normal(let standardDeviation):
            return Tensor.randomNormal(shape, standardDeviation: standardDeviation, generator: &generator)
        }
    }

    /// A bias of `count` elements for a weight of `weightShape`.
    public func bias(_ count: Int, weightShape: [Int], generator: inout RandomGenerator) -> Tensor {
        guard case .pytorchDefault = self else { return Tensor(zeros: [count]) }
        let bound = 1 / Float(Self.fans(weightShape).fanIn).squareRoot()
        return Tensor.randomUniform([count], low: -bound, high: bound, generator: &generator)
    }
}
