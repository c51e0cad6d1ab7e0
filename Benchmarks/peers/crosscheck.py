"""Replays one Forger training step in PyTorch and compares the resulting weights.

Usage: crosscheck.py RECORD.safetensors   (written by `forger-bench crosscheck MODEL --out RECORD`)
Loads Forger's initial weights into the reference modules, runs the reference implementation's step
with Forger's noise and real batch, and prints the largest difference of every weight and buffer.
Adam's first step moves every weight by ±lr whatever the size of its gradient, so a gradient within
rounding of zero can flip sign and differ by 2·lr; the check therefore passes when fewer than 0.1 %
of all elements differ by more than 1e-5 (relative to the tensor's scale) and none by more than 2.5·lr.
"""
import json
import sys

import torch
from safetensors import safe_open
from torch import nn

from models import MODELS


def main():
    path = sys.argv[1]
    with safe_open(path, "pt") as file:
        metadata = file.metadata()
        tensors = {name: file.get_tensor(name) for name in file.keys()}
    model = metadata["model"]
    generator_type, discriminator_type, _ = MODELS[model]
    generator, discriminator = generator_type(), discriminator_type()

    def part(prefix):
        return {name[len(prefix):]: value for name, value in tensors.items() if name.startswith(prefix)}

    generator.load_state_dict(part("initial.generator."))
    discriminator.load_state_dict(part("initial.discriminator."))
    z, real = tensors["z"], tensors["real"]
    batch = real.shape[0]
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    bce = nn.BCELoss()
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    fake = generator(z)
    if model == "mlp":
        opt_g.zero_grad()
        g_loss = bce(discriminator(fake), ones)
        g_loss.backward()
        opt_g.step()
        opt_d.zero_grad()
        d_loss = (bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)) / 2
        d_loss.backward()
        opt_d.step()
    else:
        opt_d.zero_grad()
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(discriminator(fake), ones)
        g_loss.backward()
        opt_g.step()
    worst, differing, total = {}, 0, 0
    for prefix, module in (("after.generator.", generator), ("after.discriminator.", discriminator)):
        expected = part(prefix)
        for name, value in module.state_dict().items():
            scale = max(1.0, value.float().abs().max().item())
            difference = (value.float() - expected[name].float()).abs() / scale
            worst[prefix + name] = difference.max().item()
            differing += int((difference > 1e-5).sum().item())
            total += difference.numel()
    largest = max(worst, key=worst.get)
    result = {
        "model": model, "batch": batch, "tensors_compared": len(worst),
        "largest_difference": worst[largest], "where": largest, "elements": total,
        "fraction_differing_over_1e-5": differing / total,
        "d_loss": [float(metadata["d_loss"]), d_loss.item()], "g_loss": [float(metadata["g_loss"]), g_loss.item()],
    }
    print(json.dumps(result))
    sys.exit(0 if differing / total < 1e-3 and worst[largest] <= 2.5 * 2e-4 else 1)


if __name__ == "__main__":
    main()
