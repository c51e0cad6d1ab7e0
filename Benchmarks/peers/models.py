"""PyTorch reference modules for Forger's catalogue (shared/docs/reference-models.md).

State-dict keys equal Forger's checkpoint names, so Forger's safetensors load with
`module.load_state_dict(safetensors.torch.load_file(path))`. Inits and Adam settings are the references'.

`python models.py --check` asserts the reference parameter counts and the exact state-dict keys and shapes.
"""
import sys

import torch
from torch import nn

LATENT = 100
CLASSES = 10


# ---------------------------------------------------------------------------------------------------------
# mlp: PyTorch-GAN implementations/gan/gan.py. PyTorch default inits.

def mlp_generator_stack(inputs):
    """Linear(inputs,128) → LReLU → [Linear → BN1d(eps 0.8) → LReLU] ×3 → Linear(1024,784) → tanh."""
    def block(features_in, features_out, normalize=True):
        layers = [nn.Linear(features_in, features_out)]
        if normalize:
            layers.append(nn.BatchNorm1d(features_out, 0.8))  # eps = 0.8, the reference's quirk
        layers.append(nn.LeakyReLU(0.2))
        return layers

    return nn.Sequential(*block(inputs, 128, normalize=False), *block(128, 256), *block(256, 512),
                         *block(512, 1024), nn.Linear(1024, 784), nn.Tanh())


class MLPGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = mlp_generator_stack(LATENT)

    def forward(self, z):
        return self.model(z).view(-1, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    """Probabilities `[N]`."""

    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                                   nn.Linear(256, 1), nn.Sigmoid())

    def forward(self, images):
        return self.model(images.flatten(1)).view(-1)


# ---------------------------------------------------------------------------------------------------------
# dcgan: TensorFlow's DCGAN tutorial for MNIST. Keras defaults: Glorot-uniform weights, zero biases,
# BatchNorm eps 1e-3 and momentum 0.01 in PyTorch's convention (Keras momentum 0.99).

def keras_batch_norm(features, dims):
    norm = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    return norm(features, eps=1e-3, momentum=0.01)


def glorot_init(module):
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(module.weight)  # fan_in + fan_out equals Keras' for every layout
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 7 * 7 * 256, bias=False)
        self.bn0 = keras_batch_norm(7 * 7 * 256, 1)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), keras_batch_norm(128, 2), nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), keras_batch_norm(64, 2),
            nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
        self.apply(glorot_init)

    def forward(self, z):
        hidden = nn.functional.leaky_relu(self.bn0(self.fc(z)), 0.3)
        return self.net(hidden.view(-1, 256, 7, 7))


class DCGANDiscriminator(nn.Module):
    """Logits `[N]`."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
        self.apply(glorot_init)

    def forward(self, images):
        return self.net(images).view(-1)


# ---------------------------------------------------------------------------------------------------------
# dcgan64: pytorch/examples dcgan/main.py (nz 100, ngf = ndf = 64). Conv weights N(0, 0.02), BN weight
# N(1, 0.02), bias 0.

def dcgan64_init(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGAN64Generator(nn.Module):
    def __init__(self, channels=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(LATENT, 512, 4, 1, 0, bias=False), nn.BatchNorm2d(512), nn.ReLU(True),
            nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, channels, 4, 2, 1, bias=False), nn.Tanh())
        self.apply(dcgan64_init)

    def forward(self, z):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class DCGAN64Discriminator(nn.Module):
    """Probabilities `[N]`."""

    def __init__(self, channels=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(channels, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(256, 512, 4, 2, 1, bias=False), nn.BatchNorm2d(512), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Sigmoid())
        self.apply(dcgan64_init)

    def forward(self, images):
        return self.main(images).view(-1)


# ---------------------------------------------------------------------------------------------------------
# cgan: PyTorch-GAN implementations/cgan/cgan.py. PyTorch default inits (Embedding N(0, 1)).

class CGANGenerator(nn.Module):
    """forward(z, labels): input = concat(label_emb(labels), z), label first."""

    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(CLASSES, CLASSES)
        self.model = mlp_generator_stack(CLASSES + LATENT)

    def forward(self, z, labels):
        return self.model(torch.cat((self.label_emb(labels), z), -1)).view(-1, 1, 28, 28)


class CGANDiscriminator(nn.Module):
    """forward(images, labels): input = concat(flatten(images), label_embedding(labels)); scores `[N]`
    (no sigmoid: the reference trains with MSE on the raw output)."""

    def __init__(self):
        super().__init__()
        self.label_embedding = nn.Embedding(CLASSES, CLASSES)
        self.model = nn.Sequential(
            nn.Linear(784 + CLASSES, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2),
            nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2),
            nn.Linear(512, 1))

    def forward(self, images, labels):
        return self.model(torch.cat((images.flatten(1), self.label_embedding(labels)), -1)).view(-1)


# ---------------------------------------------------------------------------------------------------------

MODELS = {  # name: (generator, discriminator, image shape)
    "mlp": (MLPGenerator, MLPDiscriminator, (1, 28, 28)),
    "dcgan": (DCGANGenerator, DCGANDiscriminator, (1, 28, 28)),
    "dcgan64": (DCGAN64Generator, DCGAN64Discriminator, (1, 64, 64)),
    "cgan": (CGANGenerator, CGANDiscriminator, (1, 28, 28)),
}
CONDITIONAL = {"cgan"}

# Adam settings (PyTorch's Adam): lr, betas, eps. Same for G and D.
OPTIMISERS = {
    "mlp": dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8),
    "dcgan": dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-7),  # the tutorial's Keras Adam defaults
    "dcgan64": dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8),
    "cgan": dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8),
}
DEFAULT_BATCH = {"mlp": 64, "dcgan": 256, "dcgan64": 64, "cgan": 64}

EXPECTED_COUNTS = {  # generator, discriminator (reference-models.md; cgan from the layout)
    "mlp": (1_510_032, 533_505),
    "dcgan": (2_305_472, 212_865),
    "dcgan64": (3_574_656, 2_763_520),
    "cgan": (100 + 1_510_032 + 10 * 128, 100 + 795 * 512 + 2 * 513 * 512 + 513),
}


def optimisers(name, generator, discriminator):
    """(generator Adam, discriminator Adam) with the reference's settings."""
    settings = OPTIMISERS[name]
    return torch.optim.Adam(generator.parameters(), **settings), torch.optim.Adam(discriminator.parameters(), **settings)


