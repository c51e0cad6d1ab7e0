import Tensors

/// Instance normalisation of `[N, C, H, W]` input: each image's channel normalised by its own mean
/// and biased variance (`Tensor.instanceNormalized`).
///
/// Like the pix2pix reference's `InstanceNorm2d(affine=False, track_running_stats=False)` it has no
/// parameters and no running statistics, so it contributes nothing to a state dictionary and
/// behaves the same in training and evaluation mode.
public final class InstanceNorm: Module, Layer {
    public let epsilon: Float

    public init(epsilon: Float = 1e-5) { self.epsilon = epsilon }

    public func callAsFunction(_ input: Tensor) -> Tensor { input.instanceNormalized(epsilon: epsilon) }
}
