"""Loads Forger-written safetensors into the reference PyTorch modules (strict) and runs them.

Usage: load_checkpoint.py MODEL GENERATOR.safetensors DISCRIMINATOR.safetensors [SAMPLES.safetensors]
SAMPLES is a `forger sample --out FILE.safetensors` file: PyTorch regenerates its images from its z
(generator in eval mode) and the largest difference is reported.
Prints one JSON line; exits non-zero on any mismatch of names, shapes or dtypes, or images that differ.
"""
import json
import sys

import torch
from safetensors.torch import load_file

from models import LATENT, MODELS


def main():
    name, generator_path, discriminator_path = sys.argv[1:4]
    generator_type, discriminator_type, image_shape = MODELS[name]
    generator, discriminator = generator_type(), discriminator_type()
    generator.load_state_dict(load_file(generator_path), strict=True)
    discriminator.load_state_dict(load_file(discriminator_path), strict=True)
    generator.eval()
    discriminator.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        images = generator(torch.randn(8, LATENT))
        scores = discriminator(images)
    assert tuple(images.shape[1:]) == image_shape, images.shape
    difference = None
    if len(sys.argv) > 4:
        samples = load_file(sys.argv[4])
        with torch.no_grad():
            difference = (generator(samples["z"]) - samples["images"]).abs().max().item()
        assert difference < 1e-4, f"PyTorch images differ from Forger's by {difference}"
    print(json.dumps({
        "max_abs_difference_from_forger": difference,
        "model": name, "images_shape": list(images.shape), "min": images.min().item(), "max": images.max().item(),
        "scores_shape": list(scores.shape), "generator_keys": len(generator.state_dict()),
        "discriminator_keys": len(discriminator.state_dict()),
    }))


if __name__ == "__main__":
    main()
