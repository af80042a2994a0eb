#!/usr/bin/env python3
"""Summarise the NAS evaluation protocol (bench/search-protocol.sh, issue 17).

  python3 bench/search_protocol.py OUT [--with DIR ...]
      reads OUT/runs.csv (+ tuning.csv, inherited.csv) and the runs.csv/tuning.csv of each --with
      directory (methods run later with the same settings, e.g. -Dmethods=hand-designed), writes
      OUT/summary.md and OUT/accuracy-vs-cost.svg
  python3 bench/search_protocol.py --ablation LABEL=DIR [LABEL=DIR ...]
      prints one markdown table: the searched networks of each directory (mean over its seeds), with
      search, training and total seconds, and the change against the first directory on the seeds
      both ran (paired by seed).
"""
import csv
import statistics
import sys
from pathlib import Path

TARGET_OVER_CNN = 0.015
TARGET_OVER_RANDOM = 0.01
TARGET_ABSOLUTE = 0.91
GROUPS = ["searched", "hand-designed", "cnn", "random"]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def method_group(method):
    return "random" if method.startswith("random") else method


def mean_std(values):
    if not values:
        return float("nan"), float("nan")
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def acc4(value):
    return "—" if value != value else f"{value:.4f}"


def points(value):
    return "—" if value != value else f"{value * 100:+.2f} pt"


def fmt(mean, std, digits=4):
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def summary(out, extra):
    runs = rows(out / "runs.csv") + [r for d in extra for r in rows(d / "runs.csv")]
    seeds = sorted({r["seed"] for r in runs}, key=lambda s: [r["seed"] for r in runs].index(s))
    lines = ["# NAS evaluation protocol: searched vs hand-designed vs random", ""]
    settings = out / "settings.txt"
    if settings.exists():
        lines += ["Settings (`settings.txt`):", "", "```", settings.read_text().strip(), "```", ""]
    lines += ["| method | runs | test accuracy (mean ± std) | parameters | MACs | search s | training s | total s |",
              "|---|---|---|---|---|---|---|---|"]
    by_group = {}
    for r in runs:
        by_group.setdefault(method_group(r["method"]), []).append(r)
    for group in GROUPS:
        rs = by_group.get(group, [])
        if not rs:
            continue
        acc = mean_std([float(r["test_acc"]) for r in rs])
        cols = [mean_std([float(r[k]) for r in rs])[0] for k in ("parameters", "macs", "search_s", "train_s", "total_s")]
        lines.append(f"| {group} | {len(rs)} | {fmt(*acc)} | {cols[0]:,.0f} | {cols[1]:,.0f} | {cols[2]:.0f} | "
                     f"{cols[3]:.0f} | {cols[4]:.0f} |")
    lines += ["", "Per seed (test accuracy; random = mean of the seed's samples):", "",
              "| seed | searched | hand-designed cell | cnn | random mean | random samples | searched − hand-designed "
              "| searched − cnn | searched − random |",
              "|---|---|---|---|---|---|---|---|---|"]
    for seed in seeds:
        seeded = [r for r in runs if r["seed"] == seed]
        searched = [float(r["test_acc"]) for r in seeded if r["method"] == "searched"]
        hand = [float(r["test_acc"]) for r in seeded if r["method"] == "hand-designed"]
        cnn = [float(r["test_acc"]) for r in seeded if r["method"] == "cnn"]
        random = [float(r["test_acc"]) for r in seeded if r["method"].startswith("random")]
        if not searched:
            continue
        s = searched[0]
        h = hand[0] if hand else float("nan")
        c = cnn[0] if cnn else float("nan")
        rm = statistics.mean(random) if random else float("nan")
        lines.append(f"| {seed} | {s:.4f} | {acc4(h)} | {acc4(c)} | {acc4(rm)} | {', '.join(f'{v:.4f}' for v in random)} | "
                     f"{points(s - h)} | {points(s - c)} | {points(s - rm)} |")
    searched_acc = mean_std([float(r["test_acc"]) for r in by_group.get("searched", [])])[0]
    hand_acc = mean_std([float(r["test_acc"]) for r in by_group.get("hand-designed", [])])[0]
    cnn_acc = mean_std([float(r["test_acc"]) for r in by_group.get("cnn", [])])[0]
    random_acc = mean_std([float(r["test_acc"]) for r in by_group.get("random", [])])[0]
    lines += ["", "## Targets (issue 17)", "",
              "| target | measured | met |", "|---|---|---|",
              f"| searched ≥ CNN + 1.5 pt | {points(searched_acc - cnn_acc)} (mean over seeds) | "
              f"{'yes' if searched_acc - cnn_acc >= TARGET_OVER_CNN else 'no'} |",
              f"| searched ≥ hand-designed cell + 1.5 pt | {points(searched_acc - hand_acc)} | "
              f"{'yes' if searched_acc - hand_acc >= TARGET_OVER_CNN else 'no'} |",
              f"| searched ≥ random mean + 1 pt | {points(searched_acc - random_acc)} | "
              f"{'yes' if searched_acc - random_acc >= TARGET_OVER_RANDOM else 'no'} |",
              f"| searched ≥ 91 % test accuracy | {searched_acc * 100:.2f} % | "
              f"{'yes' if searched_acc >= TARGET_ABSOLUTE else 'no'} |"]
    tunings = [d / "tuning.csv" for d in [out] + extra if (d / "tuning.csv").exists()]
    if tunings:
        lines += ["", "## Learning-rate tuning (first seed, proxy: fewer images and rounds; chosen on validation)", "",
                  "| method | learning rate | validation acc | test acc | chosen |", "|---|---|---|---|---|"]
        for r in [r for t in tunings for r in rows(t)]:
            lines.append(f"| {r['method']} | {r['learning_rate']} | {float(r['validation_acc']):.4f} | "
                         f"{float(r['test_acc']):.4f} | {'**yes**' if r['chosen'] == 'true' else ''} |")
    inherited = out / "inherited.csv"
    if inherited.exists():
        inh = rows(inherited)
        lines += ["", "## The search's own product: the derived network at the supernet's size with inherited weights", "",
                  "| seed | as inherited | after the federated BN statistics pass | fine-tuned without the pass | "
                  "fine-tuned after the pass | fine-tune rounds |", "|---|---|---|---|---|---|"]
        for r in inh:
            lines.append(f"| {r['seed']} | {float(r['as_inherited']):.4f} | {float(r['after_statistics_pass']):.4f} | "
                         f"{float(r['fine_tuned_without_pass']):.4f} ({float(r['seconds_without']):.0f} s) | "
                         f"{float(r['fine_tuned_with_pass']):.4f} ({float(r['seconds_with']):.0f} s) | "
                         f"{r['fine_tune_rounds']} |")
        if len(inh) > 1:
            cols = ["as_inherited", "after_statistics_pass", "fine_tuned_without_pass", "fine_tuned_with_pass"]
            means = [fmt(*mean_std([float(r[c]) for r in inh])) for c in cols]
            lines.append(f"| mean ± std | {means[0]} | {means[1]} | {means[2]} | {means[3]} | |")
    lines += ["", "![test accuracy vs total cost](accuracy-vs-cost.svg)", ""]
    (out / "summary.md").write_text("\n".join(lines))
    plot(out, runs)
    print("\n".join(lines))


