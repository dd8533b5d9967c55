#!/usr/bin/env python3
"""Measures PyTorch on this machine, one thread, for the shapes of simdcnn's benchmarks.

An optional anchor beside the JMH suites (the issues quote PyTorch 1.13 figures from another machine kind). It needs
a Python with PyTorch (Debian: `apt-get install python3-torch`, 1.13.1 there); the benchmarks and tests never need
Python. `bench/run-elem.sh` runs it when such a Python is found and `ElemReport` puts its figures beside ours.

    /usr/bin/python3 bench/pytorch_anchor.py bench/results-pytorch.csv [elem|conv|all]

Method: every operation is timed in batches of calls with `time.perf_counter_ns` after a warm-up; the figure is the
median over 15 batches (each batch ~0.1 s). Elementwise operations write into a preallocated output (`out=`) where
PyTorch offers it, as our kernels do; the CSV says which form ran.

CSV columns: group, name, variant, value, unit, batches, spread (the relative spread between the 25th and 75th
percentile batch).
"""
import csv
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(7)


def timeit(fn, target_s=0.1, batches=15):
    """Median seconds per call of fn over `batches` batches, and the interquartile spread relative to it."""
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        dt = (time.perf_counter_ns() - t0) / 1e9
        if dt >= target_s / 4:
            break
        n *= 2
    n = max(1, int(n * target_s / max(dt, 1e-9)))
    per = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        per.append((time.perf_counter_ns() - t0) / 1e9 / n)
    per.sort()
    med = statistics.median(per)
    q1, q3 = per[len(per) // 4], per[(3 * len(per)) // 4]
    return med, (q3 - q1) / med, batches


def elementwise(rows):
    n = 1 << 20
    x = torch.randn(n) * 4
    y = torch.empty(n)
    g = torch.randn(n)
    ops = {
        # name: (out= form, allocating form)
        "RELU": (lambda: torch.clamp_min(x, 0.0, out=y), lambda: F.relu(x)),
        "LEAKY_RELU": (lambda: torch._C._nn.leaky_relu(x, 0.01, out=y), lambda: F.leaky_relu(x, 0.01)),
        "ELU": (lambda: torch._C._nn.elu(x, 1.0, 1.0, 1.0, out=y), lambda: F.elu(x)),
        "SIGMOID": (lambda: torch.sigmoid(x, out=y), lambda: torch.sigmoid(x)),
        "TANH": (lambda: torch.tanh(x, out=y), lambda: torch.tanh(x)),
        "GELU": (lambda: torch._C._nn.gelu(x, out=y), lambda: F.gelu(x)),
        "GELU_TANH": (lambda: torch._C._nn.gelu(x, approximate="tanh", out=y),
                      lambda: F.gelu(x, approximate="tanh")),
        "SILU": (lambda: torch._C._nn.silu(x, out=y), lambda: F.silu(x)),
        "SOFTPLUS": (lambda: torch._C._nn.softplus(x, 1.0, 20.0, out=y), lambda: F.softplus(x)),
        "HARDSWISH": (lambda: torch._C._nn.hardswish(x, out=y), lambda: F.hardswish(x)),
    }
    for name, (out_form, alloc_form) in ops.items():
        for variant, fn in (("out", out_form), ("alloc", alloc_form)):
            s, spread, b = timeit(fn)
            rows.append(["activation", name, variant, s * 1e9 / n, "ns/element", b, spread])
            print(f"{name:12s} {variant:6s} {s * 1e9 / n:8.3f} ns/element  (spread {spread:.0%})", flush=True)
    s, spread, b = timeit(lambda: y.copy_(x))
    rows.append(["activation", "COPY", "out", s * 1e9 / n, "ns/element", b, spread])
    print(f"{'COPY':12s} {'out':6s} {s * 1e9 / n:8.3f} ns/element", flush=True)
    pools = {
        "mnist1": ((64, 32, 28, 28), dict(kernel_size=2, stride=2)),
        "mnist2": ((64, 64, 14, 14), dict(kernel_size=2, stride=2)),
        "resnetStem": ((32, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1)),
    }
    for name, (shape, kw) in pools.items():
        inp = torch.randn(*shape)
        numel = inp.numel()
        for variant, fn in (("indices", lambda: F.max_pool2d(inp, return_indices=True, **kw)),
                            ("values", lambda: F.max_pool2d(inp, **kw))):
            s, spread, b = timeit(fn)
            rows.append(["maxpool2d_forward", name, variant, s * 1e9 / numel, "ns/input element", b, spread])
            print(f"maxpool {name:10s} {variant:8s} {s * 1e9 / numel:8.3f} ns/input element", flush=True)


CONV = [
    # name, dims, N, Cin, spatial, Cout, k, stride, pad, groups (the shapes of bench's ConvShape)
    ("mnist_c1", 2, 64, 1, (28, 28), 32, 3, 1, 1, 1),
    ("mnist_c2", 2, 64, 32, (14, 14), 64, 3, 1, 1, 1),
    ("resnet_3x3_56", 2, 1, 64, (56, 56), 64, 3, 1, 1, 1),
    ("resnet_3x3_28", 2, 1, 128, (28, 28), 128, 3, 1, 1, 1),
    ("resnet_3x3_14", 2, 1, 256, (14, 14), 256, 3, 1, 1, 1),
    ("resnet_1x1_56", 2, 1, 64, (56, 56), 256, 1, 1, 0, 1),
    ("resnet_stem", 2, 1, 3, (224, 224), 64, 7, 2, 3, 1),
    ("depthwise_3x3_56", 2, 1, 128, (56, 56), 128, 3, 1, 1, 128),
    ("conv1d_text", 1, 32, 128, (256,), 128, 3, 1, 1, 1),
    ("conv3d_small", 3, 2, 16, (16, 16, 16), 32, 3, 1, 1, 1),
]


def conv(rows):
    fns = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
    for name, dims, n, cin, spatial, cout, k, s, p, groups in CONV:
        x = torch.randn(n, cin, *spatial)
        w = torch.randn(cout, cin // groups, *([k] * dims))
        b = torch.randn(cout)
        with torch.no_grad():
            y = fns[dims](x, w, b, s, p, 1, groups)
            out_spatial = y[0, 0].numel()
            flops = 2 * n * cout * out_spatial * (cin // groups) * k ** dims
            sec, spread, bt = timeit(lambda: fns[dims](x, w, b, s, p, 1, groups), target_s=0.2)
        rows.append(["conv_forward", name, "1T", flops / sec / 1e9, "GFLOP/s", bt, spread])
        print(f"conv {name:18s} {flops / sec / 1e9:8.1f} GFLOP/s  (spread {spread:.0%})", flush=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "results-pytorch.csv"
    what = sys.argv[2] if len(sys.argv) > 2 else "all"
    print(f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"mkldnn {torch.backends.mkldnn.is_available()}", flush=True)
    rows = []
    if what in ("elem", "all"):
        elementwise(rows)
    if what in ("conv", "all"):
        conv(rows)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["# PyTorch " + torch.__version__ + ", 1 thread, " + time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                   time.gmtime())])
        w.writerow(["group", "name", "variant", "value", "unit", "batches", "spread"])
        for r in rows:
            w.writerow(r[:3] + [f"{r[3]:.6g}", r[4], r[5], f"{r[6]:.3f}"])
    print("wrote", out)


if __name__ == "__main__":
    main()
