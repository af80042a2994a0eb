#!/usr/bin/env python3
"""docs/compression.md's accuracy/bytes table of bench/compression.yaml, from each run's result.json.

usage: compression_table.py [RESULTS_DIR]   (default bench/results/compression)

Per algorithm and codec, over the seeds that finished: mean ± sample std of the global test accuracy,
its mean difference to FP32 over the seeds both ran (paired), and the payload bytes per client-round (uplink: the update; downlink:
the model the task carried), as measured and as a ratio to FP32. FedNAS rows count the search rounds
and the fine-tuning job's rounds together, each round weighted by its clients.
"""
import json
import pathlib
import statistics
import sys

CODECS = ["fp32", "int8", "topk"]


def per_client_round(result, key):
    """Bytes per client-round over the search rounds and, for FedNAS, the fine-tuning rounds."""
    rounds = result.get("rounds", 0)
    fine = result.get("fineTuneRounds", 0) or 0
    # result.json gives per-stage means per client-update; clients per round are equal within a job.
    total = result.get(key, 0) * rounds + result.get("fineTune" + key[0].upper() + key[1:], 0) * fine
    return total / (rounds + fine)


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/compression")
    runs = {}
    for path in sorted(root.glob("*/result.json")):
        name = path.parent.name                      # e.g. fedavg-int8-s42
        algorithm, codec, seed = name.rsplit("-", 2)
        result = json.loads(path.read_text())
        if result.get("testAccuracy") is None:
            continue
        runs.setdefault((algorithm, codec), []).append((seed[1:], result))
    print("| algorithm | codec | seeds | test accuracy (mean ± std) | vs FP32, same seeds (points) | uplink bytes per client-round "
          "| ratio | downlink bytes per client-round | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for algorithm in ["fedavg", "fednas"]:
        base = runs.get((algorithm, "fp32"))
        if not base:
            continue
        base_up = statistics.mean(per_client_round(r, "bytesPerClientUpdate") for _, r in base)
        base_down = statistics.mean(per_client_round(r, "bytesPerClientTask") for _, r in base)
        for codec in CODECS:
            done = runs.get((algorithm, codec))
            if not done:
                continue
            acc = [r["testAccuracy"] for _, r in done]
            up = statistics.mean(per_client_round(r, "bytesPerClientUpdate") for _, r in done)
            down = statistics.mean(per_client_round(r, "bytesPerClientTask") for _, r in done)
            std = f" ± {statistics.stdev(acc):.4f}" if len(acc) > 1 else ""
            fp32_by_seed = {seed: r["testAccuracy"] for seed, r in base}
            paired = [r["testAccuracy"] - fp32_by_seed[seed] for seed, r in done if seed in fp32_by_seed]
            diff = f"{100 * statistics.mean(paired):+.2f}" if paired else "n/a"
            print(f"| {algorithm} | {codec} | {', '.join(s for s, _ in done)} | {statistics.mean(acc):.4f}{std} "
                  f"| {diff} | {up:,.0f} | {up / base_up:.3f} "
                  f"| {down:,.0f} | {down / base_down:.3f} |")


if __name__ == "__main__":
    main()
