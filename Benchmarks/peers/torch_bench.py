"""PyTorch peer of `forger-bench train`: the same workloads, update order and batch as the references.

Usage: torch_bench.py MODEL [--batch-size B] [--steps N] [--warmup W] [--threads T] [--seed S]

One step = one D update + one G update, as the reference of MODEL does it:
  mlp      PyTorch-GAN gan.py: G first (non-saturating BCE against the current D), then D on real and the
           detached fake, the two BCE halves averaged.
  cgan     PyTorch-GAN cgan.py: as mlp with labels and MSE against 1/0; fake labels uniform in 0-9.
  dcgan    TF tutorial: one G forward and one D forward on real and fake; D's gradients (w.r.t. D only, so
           the fake is in effect detached) and G's are both taken from that pass, then both Adams step.
  dcgan64  pytorch/examples dcgan: D first on real and detached fake (BCE summed), then G against the
           updated D; one G forward serves both.
The real batch (uniform in [-1, 1], MNIST's shape; 64x64 for dcgan64) and its labels are built before
timing; the noise z is drawn inside the step, as the references (and Forger) do. Warm-up steps are not
timed. Prints one JSON line.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from torch import nn

from models import CLASSES, DEFAULT_BATCH, LATENT, MODELS, optimisers


def make_step(name, generator, discriminator, batch):
    opt_g, opt_d = optimisers(name, generator, discriminator)
    bce, bce_logits, mse = nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.MSELoss()
    ones, zeros = torch.ones(batch), torch.zeros(batch)

    if name == "mlp":
        def step(real, _labels):
            fake = generator(torch.randn(batch, LATENT))
            opt_g.zero_grad()
            bce(discriminator(fake), ones).backward()
            opt_g.step()
            opt_d.zero_grad()
            ((bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)) / 2).backward()
            opt_d.step()
    elif name == "cgan":
        def step(real, labels):
            fake_labels = torch.randint(0, CLASSES, (batch,))
            fake = generator(torch.randn(batch, LATENT), fake_labels)
            opt_g.zero_grad()
            mse(discriminator(fake, fake_labels), ones).backward()
            opt_g.step()
            opt_d.zero_grad()
            ((mse(discriminator(real, labels), ones) + mse(discriminator(fake.detach(), fake_labels), zeros)) / 2).backward()
            opt_d.step()
    elif name == "dcgan":
        d_parameters, g_parameters = list(discriminator.parameters()), list(generator.parameters())

        def step(real, _labels):
            fake = generator(torch.randn(batch, LATENT))
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            d_loss = bce_logits(real_logits, ones) + bce_logits(fake_logits, zeros)
            g_loss = bce_logits(fake_logits, ones)
            d_grads = torch.autograd.grad(d_loss, d_parameters, retain_graph=True)
            g_grads = torch.autograd.grad(g_loss, g_parameters)
            for parameter, gradient in zip(d_parameters, d_grads):
                parameter.grad = gradient
            for parameter, gradient in zip(g_parameters, g_grads):
                parameter.grad = gradient
            opt_d.step()
            opt_g.step()
    elif name == "dcgan64":
        def step(real, _labels):
            fake = generator(torch.randn(batch, LATENT, 1, 1))
            opt_d.zero_grad()
            bce(discriminator(real), ones).backward()
            bce(discriminator(fake.detach()), zeros).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(discriminator(fake), ones).backward()
            opt_g.step()
    else:
        raise KeyError(name)
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)
    batch = arguments.batch_size or DEFAULT_BATCH[arguments.model]
    generator_type, discriminator_type, shape = MODELS[arguments.model]
    generator, discriminator = generator_type(), discriminator_type()
    generator.train()
    discriminator.train()
    real = torch.rand(batch, *shape) * 2 - 1
    labels = torch.randint(0, CLASSES, (batch,))
    step = make_step(arguments.model, generator, discriminator, batch)
    for _ in range(arguments.warmup):
        step(real, labels)
    times = []
    for _ in range(arguments.steps):
        started = time.perf_counter()
        step(real, labels)
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(json.dumps({
        "peer": "pytorch", "model": arguments.model, "batch_size": batch, "threads": arguments.threads,
        "median_ms": round(median, 3), "images_per_s": round(batch / median * 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "min_ms": round(min(times), 3), "steps": arguments.steps, "warmup": arguments.warmup,
        "version": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
