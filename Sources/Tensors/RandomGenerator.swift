import Foundation
import Kernels

/// A seeded, counter-based random generator: Philox4x32-10 (Salmon et al., SC 2011).
///
/// The same seed gives the same numbers on every platform, and the whole state is two integers
/// (`seed`, `offset`), so a training run can save it in a checkpoint and resume exactly.
/// Uniform floats use the top 24 bits of each 32-bit word; normals use Box–Muller on pairs.
public struct RandomGenerator: Hashable, Sendable, Codable {
    /// The key; fixed for the generator's lifetime.
    public let seed: UInt64
    /// How many 32-bit words have been drawn so far.
    public private(set) var offset: UInt64

    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    /// A generator whose stream is independent of this one's, derived from `stream`.
    public func derived(stream: UInt64) -> RandomGenerator {
        var mixer = RandomGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15, offset: 0)
        let word = UInt64(mixer.nextWord(stream: stream)) << 32 | UInt64(mixer.nextWord(stream: stream))
        return RandomGenerator(seed: word ^ stream &* 0xD1B5_4A32_D192_ED03)
    }

    private mutating func nextWord(stream: UInt64) -> UInt32 {
        defer { offset += 1 }
        return Self.word(at: offset, stream: stream, seed: seed)
    }

    /// The next 32 random bits.
    public mutating func next() -> UInt32 { nextWord(stream: 0) }

    /// Fills `buffer` with a dropout mask from the next `buffer.count` words: `scale` where the
    /// word's uniform is below `keep`, else 0. Split across the compute threads; the same mask for
    /// every thread count.
    mutating func fillDropoutMask(_ buffer: UnsafeMutableBufferPointer<Float>, keep: Float, scale: Float) {
        Kernels.randomFill(buffer, seed: seed, firstWord: offset, .dropoutMask(keep: keep, scale: scale))
        offset += UInt64(buffer.count)
    }

    /// Calls `body(index, word)` for `index` in `range`, where `word` is the stream's word at
    /// `firstWord + index`.
    @inline(__always)
    static func forEachWord(seed: UInt64, firstWord: UInt64, in range: Range<Int>, _ body: (Int, UInt32) -> Void) {
        var index = range.lowerBound, position = firstWord + UInt64(index)
        while index < range.upperBound && position % 4 != 0 {
            body(index, word(at: position, seed: seed))
            index += 1
            position += 1
        }
        while range.upperBound - index >= 4 {
            let block = philox(counter: (position / 4, 0), key: seed)
            body(index, block.0)
            body(index + 1, block.1)
            body(index + 2, block.2)
            body(index + 3, block.3)
            index += 4
            position += 4
        }
        while index < range.upperBound {
            body(index, word(at: position, seed: seed))
            index += 1
            position += 1
        }
    }

    /// The word at `position` of `stream` (0 unless deriving generators).
    static func word(at position: UInt64, stream: UInt64 = 0, seed: UInt64) -> UInt32 {
        let block = philox(counter: (position / 4, stream), key: seed)
        switch position % 4 {
        case 0: return block.0
        case 1: return block.1
        case 2: return block.2
        default: return block.3
        }
    }

    @inline(__always) static func unit(_ word: UInt32) -> Float { Float(word >> 8) * 0x1p-24 }

    /// A uniform float in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 8) * 0x1p-24 }

    /// A uniform integer in 0..<bound, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64(1) << 32
        let threshold = (limit - UInt64(bound)) % UInt64(bound)
        while true {
            let word = UInt64(next())
            let product = word * UInt64(bound)
            if product % limit >= threshold { return Int(product >> 32) }
        }
    }

    /// Fills `buffer` with uniform floats in [low, high); the same numbers for every thread count.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        Kernels.randomFill(buffer, seed: seed, firstWord: offset, .uniform(low: low, scale: high - low))
        offset += UInt64(buffer.count)
    }

    /// Fills `buffer` with normal floats N(mean, standardDeviation²); consumes two words per pair.
    /// Pairs are split across the compute threads, each drawn from its own position in the stream.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, standardDeviation: Float = 1) {
        let pairs = (buffer.count + 1) / 2
        let seed = seed, firstWord = offset
        Kernels.parallelFor(pairs, grain: 512) { range in
            var first: Float = 0
            Self.forEachWord(seed: seed, firstWord: firstWord, in: 2 * range.lowerBound..<2 * range.upperBound) { index, word in
                guard index % 2 == 1 else { return first = Self.unit(word) }
                // 1 − u keeps the logarithm's argument in (0, 1].
                let radius = (-2 * _log(1 - Double(first))).squareRoot()
                let angle = 2 * Double.pi * Double(Self.unit(word))
                let position = index - 1
                buffer[position] = mean + standardDeviation * Float(radius * _cos(angle))
                if position + 1 < buffer.count { buffer[position + 1] = mean + standardDeviation * Float(radius * _sin(angle)) }
            }
        }
        offset += UInt64(2 * pairs)
    }

    /// A seeded Fisher–Yates permutation of 0..<count.
    public mutating func permutation(_ count: Int) -> [Int] {
        var values = Array(0..<count)
        var index = count - 1
        while index > 0 {
            values.swapAt(index, nextInt(below: index + 1))
            index -= 1
        }
        return values
    }

    static func philox(counter: (UInt64, UInt64), key: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter.0), c1 = UInt32(truncatingIfNeeded: counter.0 >> 32)
        var c2 = UInt32(truncatingIfNeeded: counter.1), c3 = UInt32(truncatingIfNeeded: counter.1 >> 32)
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let product0 = UInt64(0xD251_1F53) * UInt64(c0)
            let product1 = UInt64(0xCD9E_8D57) * UInt64(c2)
            let high0 = UInt32(product0 >> 32), low0 = UInt32(truncatingIfNeeded: product0)
            let high1 = UInt32(product1 >> 32), low1 = UInt32(truncatingIfNeeded: product1)
            (c0, c1, c2, c3) = (high1 ^ c1 ^ k0, low1, high0 ^ c3 ^ k1, low0)
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Foundation.sin(x) }
