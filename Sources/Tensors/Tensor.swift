/// An n-dimensional array of float32 values with value semantics, optionally tracked for gradients.
///
/// Storage is contiguous and row-major; image tensors are NCHW. Tensors are immutable through the
/// public API (every op returns a new tensor), so reshapes share storage safely; the only in-place
/// writers (optimisers, running statistics) go through `withUnsafeMutableBufferPointer`, which copies
/// first when the storage is shared.
public struct Tensor {
    /// The extent of each dimension; `[]` is a scalar.
    public let shape: [Int]
    var storage: TensorStorage
    /// The autodiff node that produced this tensor, or the leaf node of a tracked variable.
    var node: GradientNode?

    init(shape: [Int], storage: TensorStorage, node: GradientNode? = nil) {
        precondition(storage.count == shape.reduce(1, *),
                     "storage of \(storage.count) elements does not fit shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor whose elements are not initialised; callers must write every element.
    static func uninitialized(_ shape: [Int]) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        return Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// Creates a tensor from row-major scalars.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(scalars.count == shape.reduce(1, *),
                     "\(scalars.count) scalars do not fill shape \(shape)")
        let storage = TensorStorage(count: scalars.count)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: scalars.count) }
        self.init(shape: shape, storage: storage)
    }

    /// A tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self = .uninitialized(shape)
        storage.pointer.update(repeating: value, count: storage.count)
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(repeating: scalar, shape: []) }

    /// Samples N(mean, standardDeviation²) from `generator`.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout RandomGenerator
    ) -> Tensor {
        var result = Tensor.uninitialized(shape)
        result.withUnsafeMutableBufferPointer {
            generator.fillNormal($0, mean: mean, standardDeviation: standardDeviation)
        }
        return result
    }

    /// Samples uniformly from [low, high) with `generator`.
    public static func randomUniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator
    ) -> Tensor {
        var result = Tensor.uninitialized(shape)
        result.withUnsafeMutableBufferPointer { generator.fillUniform($0, low: low, high: high) }
        return result
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var scalarCount: Int { storage.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(scalarCount == 1, "scalar needs a one-element tensor, got shape \(shape)")
        return storage.pointer[0]
    }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Writes the elements in place, copying first when the storage is shared with another tensor.
    ///
    /// The autodiff node is kept: optimisers update tracked parameters this way between steps.
    public mutating func withUnsafeMutableBufferPointer<Result>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        if !isKnownUniquelyReferenced(&storage) { storage = TensorStorage(copying: storage) }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The element at a multi-dimensional index (slow; for tests and small tensors).
    public subscript(_ indices: Int...) -> Float {
        precondition(indices.count == rank, "index \(indices) does not match shape \(shape)")
        var offset = 0
        for (index, extent) in zip(indices, shape) {
            precondition(index >= 0 && index < extent, "index \(indices) out of range for shape \(shape)")
            offset = offset * extent + index
        }
        return storage.pointer[offset]
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(scalarCount > 8 ? ", …" : "")])"
    }
}

/// Row-major strides of a shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in shape.indices.reversed() {
        strides[axis] = running
        running *= shape[axis]
    }
    return strides
}
