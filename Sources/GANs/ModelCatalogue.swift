/// Every model Forger can train, by the name the CLI uses.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case mlp
    case dcgan
    case dcgan64
    case cgan
    case cdcgan
    case mixture
    case dcganStacked = "dcgan-stacked"

    /// One line for `forger models`.
    public var summary: String {
        switch self {
        case .mlp: return "vanilla GAN, MLP G and D (Goodfellow et al. 2014; PyTorch-GAN gan.py), 28×28, batch 64"
        case .dcgan: return "DCGAN for 28×28 (Radford et al. 2016; TensorFlow DCGAN tutorial), batch 256"
        case .dcgan64: return "DCGAN at 64×64 (pytorch/examples dcgan), MNIST resized bilinearly, batch 64"
        case .cgan: return "conditional GAN, MLP G and D with label embeddings (Mirza & Osindero 2014; PyTorch-GAN cgan.py), MSE, batch 64"
        case .cdcgan: return "conditional DCGAN: dcgan with a label plane in G and D, 28×28, batch 256"
        case .mixture: return "GAN on a 2-D Gaussian mixture (--dataset ring|grid), MLP G 400 / maxout D 200 (PacGAN's setup), batch 100"
        case .dcganStacked: return "DCGAN on Stacked MNIST (3 digits as RGB channels, 1,000 modes; PacGAN's setup), batch 64"
        }
    }

    /// A freshly initialised model whose discriminator judges `pack` samples at once (PacGAN; 1 is
    /// the plain model); the same seed gives the same weights.
    public func makeModel(seed: UInt64, pack: Int = 1) -> GANModel {
        switch self {
        case .mlp: return VanillaGAN(seed: seed, pack: pack)
        case .dcgan: return DCGAN(seed: seed, pack: pack)
        case .dcgan64: return DCGAN64(seed: seed, pack: pack)
        case .cgan: return ConditionalGAN(seed: seed, pack: pack)
        case .cdcgan: return ConditionalDCGAN(seed: seed, pack: pack)
        case .mixture: return MixtureGAN(seed: seed, pack: pack)
        case .dcganStacked: return StackedDCGAN(seed: seed, pack: pack)
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
        case .mixture: return MixtureGAN.defaults
        case .dcganStacked: return StackedDCGAN.defaults
        }
    }

    /// What the model trains on.
    public var data: DataKind {
        switch self {
        case .mlp, .dcgan, .dcgan64, .cgan, .cdcgan: return .mnist
        case .mixture: return .mixture
        case .dcganStacked: return .stackedMNIST
        }
    }

    /// Whether the model's networks take class labels (its `classCount` is positive).
    public var isConditional: Bool { self == .cgan || self == .cdcgan }

    /// The reference's adversarial loss: squared error for `cgan`, non-saturating BCE elsewhere.
    public var defaultLoss: AdversarialLoss { self == .cgan ? .leastSquares : .nonSaturating }
}

/// The kinds of real data the models train on; each has its own evaluation protocol.
public enum DataKind: String, Codable, Sendable {
    /// MNIST digits `[1, 28, 28]` (resized for `dcgan64`); scored by Fréchet distance and the classifier.
    case mnist
    /// Points `[2]` from a 2-D Gaussian mixture; scored by modes captured and high-quality samples.
    case mixture
    /// Three MNIST digits as channels `[3, 28, 28]`; scored by modes (of 1,000) and KL from uniform.
    case stackedMNIST = "stacked-mnist"
}
