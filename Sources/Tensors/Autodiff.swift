import Kernels

/// A vertex of the recorded computation: the op that produced a tensor, or a tracked leaf.
///
/// Nodes are numbered in creation order; every node is created after its inputs, so visiting
/// nodes by decreasing number is a valid reverse topological order.
final class GradientNode {
    /// Given the gradient of the output and which inputs need one, returns one gradient per input.
    typealias Backward = (_ outputGradient: Tensor, _ needed: [Bool]) -> [Tensor?]

    let number: Int
    let inputs: [GradientNode?]
    let backward: Backward?
    let shape: [Int]

    nonisolated(unsafe) private static var counter = 0

    init(inputs: [GradientNode?], shape: [Int], backward: Backward?) {
        Self.counter += 1
        number = Self.counter
        self.inputs = inputs
        self.shape = shape
        self.backward = backward
    }
}

/// Whether ops record a graph for differentiation (on by default, off inside `withoutGradients`).
public enum GradientMode {
    nonisolated(unsafe) static var isRecording = true

    /// Whether ops currently record the graph.
    public static var isEnabled: Bool { isRecording }
}

/// Runs `body` without recording a graph (PyTorch's `no_grad`).
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    let previous = GradientMode.isRecording
    GradientMode.isRecording = false
    defer { GradientMode.isRecording = previous }
    return try body()
}

func withGradientRecording<Result>(_ enabled: Bool, _ body: () throws -> Result) rethrows -> Result {
    let previous = GradientMode.isRecording
    GradientMode.isRecording = enabled
    defer { GradientMode.isRecording = previous }
    return try body()
}

extension Tensor {
    /// Whether gradients can flow to this tensor.
    public var isTracked: Bool { node != nil }

    /// This value as a leaf variable that gradients are taken with respect to.
    public func tracked() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GradientNode(inputs: [], shape: shape, backward: nil))
    }

    /// This value cut from the graph: no gradient flows through it.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Attaches `backward` as this result's derivative when any input is tracked and recording is on.
    ///
    /// Backward rules must be written with differentiable tensor ops: when gradients are taken with
    /// `createGraph`, the rule runs with recording on, so its result can be differentiated again.
    func recorded(from inputs: [Tensor], backward: @escaping GradientNode.Backward) -> Tensor {
        guard GradientMode.isRecording, inputs.contains(where: { $0.node != nil }) else { return self }
        var result = self
        result.node = GradientNode(inputs: inputs.map(\.node), shape: shape, backward: backward)
        return result
    }
}

/// Reverse-mode gradients of `output` with respect to each of `variables`.
///
/// `output` must have one element unless `seed` (the gradient of some scalar with respect to
/// `output`) is given. A variable that `output` does not depend on gets zeros. With `createGraph`,
/// the gradients are themselves recorded, so they can be differentiated again (WGAN-GP, R1).
public func gradients(
    of output: Tensor, withRespectTo variables: [Tensor], seed: Tensor? = nil, createGraph: Bool = false
) -> [Tensor] {
    let seed = seed ?? {
        precondition(output.scalarCount == 1,
                     "gradients(of:) needs a one-element output or a seed; output shape is \(output.shape)")
        return Tensor(repeating: 1, shape: output.shape)
    }()
    precondition(seed.shape == output.shape, "seed shape \(seed.shape) differs from output shape \(output.shape)")
    guard let root = output.node else { return variables.map { Tensor(zeros: $0.shape) } }

    let order = reachableNodes(from: root)
    let targets = Set(variables.compactMap { $0.node.map(ObjectIdentifier.init) })
    let needed = nodesLeadingToTargets(order, targets: targets)
    var accumulated: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]

    withGradientRecording(createGraph) {
        for node in order.reversed() {
            let identifier = ObjectIdentifier(node)
            guard let backward = node.backward, let outputGradient = accumulated[identifier] else { continue }
            if !targets.contains(identifier) { accumulated[identifier] = nil }
            let mask = node.inputs.map { input in input.map { needed.contains(ObjectIdentifier($0)) } ?? false }
            guard mask.contains(true) else { continue }
            let inputGradients = backward(outputGradient, mask)
            for (input, gradient) in zip(node.inputs, inputGradients) {
                guard let input, let gradient, needed.contains(ObjectIdentifier(input)) else { continue }
                precondition(gradient.shape == input.shape,
                             "internal: gradient shape \(gradient.shape) for input of shape \(input.shape)")
                let key = ObjectIdentifier(input)
                guard var sum = accumulated.removeValue(forKey: key) else { accumulated[key] = gradient; continue }
                sum.accumulate(gradient)
                accumulated[key] = sum
            }
        }
    }
    return variables.map { variable in
        variable.node.flatMap { accumulated[ObjectIdentifier($0)] } ?? Tensor(zeros: variable.shape)
    }
}

/// Every node that `root` depends on, sorted by creation number (inputs first).
private func reachableNodes(from root: GradientNode) -> [GradientNode] {
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
    var stack = [root]
    var nodes: [GradientNode] = []
    while let node = stack.popLast() {
        nodes.append(node)
        for case let input? in node.inputs where seen.insert(ObjectIdentifier(input)).inserted {
            stack.append(input)
        }
    }
    return nodes.sorted { $0.number < $1.number }
}

/// The nodes from which some target can be reached; only their gradients are computed.
private func nodesLeadingToTargets(_ order: [GradientNode], targets: Set<ObjectIdentifier>) -> Set<ObjectIdentifier> {
    var needed = Set<ObjectIdentifier>()
    for node in order {
        let identifier = ObjectIdentifier(node)
        if targets.contains(identifier) || node.inputs.contains(where: { $0.map { needed.contains(ObjectIdentifier($0)) } ?? false }) {
            needed.insert(identifier)
        }
    }
    return needed
}

extension Tensor {
    /// self + other, written into this tensor's storage when nothing else shares it and no graph is
    /// being recorded: a tensor used twice (D on real and on fake images) then needs no third buffer.
    mutating func accumulate(_ other: Tensor) {
        guard !GradientMode.isRecording, node == nil, shape == other.shape, isKnownUniquelyReferenced(&storage) else {
            self = self + other
            return
        }
        let (target, source) = (storage.pointer, other.storage.pointer)
        Kernels.parallelFor(scalarCount, grain: parallelGrain) { range in
            for index in range { target[index] += source[index] }
        }
    }
}
