import Foundation
import Tensors

/// Which half of an A|B file the generator reads (the source); the other half is its target.
public enum TranslationDirection: String, Sendable, Codable, CaseIterable {
    case aToB = "AtoB"
    case bToA = "BtoA"
}

/// One split of an image-to-image data set in the public pix2pix layout, read as source/target tensors.
///
/// `<root>/{train,val,test}/` each hold PNG or JPEG files with A on the left half and B on the right
/// (split at ⌊w/2⌋, as pytorch-CycleGAN-and-pix2pix's `aligned_dataset.py`). Files are read in name
/// order and decoded when a batch asks for them. Tensors are `[N, C, size, size]` float32 in [-1, 1]
/// (byte / 127.5 − 1); each side is converted to its channel count as Pillow's `convert`.
///
/// With `jitter` (the default for `train`), each side is resized to `loadSize` × `loadSize`, cropped
/// at a random position to `size` × `size` and flipped horizontally with probability ½, both sides
/// alike, as the reference's `resize_and_crop` + flip. The reference resizes bicubically; Forger
/// resizes bilinearly (`resizeBilinear`). Without jitter each side is resized to `size` × `size`
/// (the reference's test setting, `load_size = crop_size`, no flip).
public struct PairedImages {
    public enum Split: String, Sendable, CaseIterable, Codable {
        case train, val, test
    }

    /// The split's image files, sorted by name.
    public let files: [URL]
    /// Side of the square tensors (the reference's `crop_size`).
    public let size: Int
    public let sourceChannels: Int
    public let targetChannels: Int
    public let direction: TranslationDirection
    public let jitter: Bool
    /// Class labels from `labels.txt` beside the files (`name label` lines, as `make-pairs` writes
    /// for MNIST), in file order; nil when the file is absent or does not label every file.
    public let labels: [Int]?

    public var count: Int { files.count }
    /// The side images are resized to before a random crop: size · 286/256, rounded (286 at 256).
    public var loadSize: Int { Self.loadSize(forSize: size) }

    public static func loadSize(forSize size: Int) -> Int { Int((Double(size) * 286 / 256).rounded()) }

