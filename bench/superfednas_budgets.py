#!/usr/bin/env python3
"""The SuperFedNAS benchmark's summary, from the per-run files `./fedarch bench` recorded.

usage: superfednas_budgets.py RESULTS_DIR [SUPERFEDNAS_RUN_DIR]
       (e.g. bench/results/superfednas-vs-ifedavg, or with
        bench/results/superfednas-ablation/superfednas-uniform to compare that run with the baselines
        instead of RESULTS_DIR/superfednas: then summary-<run>.md, no plot)

For a results directory without a run named superfednas (bench/results/superfednas-ablation) it only
copies every SuperFedNAS run's search reports next to its result.

Reads RESULTS_DIR/superfednas, ifedavg-<i> (canonical subnet i trained alone, one per budget, same
order as the SuperFedNAS job's budgets) and ifednas. Per budget: SuperFedNAS's chosen subnet (MACs,
parameters, test accuracy, the search's validation accuracy) against iFedAvg's canonical subnet (test
accuracy after all its rounds, and the round at which its per-round validation accuracy first reached
SuperFedNAS's). Totals for serving all budgets: client compute in forward MACs x images (SuperFedNAS:
training + the search's scoring; iFedAvg: every budget's training, in all rounds and up to equal
accuracy) and the bytes a subnet-only link carries (each client-round's subnet down and up), with the
ratios. iFedNAS's network is compared at its MACs. Copies every SuperFedNAS run's pareto.csv/.svg and
evolution.csv next to its result and writes RESULTS_DIR/summary.md and RESULTS_DIR/accuracy-vs-macs.svg.
"""
import csv
import json
import os
import shutil
import sys


