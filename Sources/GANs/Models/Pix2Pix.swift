import NN
import Tensors

// MARK: Provenance
// Image-to-Image Translation with Conditional Adversarial Networks (Isola, Zhu, Zhou & Efros, CVPR
// 2017), in the layout of junyanz/pytorch-CycleGAN-and-pix2pix `models/networks.py` (`UnetGenerator`,
// `UnetSkipConnectionBlock`, `NLayerDiscriminator` with n_layers = 3) and the training step of
// `models/pix2pix_model.py`. Parameter names equal the reference's `state_dict` keys.
// One difference in form, none in value: the reference's down-step LeakyReLU runs in place, so the
// skip it concatenates is LeakyReLU(x) rather than x; the parent's ReLU comes next either way and
// ReLU(LeakyReLU(x)) = ReLU(x), so outputs and gradients agree. The reference's linear learning-rate
// decay over its second 100 epochs is not applied: Forger trains at a constant rate.

/// Pix2Pix: a U-Net generator and a 70×70 PatchGAN discriminator (catalogue name `pix2pix`).
///
/// Images are NCHW in [-1, 1]. The generator maps a source `[N, sourceChannels, S, S]` to a target
/// `[N, targetChannels, S, S]`; the discriminator scores concat(source, target) with one logit per
/// overlapping patch.
public final class Pix2Pix: TranslationModel {
    // MARK: Hyper-parameters (the reference's defaults)

    /// Adam 2e-4, betas (0.5, 0.999), batch 1; the discriminator outputs logits.
    public static let defaults = Hyperparameters(
        learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, batchSize: 1, scores: .logits)
    /// λ, the weight of L1(G(x), y) against the adversarial term.
    public static let defaultL1Weight: Float = 100
    /// ngf = ndf = 64: the width of the outermost generator block and the first discriminator layer.
    static let baseWidth = 64
    static let initializer = Initializer.normal(standardDeviation: 0.02)

    /// The normalisation after convolutions: the reference's `--norm batch|instance`.
    public enum Normalization: String, Codable, CaseIterable, Sendable {
        /// BatchNorm2d with weights N(1, 0.02); convolutions followed by it carry no bias.
        case batch
        /// InstanceNorm2d without affine parameters or running statistics; convolutions keep their bias.
        case instance

        /// Whether a convolution followed by this normalisation has a bias (the reference's `use_bias`).
        var convolutionsHaveBias: Bool { self == .instance }

        func layer(features: Int, generator random: inout RandomGenerator) -> any Layer {
            switch self {
            case .batch: return BatchNorm(featureCount: features, weightStandardDeviation: 0.02, generator: &random)
            case .instance: return InstanceNorm()
            }
        }
    }

    /// The architecture: square image side, channel counts and normalisation.
    public struct Configuration: Codable, Hashable, Sendable {
        /// The side S of square images: a power of two, at least 32 (the U-Net has log2(S) levels).
        public var imageSize: Int
        public var sourceChannels: Int
        public var targetChannels: Int
        public var normalization: Normalization

        public init(imageSize: Int = 256, sourceChannels: Int = 3, targetChannels: Int = 3, normalization: Normalization = .batch) {
            (self.imageSize, self.sourceChannels, self.targetChannels) = (imageSize, sourceChannels, targetChannels)
            self.normalization = normalization
        }

        /// Down-samplings in the U-Net: log2(imageSize) (8 at 256×256, 5 at 32×32).
        public var levels: Int { Int.bitWidth - 1 - imageSize.leadingZeroBitCount }

        /// Whether Pix2Pix can be built for this configuration.
        public var isValid: Bool {
            imageSize >= 32 && imageSize & (imageSize - 1) == 0 && [1, 3].contains(sourceChannels) && [1, 3].contains(targetChannels)
        }
    }

    public let configuration: Configuration
    public var hyperparameters: Hyperparameters { Self.defaults }
    public var sourceShape: [Int] { [configuration.sourceChannels, configuration.imageSize, configuration.imageSize] }
    public var targetShape: [Int] { [configuration.targetChannels, configuration.imageSize, configuration.imageSize] }

    // MARK: Generator

    /// One U-Net level (the reference's `UnetSkipConnectionBlock`): down step → the inner level →
    /// up step, its input concatenated ahead of its output on the channel axis, except at the outermost.
    ///
    /// Layer indices follow the reference's `nn.Sequential`, so names read `model.1.model.3.…`.
    public final class SkipBlock: Module, Layer {
        public let model: Sequential
        public let isOutermost: Bool

        init(_ layers: [any Layer], isOutermost: Bool = false) {
            model = Sequential(layers)
            self.isOutermost = isOutermost
        }

