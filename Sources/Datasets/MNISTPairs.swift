import Foundation
import Tensors

/// Image-to-image tasks made from MNIST, so pix2pix can be trained and checked offline.
///
/// Every task maps a 32×32 gray input (A) to the digit itself (B), white on black, padded from
/// 28×28 with two black pixels on each side.
public enum MNISTPairTask: String, CaseIterable, Sendable, Codable {
    /// A: the digit's outline (Canny edges, white on black).
    case edges
    /// A: the digit averaged down to 8×8 and enlarged back to 32×32 bilinearly.
    case superres
    /// A: the digit with a random 12×12 square painted mid-gray (128).
    case inpaint

    /// The side of the images every task writes.
    public static let size = 32

    /// The task's input for a 32×32 gray `digit`; only `inpaint` draws from `generator`.
    public func source(for digit: Image, generator: inout RandomGenerator) -> Image {
        precondition(digit.width == Self.size && digit.height == Self.size && digit.channels == 1,
                     "MNIST pair tasks take 32×32 gray digits, got \(digit.width)×\(digit.height)×\(digit.channels)")
        switch self {
        case .edges: return cannyEdges(digit)
        case .superres: return blurredByDownsampling(digit, factor: 4)
        case .inpaint: return masked(digit, side: 12, generator: &generator)
        }
    }

    /// Canny (1986) without the Gaussian blur, which MNIST's anti-aliased strokes do not need: Sobel
    /// gradients, thinning to local maxima across the edge, and hysteresis between two thresholds
    /// (in Sobel units, where a sharp black-to-white step scores 4).
    func cannyEdges(_ digit: Image, low: Float = 0.6, high: Float = 1.5) -> Image {
        let gradients = sobel(digit)
        let thinned = thinnedToRidges(gradients, side: digit.width)
        return hysteresis(thinned, side: digit.width, low: low, high: high)
    }

    /// Sobel gradient magnitude and direction (radians) per pixel; outside the image counts as black.
    private func sobel(_ image: Image) -> [(magnitude: Float, angle: Float)] {
        let side = image.width
        let intensity = image.pixels.map { Float($0) / 255 }
        func value(_ x: Int, _ y: Int) -> Float { x < 0 || y < 0 || x >= side || y >= side ? 0 : intensity[y * side + x] }
        return (0..<(side * side)).map { index in
            let (x, y) = (index % side, index / side)
            let dx = value(x + 1, y - 1) + 2 * value(x + 1, y) + value(x + 1, y + 1)
                - value(x - 1, y - 1) - 2 * value(x - 1, y) - value(x - 1, y + 1)
            let dy = value(x - 1, y + 1) + 2 * value(x, y + 1) + value(x + 1, y + 1)
                - value(x - 1, y - 1) - 2 * value(x, y - 1) - value(x + 1, y - 1)
            return ((dx * dx + dy * dy).squareRoot(), atan2(dy, dx))
        }
    }

    /// Magnitudes kept only where a pixel is the strongest of its two neighbours along the gradient
    /// (quantised to 4 directions), so edges are one pixel thick; zero elsewhere.
    private func thinnedToRidges(_ gradients: [(magnitude: Float, angle: Float)], side: Int) -> [Float] {
        func strength(_ x: Int, _ y: Int) -> Float { x < 0 || y < 0 || x >= side || y >= side ? 0 : gradients[y * side + x].magnitude }
        let steps = [(1, 0), (1, 1), (0, 1), (-1, 1)]
        return gradients.enumerated().map { index, gradient in
            let (x, y) = (index % side, index / side)
            let (stepX, stepY) = steps[Int(((gradient.angle + .pi) / (.pi / 4)).rounded()) % 4]
            let isRidge = gradient.magnitude >= strength(x + stepX, y + stepY) && gradient.magnitude >= strength(x - stepX, y - stepY)
            return isRidge ? gradient.magnitude : 0
        }
    }

    /// 255 for pixels at or above `high`, and for those at or above `low` connected (8-neighbourhood)
    /// to one of them; 0 elsewhere.
    private func hysteresis(_ strengths: [Float], side: Int, low: Float, high: Float) -> Image {
        var edges = [UInt8](repeating: 0, count: side * side)
        var pending = strengths.indices.filter { strengths[$0] >= high }
        for index in pending { edges[index] = 255 }
        while let index = pending.popLast() {
            for neighbourY in max(index / side - 1, 0)...min(index / side + 1, side - 1) {
                for neighbourX in max(index % side - 1, 0)...min(index % side + 1, side - 1) {
                    let neighbour = neighbourY * side + neighbourX
                    if edges[neighbour] == 0 && strengths[neighbour] >= low {
                        edges[neighbour] = 255
                        pending.append(neighbour)
                    }
                }
            }
        }
        return Image(width: side, height: side, channels: 1, pixels: edges)
    }

    /// The mean of each `factor` × `factor` block (an area reduction, free of aliasing), then the
    /// small image enlarged back with `resizeBilinear`.
    func blurredByDownsampling(_ digit: Image, factor: Int) -> Image {
        let side = digit.width, small = digit.width / factor
        var reduced = Tensor(zeros: [1, 1, small, small])
        reduced.withUnsafeMutableBufferPointer { reduced in
            for y in 0..<small {
                for x in 0..<small {
                    var sum = 0
                    for row in 0..<factor { for column in 0..<factor { sum += Int(digit.pixels[(y * factor + row) * side + x * factor + column]) } }
                    reduced[y * small + x] = Float(sum) / Float(factor * factor) / 127.5 - 1
                }
            }
        }
        return Image(tensor: resizeBilinear(reduced, height: side, width: side))
    }