def count(module):
    return sum(parameter.numel() for parameter in module.parameters())


def expected_state_dict(name):
    """The exact state-dict names and shapes a checkpoint for `name` must hold, from the layout in the doc."""
    def linear(prefix, n_in, n_out, bias=True):
        entries = {f"{prefix}.weight": (n_out, n_in)}
        if bias:
            entries[f"{prefix}.bias"] = (n_out,)
        return entries

    def conv(prefix, shape):
        return {f"{prefix}.weight": shape}

    def bn(prefix, features):
        return {f"{prefix}.weight": (features,), f"{prefix}.bias": (features,), f"{prefix}.running_mean": (features,),
                f"{prefix}.running_var": (features,), f"{prefix}.num_batches_tracked": ()}

    def mlp_g(first_in):
        return {**linear("model.0", first_in, 128), **linear("model.2", 128, 256), **bn("model.3", 256),
                **linear("model.5", 256, 512), **bn("model.6", 512), **linear("model.8", 512, 1024),
                **bn("model.9", 1024), **linear("model.11", 1024, 784)}

    if name == "mlp":
        return mlp_g(100), {**linear("model.0", 784, 512), **linear("model.2", 512, 256), **linear("model.4", 256, 1)}
    if name == "cgan":
        return ({"label_emb.weight": (10, 10), **mlp_g(110)},
                {"label_embedding.weight": (10, 10), **linear("model.0", 794, 512), **linear("model.2", 512, 512),
                 **linear("model.5", 512, 512), **linear("model.8", 512, 1)})
    if name == "dcgan":
        return ({**linear("fc", 100, 12544, bias=False), **bn("bn0", 12544), **conv("net.0", (256, 128, 5, 5)),
                 **bn("net.1", 128), **conv("net.3", (128, 64, 5, 5)), **bn("net.4", 64), **conv("net.6", (64, 1, 5, 5))},
                {**conv("net.0", (64, 1, 5, 5)), "net.0.bias": (64,), **conv("net.3", (128, 64, 5, 5)),
                 "net.3.bias": (128,), **linear("net.7", 6272, 1)})
    if name == "dcgan64":
        return ({**conv("main.0", (100, 512, 4, 4)), **bn("main.1", 512), **conv("main.3", (512, 256, 4, 4)),
                 **bn("main.4", 256), **conv("main.6", (256, 128, 4, 4)), **bn("main.7", 128),
                 **conv("main.9", (128, 64, 4, 4)), **bn("main.10", 64), **conv("main.12", (64, 1, 4, 4))},
                {**conv("main.0", (64, 1, 4, 4)), **conv("main.2", (128, 64, 4, 4)), **bn("main.3", 128),
                 **conv("main.5", (256, 128, 4, 4)), **bn("main.6", 256), **conv("main.8", (512, 256, 4, 4)),
                 **bn("main.9", 512), **conv("main.11", (1, 512, 4, 4))})
    raise KeyError(name)


def check():
    for name, (generator_type, discriminator_type, _) in MODELS.items():
        torch.manual_seed(0)
        generator, discriminator = generator_type(), discriminator_type()
        counts = (count(generator), count(discriminator))
        assert counts == EXPECTED_COUNTS[name], (name, counts, EXPECTED_COUNTS[name])
        for module, expected in zip((generator, discriminator), expected_state_dict(name)):
            actual = {key: tuple(value.shape) for key, value in module.state_dict().items()}
            assert actual == expected, (name, set(actual.items()) ^ set(expected.items()))
            for key, value in module.state_dict().items():
                wanted = torch.int64 if key.endswith("num_batches_tracked") else torch.float32
                assert value.dtype == wanted, (name, key, value.dtype)
        print(f"{name}: G {counts[0]:,} D {counts[1]:,} parameters; "
              f"{len(generator.state_dict())} + {len(discriminator.state_dict())} state-dict keys as the reference")
    # Inits: the named statistics of freshly built modules.
    torch.manual_seed(0)
    g, d = DCGAN64Generator(), DCGAN64Discriminator()
    assert abs(g.main[0].weight.std().item() - 0.02) < 1e-3 and abs(g.main[1].weight.mean().item() - 1) < 5e-3
    assert d.main[3].bias.abs().max().item() == 0
    g = DCGANGenerator()
    limit = (6 / (100 + 12544)) ** 0.5
    assert g.fc.weight.abs().max().item() <= limit and g.fc.weight.abs().max().item() > 0.99 * limit
    d = DCGANDiscriminator()
    assert d.net[7].bias.abs().max().item() == 0
    print("inits: dcgan Glorot-uniform / zero bias, dcgan64 N(0, 0.02) / BN N(1, 0.02) as the reference")


if __name__ == "__main__":
    if "--check" in sys.argv:
        check()
    else:
        print(__doc__)
