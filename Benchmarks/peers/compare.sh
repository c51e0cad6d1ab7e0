#!/usr/bin/env bash
# Runs forger-bench and the PyTorch peer alternately on every reference workload and prints a
# table of medians and ratios. Usage: Benchmarks/peers/compare.sh [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-2}"
rounds="${2:-2}"
Benchmarks/peers/setup.sh >/dev/null
swift build -c release --product forger-bench >/dev/null
bench=.build/release/forger-bench
python=Benchmarks/peers/.venv/bin/python

# Waits (up to a minute) until other processes use less than 0.15 of a core.
wait_for_quiet() {
  for _ in $(seq 1 30); do
    busy=$(top -bn2 -d 1 | awk '/^%Cpu/ {line=$0} END {split(line, f, ","); for (i in f) if (f[i] ~ /id/) {gsub(/[^0-9.]/, "", f[i]); print 100 - f[i]}}')
    awk -v b="$busy" -v n="$(nproc)" 'BEGIN {exit !(b * n / 100 < 0.15)}' && return
    sleep 1
  done
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { grep -o "\"$1\": *[0-9.]*" | grep -o '[0-9.]*$'; }

printf "| workload (batch) | threads | Forger ms/step | PyTorch ms/step | PyTorch / Forger | Forger MB | PyTorch MB |\n|---|---|---|---|---|---|---|\n"
for workload in "mlp 64 30" "cgan 64 30" "dcgan 256 4" "dcgan 64 8" "dcgan64 64 4"; do
  set -- $workload
  forger_times=(); torch_times=()
  for _ in $(seq 1 "$rounds"); do
    wait_for_quiet
    forger_line=$($bench train "$1" --batch-size "$2" --steps "$3" --threads "$threads")
    forger_times+=("$(echo "$forger_line" | field median_ms)"); forger_rss=$(echo "$forger_line" | field peak_rss_mb)
    wait_for_quiet
    torch_line=$($python Benchmarks/peers/torch_bench.py "$1" --batch-size "$2" --steps "$3" --threads "$threads")
    torch_times+=("$(echo "$torch_line" | field median_ms)"); torch_rss=$(echo "$torch_line" | field peak_rss_mb)
  done
  f=$(printf "%s\n" "${forger_times[@]}" | median); t=$(printf "%s\n" "${torch_times[@]}" | median)
  printf "| %s (%s) | %s | %.1f | %.1f | %.2f | %.0f | %.0f |\n" "$1" "$2" "$threads" "$f" "$t" "$(awk -v a="$t" -v b="$f" 'BEGIN {print a / b}')" "$forger_rss" "$torch_rss"
done
