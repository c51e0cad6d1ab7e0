import Foundation
import Kernels
import Tensors

/// An optimiser that updates a fixed list of named parameters from their gradients.
///
/// `state` and `load(state:)` expose every moment buffer and the step count by name, so a
/// checkpoint can restore the optimiser exactly.
public protocol Optimizer: AnyObject {
    /// The parameters, in the order `update(with:)` expects gradients.
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// Applies one update; `gradients[i]` belongs to `parameters[i]`.
    func update(with gradients: [Tensor])
    /// Every state tensor by name, plus the step count.
    var state: (tensors: [String: Tensor], step: Int) { get }
    /// Restores what `state` returned; throws on a missing name or a shape mismatch.
    func load(state tensors: [String: Tensor], step: Int) throws
}

/// An optimiser state that does not fit the optimiser it is loaded into.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
}

/// Adam (Kingma & Ba 2015) with PyTorch's semantics: bias-corrected moments,
/// p ← p − lr·m̂ / (√v̂ + ε), and L2 `weightDecay` added to the gradient.
public final class Adam: Optimizer {
    public let parameters: [(name: String, parameter: Parameter)]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public private(set) var step = 0
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]

    public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
        firstMoments = parameters.map { Tensor(zeros: $0.parameter.value.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.parameter.value.shape) }
    }

    public func update(with gradients: [Tensor]) {
        precondition(gradients.count == parameters.count, "Adam got \(gradients.count) gradients for \(parameters.count) parameters")
        step += 1
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let correction2Root = (1 - Float(Foundation.pow(Double(beta2), Double(step)))).squareRoot()
        let settings = Kernels.AdamStep(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                                        stepSize: learningRate / correction1, correction2Root: correction2Root)
        for index in parameters.indices {
            precondition(gradients[index].shape == parameters[index].parameter.value.shape, "gradient shape mismatch for \(parameters[index].name)")
            gradients[index].withUnsafeBufferPointer { gradient in
                firstMoments[index].withUnsafeMutableBufferPointer { m in
                    secondMoments[index].withUnsafeMutableBufferPointer { v in
                        parameters[index].parameter.value.withUnsafeMutableBufferPointer { p in
                            Kernels.adamUpdate(settings, parameters: p.baseAddress!, gradients: gradient.baseAddress!,
                                               firstMoments: m.baseAddress!, secondMoments: v.baseAddress!, count: p.count)
                        }
                    }
                }
            }
        }
    }

    public var state: (tensors: [String: Tensor], step: Int) {
        var tensors: [String: Tensor] = [:]
        for (index, entry) in parameters.enumerated() {
            tensors["exp_avg.\(entry.name)"] = firstMoments[index]
            tensors["exp_avg_sq.\(entry.name)"] = secondMoments[index]
        }
        return (tensors, step)
    }

    public func load(state tensors: [String: Tensor], step: Int) throws {
        firstMoments = try parameters.map { try stateTensor(tensors, "exp_avg.\($0.name)", like: $0.parameter) }
        secondMoments = try parameters.map { try stateTensor(tensors, "exp_avg_sq.\($0.name)", like: $0.parameter) }
        self.step = step
    }
}

/// Stochastic gradient descent with PyTorch's momentum: b ← μ·b + g (b = g at the first step), p ← p − lr·b.
public final class SGD: Optimizer {
    public let parameters: [(name: String, parameter: Parameter)]
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float
    public private(set) var step = 0
    private var velocities: [Tensor]

    public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocities = parameters.map { Tensor(zeros: $0.parameter.value.shape) }
    }

    public func update(with gradients: [Tensor]) {
        precondition(gradients.count == parameters.count, "SGD got \(gradients.count) gradients for \(parameters.count) parameters")
        let (firstStep, momentum, weightDecay, learningRate) = (step == 0, self.momentum, self.weightDecay, self.learningRate)
        step += 1
        for index in parameters.indices {
            gradients[index].withUnsafeBufferPointer { gradient in
                velocities[index].withUnsafeMutableBufferPointer { b in
                    parameters[index].parameter.value.withUnsafeMutableBufferPointer { p in
                        for i in p.indices {
                            let g = gradient[i] + weightDecay * p[i]
                            b[i] = momentum == 0 ? g : (firstStep ? g : momentum * b[i] + g)
                            p[i] -= learningRate * b[i]
                        }
                    }
                }
            }
        }
    }

    public var state: (tensors: [String: Tensor], step: Int) {
        (Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ("momentum_buffer.\($0.element.name)", velocities[$0.offset]) }), step)
    }

    public func load(state tensors: [String: Tensor], step: Int) throws {
        velocities = try parameters.map { try stateTensor(tensors, "momentum_buffer.\($0.name)", like: $0.parameter) }
        self.step = step
    }
}

private func stateTensor(_ tensors: [String: Tensor], _ name: String, like parameter: Parameter) throws -> Tensor {
    guard let tensor = tensors[name] else { throw OptimizerStateError(description: "optimizer state has no tensor \(name)") }
    guard tensor.shape == parameter.value.shape else {
        throw OptimizerStateError(description: "\(name): expected shape \(parameter.value.shape), state has \(tensor.shape)")
    }
    return tensor.detached()
}
