#!/usr/bin/env python3
"""fedarch's MiLeNAS search step vs the DARTS reference search network, side by side on this machine.

Usage:
    python3 bench/search_step_vs_peer.py DARTS_REPO [--configs 16,8,1 8,5,1 4,3,2] [--repeats 2] [--out DIR]

DARTS_REPO is a local checkout of the public repository quark0/darts; its cnn/model_search.py (with
operations.py and genotypes.py beside it) is imported at run time and never copied into fedarch.
Each configuration "C,layers,stemStride" is timed as one MiLeNAS step at batch 64 (the alpha step
from a training and a validation batch, then the weight step), the peer under this machine's
python3-torch and fedarch under DJL's libtorch, each in its own process, alternating which one goes
first, `--repeats` times; the table reports each side's best run and the ratio fedarch / peer.

What the peer runs (the reference network, adapted only where the data requires it):
- the stem convolution takes 1 input channel (Fashion-MNIST) with the configured stride;
- stride 1 uses 28x28 inputs; stride 2 uses 32x32 (28x28 zero-padded), because the reference
  FactorizedReduce cannot halve 7x7 (its two halves come out 4x4 and 3x3);
- alpha gradients come from torch.autograd.grad(loss_train + loss_val, alphas) computed loss by
  loss (MiLeNAS, lambda = 1), so no weight gradients are computed in the alpha step, exactly as in
  fedarch; Adam(lr 3e-4, betas (0.5, 0.999), weight decay 1e-3) on alpha;
- the weight step: SGD(lr 0.025, momentum 0.9, weight decay 3e-4), gradient norm clipped at 5.
Both sides: 2 warm-up steps, then the timed steps, torch threads = 2 (the machine's cores), and
`DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE` in the environment of both.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_STEPS = {(16, 8, 1): 3, (8, 5, 1): 3, (4, 3, 2): 10}
ENV = dict(os.environ, DJL_OFFLINE="true", OPT_OUT_TRACKING="true", OMP_WAIT_POLICY="PASSIVE")


def onednn_cap_of_fedarch():
    """The ONEDNN_MAX_CPU_ISA that ./fedarch gives fedarch on this machine (None: oneDNN's own choice).

    On AMD EPYC machines with AVX-512, libtorch 2.7.1's oneDNN JIT kernels gave NaN gradients for
    one-input-channel convolutions (the stem here), so ./fedarch caps it at SSE4.1 there; the bench
    times what users run. Only fedarch's process gets it: the peer's torch keeps its own kernels.
    """
    if os.environ.get("ONEDNN_MAX_CPU_ISA"):
        return os.environ["ONEDNN_MAX_CPU_ISA"]
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return None
    if re.search(r"^vendor_id\s*:\s*AuthenticAMD", text, re.M) and re.search(r"\bavx512f\b", text):
        return "SSE41"
    return None


def peer_worker(args):
    """Runs inside its own process: times the reference network's MiLeNAS step."""
    import torch
    import torch.nn as nn
    torch.set_num_threads(args.threads)
    # The reference allocates its alphas with .cuda(); on a CPU-only machine that must be a no-op.
    torch.Tensor.cuda = lambda self, *a, **k: self
    sys.path.insert(0, os.path.join(args.peer_worker, "cnn"))
    import model_search  # noqa: E402  (the peer's own file, read from the given checkout)

    channels, layers, stride = args.config
    size = 28 if stride == 1 else 32
    torch.manual_seed(42)
    criterion = nn.CrossEntropyLoss()
    net = model_search.Network(channels, 10, layers, criterion)
    net.stem[0] = nn.Conv2d(1, net.stem[0].out_channels, 3, stride=stride, padding=1, bias=False)
    net.train()
    weights = [p for p in net.parameters()]
    alphas = net.arch_parameters()
    w_opt = torch.optim.SGD(weights, lr=0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam(alphas, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    batch = args.batch

    def data():
        x = torch.randn(batch, 1, size, size)
        y = torch.randint(0, 10, (batch,))
        return x, y

    def step():
        xt, yt = data()
        xv, yv = data()
        a_opt.zero_grad()
        for x, y in ((xt, yt), (xv, yv)):
            grads = torch.autograd.grad(net._loss(x, y), alphas)
            for a, g in zip(alphas, grads):
                a.grad = g if a.grad is None else a.grad + g
        a_opt.step()
        w_opt.zero_grad()
        loss = net._loss(xt, yt)
        loss.backward()
        nn.utils.clip_grad_norm_(weights, 5)
        w_opt.step()

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - start) * 1000 / args.steps
    params = sum(p.numel() for p in weights) + sum(a.numel() for a in alphas)
    print(f"PEER ms_per_step={ms:.1f} params={params} torch={torch.__version__} threads={torch.get_num_threads()}")


def classpath():
    cp_file = os.path.join(ROOT, "search-core", "target", "cp.txt")
    if not os.path.exists(cp_file) or not os.path.isdir(os.path.join(ROOT, "search-core", "target", "test-classes")):
        subprocess.run(["mvn", "-B", "-o", "-q", "-pl", "search-core", "-am", "test-compile",
                        "dependency:build-classpath", "-Dmdep.outputFile=target/cp.txt"],
                       cwd=ROOT, check=True, env=ENV)
    core = os.path.join(ROOT, "search-core", "target")
    with open(cp_file) as f:
        deps = f.read().strip()
    return f"{core}/test-classes:{core}/classes:{deps}"


def baseline_classpath(checkout):
    """Another checkout's compiled search-core (e.g. the commit before a change), for a before/after column."""
    target = os.path.join(checkout, "search-core", "target")
    if not os.path.isdir(os.path.join(target, "test-classes")):
        subprocess.run(["mvn", "-B", "-o", "-q", "-pl", "search-core", "-am", "test-compile"], cwd=checkout, check=True, env=ENV)
    with open(os.path.join(ROOT, "search-core", "target", "cp.txt")) as f:
        deps = f.read().strip()
    return f"{target}/test-classes:{target}/classes:{deps}"


def run_fedarch(cp, config, batch, steps, onednn_isa):
    c, layers, stride = config
    env = dict(ENV)
    env.pop("ONEDNN_MAX_CPU_ISA", None)
    if onednn_isa:
        env["ONEDNN_MAX_CPU_ISA"] = onednn_isa
    out = subprocess.run(["java", "-cp", cp, "io.fedarch.core.bench.SearchStepTiming", str(c), str(layers),
                          str(stride), str(batch), str(steps)],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    m = re.search(r"params=(\d+).*?([0-9.]+) ms per MiLeNAS step", out.stdout)
    if not m:
        raise RuntimeError("fedarch timing failed:\n" + out.stdout + out.stderr)
    return float(m.group(2)), int(m.group(1))


def peer_python(requested):
    """The interpreter with torch (Debian's python3-torch lives under /usr/bin/python3, not a pyenv one)."""
    for candidate in ([requested] if requested else [sys.executable, "/usr/bin/python3"]):
        if subprocess.run([candidate, "-c", "import torch"], capture_output=True).returncode == 0:
            return candidate
    sys.exit("no python with torch found: apt-get install python3-torch, or give --python")


def run_peer(python, repo, config, batch, steps, threads):
    out = subprocess.run([python, os.path.abspath(__file__), "--peer-worker", repo, "--config",
                          ",".join(map(str, config)), "--batch", str(batch), "--steps", str(steps),
                          "--threads", str(threads)],
                         capture_output=True, text=True, env=ENV)
    m = re.search(r"PEER ms_per_step=([0-9.]+) params=(\d+) torch=(\S+)", out.stdout)
    if not m:
        raise RuntimeError("peer timing failed:\n" + out.stdout + out.stderr)
    return float(m.group(1)), int(m.group(2)), m.group(3)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        model = re.search(r"model name\s*:\s*(.*)", text).group(1).strip()
        flags = re.search(r"flags\s*:\s*(.*)", text).group(1).split()
        simd = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
        return f"{model} ({os.cpu_count()} CPUs; {' '.join(simd) or 'no AVX2'})"
    except OSError:
        return platform.processor()


def load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def parse_config(text):
    parts = tuple(int(v) for v in text.split(","))
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("a configuration is C,layers,stemStride")
    return parts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("darts_repo", nargs="?", help="local checkout of quark0/darts")
    parser.add_argument("--configs", nargs="+", type=parse_config, default=list(DEFAULT_STEPS))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--baseline", help="another fedarch checkout (e.g. the commit before a change): timed too")
    parser.add_argument("--python", help="interpreter for the peer (default: the first with torch)")
    parser.add_argument("--onednn-isa", help="ONEDNN_MAX_CPU_ISA for fedarch's process ('native': none; default: "
                        "what ./fedarch sets on this machine)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "search-step"))
    parser.add_argument("--peer-worker", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=parse_config, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_worker:
        peer_worker(args)
        return
    if not args.darts_repo or not os.path.exists(os.path.join(args.darts_repo, "cnn", "model_search.py")):
        parser.error("give the path of a local checkout of quark0/darts (it must contain cnn/model_search.py)")
    python = peer_python(args.python)
    isa = onednn_cap_of_fedarch() if args.onednn_isa is None else (None if args.onednn_isa == "native"
                                                                     else args.onednn_isa)
    cp = classpath()
    base_cp = baseline_classpath(args.baseline) if args.baseline else None
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    log = []
    torch_version = "?"
    for config in args.configs:
        steps = DEFAULT_STEPS.get(config, 3)
        peer_times, fed_times, base_times = [], [], []
        for r in range(args.repeats):
            order = ["peer", "fedarch"] + (["baseline"] if base_cp else [])
            order = order[r % len(order):] + order[:r % len(order)]
            for side in order:
                before = load()
                if side == "peer":
                    ms, peer_params, torch_version = run_peer(python, args.darts_repo, config, args.batch, steps,
                                                              args.threads)
                    peer_times.append(ms)
                elif side == "fedarch":
                    ms, fed_params = run_fedarch(cp, config, args.batch, steps, isa)
                    fed_times.append(ms)
                else:
                    ms, _ = run_fedarch(base_cp, config, args.batch, steps, isa)
                    base_times.append(ms)
                line = f"{config} repeat {r + 1} {side}: {ms:.1f} ms/step ({steps} steps; load before {before})"
                print(line, flush=True)
                log.append(line)
        peer, fed = min(peer_times), min(fed_times)
        rows.append((config, peer_params, fed_params, peer, fed, fed / peer, peer_times, fed_times, base_times))
    os.makedirs(args.out, exist_ok=True)
    header = [
        "# fedarch MiLeNAS step vs the DARTS reference search network (side by side)",
        "",
        f"- Run: {started}; command: `python3 bench/search_step_vs_peer.py DARTS_REPO "
        f"--configs {' '.join(','.join(map(str, c)) for c in args.configs)} --repeats {args.repeats}"
        + (f" --baseline {args.baseline}" if args.baseline else "")
        + (f" --onednn-isa {args.onednn_isa}" if args.onednn_isa else "") + "`",
        f"- CPU: {cpu_model()}; peer torch {torch_version}, {args.threads} threads; fedarch DJL 0.35.1 / libtorch 2.7.1"
        f" (ONEDNN_MAX_CPU_ISA {isa or 'unset'})",
        f"- Batch {args.batch}; best of {args.repeats} alternating runs per side; load average at the end: {load()}",
        "",
        "| C / layers / stem stride | params (peer / fedarch) | peer ms/step | fedarch ms/step | fedarch / peer | runs peer | runs fedarch |"
        + (" baseline ms/step (best) | baseline / peer |" if base_cp else ""),
        "|---|---|---|---|---|---|---|" + ("---|---|" if base_cp else ""),
    ]
    for config, pp, fp, peer, fed, ratio, pt, ft, bt in rows:
        line = (f"| {config[0]} / {config[1]} / {config[2]} | {pp:,} / {fp:,} | {peer:,.0f} | {fed:,.0f} | "
                f"**{ratio:.2f}** | {', '.join(f'{t:,.0f}' for t in pt)} | {', '.join(f'{t:,.0f}' for t in ft)} |")
        if bt:
            line += f" {min(bt):,.0f} | {min(bt) / peer:.2f} |"
        header.append(line)
    text = "\n".join(header + ["", "Runs in order:", ""] + [f"- {l}" for l in log]) + "\n"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M")
    path = os.path.join(args.out, f"step-vs-peer-{stamp}.md")
    with open(path, "w") as f:
        f.write(text)
    print(text)
    print(f"written {path}")


if __name__ == "__main__":
    main()
