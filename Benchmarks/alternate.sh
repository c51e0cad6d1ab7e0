#!/usr/bin/env bash
# Alternates forger-bench binaries (say, this commit's and the previous one's) on one benchmark, ROUNDS
# times, and prints the fastest, median and slowest of each binary's reported FIELD (default median_ms).
# On a shared host the fastest round is the least disturbed, so compare those first.
# Usage: FIELD=median_ms Benchmarks/alternate.sh ROUNDS "ARGS" BINARY...
#   e.g. Benchmarks/alternate.sh 6 "train dcgan --batch-size 64 --steps 4 --threads 2" /tmp/old-bench .build/release/forger-bench
rounds=$1; args=$2; shift 2
field=${FIELD:-median_ms}
declare -A all
for r in $(seq 1 $rounds); do
  for b in "$@"; do
    v=$($b $args | grep -o "\"$field\":[0-9.]*" | cut -d: -f2)
    all[$b]="${all[$b]} $v"
  done
done
for b in "$@"; do
  echo "$b: $(echo ${all[$b]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {printf "min %.3f median %.3f max %.3f (n=%d)", a[1], a[int((NR+1)/2)], a[NR], NR}')"
done
