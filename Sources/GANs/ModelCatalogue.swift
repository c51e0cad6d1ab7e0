/// Every model Forger can train, by the name the CLI uses.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case mlp
    case dcgan
    case dcgan64
    case cgan
    case cdcgan

    /// One line for `forger models`.
    public var summary: String {
        switch self {
        case .mlp: return "vanilla GAN, MLP G and D (Goodfellow et al. 2014; PyTorch-GAN gan.py), 28×28, batch 64"
        case .dcgan: return "DCGAN for 28×28 (Radford et al. 2016; TensorFlow DCGAN tutorial), batch 256"
        case .dcgan64: return "DCGAN at 64×64 (pytorch/examples dcgan), MNIST resized bilinearly, batch 64"
        case .cgan: return "conditional GAN, MLP G and D with label embeddings (Mirza & Osindero 2014; PyTorch-GAN cgan.py), MSE, batch 64"
        case .cdcgan: return "conditional DCGAN: dcgan with a label plane in G and D, 28×28, batch 256"
        }
    }

    /// A freshly initialised model; the same seed gives the same weights.
    public func makeModel(seed: UInt64) -> GANModel {
        switch self {
        case .mlp: return VanillaGAN(seed: seed)
        case .dcgan: return DCGAN(seed: seed)
        case .dcgan64: return DCGAN64(seed: seed)
        case .cgan: return ConditionalGAN(seed: seed)
        case .cdcgan: return ConditionalDCGAN(seed: seed)
        }
    }

    /// The reference's optimiser and batch defaults.
    public var defaults: Hyperparameters {
        switch self {
        case .mlp: return VanillaGAN.defaults
        case .dcgan: return DCGAN.defaults
        case .dcgan64: return DCGAN64.defaults
        case .cgan: return ConditionalGAN.defaults
        case .cdcgan: return ConditionalDCGAN.defaults
        }
    }

    /// Whether the model's networks take class labels (its `classCount` is positive).
    public var isConditional: Bool { self == .cgan || self == .cdcgan }

    /// The reference's adversarial loss: squared error for `cgan`, non-saturating BCE elsewhere.
    public var defaultLoss: AdversarialLoss { self == .cgan ? .leastSquares : .nonSaturating }
}
