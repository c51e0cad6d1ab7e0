import XCTest
@testable import Tensors

/// A tensor of Doubles for reference implementations: the oracle every op is compared with.
struct Reference {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(values.count == shape.reduce(1, *))
        self.shape = shape
        self.values = values
    }

    init(_ tensor: Tensor) { self.init(shape: tensor.shape, values: tensor.scalars.map(Double.init)) }

    var strides: [Int] { contiguousStrides(shape) }

    /// Element-wise with NumPy broadcasting.
    static func zip(_ a: Reference, _ b: Reference, _ operation: (Double, Double) -> Double) -> Reference {
        let shape = broadcastShape(a.shape, b.shape)
        let (strideA, strideB) = (broadcastStrides(a.shape, to: shape), broadcastStrides(b.shape, to: shape))
        let count = shape.reduce(1, *)
        var values = [Double](repeating: 0, count: count)
        for flat in 0..<count {
            var rest = flat, offsetA = 0, offsetB = 0
            for axis in shape.indices.reversed() {
                let index = rest % shape[axis]
                rest /= shape[axis]
                offsetA += index * strideA[axis]
                offsetB += index * strideB[axis]
            }
            values[flat] = operation(a.values[offsetA], b.values[offsetB])
        }
        return Reference(shape: shape, values: values)
    }

    func map(_ operation: (Double) -> Double) -> Reference { Reference(shape: shape, values: values.map(operation)) }
}

/// Seeded random tensors for tests.
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: low, high: high, generator: &generator)
}

/// Checks an op's forward pass against `reference` and its backward pass against central finite
/// differences of `reference` in Double.
///
/// The scalar being differentiated is Σ op(x) ⊙ r for a fixed random r, so every output element's
/// gradient path is exercised with a different weight.
func checkOp(
    _ inputs: [Tensor],
    forwardTolerance: Double = 1e-5, gradientTolerance: Double = 2e-3, step: Double = 1e-4,
    file: StaticString = #filePath, line: UInt = #line,
    _ operation: ([Tensor]) -> Tensor, reference: ([Reference]) -> Reference
) {
    let tracked = inputs.map { $0.tracked() }
    let output = operation(tracked)
    let expected = reference(inputs.map(Reference.init))
    XCTAssertEqual(output.shape, expected.shape, "forward shape", file: file, line: line)
    guard output.shape == expected.shape else { return }
    assertClose(output.scalars.map(Double.init), expected.values, tolerance: forwardTolerance, "forward", file: file, line: line)

    let weights = randomTensor(output.shape, seed: 99)
    let analytic = gradients(of: (output * weights).sum(), withRespectTo: tracked)
    let weightValues = weights.scalars.map(Double.init)
    for (position, input) in inputs.enumerated() {
        var numeric = [Double](repeating: 0, count: input.scalarCount)
        var references = inputs.map(Reference.init)
        for index in 0..<input.scalarCount {
            let original = references[position].values[index]
            references[position].values[index] = original + step
            let plus = zip(reference(references).values, weightValues).map(*).reduce(0, +)
            references[position].values[index] = original - step
            let minus = zip(reference(references).values, weightValues).map(*).reduce(0, +)
            references[position].values[index] = original
            numeric[index] = (plus - minus) / (2 * step)
        }
        XCTAssertEqual(analytic[position].shape, input.shape, "gradient shape of input \(position)", file: file, line: line)
        assertClose(analytic[position].scalars.map(Double.init), numeric, tolerance: gradientTolerance,
                    "gradient of input \(position)", file: file, line: line)
    }
}

/// Asserts |a − b| ≤ tolerance·(1 + |b|) element-wise.
func assertClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double, _ message: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
    for (index, (a, b)) in zip(actual, expected).enumerated() where !(Swift.abs(a - b) <= tolerance * (1 + Swift.abs(b))) {
        XCTFail("\(message): element \(index) is \(a), expected \(b)", file: file, line: line)
        return
    }
}

func assertClose(_ actual: Tensor, _ expected: [Float], tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual.scalars.map(Double.init), expected.map(Double.init), tolerance: tolerance, "values", file: file, line: line)
}