def load(results, run):
    path = os.path.join(results, run, "result.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def rounds(results, run):
    with open(os.path.join(results, run, "rounds.csv")) as f:
        return list(csv.DictReader(f))


def budgets_of(result):
    return [int(float(b)) for b in result["job"]["hyperParameters"]["macsBudgets"].split(",")]


WINDOW = 3


def first_round_reaching(rows, target):
    """The round after which the model first held >= target: the first window of WINDOW consecutive
    aggregates whose mean validation accuracy reaches it, dated by the window's last round. Row j (round
    j+1) scores the aggregate of round j on that round's few selected clients' validation splits, so one
    round alone is noisy under non-IID data; the window averages WINDOW x clientsPerRound splits."""
    for j in range(1, len(rows) - WINDOW + 1):
        window = [float(r["global_val_acc"]) for r in rows[j:j + WINDOW]]
        if sum(window) / WINDOW >= target:
            return j + WINDOW - 1
    return None


def svg(points, path):
    """Test accuracy against MMACs: one series per method."""
    colours = {"SuperFedNAS (chosen per budget)": "#d62728", "SuperFedNAS canonical subnets": "#ff9896",
               "iFedAvg": "#1f77b4", "iFedNAS": "#2ca02c"}
    xs = [p[1] for s in points.values() for p in s]
    ys = [p[2] for s in points.values() for p in s]
    w, h, left, right, top, bottom = 680, 420, 60, 200, 30, 50
    xmax = max(xs) * 1.05
    ymin = max(0.0, min(ys) - 0.05)
    ymax = min(1.0, max(ys) + 0.03)
    sx = (w - left - right) / xmax
    sy = (h - top - bottom) / (ymax - ymin)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="18" font-size="13">Test accuracy vs MACs (10 clients, Dirichlet 0.5, seed 42)</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>']
    for i in range(6):
        x = left + xmax * i / 5 * sx
        out.append(f'<text x="{x:.1f}" y="{h - bottom + 15}" text-anchor="middle">{xmax * i / 5 / 1e6:.1f}</text>')
        acc = ymin + (ymax - ymin) * i / 5
        y = h - bottom - (acc - ymin) * sy
        out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{acc:.2f}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">MACs per image (millions)</text>')
    for k, (name, series) in enumerate(points.items()):
        colour = colours.get(name, "black")
        pts = sorted(series, key=lambda p: p[1])
        coords = [(left + p[1] * sx, h - bottom - (p[2] - ymin) * sy) for p in pts]
        if len(coords) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" points="' +
                       " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for x, y in coords:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
        ly = top + 15 + 18 * k
        out.append(f'<circle cx="{w - right + 15}" cy="{ly}" r="4" fill="{colour}"/>'
                   f'<text x="{w - right + 25}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def copy_search_reports(results):
    """Every SuperFedNAS run's search reports (still in the run's model directory) next to its result."""
    for run in sorted(os.listdir(results)):
        result = load(results, run)
        if not result or result.get("algorithm") != "superfednas" or "artifacts" not in result:
            continue
        search_dir = os.path.join(os.path.dirname(result["artifacts"]), "search")
        for name in ("pareto.csv", "pareto.svg", "evolution.csv"):
            if os.path.isfile(os.path.join(search_dir, name)):
                shutil.copy(os.path.join(search_dir, name), os.path.join(results, run, name))


def main(results, other=None):
    copy_search_reports(results)
    sf = load(os.path.dirname(other), os.path.basename(other)) if other else load(results, "superfednas")
    if sf is None:
        print(f"no superfednas run in {results}: search reports copied, no summary")
        return
    budgets = budgets_of(sf)
    chosen = {b["macsBudget"]: b for b in sf["budgetModels"]}
    m = sf["modelMetrics"]
    sf_compute = m["clientTrainingMacs"] + m["clientScoringMacs"]
    sf_bytes = m["subnetLinkBytes"]
    lines = ["# SuperFedNAS vs iFedAvg vs iFedNAS", "",
             f"10 clients, Dirichlet 0.5, seed {sf['job']['seed']}, {sf['job']['clientsPerRound']} clients per round; "
             f"SuperFedNAS {sf['rounds']} rounds ({sf['rounds'] - int(sf['job']['hyperParameters'].get('evolutionGenerations', 4))} "
             "training + the evolutionary search's selection rounds); each iFedAvg subnet trained alone for "
             "the same training rounds. Written by `python3 bench/superfednas_budgets.py " + results
             + (" " + other if other else "") + "`.", "",
             "| budget (MACs) | SuperFedNAS subnet MACs | params | test acc | search's val acc | iFedAvg subnet MACs | "
             "iFedAvg test acc | SuperFedNAS − iFedAvg (pts) | iFedAvg round reaching SuperFedNAS's val acc (mean of 3 rounds) |",
             "|---|---|---|---|---|---|---|---|---|"]
    ifedavg_total = 0.0
    ifedavg_equal = 0.0
    ifedavg_bytes = 0.0
    equal_complete = True
    points = {"SuperFedNAS (chosen per budget)": [], "SuperFedNAS canonical subnets": [], "iFedAvg": [], "iFedNAS": []}
    for i, budget in enumerate(budgets):
        c = chosen[budget]
        points["SuperFedNAS (chosen per budget)"].append((budget, c["macs"], c["testAccuracy"]))
        base = load(results, f"ifedavg-{i}")
        if base is None:
            lines.append(f"| {budget:,} | {c['macs']:,} | {c['parameterCount']:,} | {c['testAccuracy']:.4f} | "
                         f"{c['validationAccuracy']:.4f} | (not run) | | | |")
            equal_complete = False
            continue
        b = base["budgetModels"][0]
        bm = base["modelMetrics"]
        ifedavg_total += bm["clientTrainingMacs"]
        ifedavg_bytes += bm["subnetLinkBytes"]
        rows = rounds(results, f"ifedavg-{i}")
        reach = first_round_reaching(rows, c["validationAccuracy"])
        training_rounds = int(bm["trainingClientRounds"] / base["job"]["clientsPerRound"])
        if reach is None:
            equal_complete = False
            ifedavg_equal += bm["clientTrainingMacs"]
        else:
            ifedavg_equal += bm["clientTrainingMacs"] * reach / training_rounds
        points["iFedAvg"].append((budget, b["macs"], b["testAccuracy"]))
        lines.append(f"| {budget:,} | {c['macs']:,} | {c['parameterCount']:,} | {c['testAccuracy']:.4f} | "
                     f"{c['validationAccuracy']:.4f} | {b['macs']:,} | {b['testAccuracy']:.4f} | "
                     f"{100 * (c['testAccuracy'] - b['testAccuracy']):+.1f} | "
                     f"{reach if reach is not None else 'not within ' + str(training_rounds)} |")
    pareto = os.path.join(other if other else os.path.join(results, "superfednas"), "pareto.csv")
    if os.path.isfile(pareto):
        with open(pareto) as f:
            for row in csv.DictReader(f):
                if row["kind"] == "canonical":
                    points["SuperFedNAS canonical subnets"].append((0, int(row["macs"]), float(row["test_accuracy"])))
    lines += ["", "| cost of serving all budgets | SuperFedNAS | iFedAvg | iFedAvg / SuperFedNAS |", "|---|---|---|---|",
              f"| client compute, forward MACs × images (SuperFedNAS: training {m['clientTrainingMacs']:.3e} + "
              f"search {m['clientScoringMacs']:.3e}) | {sf_compute:.3e} | {ifedavg_total:.3e} | "
              f"{ifedavg_total / sf_compute:.2f}× |",
              f"| client compute for training alone (the papers' training cost) | {m['clientTrainingMacs']:.3e} | "
              f"{ifedavg_total:.3e} | {ifedavg_total / m['clientTrainingMacs']:.2f}× |",
              f"| client compute to reach SuperFedNAS's validation accuracy at every budget | {sf_compute:.3e} | "
              f"{ifedavg_equal:.3e}{'' if equal_complete else ' (at least: a budget was not reached)'} | "
              f"{ifedavg_equal / sf_compute:.2f}×{'' if equal_complete else ' (lower bound)'} |",
              f"| bytes on a subnet-only link (subnet down and up per client-round) | {sf_bytes:.3e} | "
              f"{ifedavg_bytes:.3e} | {ifedavg_bytes / sf_bytes:.2f}× |",
              f"| wall time of the runs (s, 2 workers on 2 shared cores) | {sf['wallSeconds']:.0f} | "
              f"{sum(load(results, f'ifedavg-{i}')['wallSeconds'] for i in range(len(budgets)) if load(results, f'ifedavg-{i}')):.0f} | |"]
    fednas = load(results, "ifednas")
    if fednas is not None:
        points["iFedNAS"].append((0, fednas["macs"], fednas["testAccuracy"]))
        nearest = min(budgets, key=lambda b: abs(chosen[b]["macs"] - fednas["macs"]))
        # The same seeded selection and shards as the iFedAvg runs, so the same images: their count from iFedAvg-0.
        first = load(results, "ifedavg-0")
        images = first["modelMetrics"]["clientTrainingMacs"] / first["budgetModels"][0]["macs"] if first else None
        compute = f"; training compute {fednas['macs'] * images:.3e} forward MACs × images" if images else ""
        lines += ["", f"iFedNAS (FedNAS's genotype as a darts-derived network, trained with FedAvg the same rounds): "
                      f"{fednas['macs']:,} MACs, {fednas['parameterCount']:,} parameters, test accuracy "
                      f"{fednas['testAccuracy']:.4f}{compute}; SuperFedNAS's subnet for the {nearest:,}-MACs budget: "
                      f"{chosen[nearest]['macs']:,} MACs, {chosen[nearest]['testAccuracy']:.4f}."]
    name = "summary.md" if not other else "summary-" + os.path.basename(other.rstrip("/")) + ".md"
    with open(os.path.join(results, name), "w") as f:
        f.write("\n".join(lines) + "\n")
    if not other:
        svg({k: v for k, v in points.items() if v}, os.path.join(results, "accuracy-vs-macs.svg"))
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2].rstrip("/") if len(sys.argv) == 3 else None)
