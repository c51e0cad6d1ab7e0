#!/usr/bin/env bash
# Runs forger-bench, the PyTorch peer and the JAX peer alternately on every reference workload and prints
# a markdown table of medians, ratios and peak memory. Usage: Benchmarks/peers/compare.sh [THREADS] [ROUNDS]
#
# Each cell is the median over its runs of each run's median ms/step; "min" is the fastest single step
# seen in any round (least hurt when other tenants share the host). Ratios are peer / Forger, so above 1
# means Forger is faster; the performance issue's target is 1.2 against the best peer. The MLP workloads run
# three times ROUNDS: a run of theirs lasts a second or two, so one busy spell on the shared host can cover
# a whole run, and their rounds are cheap. PEERS=torch skips JAX (its dcgan64 step takes seconds, and
# compiling takes longer); WORKLOADS="mlp cgan" runs only those models.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-2}"
rounds="${2:-2}"
peers="${PEERS:-torch jax}"
only="${WORKLOADS:-}"
Benchmarks/peers/setup.sh >/dev/null
swift build -c release --product forger-bench >/dev/null
bench=.build/release/forger-bench
python=Benchmarks/peers/.venv/bin/python

source Benchmarks/quiet.sh

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
minimum() { sort -n | head -n 1; }
field() { grep -o "\"$1\": *[0-9.]*" | grep -o '[0-9.]*$'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || a == "") print "—"; else printf "%.2f", a / b}'; }

# One run of a tool; prints "median min rss".
run_one() {
  local tool=$1 model=$2 batch=$3 steps=$4 line
  case "$tool" in
    forger) line=$($bench train "$model" --batch-size "$batch" --steps "$steps" --threads "$threads") ;;
    torch) line=$($python Benchmarks/peers/torch_bench.py "$model" --batch-size "$batch" --steps "$steps" --threads "$threads") ;;
    jax) line=$($python Benchmarks/peers/jax_bench.py "$model" --batch-size "$batch" --steps "$steps" --warmup 1 --threads "$threads" 2>/dev/null) ;;
  esac
  echo "$(echo "$line" | field median_ms) $(echo "$line" | field min_ms) $(echo "$line" | field peak_rss_mb)"
}

echo "| workload (batch) | threads | Forger ms/step (min) | PyTorch ms/step (min) | JAX ms/step (min) | PyTorch / Forger | JAX / Forger | Forger MB | PyTorch MB | JAX MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
# model batch steps jax-steps rounds-factor
for workload in "mlp 64 100 100 3" "cgan 64 100 100 3" "dcgan 256 4 2 1" "dcgan 64 8 3 1" "dcgan64 64 4 2 1"; do
  set -- $workload
  [ -z "$only" ] || [[ " $only " == *" $1 "* ]] || continue
  declare -A medians=() minimums=() memory=()
  for _ in $(seq 1 $((rounds * $5))); do
    for tool in forger $peers; do
      steps=$([ "$tool" = jax ] && echo "$4" || echo "$3")
      wait_for_quiet >/dev/null
      read -r med low rss <<< "$(run_one "$tool" "$1" "$2" "$steps")"
      medians[$tool]="${medians[$tool]:-} $med"; minimums[$tool]="${minimums[$tool]:-} $low"; memory[$tool]=$rss
    done
  done
  cell() { local m; m=$(echo ${medians[$1]:-} | tr ' ' '\n' | grep . | median); [ "$m" = nan ] && { echo "—"; return; }
           printf "%.1f (%.1f)" "$m" "$(echo ${minimums[$1]} | tr ' ' '\n' | grep . | minimum)"; }
  mem() { if [ -n "${memory[$1]:-}" ]; then printf "%.0f" "${memory[$1]}"; else echo "—"; fi; }
  f=$(echo ${medians[forger]} | tr ' ' '\n' | median)
  t=$(echo ${medians[torch]:-} | tr ' ' '\n' | grep . | median || true)
  j=$(echo ${medians[jax]:-} | tr ' ' '\n' | grep . | median || true)
  echo "| $1 ($2) | $threads | $(cell forger) | $(cell torch) | $(cell jax) | $(ratio "$t" "$f") | $(ratio "$j" "$f") | $(mem forger) | $(mem torch) | $(mem jax) |"
  unset medians minimums memory
done
