import Foundation
import Tensors

/// The MNIST handwritten digits (LeCun et al. 1998) from the four standard IDX files.
///
/// Images are `[N, 1, 28, 28]`, scaled from bytes to [-1, 1] as x / 127.5 − 1 (0 → −1, 255 → 1);
/// labels are 0–9, in file order. Use `locateDirectory(explicit:)` to find the files.
public struct MNIST {
    public enum Split: String, Sendable, CaseIterable { case train, test }

    public let images: Tensor
    public let labels: [Int]

    /// The file names of a split, without `.gz` (the split's files may carry it or not).
    public static func fileNames(_ split: Split) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// Loads a split from `directory`, keeping the first `limit` samples when given.
    ///
    /// Throws `IDXError` for a malformed file and `MNISTError` for a missing file, images that are
    /// not 28×28, image and label counts that differ, a label outside 0–9, or a `limit` below 1.
    public init(directory: URL, split: Split, limit: Int? = nil) throws {
        if let limit, limit < 1 { throw MNISTError.invalidLimit(limit) }
        let names = Self.fileNames(split)
        let imageURL = try Self.file(names.images, in: directory)
        let labelURL = try Self.file(names.labels, in: directory)
        let imageFile = try IDXFile(contentsOf: imageURL, expectedRank: 3)
        let labelFile = try IDXFile(contentsOf: labelURL, expectedRank: 1)
        guard imageFile.dimensions[1] == 28, imageFile.dimensions[2] == 28 else {
            throw MNISTError.wrongImageSize(file: imageURL.path, dimensions: imageFile.dimensions)
        }
        guard labelFile.dimensions[0] == imageFile.dimensions[0] else {
            throw MNISTError.countMismatch(imageFile: imageURL.path, images: imageFile.dimensions[0],
                                           labelFile: labelURL.path, labels: labelFile.dimensions[0])
        }
        if let index = labelFile.bytes.firstIndex(where: { $0 > 9 }) {
            throw MNISTError.invalidLabel(file: labelURL.path, index: index, value: labelFile.bytes[index])
        }
        let count = min(limit ?? Int.max, imageFile.dimensions[0])
        images = Self.scaled(imageFile.bytes, count: count)
        labels = labelFile.bytes[0..<count].map(Int.init)
    }

    /// The first `count` 28×28 images as floats in [-1, 1], through a 256-entry table.
    private static func scaled(_ bytes: [UInt8], count: Int) -> Tensor {
        let table = (0..<256).map { Float($0) / 127.5 - 1 }
        var images = Tensor(zeros: [count, 1, 28, 28])
        images.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                table.withUnsafeBufferPointer { table in
                    for index in 0..<destination.count { destination[index] = table[Int(source[index])] }
                }
            }
        }
        return images
    }

    /// The file `name.gz` or `name` in `directory`, preferring the gzipped one.
    static func file(_ name: String, in directory: URL) throws -> URL {
        guard let url = existingFile(name, in: directory) else {
            throw MNISTError.missingFile(directory: directory.path, name: name)
        }
        return url
    }

    static func existingFile(_ name: String, in directory: URL) -> URL? {
        for candidate in [name + ".gz", name] {
            let url = directory.appendingPathComponent(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return nil
    }
}

/// MNIST files that are missing, inconsistent or nowhere to be found.
public enum MNISTError: Error, CustomStringConvertible {
    case missingFile(directory: String, name: String)
    case wrongImageSize(file: String, dimensions: [Int])
    case countMismatch(imageFile: String, images: Int, labelFile: String, labels: Int)
    case invalidLabel(file: String, index: Int, value: UInt8)
    case invalidLimit(Int)
    /// Every place searched, each with why it did not serve.
    case notFound(tried: [String])

    public var description: String {
        switch self {
        case .missingFile(let directory, let name):
            return "\(directory): missing \(name).gz (or \(name))"
        case .wrongImageSize(let file, let dimensions):
            return "\(file): expected [N, 28, 28] images, file has dimensions \(dimensions)"
        case .countMismatch(let imageFile, let images, let labelFile, let labels):
            return "\(labelFile) has \(labels) labels for \(images) images in \(imageFile)"
        case .invalidLabel(let file, let index, let value):
            return "\(file): label \(value) at index \(index) is not a digit 0–9"
        case .invalidLimit(let limit):
            return "MNIST sample limit must be at least 1, got \(limit)"
        case .notFound(let tried):
            let files = MNIST.Split.allCases.flatMap { split -> [String] in
                let names = MNIST.fileNames(split)
                return [names.images, names.labels]
            }
            return "MNIST not found. Tried:\n" + tried.map { "  - \($0)" }.joined(separator: "\n")
                + "\nPass --data DIR (or set FORGER_DATA) to a folder with "
                + files.map { "\($0)(.gz)" }.joined(separator: ", ") + "."
        }
    }
}
