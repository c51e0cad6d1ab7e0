#!/usr/bin/env bash
# The main job: install dependencies, build Forger in release mode, train the default GAN — the
# conditional GAN (`cgan`), which learns every digit where the unconditional MLP GAN collapses onto a
# few — on the repository's copy of MNIST, write a grid with one row per requested digit and score
# the generator with the MNIST classifier.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-dependencies.sh
swift build -c release --product forger
forger=.build/release/forger
epochs="${FORGER_EPOCHS:-10}"
run=runs/quickstart-cgan
"$forger" train cgan --epochs "$epochs" --seed 0 --name quickstart-cgan --runs-dir runs --sample-every 2000
"$forger" sample --run "$run" --labels 0-9 --count 10 --seed 1 --out "$run/grid.png"
"$forger" eval --run "$run"
echo "Sample grid (one row per digit 0–9): $run/grid.png"
