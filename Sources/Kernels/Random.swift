import CKernels

/// Floats from the Philox4x32-10 word stream that `Tensors.RandomGenerator` draws.
extension Kernels {
    /// What a random fill writes: uniform floats in [low, low + scale), or a dropout mask whose
    /// elements are `scale` with probability `keep` and 0 otherwise.
    public enum RandomFloats {
        case uniform(low: Float, scale: Float)
        case dropoutMask(keep: Float, scale: Float)
    }

    /// Writes `buffer.count` floats from the stream of `seed`, starting at word `firstWord`: element i
    /// uses word `firstWord + i`, as `u = (word >> 8) · 2⁻²⁴`. Split over the pool and vectorised
    /// (AVX2 when the CPU has it); the same floats for every thread count.
    public static func randomFill(_ buffer: UnsafeMutableBufferPointer<Float>, seed: UInt64, firstWord: UInt64,
                                  _ kind: RandomFloats) {
        var fill = randomFillSettings(buffer, seed: seed, firstWord: firstWord, kind)
        ck_random_fill_floats(&fill, buffer.count)
    }

    /// One Philox block at a time on the calling thread: the oracle of `randomFill`.
    public static func naiveRandomFill(_ buffer: UnsafeMutableBufferPointer<Float>, seed: UInt64, firstWord: UInt64,
                                       _ kind: RandomFloats) {
        var fill = randomFillSettings(buffer, seed: seed, firstWord: firstWord, kind)
        ck_random_fill_floats_naive(&fill, buffer.count)
    }

    private static func randomFillSettings(_ buffer: UnsafeMutableBufferPointer<Float>, seed: UInt64, firstWord: UInt64,
                                           _ kind: RandomFloats) -> ck_random_fill {
        switch kind {
        case let .uniform(low, scale):
            return ck_random_fill(seed: seed, first_word: firstWord, dropout: 0, keep: 0, scale: scale, low: low, out: buffer.baseAddress)
        case let .dropoutMask(keep, scale):
            return ck_random_fill(seed: seed, first_word: firstWord, dropout: 1, keep: keep, scale: scale, low: 0, out: buffer.baseAddress)
        }
    }
}
