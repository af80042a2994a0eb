#!/usr/bin/env python3
"""Aggregates a PyTorch chrome trace (from JniUtils.stopProfile) of fedarch search steps.

usage: aggregate_trace.py TRACE.json STEPS [TOP]

Self time per op name (an op's duration minus the ops nested inside it, per thread), grouped into
buckets; inclusive time of the top-level ops split into forward/other vs backward (autograd nodes);
gaps between top-level ops on the calling thread (Java, JNI, DJL bookkeeping); op counts per step.
"""
import collections
import json
import re
import sys

BUCKETS = [
    ("convolution fwd", r"^aten::(mkldnn_convolution|_slow_conv2d_forward|thnn_conv2d|_nnpack_spatial_convolution|"
                        r"slow_conv_dilated2d|_convolution_depthwise|_mkldnn_convolution)$|^aten::(conv2d|_convolution|convolution)$"),
    ("convolution bwd", r"convolution_backward|conv2d_backward|slow_conv_dilated2d_backward|mkldnn_convolution_backward|"
                        r"ConvolutionBackward"),
    ("matmul (fwd+bwd)", r"^aten::(matmul|bmm|mm|addmm|linear|_unsafe_view|baddbmm)$|MmBackward|BmmBackward|AddmmBackward|"
                         r"UnsafeViewBackward"),
    ("batch_norm (fwd+bwd)", r"batch_norm|BatchNorm"),
    ("pooling (fwd+bwd)", r"pool|Pool"),
    ("copy/concat/tile/pad", r"^aten::(copy_|clone|contiguous|cat|_cat|repeat|tile|constant_pad_nd|pad|index|index_select|"
                              r"stack|_to_copy|to)$|CatBackward|RepeatBackward|ConstantPadNdBackward|CloneBackward|"
                              r"ToCopyBackward|IndexBackward"),
    ("views (slice/reshape/expand/transpose)", r"^aten::(slice|narrow|select|view|reshape|expand|as_strided|transpose|permute|t|"
                                               r"unsqueeze|squeeze|alias|detach|_reshape_alias|expand_as|flatten|unflatten|"
                                               r"broadcast_to)$|SliceBackward|ViewBackward|ReshapeAliasBackward|ExpandBackward|"
                                               r"TransposeBackward|PermuteBackward|SelectBackward|UnsqueezeBackward|SqueezeBackward|"
                                               r"TBackward|AsStridedBackward"),
    ("relu (fwd+bwd)", r"relu|threshold"),
    ("mixing mul/sum", r"^aten::(mul|sum|mul_|add|add_|sub|sub_|div|div_|neg|mean|addcmul_|addcdiv_|sqrt|norm|"
                       r"linalg_vector_norm|frobenius_norm)$|MulBackward|SumBackward|AddBackward|SubBackward|NegBackward|"
                       r"MeanBackward|DivBackward|NormBackward"),
    ("softmax/loss", r"softmax|one_hot|SoftmaxBackward|LogSoftmax"),
    ("allocation/fill", r"^aten::(empty|empty_like|empty_strided|zeros|zeros_like|ones|ones_like|fill_|zero_|resize_|full|"
                        r"new_empty|new_zeros|new_empty_strided|scalar_tensor|lift_fresh|item|_local_scalar_dense|"
                        r"set_|result_type|is_nonzero)$"),
    ("autograd engine", r"^autograd::|AccumulateGrad|torch::autograd"),
]
COMPILED = [(name, re.compile(p)) for name, p in BUCKETS]


def bucket(name):
    for label, pattern in COMPILED:
        if pattern.search(name):
            return label
    return "other"


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    events = [e for e in events if e.get("ph") == "X" and "dur" in e]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[(e.get("pid"), e.get("tid"))].append(e)
    self_time = collections.Counter()
    calls = collections.Counter()
    top_incl = collections.Counter()
    top_count = collections.Counter()
    top_names = collections.Counter()
    gaps = 0.0
    span = 0.0
    for key, evs in by_thread.items():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []
        last_end = None
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and ts >= stack[-1][1] - 1e-3:
                stack.pop()
            name = e["name"]
            calls[name] += 1
            self_time[name] += dur
            if stack:
                self_time[stack[-1][0]] -= dur
            else:
                kind = "backward" if name.startswith("autograd::engine::evaluate_function") else "forward/other"
                top_incl[kind] += dur
                top_count[kind] += 1
                top_names[name if kind != "backward" else name.split(": ", 1)[-1]] += 1
                if last_end is not None and ts > last_end:
                    gaps += ts - last_end
                last_end = max(last_end or 0, ts + dur)
            stack.append((name, ts + dur))
        first = min(float(e["ts"]) for e in evs)
        end = max(float(e["ts"]) + float(e["dur"]) for e in evs)
        span = max(span, end - first)
        print(f"thread {key}: {len(evs)} events over {(end - first) / 1e3 / steps:.1f} ms per step")
    total_self = sum(self_time.values())
    wall = span
    print(f"\nper step: traced span {wall / 1e3 / steps:.1f} ms, op self time {total_self / 1e3 / steps:.1f} ms, "
          f"gaps between top-level ops (Java/JNI/DJL) {gaps / 1e3 / steps:.1f} ms")
    for kind in top_incl:
        print(f"  top-level {kind}: {top_count[kind] / steps:.0f} ops/step, {top_incl[kind] / 1e3 / steps:.1f} ms/step")
    buckets = collections.Counter()
    for name, t in self_time.items():
        buckets[bucket(name)] += t
    print("\nbucket                                   ms/step   share-of-span")
    for label, t in buckets.most_common():
        print(f"  {label:38s} {t / 1e3 / steps:9.1f}   {100 * t / wall:5.1f}%")
    print(f"  {'(gaps: Java/JNI/DJL)':38s} {gaps / 1e3 / steps:9.1f}   {100 * gaps / wall:5.1f}%")
    print(f"\ntop {top} ops by self time                                  ms/step  calls/step  share")
    for name, t in self_time.most_common(top):
        print(f"  {name[:60]:60s} {t / 1e3 / steps:8.1f} {calls[name] / steps:8.0f}   {100 * t / wall:5.1f}%")
    print("\nmost frequent top-level ops per step:")
    for name, c in top_names.most_common(25):
        print(f"  {name[:70]:70s} {c / steps:6.0f}")


if __name__ == "__main__":
    main()