def plot(out, runs):
    """Test accuracy against total cost (search + training seconds), one point per run."""
    width, height, left, right, top, bottom = 640, 400, 70, 150, 20, 50
    colours = {"searched": "#d62728", "hand-designed": "#2ca02c", "cnn": "#1f77b4", "random": "#7f7f7f"}
    xs = [float(r["total_s"]) for r in runs]
    ys = [float(r["test_acc"]) for r in runs]
    x0, x1 = 0, max(xs) * 1.05
    y0, y1 = min(ys) - 0.02, max(ys) + 0.02
    sx = lambda x: left + (x - x0) / (x1 - x0) * (width - left - right)
    sy = lambda y: height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>']
    for i in range(6):
        x = x0 + (x1 - x0) * i / 5
        y = y0 + (y1 - y0) * i / 5
        svg.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 15}" text-anchor="middle">{x:.0f}</text>')
        svg.append(f'<text x="{left - 5}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.3f}</text>')
    svg.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
               f'total cost: search + training seconds (2 CPU cores)</text>')
    svg.append(f'<text x="15" y="{(top + height - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 15 {(top + height - bottom) / 2})">test accuracy (10,000 images)</text>')
    for r in runs:
        group = method_group(r["method"])
        svg.append(f'<circle cx="{sx(float(r["total_s"])):.1f}" cy="{sy(float(r["test_acc"])):.1f}" r="4" '
                   f'fill="{colours.get(group, "black")}"><title>{r["method"]} seed {r["seed"]}: '
                   f'{float(r["test_acc"]):.4f}</title></circle>')
    for i, (group, colour) in enumerate(colours.items()):
        y = top + 15 + 18 * i
        svg.append(f'<circle cx="{width - right + 20}" cy="{y}" r="4" fill="{colour}"/>')
        svg.append(f'<text x="{width - right + 30}" y="{y + 4}">{group}</text>')
    svg.append("</svg>")
    (out / "accuracy-vs-cost.svg").write_text("\n".join(svg) + "\n")


def ablation(pairs):
    lines = ["| configuration | seeds | searched test acc (mean) | Δ vs first, paired by seed | search s | training s "
             "| total s | MACs | parameter-free share |", "|---|---|---|---|---|---|---|---|---|"]
    first = None
    for pair in pairs:
        label, directory = pair.rsplit("=", 1)
        searched = {r["seed"]: r for r in rows(Path(directory) / "runs.csv") if r["method"] == "searched"}
        first = searched if first is None else first
        shared = [seed for seed in searched if seed in first]
        delta = statistics.mean(float(searched[s]["test_acc"]) - float(first[s]["test_acc"]) for s in shared) \
            if shared else float("nan")
        mean = lambda key: statistics.mean(float(r[key]) for r in searched.values())
        lines.append(f"| {label} | {', '.join(searched)} | {mean('test_acc'):.4f} | {delta * 100:+.2f} pt "
                     f"({len(shared)}) | {mean('search_s'):.0f} | {mean('train_s'):.0f} | {mean('total_s'):.0f} | "
                     f"{mean('macs'):,.0f} | {mean('parameter_free_share'):.3f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--ablation":
        ablation(sys.argv[2:])
    else:
        args = sys.argv[1:]
        extra = [Path(args[i + 1]) for i, a in enumerate(args) if a == "--with"]
        main = [a for i, a in enumerate(args) if a != "--with" and (i == 0 or args[i - 1] != "--with")]
        summary(Path(main[0] if main else "bench/results/search-protocol"), extra)
