#!/usr/bin/env python3
"""The PerFedRLNAS benchmark's summary table, from the per-run files `./fedarch bench` recorded.

usage: perfedrlnas_tiers.py RESULTS_DIR [MORE_RESULTS_DIRS...]
       (e.g. bench/results/perfedrlnas-vs-fedavg bench/results/perfedrlnas-vs-fedavg-rest)

Per job over its seeds: mean +- sample std of the mean personalized local test accuracy, wall time,
bytes per client-round (what fedarch sent: the full model; and for PerFedRLNAS what a subnet-only
link would carry), and per device tier the mean parameters / MACs of the clients' final models.
Runs of the same job in several directories are pooled; a run recorded in more than one directory
counts once, as recorded in the last one given. Writes RESULTS_DIR/summary.md and prints it.
"""
import csv
import json
import os
import statistics
import sys


def mean_std(values, digits=4):
    values = [v for v in values if v == v]
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def order(job):
    """Setting first, then PerFedRLNAS, its variants, FedAvg, FedNAS."""
    setting = "labelskew" in job
    rank = 0 if job.startswith("perfedrlnas-") and "renormalised" not in job else 1 if job.startswith("perfedrlnas") \
        else 2 if job.startswith("fedavg") else 3
    return setting, rank, job


def job_of(run):
    base = run.rsplit("-s", 1)
    return base[0] if len(base) == 2 and base[1].isdigit() else run


def main(directories):
    latest = {}
    for results in directories:
        for d in sorted(os.listdir(results)):
            if os.path.isfile(os.path.join(results, d, "result.json")):
                latest[d] = results
    runs = [(results, d) for d, results in latest.items()]
    jobs = {}
    for results, run in runs:
        with open(os.path.join(results, run, "result.json")) as f:
            result = json.load(f)
        tiers = {}
        clients_csv = os.path.join(results, run, "clients.csv")
        if os.path.isfile(clients_csv):
            with open(clients_csv) as f:
                for row in csv.DictReader(f):
                    tier = row.get("device_tier") or ""
                    if tier:
                        tiers.setdefault(int(tier), []).append((int(row["parameters"]), int(row["macs"]),
                                                                 float(row["local_test_accuracy"])))
        jobs.setdefault(job_of(run), []).append((run, result, tiers))

    lines = ["| job | algorithm | seeds | mean personalized acc (mean ± std over seeds) | wall s | "
             "bytes per client-round (sent) | bytes per client-round (subnet only) | client-rounds over the memory "
             "budget | final models per tier: params / MACs / personalized acc |",
             "|---|---|---|---|---|---|---|---|---|"]
    for job, entries in sorted(jobs.items(), key=lambda item: order(item[0])):
        seeds = ", ".join(str(r["job"]["seed"]) for _, r, _ in sorted(entries, key=lambda e: e[1]["job"]["seed"]))
        accuracy = mean_std([r.get("meanPersonalizedAccuracy", float("nan")) for _, r, _ in entries])
        wall = mean_std([r["wallSeconds"] for _, r, _ in entries], 1)
        sent = statistics.mean(r["bytesPerClientUpdate"] for _, r, _ in entries)
        subnet = [r.get("modelMetrics", {}).get("meanSubnetBytesPerClientRound") for _, r, _ in entries]
        subnet = f"{statistics.mean(subnet):,.0f}" if all(s is not None for s in subnet) else ""
        over = [r.get("modelMetrics", {}).get("overBudgetClientRounds") for _, r, _ in entries]
        rounds = [r.get("modelMetrics", {}).get("clientRounds") for _, r, _ in entries]
        over = f"{sum(over):.0f} of {sum(rounds):.0f}" if all(o is not None for o in over + rounds) else ""
        per_tier = {}
        for _, _, tiers in entries:
            for tier, models in tiers.items():
                per_tier.setdefault(tier, []).extend(models)
        tier_text = "<br>".join(
            f"tier {t}: {statistics.mean(m[0] for m in ms):,.0f} / {statistics.mean(m[1] for m in ms):,.0f} / "
            f"{statistics.mean(m[2] for m in ms):.3f} (n={len(ms)})" for t, ms in sorted(per_tier.items()))
        lines.append(f"| {job} | {entries[0][1]['algorithm']} | {seeds} | {accuracy} | {wall} | {sent:,.0f} | "
                     f"{subnet} | {over} | {tier_text} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(directories[0], "summary.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
