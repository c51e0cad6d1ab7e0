import Tensors

// MARK: PacGAN packing
// Lin, Khetan, Fanti & Oh, "PacGAN: The power of two samples in generative adversarial networks"
// (NeurIPS 2018): the discriminator judges m samples at once, all real or all generated, so a
// generator that repeats itself is easier to catch. Every model's discriminator takes `pack`: its
// first layer is m times wider and `discriminate` groups consecutive samples into m-tuples.

extension Tensor {
    /// Consecutive samples grouped into `pack`-tuples along axis 1: `[N, F, …]` → `[N / pack, pack·F, …]`.
    ///
    /// Tuple k holds samples k·pack … k·pack + pack − 1, their channels (or features) side by side in
    /// that order. For contiguous NCHW (or `[N, F]`) data this is a reshape; N must be divisible by `pack`.
    func packed(_ pack: Int) -> Tensor {
        guard pack > 1 else { return self }
        precondition(rank >= 2 && shape[0] % pack == 0, "packing \(pack) samples needs a batch divisible by \(pack), got \(shape)")
        return reshaped(to: [shape[0] / pack, pack * shape[1]] + shape.dropFirst(2))
    }
}
