import Tensors

/// A fully connected layer y = x·Wᵀ + b, with PyTorch's layout: weight `[out, in]`, bias `[out]`.
public final class Linear: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(inputSize: Int, outputSize: Int, bias hasBias: Bool = true,
                initializer: Initializer = .pytorchDefault, generator: inout RandomGenerator) {
        let shape = [outputSize, inputSize]
        weight = Parameter(initializer.weight(shape, generator: &generator))
        bias = hasBias ? Parameter(initializer.bias(outputSize, weightShape: shape, generator: &generator)) : nil
    }

    /// `input` is `[N, in]` (or `[…, in]`); the result is `[…, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let product = Tensor.matmul(input, weight.value, transposeB: true)
        return bias.map { product + $0.value } ?? product
    }
}

/// A 2-D convolution over NCHW input; weight `[out, in, k, k]`, optional bias `[out]`.
public final class Conv2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias hasBias: Bool = true, initializer: Initializer = .pytorchDefault, generator: inout RandomGenerator) {
        let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
        weight = Parameter(initializer.weight(shape, generator: &generator))
        bias = hasBias ? Parameter(initializer.bias(outputChannels, weightShape: shape, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let output = Tensor.conv2d(input, weight.value, stride: stride, padding: padding)
        return bias.map { output + $0.value.reshaped(to: [1, -1, 1, 1]) } ?? output
    }
}

/// A 2-D transposed convolution over NCHW input; weight `[in, out, k, k]` as in PyTorch.
public final class ConvTranspose2d: Module, Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int, outputPadding: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias hasBias: Bool = true, initializer: Initializer = .pytorchDefault,
                generator: inout RandomGenerator) {
        let shape = [inputChannels, outputChannels, kernelSize, kernelSize]
        weight = Parameter(initializer.weight(shape, generator: &generator))
        bias = hasBias ? Parameter(initializer.bias(outputChannels, weightShape: shape, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let output = Tensor.convTranspose2d(input, weight.value, stride: stride, padding: padding, outputPadding: outputPadding)
        return bias.map { output + $0.value.reshaped(to: [1, -1, 1, 1]) } ?? output
    }
}

/// A lookup table of `[classes, dimension]` vectors (PyTorch initialises it N(0, 1)).
public final class Embedding: Module {
    public let weight: Parameter

    public init(count: Int, dimension: Int, generator: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([count, dimension], generator: &generator))
    }

    /// The rows for `indices`: `[indices.count, dimension]`.
    public func callAsFunction(_ indices: [Int]) -> Tensor { weight.value.gatheringRows(indices) }
}

/// Zeroes elements with probability p in training mode and scales the rest by 1/(1 − p);
/// the identity in evaluation mode. Its seeded stream is saved with the trainer state.
public final class Dropout: Module, Layer {
    public let probability: Float
    public let random: RandomStream

    public init(probability: Float, seed: UInt64) {
        self.probability = probability
        random = RandomStream(seed: seed)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        isTraining ? input.dropout(probability: probability, generator: &random.generator) : input
    }
}

/// An element-wise activation function as a parameter-free layer.
public final class Activation: Module, Layer {
    let function: (Tensor) -> Tensor

    public init(_ function: @escaping (Tensor) -> Tensor) { self.function = function }

    public static func leakyRelu(_ slope: Float) -> Activation { Activation { $0.leakyRelu(slope: slope) } }
    public static var relu: Activation { Activation { $0.relu() } }
    public static var tanh: Activation { Activation { $0.tanh() } }
    public static var sigmoid: Activation { Activation { $0.sigmoid() } }

    public func callAsFunction(_ input: Tensor) -> Tensor { function(input) }
}

/// Reshapes each sample: `[N, …]` → `[N] + shape`; `[-1]` flattens.
public final class Reshape: Module, Layer {
    public let shape: [Int]

    public init(_ shape: [Int]) { self.shape = shape }

    public static var flatten: Reshape { Reshape([-1]) }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.reshaped(to: [input.shape[0]] + shape) }
}

/// Max pooling over square windows of NCHW input, without padding (PyTorch's `MaxPool2d`);
/// the stride defaults to the window size, so `MaxPool2d(kernelSize: 2)` halves each side.
public final class MaxPool2d: Module, Layer {
    public let kernelSize: Int, stride: Int

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { Tensor.maxPool2d(input, kernelSize: kernelSize, stride: stride) }
}

/// A maxout unit layer (Goodfellow et al. 2013): an affine map to `outputSize · pieces` values, then
/// the maximum of each consecutive group of `pieces`, giving `[N, outputSize]`.
///
/// The grouping is Blocks' `LinearMaxout` (the PacGAN and ALI discriminators): output unit j is the
/// maximum of affine outputs j·pieces … j·pieces + pieces − 1. Its weight is `linear.weight`
/// `[outputSize · pieces, inputSize]`.
public final class Maxout: Module, Layer {
    public let linear: Linear
    public let pieces: Int

    public init(inputSize: Int, outputSize: Int, pieces: Int, initializer: Initializer = .pytorchDefault,
                generator: inout RandomGenerator) {
        precondition(pieces > 0, "maxout needs at least one piece")
        linear = Linear(inputSize: inputSize, outputSize: outputSize * pieces, initializer: initializer, generator: &generator)
        self.pieces = pieces
    }

    /// `[N, inputSize]` → `[N, outputSize]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let affine = linear(input)
        return affine.reshaped(to: [affine.shape[0], -1, pieces]).max(alongAxes: [2])
    }
}