    /// The split `split` of the data set in `root`; `jitter` defaults to `split == .train`.
    ///
    /// Throws `PairedImagesError` when the split's folder is missing or holds no PNG/JPEG files.
    public init(
        root: URL, split: Split, size: Int, sourceChannels: Int = 3, targetChannels: Int = 3,
        direction: TranslationDirection = .aToB, jitter: Bool? = nil
    ) throws {
        precondition(size > 0, "image size must be positive, got \(size)")
        precondition([1, 3].contains(sourceChannels) && [1, 3].contains(targetChannels), "channels must be 1 or 3")
        let folder = root.appendingPathComponent(split.rawValue)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PairedImagesError.missingSplit(folder: folder.path)
        }
        files = try ImageFile.files(in: folder)
        guard !files.isEmpty else { throw PairedImagesError.noImages(folder: folder.path) }
        (self.size, self.sourceChannels, self.targetChannels) = (size, sourceChannels, targetChannels)
        self.direction = direction
        self.jitter = jitter ?? (split == .train)
        labels = Self.readLabels(folder: folder, files: files)
    }

    /// Sample `indices` as a batch: source and target `[N, C, size, size]` in [-1, 1].
    ///
    /// Sample i's crop and flip depend only on (`seed`, `epoch`, i) (see `jitter(seed:epoch:index:)`),
    /// so a batch is the same whatever the batch order, and a resumed run sees the same crops.
    public func batch(_ indices: [Int], seed: UInt64, epoch: Int) throws -> (source: Tensor, target: Tensor) {
        var source = Tensor(zeros: [indices.count, sourceChannels, size, size])
        var target = Tensor(zeros: [indices.count, targetChannels, size, size])
        for (position, index) in indices.enumerated() {
            precondition(files.indices.contains(index), "sample \(index) out of range 0..<\(files.count)")
            let (a, b) = try Self.halves(of: ImageFile.read(files[index]), file: files[index].path)
            let (sourceImage, targetImage) = direction == .aToB ? (a, b) : (b, a)
            let placement = jitter ? self.jitter(seed: seed, epoch: epoch, index: index) : nil
            source.withUnsafeMutableBufferPointer { buffer in
                place(sourceImage, channels: sourceChannels, placement: placement,
                      into: buffer.baseAddress! + position * sourceChannels * size * size)
            }
            target.withUnsafeMutableBufferPointer { buffer in
                place(targetImage, channels: targetChannels, placement: placement,
                      into: buffer.baseAddress! + position * targetChannels * size * size)
            }
        }
        return (source, target)
    }

    /// A random crop position in the `loadSize` square and whether to mirror left–right.
    public struct Jitter: Equatable, Sendable {
        public let x: Int
        public let y: Int
        public let flip: Bool
    }

    /// Sample `index`'s jitter in `epoch`: x and y uniform in 0…loadSize − size, flip with probability ½.
    ///
    /// Drawn from `RandomGenerator(seed:)` derived by a jitter stream, then the epoch, then the index,
    /// so it is independent of `BatchSampler`'s order (which derives by the epoch alone).
    public func jitter(seed: UInt64, epoch: Int, index: Int) -> Jitter {
        var generator = RandomGenerator(seed: seed).derived(stream: Self.jitterStream)
            .derived(stream: UInt64(truncatingIfNeeded: epoch)).derived(stream: UInt64(truncatingIfNeeded: index))
        let range = loadSize - size + 1
        return Jitter(x: generator.nextInt(below: range), y: generator.nextInt(below: range), flip: generator.nextInt(below: 2) == 1)
    }

    /// "JITTER" in ASCII: a stream number no epoch-derived stream uses.
    private static let jitterStream: UInt64 = 0x4A49_5454_4552

    /// An A|B image cut at ⌊w/2⌋: A is the left ⌊w/2⌋ columns, B the rest (the wider one when w is odd).
    public static func halves(of image: Image, file: String) throws -> (a: Image, b: Image) {
        guard image.width >= 2 else { throw PairedImagesError.tooNarrow(file: file, width: image.width) }
        let half = image.width / 2
        return (image.cropped(x: 0, y: 0, width: half, height: image.height),
                image.cropped(x: half, y: 0, width: image.width - half, height: image.height))
    }

    /// Writes one side as `[C, size, size]` floats at `destination`: resized, then cropped and flipped.
    private func place(_ side: Image, channels: Int, placement: Jitter?, into destination: UnsafeMutablePointer<Float>) {
        let load = placement == nil ? size : loadSize
        var tensor = side.converted(toChannels: channels).tensor()
        if side.width != load || side.height != load { tensor = resizeBilinear(tensor, height: load, width: load) }
        let (left, top, flip) = (placement?.x ?? 0, placement?.y ?? 0, placement?.flip ?? false)
        tensor.withUnsafeBufferPointer { resized in
            for channel in 0..<channels {
                for row in 0..<size {
                    let input = (channel * load + top + row) * load + left
                    let output = destination + (channel * size + row) * size
                    for column in 0..<size { output[column] = resized[input + (flip ? size - 1 - column : column)] }
                }
            }
        }
    }

    private static func readLabels(folder: URL, files: [URL]) -> [Int]? {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("labels.txt"), encoding: .utf8) else { return nil }
        var byName: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let label = Int(fields[1]) { byName[String(fields[0])] = label }
        }
        let labels = files.compactMap { byName[$0.lastPathComponent] }
        return labels.count == files.count ? labels : nil
    }
}

/// A pix2pix data folder that cannot be used, or two folders that cannot be paired.
public enum PairedImagesError: Error, CustomStringConvertible, Equatable {
    case missingSplit(folder: String)
    case noImages(folder: String)
    case tooNarrow(file: String, width: Int)
    case unmatched(onlyInFrom: [String], onlyInTo: [String])
    case sizeMismatch(from: String, fromSize: String, to: String, toSize: String)
    case ambiguousName(folder: String, names: [String])
    case outputNotEmpty(folder: String)
    case cannotCreate(folder: String, reason: String)

    public var description: String {
        switch self {
        case .missingSplit(let folder):
            return "\(folder): no such folder (a pix2pix data set has train/, val/ and test/ folders of A|B images)"
        case .noImages(let folder):
            return "\(folder): no .png, .jpg or .jpeg files"
        case .tooNarrow(let file, let width):
            return "\(file): \(width) pixel(s) wide, too narrow to split into A|B halves"
        case .unmatched(let onlyInFrom, let onlyInTo):
            func list(_ names: [String]) -> String {
                names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
            }
            var parts: [String] = []
            if !onlyInFrom.isEmpty { parts.append("only in --from: \(list(onlyInFrom))") }
            if !onlyInTo.isEmpty { parts.append("only in --to: \(list(onlyInTo))") }
            return "file names do not match (" + parts.joined(separator: "; ") + ")"
        case .sizeMismatch(let from, let fromSize, let to, let toSize):
            return "\(from) is \(fromSize) but \(to) is \(toSize): A and B must have the same size"
        case .ambiguousName(let folder, let names):
            return "\(folder): \(names.joined(separator: " and ")) have the same name without extension; keep one"
        case .outputNotEmpty(let folder):
            return "\(folder) already holds files; choose a new or empty output folder"
        case .cannotCreate(let folder, let reason):
            return "\(folder): cannot create folder: \(reason)"
        }
    }
}
