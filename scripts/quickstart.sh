#!/usr/bin/env bash
# The main job: install dependencies, build Forger in release mode, train the default GAN (the
# vanilla `mlp` GAN) on the repository's copy of MNIST and write a sample grid.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-dependencies.sh
swift build -c release --product forger
forger=.build/release/forger
epochs="${FORGER_EPOCHS:-20}"
"$forger" train mlp --epochs "$epochs" --seed 0 --name quickstart-mlp --runs-dir runs
"$forger" sample --run runs/quickstart-mlp --count 64 --seed 1 --out runs/quickstart-mlp/grid.png
echo "Sample grid: runs/quickstart-mlp/grid.png"
