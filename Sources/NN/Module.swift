import Tensors

/// A trainable tensor owned by a module; `value` is a tracked leaf so gradients reach it.
public final class Parameter {
    /// The current value; optimisers update it in place between steps.
    public var value: Tensor

    public init(_ value: Tensor) { self.value = value.detached().tracked() }
}

/// A saved, non-optimised tensor of a module (BatchNorm running statistics and batch counter).
public final class Buffer {
    /// How the value is stored in checkpoints.
    public enum StorageType: Sendable { case float32, int64 }

    public var value: Tensor
    public let storageType: StorageType

    public init(_ value: Tensor, storageType: StorageType = .float32) {
        self.value = value.detached()
        self.storageType = storageType
    }
}

/// A random stream owned by a module (dropout masks), saved with the trainer state for exact resume.
public final class RandomStream {
    public var generator: RandomGenerator

    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}

/// The base of every layer and model: parameters, buffers, random streams and sub-modules are found
/// by reflection over stored properties and named by path (`model.0.weight`), so names match the
/// PyTorch `state_dict` keys of the reference implementations.
///
/// A property's name is its Swift label converted to snake_case (`labelEmbedding` → `label_embedding`);
/// arrays of modules name their elements by index. `isTraining` is a property of the whole tree.
open class Module {
    private var trainingFlag = true

    public init() {}

    /// Whether the tree is in training mode (batch statistics, active dropout).
    public var isTraining: Bool {
        get { trainingFlag }
        set { visitModules { $0.trainingFlag = newValue } }
    }

    /// Puts the whole tree in training mode.
    public func train() { isTraining = true }

    /// Puts the whole tree in evaluation mode.
    public func eval() { isTraining = false }

    /// The direct sub-modules with their names.
    public func children() -> [(name: String, module: Module)] {
        var result: [(String, Module)] = []
        forEachProperty { name, value in
            if let module = value as? Module {
                result.append((name, module))
            } else if let modules = value as? [Module] {
                result += modules.enumerated().map { ("\(name).\($0.offset)", $0.element) }
            } else if let layers = value as? [any Layer] {
                result += layers.enumerated().map { ("\(name).\($0.offset)", $0.element) }
            }
        }
        return result
    }

    /// Every parameter of the tree, named by path, in declaration order.
    public func namedParameters() -> [(name: String, parameter: Parameter)] { collect { $0 as? Parameter } }

    /// Every buffer of the tree, named by path.
    public func namedBuffers() -> [(name: String, buffer: Buffer)] { collect { $0 as? Buffer } }

    /// Every random stream of the tree, named by path.
    public func namedRandomStreams() -> [(name: String, stream: RandomStream)] { collect { $0 as? RandomStream } }

    /// Every parameter of the tree.
    public func parameters() -> [Parameter] { namedParameters().map(\.parameter) }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters().map(\.value.scalarCount).reduce(0, +) }

    private func collect<Item>(_ cast: (Any) -> Item?) -> [(String, Item)] {
        var result: [(String, Item)] = []
        forEachProperty { name, value in
            if let item = cast(value) { result.append((name, item)) }
        }
        for (name, child) in children() {
            result += child.collect(cast).map { ("\(name).\($0.0)", $0.1) }
        }
        return result
    }

    private func visitModules(_ body: (Module) -> Void) {
        body(self)
        for (_, child) in children() { child.visitModules(body) }
    }

    private func forEachProperty(_ body: (String, Any) -> Void) {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror {
            mirrors.insert(current, at: 0)
            mirror = current.superclassMirror
        }
        for mirror in mirrors {
            for child in mirror.children {
                guard let label = child.label else { continue }
                body(stateNameOverrides[label] ?? Self.stateName(label), child.value)
            }
        }
    }

    /// State-dict names that the snake_case rule does not produce (BatchNorm's `running_var`).
    open var stateNameOverrides: [String: String] { [:] }

    /// The state-dict name of a Swift property label: snake_case, without a leading underscore.
    static func stateName(_ label: String) -> String {
        var result = ""
        for character in label.drop(while: { $0 == "_" }) {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A module with one tensor input and one tensor output.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// Layers applied in order; children are named by position (`0`, `1`, …) as in PyTorch, with
/// parameter-free layers (activations, dropout) keeping their index.
public final class Sequential: Module, Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public convenience init(@LayerBuilder _ build: () -> [any Layer]) { self.init(build()) }

    public func callAsFunction(_ input: Tensor) -> Tensor { layers.reduce(input) { $1($0) } }

    public override func children() -> [(name: String, module: Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }
}

/// Builds a layer list for `Sequential { … }`.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildExpression(_ layers: [any Layer]) -> [any Layer] { layers }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first: [any Layer]) -> [any Layer] { first }
    public static func buildEither(second: [any Layer]) -> [any Layer] { second }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}
