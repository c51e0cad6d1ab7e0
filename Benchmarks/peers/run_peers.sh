#!/usr/bin/env bash
# Runs the peer benchmarks of README.md's table: every workload with 2 and 1 threads, ROUNDS times
# (default 2), appending one JSON line per run to OUT (default /tmp/peers-results.jsonl), with the cores
# other processes kept busy just before it (it waits up to WAIT=60 s for fewer than 0.15 busy cores, then runs
# anyway).
# Usage: Benchmarks/peers/run_peers.sh [torch|jax|all] [ROUNDS] [OUT]
set -euo pipefail
cd "$(dirname "$0")"
which="${1:-all}"; rounds="${2:-2}"; out="${3:-/tmp/peers-results.jsonl}"
./setup.sh >/dev/null
python=.venv/bin/python
source ../quiet.sh
# model batch torch-steps jax-steps
workloads=("mlp 64 50 50" "cgan 64 50 50" "dcgan 256 10 4" "dcgan 64 20 8" "dcgan64 64 15 3")
for round in $(seq 1 "$rounds"); do
  for peer in torch jax; do
    [ "$which" = all ] || [ "$which" = "$peer" ] || continue
    for threads in 2 1; do
      for workload in "${workloads[@]}"; do
        set -- $workload
        steps=$([ "$peer" = torch ] && echo "$3" || echo "$4")
        warmup=$([ "$peer" = torch ] && echo 3 || echo 1)
        load=$(wait_for_quiet)
        line=$($python ${peer}_bench.py "$1" --batch-size "$2" --steps "$steps" --warmup "$warmup" --threads "$threads")
        echo "${line%\}}, \"busy_cores_before\": $load, \"round\": $round}" | tee -a "$out"
      done
    done
  done
done
