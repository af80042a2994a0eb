#!/usr/bin/env python3
"""Per-method personalized accuracy of the Meta-DNAS benchmark (issue 16).

Reads every run directory of a `./fedarch bench bench/metadnas-vs-baselines.yaml` result (clients.csv,
result.json) and writes metadnas.md and metadnas.csv next to them: per partition and method, the mean
over seeds (± sample standard deviation) of the clients' mean personalized local test accuracy — all
clients, the 8 training clients and the 2 held-out (new) clients — the clients' mean MACs and
parameters, the share of parameter-free operations in the derived genotypes, and the run's wall time.
FedAvg without fine-tuning is the FedAvg run's global model measured on the same local test splits
(global_local_test_accuracy). Only the standard library is used.

    python3 bench/metadnas_personalized.py bench/results/metadnas-vs-baselines
"""
import csv
import json
import statistics
import sys
from pathlib import Path

METHODS = [
    ("metadnas", "local_test_accuracy", "Meta-DNAS"),
    ("localdarts", "local_test_accuracy", "local-only DARTS"),
    ("fednas", "local_test_accuracy", "FedNAS + personalization"),
    ("fedavg", "local_test_accuracy", "FedAvg + local fine-tuning"),
    ("fedavg", "global_local_test_accuracy", "FedAvg"),
]
PARTITIONS = [("dirichlet", "Dirichlet 0.5"), ("labelskew", "label skew, 2 classes")]


def mean_sd(values):
    if not values:
        return float("nan"), float("nan")
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def fmt(values, digits=4):
    mean, sd = mean_sd(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}" if values else "n/a"


def run_figures(run_dir, column):
    rows = list(csv.DictReader(open(run_dir / "clients.csv")))
    result = json.load(open(run_dir / "result.json"))
    held = [r for r in rows if r.get("held_out") == "1"]
    trained = [r for r in rows if r.get("held_out") != "1"]

    def avg(rs, key):
        values = [float(r[key]) for r in rs if r.get(key) not in (None, "")]
        return statistics.mean(values) if values else float("nan")

    for r in rows:
        # The relaxed adapted supernet's accuracy is in the model's description (NAS runs only).
        description = Path(r["architecture_dir"]) / "model.json"
        metrics = json.load(open(description)).get("metrics", {}) if description.exists() else {}
        r["supernet_local_test_accuracy"] = metrics.get("supernetLocalTestAccuracy", "")
    return {
        "meta": avg(rows, "global_local_test_accuracy"), "supernet": avg(rows, "supernet_local_test_accuracy"),
        "all": avg(rows, column), "trained": avg(trained, column), "heldOut": avg(held, column),
        "macs": avg(rows, "macs"), "parameters": avg(rows, "parameters"),
        "parameterFree": avg(rows, "parameter_free_share"), "wall": float(result["wallSeconds"]),
        "clients": len(rows), "minMacs": min(float(r["macs"]) for r in rows),
        "maxMacs": max(float(r["macs"]) for r in rows),
    }


def main(results):
    results = Path(results)
    table = []
    for partition, partition_name in PARTITIONS:
        for prefix, column, method in METHODS:
            runs = sorted(d for d in results.glob(f"{prefix}-{partition}-s*") if (d / "clients.csv").exists())
            figures = [run_figures(d, column) for d in runs]
            table.append((partition_name, method, [d.name.rsplit("-s", 1)[1] for d in runs], figures))
    lines = [
        "# Meta-DNAS vs baselines: personalized accuracy",
        "",
        f"Produced by `python3 bench/metadnas_personalized.py {results}` from the runs of "
        "`./fedarch bench bench/metadnas-vs-baselines.yaml`. Accuracy: each client's model on its own local test "
        "split, averaged over the clients of a run, then mean ± sample standard deviation over the seeds. "
        "Held-out: the 2 clients that never trained (new clients), after the 2 personalization epochs. "
        "MACs and parameters: of the clients' personalized models, averaged over clients and seeds. "
        "Parameter-free: share of pools and skip connections in the derived genotypes. Received model: the "
        "model the clients adapted (the meta-model, Θ_0 for local-only DARTS, FedNAS's or FedAvg's global model) on "
        "the same splits before adaptation; relaxed supernet: the adapted supernet before its derived network is cut "
        "out.",
        "",
        "| partition | method | seeds | personalized acc (all 10) | training clients (8) | held-out clients (2) "
        "| received model | relaxed supernet | MACs per client (min–max) | parameters | parameter-free ops | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = []
    for partition_name, method, seeds, figures in table:
        if not figures:
            continue
        macs = statistics.mean(f["macs"] for f in figures)
        free = [f["parameterFree"] for f in figures if f["parameterFree"] == f["parameterFree"]]
        supernet = [f["supernet"] for f in figures if f["supernet"] == f["supernet"]]
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {:,.0f} ({:,.0f}–{:,.0f}) | {:,.0f} | {} | {} |".format(
            partition_name, method, ", ".join(seeds), fmt([f["all"] for f in figures]),
            fmt([f["trained"] for f in figures]), fmt([f["heldOut"] for f in figures]),
            fmt([f["meta"] for f in figures]) if method != "FedAvg" else "—",
            fmt(supernet) if supernet else "—", macs,
            min(f["minMacs"] for f in figures), max(f["maxMacs"] for f in figures),
            statistics.mean(f["parameters"] for f in figures),
            f"{statistics.mean(free):.2f}" if free else "—",
            fmt([f["wall"] for f in figures], 0) if method != "FedAvg" else "(same run)"))
        for seed, f in zip(seeds, figures):
            rows.append([partition_name, method, seed, f"{f['all']:.4f}", f"{f['trained']:.4f}",
                         f"{f['heldOut']:.4f}", f"{f['meta']:.4f}",
                         "" if f["supernet"] != f["supernet"] else f"{f['supernet']:.4f}", f"{f['macs']:.0f}", f"{f['parameters']:.0f}",
                         "" if f["parameterFree"] != f["parameterFree"] else f"{f['parameterFree']:.4f}",
                         f"{f['wall']:.1f}"])
    (results / "metadnas.md").write_text("\n".join(lines) + "\n")
    with open(results / "metadnas.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["partition", "method", "seed", "personalized_accuracy", "training_clients_accuracy",
                         "held_out_accuracy", "received_model_accuracy", "relaxed_supernet_accuracy", "mean_macs", "mean_parameters", "parameter_free_share", "wall_seconds"])
        writer.writerows(rows)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
