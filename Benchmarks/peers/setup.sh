#!/usr/bin/env bash
# Creates Benchmarks/peers/.venv with the peers' Python packages (PyTorch CPU, JAX, safetensors).
# Idempotent. Prefers a locally cached CPU-only torch wheel (pip's find-links) over PyPI's CUDA build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, safetensors, numpy" 2>/dev/null; then
  echo "peers venv ready: $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)')"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
cpu_wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$cpu_wheel" ]; then
  "$venv/bin/pip" install -q "$cpu_wheel"
else
  "$venv/bin/pip" install -q torch
fi
"$venv/bin/pip" install -q numpy safetensors
"$venv/bin/pip" install -q "jax[cpu]" optax || echo "JAX not installed; jax_bench.py will be skipped"
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__)'
