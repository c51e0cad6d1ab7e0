"""Trains a reference PyTorch model on MNIST for a number of steps and writes a sample grid,
for judging Forger's samples against the reference's at the same step.

Usage: train_reference.py MODEL --steps N --out grid.png [--data data/mnist] [--seed S]

Writes the grid in evaluation mode (running BatchNorm statistics) to grid.png and in training mode
(batch statistics, as the reference's own sample images) to grid-train-mode.png.
"""
import argparse
import gzip
import struct
import zlib

import numpy as np
import torch
from torch import nn

from models import MODELS


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["mlp"])
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    torch.manual_seed(arguments.seed)
    generator, discriminator, _ = (factory() if callable(factory) else factory for factory in MODELS[arguments.model])
    images = load_images(f"{arguments.data}/train-images-idx3-ubyte.gz")
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCELoss()
    fixed = torch.randn(64, 100)
    step = 0
    while step < arguments.steps:
        for batch in torch.randperm(len(images)).split(64):
            if len(batch) < 64 or step >= arguments.steps:
                continue
            real = images[batch]
            valid, fake = torch.ones(64), torch.zeros(64)
            generated = generator(torch.randn(64, 100))
            optimizer_g.zero_grad()
            g_loss = loss(discriminator(generated), valid)
            g_loss.backward()
            optimizer_g.step()
            optimizer_d.zero_grad()
            d_loss = (loss(discriminator(real), valid) + loss(discriminator(generated.detach()), fake)) / 2
            d_loss.backward()
            optimizer_d.step()
            step += 1
            if step % 500 == 0:
                print(f"step {step} d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}", flush=True)
    with torch.no_grad():
        write_grid(generator(fixed), arguments.out.replace(".png", "-train-mode.png"))
        generator.eval()
        write_grid(generator(fixed), arguments.out)


if __name__ == "__main__":
    main()
