"""Loads Forger-written safetensors into the reference PyTorch modules (strict) and runs them.

Usage: load_checkpoint.py MODEL GENERATOR.safetensors DISCRIMINATOR.safetensors [SAMPLES.safetensors]
       load_checkpoint.py MODEL --write-reference GENERATOR.safetensors DISCRIMINATOR.safetensors

Checks, for G and D: the file's tensor names equal the reference state-dict keys exactly, every shape and
dtype matches (float32; int64 `[]` for num_batches_tracked), and `load_state_dict(load_file(path))` in
strict mode succeeds; then runs G (eval mode) on seeded noise (torch.manual_seed(0), z ~ N(0, 1), 8
samples; labels 0..7 for cgan) and D on its images, and checks shapes, finiteness and G's tanh range.
SAMPLES is a `forger sample --out FILE.safetensors` file ("z", "images" and, for cgan, "labels"): PyTorch
regenerates the images from its z and the largest difference must be below 1e-4.
Prints one JSON line; exits 1 on any mismatch (the reason is in the JSON's "errors" and on stderr).
`--write-reference` writes freshly initialised reference modules instead (for testing this script).
"""
import json
import math
import sys

import torch
from safetensors.torch import load_file, save_file

from models import CLASSES, CONDITIONAL, LATENT, MODELS

SAMPLES = 8


def compare_names(which, tensors, module, errors):
    expected = module.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        errors.append(f"{which}: missing tensors {missing}")
    if unexpected:
        errors.append(f"{which}: unexpected tensors {unexpected}")
    for key in sorted(set(expected) & set(tensors)):
        if tuple(tensors[key].shape) != tuple(expected[key].shape):
            errors.append(f"{which}: {key} has shape {list(tensors[key].shape)}, expected {list(expected[key].shape)}")
        if tensors[key].dtype != expected[key].dtype:
            errors.append(f"{which}: {key} has dtype {tensors[key].dtype}, expected {expected[key].dtype}")
        elif tensors[key].is_floating_point() and not torch.isfinite(tensors[key]).all():
            errors.append(f"{which}: {key} holds non-finite values")


def run(name, generator, discriminator, z, labels):
    with torch.no_grad():
        if name in CONDITIONAL:
            images = generator(z, labels)
            return images, discriminator(images, labels)
        images = generator(z)
        return images, discriminator(images)


def main():
    arguments = sys.argv[1:]
    if len(arguments) < 3 or arguments[0] not in MODELS:
        sys.exit(__doc__)
    name = arguments[0]
    generator_type, discriminator_type, image_shape = MODELS[name]
    torch.manual_seed(0)
    generator, discriminator = generator_type(), discriminator_type()

    if arguments[1] == "--write-reference":
        save_file(generator.state_dict(), arguments[2])
        save_file(discriminator.state_dict(), arguments[3])
        print(json.dumps({"model": name, "wrote": arguments[2:4]}))
        return

    generator_path, discriminator_path = arguments[1], arguments[2]
    errors = []
    result = {"model": name, "generator": generator_path, "discriminator": discriminator_path}
    for which, path, module in (("generator", generator_path, generator),
                                ("discriminator", discriminator_path, discriminator)):
        tensors = load_file(path)
        compare_names(which, tensors, module, errors)
        if not errors:
            try:
                module.load_state_dict(tensors, strict=True)
            except RuntimeError as error:
                errors.append(f"{which}: load_state_dict failed: {error}")
        result[f"{which}_tensors"] = len(tensors)
        result[f"{which}_parameters"] = sum(t.numel() for k, t in tensors.items() if not k.endswith(
            ("running_mean", "running_var", "num_batches_tracked")))

    if not errors:
        generator.eval()
        discriminator.eval()
        torch.manual_seed(0)
        z = torch.randn(SAMPLES, LATENT)
        labels = torch.arange(SAMPLES) % CLASSES
        images, scores = run(name, generator, discriminator, z, labels)
        result.update({
            "images_shape": list(images.shape), "images_min": images.min().item(), "images_max": images.max().item(),
            "images_mean": images.mean().item(), "scores_shape": list(scores.shape),
            "scores_min": scores.min().item(), "scores_max": scores.max().item(),
        })
        if tuple(images.shape) != (SAMPLES, *image_shape):
            errors.append(f"images have shape {list(images.shape)}, expected {[SAMPLES, *image_shape]}")
        if tuple(scores.shape) != (SAMPLES,):
            errors.append(f"scores have shape {list(scores.shape)}, expected [{SAMPLES}]")
        if not (torch.isfinite(images).all() and torch.isfinite(scores).all()):
            errors.append("non-finite outputs")
        elif images.min().item() < -1 or images.max().item() > 1:
            errors.append("images outside the tanh range [-1, 1]")

        if len(arguments) > 3:
            samples = load_file(arguments[3])
            sample_labels = samples.get("labels")
            if sample_labels is not None:
                sample_labels = sample_labels.long()
            regenerated, _ = run(name, generator, discriminator, samples["z"].reshape(samples["z"].shape[0], -1),
                                 sample_labels)
            difference = (regenerated - samples["images"].reshape(regenerated.shape)).abs().max().item()
            result["max_abs_difference_from_forger"] = difference
            if not difference < 1e-4 or math.isnan(difference):
                errors.append(f"PyTorch images differ from Forger's by {difference}")

    result["ok"] = not errors
    result["errors"] = errors
    print(json.dumps(result), flush=True)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
