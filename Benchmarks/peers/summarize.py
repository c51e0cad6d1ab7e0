"""Summarises run_peers.sh's JSON lines into README.md's table: per peer, workload and thread count, the
median over rounds of each run's median ms/step (and the lowest single step seen, which is less hurt when
other processes share the cores), images/s from that median, the highest peak RSS, the busiest load seen.

Usage: summarize.py [RESULTS.jsonl]   (default /tmp/peers-results.jsonl)
"""
import json
import statistics
import sys
from collections import defaultdict

ORDER = {"mlp": 0, "cgan": 1, "dcgan": 2, "dcgan64": 3}
runs = defaultdict(list)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/peers-results.jsonl"):
    if line.strip():
        record = json.loads(line)
        runs[(record["peer"], record["model"], record["batch_size"], record["threads"])].append(record)
print("| peer | model (batch) | threads | runs | median ms/step | images/s | min ms/step | peak RSS MB | busy cores before |")
print("|---|---|---|---|---|---|---|---|---|")
for (peer, model, batch, threads), records in sorted(runs.items(), key=lambda item: (
        item[0][0] != "pytorch", -item[0][3], ORDER[item[0][1]], -item[0][2])):
    median = statistics.median(r["median_ms"] for r in records)
    print(f"| {peer} | {model} ({batch}) | {threads} | {len(records)} | {median:.1f} | {batch / median * 1000:.0f} | "
          f"{min(r['min_ms'] for r in records):.1f} | {max(r['peak_rss_mb'] for r in records):.0f} | "
          f"{', '.join(str(r.get('busy_cores_before', '?')) for r in records)} |")