    /// The digit with a `side` × `side` square set to 128, its corner uniform over positions that keep
    /// it at least 4 pixels from the border (where the digit is).
    func masked(_ digit: Image, side: Int, generator: inout RandomGenerator) -> Image {
        let margin = 4, positions = digit.width - 2 * margin - side + 1
        let left = margin + generator.nextInt(below: positions), top = margin + generator.nextInt(below: positions)
        var pixels = digit.pixels
        for y in top..<(top + side) { for x in left..<(left + side) { pixels[y * digit.width + x] = 128 } }
        return Image(width: digit.width, height: digit.height, channels: 1, pixels: pixels)
    }
}

/// Writing MNIST pair tasks as a pix2pix data folder (`forger data make-pairs`).
public enum MNISTPairs {
    /// How MNIST's samples become splits: the first 5,000 training digits are `val` and the other
    /// 55,000 `train` (TensorFlow's classic split), the 10,000 test digits `test`; each is cut to its
    /// first `limit` samples when given.
    public static func splits(limit: Int?) -> [(split: PairedImages.Split, source: MNIST.Split, range: Range<Int>)] {
        let cut = { (range: Range<Int>) in range.lowerBound..<min(range.upperBound, range.lowerBound + (limit ?? range.count)) }
        return [(.train, .train, cut(5_000..<60_000)), (.val, .train, cut(0..<5_000)), (.test, .test, cut(0..<10_000))]
    }

    /// Writes `<out>/{train,val,test}/NNNNN.png` (64×32 gray, input | digit) and a `labels.txt` per
    /// split (`NNNNN.png digit` lines); returns each split's count.
    ///
    /// Sample i of a split draws its randomness from `RandomGenerator(seed:)` derived by the split's
    /// position (0 train, 1 val, 2 test), then by i, so the files depend only on the seed and the
    /// data. Throws `MNISTError`, `IDXError` or `PairedImagesError` (an output split that is not empty).
    public static func write(task: MNISTPairTask, mnist: URL, out: URL, seed: UInt64, limit: Int?) throws -> [(PairedImages.Split, Int)] {
        let plan = splits(limit: limit)
        for (split, _, _) in plan { try PairedImages.prepareEmptyFolder(out.appendingPathComponent(split.rawValue)) }
        var loaded: [MNIST.Split: MNIST] = [:]
        var counts: [(PairedImages.Split, Int)] = []
        for (position, (split, source, range)) in plan.enumerated() {
            // Only the digits some split uses are decoded, which makes small --limit runs quick.
            let needed = plan.filter { $0.source == source }.map(\.range.upperBound).max()
            let data = try loaded[source] ?? MNIST(directory: mnist, split: source, limit: needed)
            loaded[source] = data
            let folder = out.appendingPathComponent(split.rawValue)
            let stream = RandomGenerator(seed: seed).derived(stream: UInt64(position))
            let indices = Array(range.clamped(to: 0..<data.labels.count))
            let digits = indices.map { paddedDigit(data.images, index: $0) }
            try writePairs(digits, task: task, stream: stream, folder: folder)
            let labels = indices.enumerated().map { "\(fileName($0.offset)) \(data.labels[$0.element])\n" }.joined()
            do {
                try labels.write(to: folder.appendingPathComponent("labels.txt"), atomically: true, encoding: .utf8)
            } catch {
                throw PairedImagesError.cannotCreate(folder: folder.path, reason: error.localizedDescription)
            }
            counts.append((split, indices.count))
        }
        return counts
    }

    /// Writes `fileName(i)` = task input | digit i, on all compute threads (each file depends only on
    /// its own generator, so the files are the same whatever the thread count).
    private static func writePairs(_ digits: [Image], task: MNISTPairTask, stream: RandomGenerator, folder: URL) throws {
        let workers = max(1, min(Parallelism.threadCount, digits.count))
        let failure = FirstFailure()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for number in stride(from: worker, to: digits.count, by: workers) where !failure.happened {
                var generator = stream.derived(stream: UInt64(number))
                let pair = Image.sideBySide(task.source(for: digits[number], generator: &generator), digits[number])
                do {
                    try ImageFile.writePNG(pair, to: folder.appendingPathComponent(fileName(number)))
                } catch {
                    failure.record(error)
                }
            }
        }
        if let error = failure.error { throw error }
    }

    private static func fileName(_ number: Int) -> String { String(format: "%05d.png", number) }

    /// Digit `index` of `[N, 1, 28, 28]` images in [-1, 1] as 32×32 bytes with a 2-pixel black border.
    static func paddedDigit(_ images: Tensor, index: Int) -> Image {
        let side = MNISTPairTask.size, border = (side - 28) / 2
        var pixels = [UInt8](repeating: 0, count: side * side)
        images.withUnsafeBufferPointer { values in
            for y in 0..<28 {
                for x in 0..<28 {
                    let value = values[index * 784 + y * 28 + x]
                    pixels[(y + border) * side + x + border] = UInt8(((value + 1) * 127.5).rounded())
                }
            }
        }
        return Image(width: side, height: side, channels: 1, pixels: pixels)
    }
}

/// The first error thrown by any of several threads.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    var error: Error? { lock.withLock { first } }
    var happened: Bool { error != nil }

    func record(_ error: Error) { lock.withLock { if first == nil { first = error } } }
}