        /// The deepest level: LeakyReLU → Conv → ReLU → ConvTranspose → norm (no norm after the down conv).
        static func innermost(width: Int, normalization: Normalization, generator random: inout RandomGenerator) -> SkipBlock {
            let bias = normalization.convolutionsHaveBias
            return SkipBlock([
                Activation.leakyRelu(0.2), down(width, width, bias: bias, &random),
                Activation.relu, up(width, width, bias: bias, &random), normalization.layer(features: width, generator: &random),
            ])
        }

        /// A middle level: LeakyReLU → Conv → norm → inner → ReLU → ConvTranspose → norm (→ Dropout(0.5)).
        static func intermediate(
            outer: Int, inner: Int, submodule: SkipBlock, normalization: Normalization, dropoutSeed: UInt64?,
            generator random: inout RandomGenerator
        ) -> SkipBlock {
            let bias = normalization.convolutionsHaveBias
            var layers: [any Layer] = [
                Activation.leakyRelu(0.2), down(outer, inner, bias: bias, &random), normalization.layer(features: inner, generator: &random),
                submodule,
                Activation.relu, up(2 * inner, outer, bias: bias, &random), normalization.layer(features: outer, generator: &random),
            ]
            if let dropoutSeed { layers.append(Dropout(probability: 0.5, seed: dropoutSeed)) }
            return SkipBlock(layers)
        }

        /// The image level: Conv from the source channels → inner → ReLU → ConvTranspose (with bias) → tanh.
        static func outermost(
            sourceChannels: Int, targetChannels: Int, inner: Int, submodule: SkipBlock, normalization: Normalization,
            generator random: inout RandomGenerator
        ) -> SkipBlock {
            SkipBlock([
                down(sourceChannels, inner, bias: normalization.convolutionsHaveBias, &random), submodule,
                Activation.relu, up(2 * inner, targetChannels, bias: true, &random), Activation.tanh,
            ], isOutermost: true)
        }

        private static func down(_ input: Int, _ output: Int, bias: Bool, _ random: inout RandomGenerator) -> Conv2d {
            Conv2d(inputChannels: input, outputChannels: output, kernelSize: 4, stride: 2, padding: 1, bias: bias,
                   initializer: Pix2Pix.initializer, generator: &random)
        }

        private static func up(_ input: Int, _ output: Int, bias: Bool, _ random: inout RandomGenerator) -> ConvTranspose2d {
            ConvTranspose2d(inputChannels: input, outputChannels: output, kernelSize: 4, stride: 2, padding: 1, bias: bias,
                            initializer: Pix2Pix.initializer, generator: &random)
        }

        public func callAsFunction(_ input: Tensor) -> Tensor {
            let output = model(input)
            return isOutermost ? output : Tensor.concatenating([input, output], alongAxis: 1)
        }
    }

    /// The U-Net, built from the innermost level outwards as the reference's `UnetGenerator`: widths
    /// 64 → 128 → 256 → 512, then 512 for every deeper level; the (levels − 5) levels just outside the
    /// innermost drop out half their outputs in training mode.
    public final class Generator: Module {
        public let model: SkipBlock

        public init(configuration: Configuration, dropoutSeed: UInt64, generator random: inout RandomGenerator) {
            precondition(configuration.isValid, "pix2pix needs a power-of-two image size ≥ 32 and 1 or 3 channels, got \(configuration)")
            let normalization = configuration.normalization
            let widest = 8 * Pix2Pix.baseWidth
            var block = SkipBlock.innermost(width: widest, normalization: normalization, generator: &random)
            for index in 0..<(configuration.levels - 5) {
                block = SkipBlock.intermediate(outer: widest, inner: widest, submodule: block, normalization: normalization,
                                               dropoutSeed: dropoutSeed &+ UInt64(index), generator: &random)
            }
            for outer in [4, 2, 1].map({ $0 * Pix2Pix.baseWidth }) {
                block = SkipBlock.intermediate(outer: outer, inner: 2 * outer, submodule: block, normalization: normalization,
                                               dropoutSeed: nil, generator: &random)
            }
            model = SkipBlock.outermost(sourceChannels: configuration.sourceChannels, targetChannels: configuration.targetChannels,
                                        inner: Pix2Pix.baseWidth, submodule: block, normalization: normalization, generator: &random)
        }

        /// Targets `[N, targetChannels, S, S]` in [-1, 1] from sources `[N, sourceChannels, S, S]`.
        public func callAsFunction(_ source: Tensor) -> Tensor { model(source) }
    }

    // MARK: Discriminator

    /// The 70×70 PatchGAN (`NLayerDiscriminator`, 3 layers): Conv 64 (s2, bias) → LReLU → [Conv (s2) →
    /// norm → LReLU] to 128 and 256 → Conv (s1) to 512 → norm → LReLU → Conv (s1, bias) to 1 logit map.
    public final class Discriminator: Module {
        public let model: Sequential

