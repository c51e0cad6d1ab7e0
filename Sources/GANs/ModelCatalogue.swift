/// Every model Forger can train, by the name the CLI uses.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case mlp
    case dcgan
    case dcgan64

    /// One line for `forger models`.
    public var summary: String {
        switch self {
        case .mlp: return "vanilla GAN, MLP G and D (Goodfellow et al. 2014; PyTorch-GAN gan.py), 28×28, batch 64"
        case .dcgan: return "DCGAN for 28×28 (Radford et al. 2016; TensorFlow DCGAN tutorial), batch 256"
        case .dcgan64: return "DCGAN at 64×64 (pytorch/examples dcgan), MNIST resized bilinearly, batch 64"
        }
    }

    /// A freshly initialised model; the same seed gives the same weights.
    public func makeModel(seed: UInt64) -> GANModel {
        switch self {
        case .mlp: return VanillaGAN(seed: seed)
        case .dcgan: return DCGAN(seed: seed)
        case .dcgan64: return DCGAN64(seed: seed)
        }
    }

    /// The reference's optimiser and batch defaults.
    public var defaults: Hyperparameters {
        switch self {
        case .mlp: return VanillaGAN.defaults
        case .dcgan: return DCGAN.defaults
        case .dcgan64: return DCGAN64.defaults
        }
    }
}
