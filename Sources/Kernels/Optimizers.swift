import CKernels

/// The optimiser kernels: one fused pass per parameter tensor.
extension Kernels {
    /// Adam's constants for one step (PyTorch's semantics).
    public struct AdamStep {
        public var beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
        /// lr / (1 − β1ᵗ).
        public var stepSize: Float
        /// √(1 − β2ᵗ).
        public var correction2Root: Float

        public init(beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, stepSize: Float, correction2Root: Float) {
            (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
            (self.stepSize, self.correction2Root) = (stepSize, correction2Root)
        }

        var settings: ck_adam_settings {
            ck_adam_settings(beta1: beta1, beta2: beta2, epsilon: epsilon, weight_decay: weightDecay,
                             step_size: stepSize, correction2_root: correction2Root)
        }
    }

    /// Updates `parameters` and both moment buffers in place from `gradients` (all `count` long):
    /// vectorised and split over the pool, bit-identical to `naiveAdamUpdate`.
    public static func adamUpdate(
        _ step: AdamStep, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoments: UnsafeMutablePointer<Float>, secondMoments: UnsafeMutablePointer<Float>, count: Int
    ) {
        var settings = step.settings
        ck_adam_update(&settings, parameters, gradients, firstMoments, secondMoments, count)
    }

    /// The serial scalar loop: the oracle of `adamUpdate`.
    public static func naiveAdamUpdate(
        _ step: AdamStep, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoments: UnsafeMutablePointer<Float>, secondMoments: UnsafeMutablePointer<Float>, count: Int
    ) {
        var settings = step.settings
        ck_adam_update_naive(&settings, parameters, gradients, firstMoments, secondMoments, count)
    }
}
