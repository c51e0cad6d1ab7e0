# Sourced by the benchmark scripts: how busy this machine is, and waiting until it is quiet, so that
# other tenants' work does not land in one tool's timings and not another's.

# Cores busy (all processes) over one second, from /proc/stat.
busy_cores() {
  local a b c idle a2 b2 c2 idle2
  read -r _ a b c idle _ < /proc/stat; sleep 1; read -r _ a2 b2 c2 idle2 _ < /proc/stat
  awk -v u=$((a2 + b2 + c2 - a - b - c)) -v i=$((idle2 - idle)) -v n="$(nproc)" 'BEGIN {printf "%.2f", n * u / (u + i)}'
}

# Waits until fewer than LIMIT cores (default 0.15, the performance issue's bar) are busy, for at most
# WAIT seconds (default 60), and prints the last load measured; after the wait it returns either way.
wait_for_quiet() {
  local limit="${1:-0.15}" load
  for _ in $(seq 1 "${WAIT:-60}"); do
    load=$(busy_cores)
    awk -v l="$load" -v m="$limit" 'BEGIN {exit !(l < m)}' && break
  done
  echo "$load"
}
