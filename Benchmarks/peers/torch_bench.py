"""PyTorch peer of `forger-bench train`: the same workloads, update order and batch.

Usage: torch_bench.py MODEL [--batch-size B] [--steps N] [--warmup W] [--threads T]
Prints one JSON line: median ms per step (one D update + one G update), images/s, peak RSS.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from torch import nn

from models import LATENT, MODELS

DEFAULT_BATCH = {"mlp": 64, "dcgan": 256, "dcgan64": 64}


def make_step(name, generator, discriminator, batch):
    bce, bce_logits = nn.BCELoss(), nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    if name == "mlp":
        opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

        def step(real):  # PyTorch-GAN gan.py: G first, then D on real and detached fake, halves averaged.
            fake = generator(torch.randn(batch, LATENT))
            opt_g.zero_grad()
            bce(discriminator(fake), ones).backward()
            opt_g.step()
            opt_d.zero_grad()
            ((bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)) / 2).backward()
            opt_d.step()
    elif name == "dcgan":
        opt_g = torch.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7)
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7)

        def step(real):  # TF tutorial: one forward pass, both gradients, then both updates.
            fake = generator(torch.randn(batch, LATENT))
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            d_loss = bce_logits(real_logits, ones) + bce_logits(fake_logits, zeros)
            g_loss = bce_logits(fake_logits, ones)
            d_grads = torch.autograd.grad(d_loss, list(discriminator.parameters()), retain_graph=True)
            g_grads = torch.autograd.grad(g_loss, list(generator.parameters()))
            for parameter, gradient in zip(discriminator.parameters(), d_grads):
                parameter.grad = gradient
            for parameter, gradient in zip(generator.parameters(), g_grads):
                parameter.grad = gradient
            opt_d.step()
            opt_g.step()
    else:
        opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

        def step(real):  # pytorch/examples dcgan: D first (real, detached fake, summed), then G.
            fake = generator(torch.randn(batch, LATENT))
            opt_d.zero_grad()
            bce(discriminator(real), ones).backward()
            bce(discriminator(fake.detach()), zeros).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(discriminator(fake), ones).backward()
            opt_g.step()
    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(0)
    batch = arguments.batch_size or DEFAULT_BATCH[arguments.model]
    generator_type, discriminator_type, shape = MODELS[arguments.model]
    generator, discriminator = generator_type(), discriminator_type()
    real = torch.rand(batch, *shape) * 2 - 1
    step = make_step(arguments.model, generator, discriminator, batch)
    for _ in range(arguments.warmup):
        step(real)
    times = []
    for _ in range(arguments.steps):
        started = time.perf_counter()
        step(real)
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "model": arguments.model, "batch_size": batch,
        "threads": arguments.threads, "steps": arguments.steps, "median_ms": round(median, 3),
        "images_per_s": round(batch / median * 1000, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
