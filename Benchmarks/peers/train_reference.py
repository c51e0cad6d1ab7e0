"""Trains a reference PyTorch model (mlp or dcgan) on MNIST for a number of steps and writes a
sample grid, for judging Forger's samples against the reference's at the same step.

Usage: train_reference.py MODEL --steps N --out grid.png [--data data/mnist] [--seed S] [--export DIR]

With --export, the generator is written as DIR/generator.safetensors (the reference's state-dict
names) and DIR/generator.json, the layout of `forger export`, so that `forger eval --generator DIR`
scores the reference with exactly the protocol Forger's own runs get.

Writes the grid in evaluation mode (running BatchNorm statistics) to grid.png and in training mode
(batch statistics, as the reference's own sample images) to grid-train-mode.png.
"""
import argparse
import gzip
import struct
import json
import os
import zlib

import numpy as np
import torch
from torch import nn

from models import MODELS
from safetensors.torch import save_file


def load_images(path):
    with gzip.open(path, "rb") as file:
        _, count, rows, columns = struct.unpack(">IIII", file.read(16))
        pixels = np.frombuffer(file.read(), dtype=np.uint8).reshape(count, 1, rows, columns)
    return torch.from_numpy(pixels.astype(np.float32) / 127.5 - 1)


def write_grid(images, path, columns=8, padding=2):
    images = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    count, _, height, width = images.shape
    rows = (count + columns - 1) // columns
    grid = np.full((rows * height + (rows + 1) * padding, columns * width + (columns + 1) * padding), 255, np.uint8)
    for index in range(count):
        top, left = padding + index // columns * (height + padding), padding + index % columns * (width + padding)
        grid[top:top + height, left:left + width] = images[index, 0]
    raw = b"".join(b"\x00" + row.tobytes() for row in grid)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", grid.shape[1], grid.shape[0], 8, 0, 0, 0, 0)
    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def mlp_step(generator, discriminator, optimizers, real):
    """PyTorch-GAN gan.py: G against the current D, then D on real and detached fake, halved."""
    optimizer_g, optimizer_d = optimizers
    loss = nn.BCELoss()
    valid, fake = torch.ones(len(real)), torch.zeros(len(real))
    generated = generator(torch.randn(len(real), 100))
    optimizer_g.zero_grad()
    g_loss = loss(discriminator(generated), valid)
    g_loss.backward()
    optimizer_g.step()
    optimizer_d.zero_grad()
    d_loss = (loss(discriminator(real), valid) + loss(discriminator(generated.detach()), fake)) / 2
    d_loss.backward()
    optimizer_d.step()
    return d_loss, g_loss


def dcgan_step(generator, discriminator, optimizers, real):
    """The TF tutorial: one forward of G and D, both losses, both gradients, then both updates."""
    optimizer_g, optimizer_d = optimizers
    loss = nn.BCEWithLogitsLoss()
    generated = generator(torch.randn(len(real), 100))
    real_scores, fake_scores = discriminator(real), discriminator(generated)
    d_loss = loss(real_scores, torch.ones(len(real))) + loss(fake_scores, torch.zeros(len(real)))
    g_loss = loss(fake_scores, torch.ones(len(real)))
    optimizer_g.zero_grad()
    optimizer_d.zero_grad()
    g_gradients = torch.autograd.grad(g_loss, list(generator.parameters()), retain_graph=True)
    d_gradients = torch.autograd.grad(d_loss, list(discriminator.parameters()))
    for parameter, gradient in zip(generator.parameters(), g_gradients):
        parameter.grad = gradient
    for parameter, gradient in zip(discriminator.parameters(), d_gradients):
        parameter.grad = gradient
    optimizer_g.step()
    optimizer_d.step()
    return d_loss, g_loss


SETTINGS = {  # model: (batch, Adam lr, betas, eps, step)
    "mlp": (64, 2e-4, (0.5, 0.999), 1e-8, mlp_step),
    "dcgan": (256, 1e-4, (0.9, 0.999), 1e-7, dcgan_step),
}


def export(generator, model, step, directory):
    os.makedirs(directory, exist_ok=True)
    save_file({name: tensor.contiguous() for name, tensor in generator.state_dict().items()},
              os.path.join(directory, "generator.safetensors"))
    with open(os.path.join(directory, "generator.json"), "w") as file:
        json.dump({"model": model, "latent_dimension": 100, "classes": 0, "image_shape": [1, 28, 28],
                   "value_range": [-1, 1], "step": step, "forger_version": "pytorch-reference"}, file)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(SETTINGS))
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--export")
    arguments = parser.parse_args()
    torch.manual_seed(arguments.seed)
    generator, discriminator, _ = (factory() if callable(factory) else factory for factory in MODELS[arguments.model])
    batch_size, learning_rate, betas, eps, train_step = SETTINGS[arguments.model]
    images = load_images(f"{arguments.data}/train-images-idx3-ubyte.gz")
    optimizers = (torch.optim.Adam(generator.parameters(), lr=learning_rate, betas=betas, eps=eps),
                  torch.optim.Adam(discriminator.parameters(), lr=learning_rate, betas=betas, eps=eps))
    fixed = torch.randn(64, 100)
    step = 0
    while step < arguments.steps:
        for batch in torch.randperm(len(images)).split(batch_size):
            if len(batch) < batch_size or step >= arguments.steps:
                continue
            d_loss, g_loss = train_step(generator, discriminator, optimizers, images[batch])
            step += 1
            if step % 100 == 0:
                print(f"step {step} d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}", flush=True)
    with torch.no_grad():
        write_grid(generator(fixed), arguments.out.replace(".png", "-train-mode.png"))
        generator.eval()
        write_grid(generator(fixed), arguments.out)
    if arguments.export:
        export(generator, arguments.model, step, arguments.export)


if __name__ == "__main__":
    main()
