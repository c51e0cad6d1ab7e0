#!/usr/bin/env bash
# How the thread pool behaves when other processes hold cores: runs `forger-bench train` with one
# thread and with THREADS threads, alternately, first on a quiet machine and then while HOGS busy loops
# (default 1) occupy cores, and prints a markdown table of the medians over ROUNDS runs (ms per step).
# The performance issue asks that THREADS threads under contention be no slower than one thread: the
# last column is that ratio (contended THREADS-thread step / contended one-thread step; at most 1 is good).
# Quiet runs each wait for the machine to be quiet first (Benchmarks/quiet.sh). BENCH=path times another
# forger-bench binary (no build).
# Usage: [HOGS=n] [BENCH=path] Benchmarks/contended.sh [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
rounds="${2:-3}"
hogs="${HOGS:-1}"
[ -n "${BENCH:-}" ] || swift build -c release --product forger-bench >/dev/null
bench="${BENCH:-.build/release/forger-bench}"

source Benchmarks/quiet.sh

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
step_ms() { $bench train "$@" | grep -o '"median_ms": *[0-9.]*' | grep -o '[0-9.]*$'; }

# Medians of one-thread and THREADS-thread runs of a workload, alternated: prints "one many". With
# `quiet` first, each run waits for a quiet machine.
measure() {
  local one="" many="" settle=:
  [ "$1" = quiet ] && settle="wait_for_quiet" && shift
  for _ in $(seq 1 "$rounds"); do
    $settle >/dev/null; one="$one $(step_ms "$@" --threads 1)"
    $settle >/dev/null; many="$many $(step_ms "$@" --threads "$threads")"
  done
  echo "$(echo $one | tr ' ' '\n' | median) $(echo $many | tr ' ' '\n' | median)"
}

hog_pids=""
stop_hogs() { [ -z "$hog_pids" ] || kill $hog_pids 2>/dev/null || true; hog_pids=""; }
trap stop_hogs EXIT

echo "| workload | quiet, 1 thread | quiet, $threads threads | $hogs busy, 1 thread | $hogs busy, $threads threads | busy $threads / 1 |"
echo "|---|---|---|---|---|---|"
for workload in "mlp --steps 200" "cgan --steps 200" "dcgan --batch-size 64 --steps 12"; do
  read -r quiet_one quiet_many <<< "$(measure quiet $workload)"
  for _ in $(seq 1 "$hogs"); do sh -c 'while :; do :; done' & hog_pids="$hog_pids $!"; done
  read -r busy_one busy_many <<< "$(measure $workload)"
  stop_hogs
  ratio=$(awk -v a="$busy_many" -v b="$busy_one" 'BEGIN {printf "%.2f", a / b}')
  echo "| ${workload%% *} | $quiet_one | $quiet_many | $busy_one | $busy_many | $ratio |"
done