        public init(inputChannels: Int, normalization: Normalization, generator random: inout RandomGenerator) {
            let width = Pix2Pix.baseWidth, bias = normalization.convolutionsHaveBias
            func convolution(_ input: Int, _ output: Int, stride: Int, bias: Bool) -> Conv2d {
                Conv2d(inputChannels: input, outputChannels: output, kernelSize: 4, stride: stride, padding: 1, bias: bias,
                       initializer: Pix2Pix.initializer, generator: &random)
            }
            var layers: [any Layer] = [convolution(inputChannels, width, stride: 2, bias: true), Activation.leakyRelu(0.2)]
            for (multiplier, stride) in [(2, 2), (4, 2), (8, 1)] {
                layers.append(convolution(width * multiplier / 2, width * multiplier, stride: stride, bias: bias))
                layers.append(normalization.layer(features: width * multiplier, generator: &random))
                layers.append(Activation.leakyRelu(0.2))
            }
            layers.append(convolution(8 * width, 1, stride: 1, bias: true))
            model = Sequential(layers)
        }

        /// Logits `[N, 1, h, w]` for `[N, C, S, S]` pairs (30×30 at 256×256, 2×2 at 32×32).
        public func callAsFunction(_ pairs: Tensor) -> Tensor { model(pairs) }
    }

    public let generatorNetwork: Generator
    public let discriminatorNetwork: Discriminator
    public var generator: Module { generatorNetwork }
    public var discriminator: Module { discriminatorNetwork }
    /// λ for the L1 term of the generator's loss.
    public let l1Weight: Float

    /// Builds both networks with N(0, 0.02) weights, zero biases and N(1, 0.02) BatchNorm weights drawn
    /// from `seed`; the dropout masks come from streams derived from the same seed.
    public init(seed: UInt64, configuration: Configuration = Configuration(), l1Weight: Float = Pix2Pix.defaultL1Weight) {
        self.configuration = configuration
        self.l1Weight = l1Weight
        var random = RandomGenerator(seed: seed).derived(stream: 0)
        let dropoutSeed = RandomGenerator(seed: seed).derived(stream: 3).seed
        generatorNetwork = Generator(configuration: configuration, dropoutSeed: dropoutSeed, generator: &random)
        discriminatorNetwork = Discriminator(inputChannels: configuration.sourceChannels + configuration.targetChannels,
                                             normalization: configuration.normalization, generator: &random)
    }

    public func translate(_ source: Tensor) -> Tensor { generatorNetwork(source) }

    /// Patch logits for sources and targets (real or generated), concatenated source first.
    public func discriminate(source: Tensor, target: Tensor) -> Tensor {
        discriminatorNetwork(Tensor.concatenating([source, target], alongAxis: 1))
    }

    // MARK: Losses and training step

    /// The reference's `optimize_parameters`: G translates once; D is updated on the detached fake pair
    /// (target 0) and the real pair (target 1), its loss halved; then G, against the updated D, on
    /// BCE(D(x, G(x)), 1) + λ·L1(G(x), y). Every loss is BCE-with-logits averaged over the patch map.
    public func trainingStep(_ batch: TranslationBatch, context: TrainingContext) -> TranslationStepMetrics {
        let (source, target) = (batch.source, batch.target)
        // Kept for both updates (G's graph is reused after D's step), and let go before G's update.
        var generated: Tensor? = translate(source)
        let discriminatorPass = Adversarial.record(for: [context.discriminatorOptimizer]) {
            let fakeLogits = discriminate(source: source, target: generated!.detached())
            let realLogits = discriminate(source: source, target: target)
            let loss = (Adversarial.loss(fakeLogits, target: 0, kind: .logits) + Adversarial.loss(realLogits, target: 1, kind: .logits)) * 0.5
            return ([loss], (real: Adversarial.meanProbability(realLogits, kind: .logits),
                             fake: Adversarial.meanProbability(fakeLogits, kind: .logits)))
        }
        discriminatorPass.apply(to: [context.discriminatorOptimizer])

        let generatorPass = Adversarial.record(for: [context.generatorOptimizer]) {
            let fake = generated!
            generated = nil
            let adversarial = Adversarial.loss(discriminate(source: source, target: fake), target: 1, kind: .logits)
            let l1 = Loss.meanAbsoluteError(fake, target)
            return ([adversarial + l1 * l1Weight], (adversarial: adversarial.scalar, l1: l1.scalar))
        }
        generatorPass.apply(to: [context.generatorOptimizer])
        let adversarialMetrics = StepMetrics(
            discriminatorLoss: discriminatorPass.losses[0], generatorLoss: generatorPass.losses[0],
            realScore: discriminatorPass.extra.real, fakeScore: discriminatorPass.extra.fake)
        return TranslationStepMetrics(adversarial: adversarialMetrics, generatorAdversarialLoss: generatorPass.extra.adversarial,
                                      l1: generatorPass.extra.l1)
    }
}
