#!/usr/bin/env bash
# Creates Benchmarks/peers/.venv (gitignored) with the peers' Python packages: PyTorch (CPU is all the
# peers use), numpy, safetensors, JAX (CPU) + optax, tensorboard, pillow. Idempotent: when every package
# already imports it only prints the versions. Set PEERS_VENV to build the venv somewhere else.
#
# Torch: `pip install "torch==$TORCH_VERSION"`. Where pip's find-links (PIP_FIND_LINKS, /opt/wheels on the
# project's machines) holds the CPU-only wheel `torch-X+cpu` (about 190 MB, about 970 MB installed), pip
# picks it, because `==X` matches the `+cpu` local version and a local version sorts above the plain one.
# Elsewhere the same line takes PyPI's Linux x86_64 wheel, which is the CUDA build and pulls the nvidia-*
# and triton wheels (several GB); it runs fine on CPU. PyPI itself has no CPU-only Linux x86_64 torch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PEERS_VENV:-$here/.venv}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
check='import torch, numpy, safetensors, jax, jaxlib, optax, tensorboard, PIL'
versions='import importlib.metadata as m
for p in ["torch", "numpy", "safetensors", "jax", "jaxlib", "optax", "tensorboard", "pillow"]:
    print(f"  {p} {m.version(p)}")'

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
  echo "peers venv ready at $venv:"
  "$venv/bin/python" -c "$versions"
  exit 0
fi

started=$(date +%s)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install --disable-pip-version-check)
"${pip[@]}" "torch==$TORCH_VERSION"
"${pip[@]}" numpy safetensors "jax[cpu]" optax tensorboard pillow
"$venv/bin/python" -c "$check"
echo "peers venv installed at $venv in $(( $(date +%s) - started )) s ($(du -sh "$venv" | cut -f1)):"
"$venv/bin/python" -c "$versions"
"$venv/bin/python" -c 'import torch; print("  torch build:", "CUDA " + str(torch.version.cuda) if torch.version.cuda else "CPU-only")'
