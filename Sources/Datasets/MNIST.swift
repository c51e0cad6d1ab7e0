import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Tensors

/// The MNIST handwritten digits (LeCun et al. 1998) from the four standard IDX files.
///
/// Images are `[N, 1, 28, 28]` scaled to [-1, 1] (x / 127.5 − 1); labels are 0–9.
public struct MNIST {
    public enum Split: String, Sendable { case train, test }

    public let images: Tensor
    public let labels: [Int]

    /// The file names of a split, without `.gz`.
    public static func fileNames(_ split: Split) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// Loads a split from `directory` (files gzipped or not); `limit` keeps the first N samples.
    public init(directory: URL, split: Split, limit: Int? = nil) throws {
        let names = Self.fileNames(split)
        let imageFile = try IDXFile(contentsOf: try Self.file(names.images, in: directory))
        let labelFile = try IDXFile(contentsOf: try Self.file(names.labels, in: directory))
        guard imageFile.dimensions.count == 3, imageFile.dimensions[1] == 28, imageFile.dimensions[2] == 28 else {
            throw IDXError(file: names.images, problem: "expected [N, 28, 28] images, found dimensions \(imageFile.dimensions)")
        }
        guard labelFile.dimensions.count == 1, labelFile.dimensions[0] == imageFile.dimensions[0] else {
            throw IDXError(file: names.labels, problem: "has \(labelFile.dimensions) labels for \(imageFile.dimensions[0]) images")
        }
        if let bad = labelFile.bytes.first(where: { $0 > 9 }) {
            throw IDXError(file: names.labels, problem: "label \(bad) is not a digit 0–9")
        }
        let count = min(limit ?? imageFile.dimensions[0], imageFile.dimensions[0])
        let pixels = imageFile.bytes[0..<(count * 784)].map { Float($0) / 127.5 - 1 }
        images = Tensor(shape: [count, 1, 28, 28], scalars: pixels)
        labels = labelFile.bytes[0..<count].map(Int.init)
    }

    private static func file(_ name: String, in directory: URL) throws -> URL {
        for candidate in [name + ".gz", name] {
            let url = directory.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw IDXError(file: directory.appendingPathComponent(name).path, problem: "missing (looked for \(name).gz and \(name))")
    }

    /// Whether `directory` holds all four files.
    static func isComplete(_ directory: URL) -> Bool {
        [Split.train, .test].allSatisfy { split in
            let names = fileNames(split)
            return [names.images, names.labels].allSatisfy { name in
                [name + ".gz", name].contains { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
            }
        }
    }

    /// Finds the MNIST folder: `explicit` (`--data`), then `FORGER_DATA`, then the repository's
    /// `data/mnist` (searched upward from the working directory and the executable), then the user
    /// cache, downloading the four files there from public mirrors when the machine is online.
    public static func locateDirectory(explicit: String?) throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard isComplete(url) else { throw MNISTLocationError(tried: [url.path + " (from --data)"]) }
            return url
        }
        var tried: [String] = []
        if let environment = ProcessInfo.processInfo.environment["FORGER_DATA"] {
            let url = URL(fileURLWithPath: environment)
            if isComplete(url) { return url }
            tried.append(url.path + " (from FORGER_DATA)")
        }
        let starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                      URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent()]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("data/mnist")
                if isComplete(candidate) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
            tried.append("data/mnist above \(start.path)")
        }
        let cache = cacheDirectory()
        if isComplete(cache) { return cache }
        tried.append(cache.path + " (user cache)")
        if (try? download(into: cache)) != nil, isComplete(cache) { return cache }
        tried.append("download from the public MNIST mirrors (offline or refused)")
        throw MNISTLocationError(tried: tried)
    }

    static func cacheDirectory() -> URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".cache")
        return base.appendingPathComponent("forger/mnist")
    }

    static let mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"]

    /// Downloads the four gzipped files, each written to a temporary file and renamed into place.
    static func download(into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for split in [Split.train, .test] {
            let names = fileNames(split)
            for name in [names.images, names.labels] {
                let target = directory.appendingPathComponent(name + ".gz")
                if FileManager.default.fileExists(atPath: target.path) { continue }
                guard let data = mirrors.lazy.compactMap({ fetch(URL(string: $0 + name + ".gz")!) }).first else {
                    throw MNISTLocationError(tried: mirrors.map { $0 + name + ".gz" })
                }
                _ = try IDXFile(contentsOf: Array(data), name: name + ".gz")
                try data.write(to: target, options: .atomic)
            }
        }
    }

    private static func fetch(_ url: URL) -> Data? {
        final class Box: @unchecked Sendable { var data: Data? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200 { box.data = data }
            done.signal()
        }.resume()
        done.wait()
        return box.data
    }
}

/// MNIST could not be found anywhere; lists every place tried.
public struct MNISTLocationError: Error, CustomStringConvertible {
    public let tried: [String]
    public var description: String {
        "MNIST not found. Tried:\n" + tried.map { "  - \($0)" }.joined(separator: "\n")
            + "\nPass --data DIR with train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)."
    }
}
