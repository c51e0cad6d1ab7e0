"""PyTorch reference modules for Forger's catalogue (docs/reference-models.md).

State-dict keys equal Forger's checkpoint names, so Forger's safetensors load with
`module.load_state_dict(safetensors.torch.load_file(path))`. `python models.py --check` asserts the
reference parameter counts.
"""
import sys

import torch
from torch import nn

LATENT = 100


class MLPGenerator(nn.Module):
    def __init__(self):
        super().__init__()

        def block(inputs, outputs, normalize=True):
            layers = [nn.Linear(inputs, outputs)]
            if normalize:
                layers.append(nn.BatchNorm1d(outputs, 0.8))
            layers.append(nn.LeakyReLU(0.2))
            return layers

        self.model = nn.Sequential(*block(LATENT, 128, normalize=False), *block(128, 256), *block(256, 512),
                                   *block(512, 1024), nn.Linear(1024, 784), nn.Tanh())

    def forward(self, z):
        return self.model(z).view(-1, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                                   nn.Linear(256, 1), nn.Sigmoid())

    def forward(self, images):
        return self.model(images.flatten(1)).view(-1)


def keras_batch_norm(features, dims):
    norm = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    return norm(features, eps=1e-3, momentum=0.01)


class DCGANGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 7 * 7 * 256, bias=False)
        self.bn0 = keras_batch_norm(7 * 7 * 256, 1)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), keras_batch_norm(128, 2), nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), keras_batch_norm(64, 2), nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(module.weight)

    def forward(self, z):
        hidden = nn.functional.leaky_relu(self.bn0(self.fc(z)), 0.3)
        return self.net(hidden.view(-1, 256, 7, 7))


class DCGANDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(7 * 7 * 128, 1))
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, images):
        return self.net(images).view(-1)


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


MODELS = {
    "mlp": (MLPGenerator, MLPDiscriminator, (1, 28, 28)),
    "dcgan": (DCGANGenerator, DCGANDiscriminator, (1, 28, 28)),
    "dcgan64": (DCGAN64Generator, DCGAN64Discriminator, (1, 64, 64)),
}

EXPECTED_COUNTS = {"mlp": (1_510_032, 533_505), "dcgan": (2_305_472, 212_865), "dcgan64": (3_574_656, 2_763_520)}


def count(module):
    return sum(parameter.numel() for parameter in module.parameters())


if __name__ == "__main__" and "--check" in sys.argv:
    for name, (generator, discriminator, _) in MODELS.items():
        counts = (count(generator()), count(discriminator()))
        assert counts == EXPECTED_COUNTS[name], (name, counts)
        print(f"{name}: G {counts[0]:,} D {counts[1]:,} parameters (as the reference)")
