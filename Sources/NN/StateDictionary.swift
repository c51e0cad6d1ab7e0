import Foundation
import Tensors

/// A state dictionary that does not fit the module it is loaded into.
public struct StateDictionaryError: Error, CustomStringConvertible {
    public let description: String
}

extension Module {
    /// Parameters and buffers by path, as PyTorch's `state_dict()` names them; buffers stored as
    /// `.int64` (BatchNorm's `num_batches_tracked`) become I64 scalars.
    public func stateDictionary() -> [String: SafeTensorValue] {
        var result: [String: SafeTensorValue] = [:]
        for (name, parameter) in namedParameters() { result[name] = .float32(parameter.value.detached()) }
        for (name, buffer) in namedBuffers() {
            switch buffer.storageType {
            case .float32: result[name] = .float32(buffer.value)
            case .int64: result[name] = .int64(values: buffer.value.scalars.map { Int64($0) }, shape: buffer.value.shape)
            }
        }
        return result
    }

    /// Replaces every parameter and buffer with the dictionary's tensors.
    ///
    /// Throws, changing nothing, when a name is missing or unexpected, or a shape or type differs.
    public func load(stateDictionary: [String: SafeTensorValue]) throws {
        let parameters = namedParameters(), buffers = namedBuffers()
        let expected = Set(parameters.map(\.name) + buffers.map(\.name))
        let missing = expected.subtracting(stateDictionary.keys).sorted()
        let unexpected = Set(stateDictionary.keys).subtracting(expected).sorted()
        guard missing.isEmpty, unexpected.isEmpty else {
            throw StateDictionaryError(description: "state dictionary does not match the model: missing \(missing), unexpected \(unexpected)")
        }
        var updates: [() -> Void] = []
        for (name, parameter) in parameters {
            let tensor = try floatTensor(stateDictionary[name]!, name: name, shape: parameter.value.shape)
            updates.append { parameter.value = tensor.tracked() }
        }
        for (name, buffer) in buffers {
            let tensor: Tensor
            switch (buffer.storageType, stateDictionary[name]!) {
            case (.int64, .int64(let values, let shape)) where shape == buffer.value.shape:
                tensor = Tensor(shape: shape, scalars: values.map { Float($0) })
            case (.int64, _):
                throw StateDictionaryError(description: "\(name): expected an I64 tensor of shape \(buffer.value.shape)")
            case (.float32, let value):
                tensor = try floatTensor(value, name: name, shape: buffer.value.shape)
            }
            updates.append { buffer.value = tensor }
        }
        updates.forEach { $0() }
    }

    /// Writes the state dictionary as safetensors (atomically).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDictionary(), metadata: metadata, to: url)
    }

    /// Loads a safetensors state dictionary written by `save(to:)` or by PyTorch.
    public func load(contentsOf url: URL) throws {
        do {
            try load(stateDictionary: SafeTensors.read(contentsOf: url).tensors)
        } catch let error as StateDictionaryError {
            throw StateDictionaryError(description: "\(url.path): \(error.description)")
        }
    }
}

private func floatTensor(_ value: SafeTensorValue, name: String, shape: [Int]) throws -> Tensor {
    guard case .float32(let tensor) = value else {
        throw StateDictionaryError(description: "\(name): expected an F32 tensor, file has I64")
    }
    guard tensor.shape == shape else {
        throw StateDictionaryError(description: "\(name): expected shape \(shape), file has \(tensor.shape)")
    }
    return tensor
}
