"""Host cost of the torch bridge's CUDA route, measured without a GPU (not a test).

    python benchmarks/bench_torch_host.py [--repeats 7] [--workloads W6 W5 W3]

On a GPU the torch bridge's training step is bound by its host time (what
Python does per call), not by its kernels: BENCHMARKS.md's H100 figures show
a W6 forward returning to Python after 1.01 ms, with 0.53 ms of kernels. This script measures that host path on a machine without a
GPU, by running the bridge's CUDA route on CPU tensors with every kernel
launch replaced by a stub that counts it (tests/host_only_cuda.py: the core
records and runs its GPU plans; CuPy views are real CuPy arrays over host
memory). What remains is everything the host does per call except the CUDA
driver's part of a launch (CuPy's argument packing and cuLaunchKernel: about
5-10 us per launch on an H100 host, reported as a count) and torch's CUDA
allocator (its torch.empty is slower than the CPU one here). Each workload is
timed on both routes of the bridge in the same process, interleaved:

    views    every tensor viewed as a CuPy array (the bridge's route for
             calls the core cannot plan from their layouts)
    direct   the core's plan looked up from the tensors' layouts and run on
             their memory (Planned.run_foreign: no view per tensor)

Learned workloads add the direct route with one autograd node per level
operation ('per-op', what torch.compile and torch.func run), against the
fused one eager calls take. Figures are medians (microseconds per call) of interleaved rounds, with the
number of launches, torch.empty calls and CuPy views per call. L3 is W3 with
a learned bank (the gradient reaches dec_lo and dec_hi too), L3R its round
trip (waverec2 of wavedec2, all four filters learned), LS1 S1's swt with a
learned bank: eager calls run as one
fused autograd node per transform (bridges/_torch_ops.py: _LearnedRun,
_LearnedBackward).
--instructions N counts the direct route's instructions per call under
valgrind's callgrind instead (each case in its own process, with and without
N calls): a figure a loaded machine does not move.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pywt
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import bridges.torch as bt  # noqa: E402
from bridges import _torch_ops as ops  # noqa: E402
from host_only_cuda import COUNTS, host_only_cuda  # noqa: E402
from cupy_backends.cuda.api.runtime import CUDARuntimeError  # noqa: E402

warnings.filterwarnings("ignore")

WORKLOADS = {  # bench_torch.py's, float32
    "W3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, fn="wavedec2"),
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10, fn="wavedec"),
    "W6": dict(shape=(32, 1000, 1000), wavelet="db5", level=5, fn="wavedec2"),
    # the stationary and packet transforms (mode: packets only; the SWT is periodic)
    "S1": dict(shape=(32, 65536), wavelet="db4", level=4, fn="swt"),
    "S2": dict(shape=(16, 512, 512), wavelet="db2", level=2, fn="swt2"),
    "P1": dict(shape=(32, 65536), wavelet="db4", level=4, fn="packet_decompose"),
    # W3's round trip (waverec2 of wavedec2: an autoencoder's transforms)
    "W3R": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, fn="waverec2"),
    # W3 with a learned bank (filter tensors that get gradients)
    "L3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, fn="wavedec2", learned=True),
    # ... and its round trip
    "L3R": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, fn="waverec2", learned=True),
    # S1 with a learned bank
    "LS1": dict(shape=(32, 65536), wavelet="db4", level=4, fn="swt", learned=True),
}


def _leaves(c):
    """The tensors of a coefficient structure (lists, tuples and dicts of them)."""
    if isinstance(c, dict):
        return [v for x in c.values() for v in _leaves(x)]
    if isinstance(c, (list, tuple)):
        return [v for x in c for v in _leaves(x)]
    return [c]


def _transform(workload: dict, mode: str):
    """(the workload's transform as a function of its data, the learned
    filters that get gradients too: none for a fixed wavelet)."""
    fn, wavelet, level = getattr(bt, workload["fn"]), workload["wavelet"], workload["level"]
    learned = ()
    if workload.get("learned"):
        learned = tuple(torch.tensor(f, dtype=torch.float32, requires_grad=True)
                        for f in pywt.Wavelet(wavelet).filter_bank)
        wavelet = learned
        if workload["fn"] != "waverec2":
            learned = learned[:2]  # (dec_lo, dec_hi: a decomposition's)
    if workload["fn"].startswith("swt"):
        return (lambda x: fn(x, wavelet, level=level)), learned
    if workload["fn"] == "waverec2":
        return (lambda x: fn(bt.wavedec2(x, wavelet, mode, level=level), wavelet, mode)), learned
    return (lambda x: fn(x, wavelet, mode, level=level)), learned


def _calls(workload: dict, mode: str) -> tuple:
    """(forward, forward+backward) of one workload: functions of no arguments."""
    transform, learned = _transform(workload, mode)
    x = torch.empty(workload["shape"])
    xg = x.clone().requires_grad_(True)

    def forward():
        return transform(x)

    cots = [torch.empty_like(v) for v in _leaves(forward())]

    def fwd_bwd():
        out = _leaves(transform(xg))
        return torch.autograd.grad(out, (xg, *learned), cots)

    return forward, fwd_bwd


def measure(workload: dict, mode: str, repeats: int) -> dict:
    forward, fwd_bwd = _calls(workload, mode)
    direct, fused = ops._Scope.call, ops.fused_route
    routes = {"views": ops._Scope.call_on_views, "direct": direct}
    if workload.get("learned"):  # the direct route, one autograd node per level operation
        routes["per-op"] = direct
    samples = {(r, p): [] for r in routes for p in ("fwd", "fwd+bwd")}
    counts = {}

    def take(route):
        ops._Scope.call = routes[route]
        ops.fused_route = (lambda ts: False) if route == "per-op" else fused
    try:
        for part, call in (("fwd", forward), ("fwd+bwd", fwd_bwd)):
            for route in routes:  # warm up (plans recorded), count one call
                take(route)
                try:
                    call()
                except CUDARuntimeError:  # CuPy arithmetic on views (a sum of cotangents)
                    if route == "direct":  # needs a device: not on the direct route
                        raise
                    samples.pop((route, part))
                    continue
                COUNTS.update(launches=0, empty=0, views=0)
                call()
                counts[(route, part)] = dict(COUNTS)
            for _ in range(repeats):
                for route in routes:
                    if (route, part) not in samples:
                        continue
                    take(route)
                    n, start = 20, time.perf_counter()
                    for _ in range(n):
                        call()
                    samples[(route, part)].append((time.perf_counter() - start) / n * 1e6)
    finally:
        ops._Scope.call, ops.fused_route = direct, fused
    return {k: (statistics.median(samples[k]), counts[k]) if k in samples else (None, None)
            for k in counts.keys() | {(r, p) for r in routes for p in ("fwd", "fwd+bwd")}}


def _one(name: str, mode: str, part: str, n: int):
    """20 + n direct-route calls of one case (the process callgrind counts)."""
    with host_only_cuda(emulate=False):
        forward, fwd_bwd = _calls(WORKLOADS[name], mode)
        call = forward if part == "fwd" else fwd_bwd
        for _ in range(20 + n):
            call()


def _instructions(name: str, mode: str, part: str, n: int) -> int:
    import re
    import subprocess
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, __file__, "--one", name, mode, part, str(n)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    return int(re.search(r"Collected : (\d+)", proc.stderr).group(1))


def instructions(names, modes, n: int):
    """The direct route's instructions per call under callgrind: each case in
    its own process, with and without n calls, the difference over n (a count
    that does not move with the machine's load, unlike the times)."""
    print(f"torch {torch.__version__}, numpy {np.__version__}; the bridge's CUDA route on the "
          f"host, kernels stubbed: instructions per call (callgrind, {n} calls)")
    for name in names:
        for mode in modes:
            for part in ("fwd", "fwd+bwd"):
                per_call = (_instructions(name, mode, part, n) - _instructions(name, mode, part, 0)) / n
                print(f"{name + ' ' + mode:18s} {part:8s} {per_call / 1e3:9.1f}k", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--modes", nargs="+", default=["zero", "symmetric"])
    parser.add_argument("--instructions", type=int, metavar="N", default=None,
                        help="instructions per call of the direct route under callgrind "
                             "(N calls) instead of times")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # (callgrind's process)
    args = parser.parse_args(argv)
    if args.one:
        name, mode, part, n = args.one
        return _one(name, mode, part, int(n))
    if args.instructions:
        return instructions(args.workloads, args.modes, args.instructions)
    print(f"torch {torch.__version__}, numpy {np.__version__}; the bridge's CUDA route on the "
          "host, kernels stubbed (us per call, median of interleaved rounds)")
    print(f"{'workload':18s} {'part':8s} {'views':>9s} {'direct':>9s} {'ratio':>6s}   "
          "per call: launches, torch.empty, CuPy views (views -> direct)")
    with host_only_cuda(emulate=False):
        for name in args.workloads:
            for mode in args.modes:
                m = measure(WORKLOADS[name], mode, args.repeats)
                for part in ("fwd", "fwd+bwd"):
                    (tv, cv), (td, cd) = m[("views", part)], m[("direct", part)]
                    if tv is None:  # (the views route needs a device here)
                        print(f"{name + ' ' + mode:18s} {part:8s} {'-':>9s} {td:9.1f} {'-':>6s}   "
                              f"- -> {cd['launches']}, {cd['empty']}, {cd['views']}")
                        continue
                    print(f"{name + ' ' + mode:18s} {part:8s} {tv:9.1f} {td:9.1f} {td / tv:6.2f}   "
                          f"{cv['launches']}, {cv['empty']}, {cv['views']} -> "
                          f"{cd['launches']}, {cd['empty']}, {cd['views']}")
                for part in ("fwd", "fwd+bwd") if ("per-op", "fwd") in m else ():
                    (tp, cp), (td, cd) = m[("per-op", part)], m[("direct", part)]
                    print(f"{'  per-op route':18s} {part:8s} {'':9s} {tp:9.1f} {td / tp:6.2f}   "
                          f"fused over per-op; per call: {cp['launches']}, {cp['empty']}, "
                          f"{cp['views']} -> {cd['launches']}, {cd['empty']}, {cd['views']}")


if __name__ == "__main__":
    main()
