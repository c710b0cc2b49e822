"""Learned filter banks: forward+backward of bridges.torch against ptwt's
learnable wavelets, in one process (not a test).

    python benchmarks/bench_learnable.py [--rounds N] [--quick] [--threads N]
                                         [--workloads W1 S1 ...] [--routes]
                                         [--compile] [--device cpu|cuda]

Both sides take the same ``ptwt.wavelets_learnable.ProductFilter`` (four
filter parameters, initialized from a pywt wavelet) as their wavelet; the
gradient is taken with respect to the four filters and the input (fixed
random cotangents on every output). Workloads (float32):

    W1  wavedec   (256, 4096)         db4  level 5   (the project's W1 and W3
    W3  wavedec2  (16, 3, 256, 256)   db2  level 3    shapes, float32)
    R1  waverec(wavedec)   on W1                       (a reconstruction, as a
    R3  waverec2(wavedec2) on W3                        filter-learning loss uses)
    S1  swt       (32, 16384)         db4  level 4   (the stationary transform,
    T1  iswt(swt) on S1                                 trim_approx: ptwt's layout)
    L1  wavedec   (4, 64)             db2  level 3   (small calls, where the
    L2  wavedec2  (2, 1, 32, 32)      db2  level 2    host's time per call is
    L2R waverec2(wavedec2) on L2                        what counts; 50 calls a sample)
    L1S swt       (4, 64)             db2  level 3
    L1T iswt(swt) on L1S

in mode 'zero' (ptwt's waverec undoes zero padding; both sides compute
pywt's coefficients there, checked before timing) and, for the
decompositions, 'symmetric' (the stationary transform: periodic). Times are medians of interleaved rounds; "x
ours" is ptwt's time over ours (above 1: we are faster). --routes also times
ours on the per-operation route (each level's analyses and syntheses as
autograd nodes of their own: what torch.compile and torch.func run) against
the fused one eager calls take (bridges/_torch_ops.py: _LearnedRun), in
the same rounds: "fused x" is the per-operation time over the fused one.
--compile also times the three under torch.compile (the default inductor
backend; the forward compiled, the backward AOTAutograd's): ours (a learned
transform one learned_whole op each way), ours on the per-operation route
(what torch.compile ran before that op) and ptwt's; "c x eager" is our
eager time over our compiled one.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import pywt
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore")

WORKLOADS = {
    "W1": dict(shape=(256, 4096), wavelet="db4", level=5, dims=1, inverse=False),
    "W3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, dims=2, inverse=False),
    "R1": dict(shape=(256, 4096), wavelet="db4", level=5, dims=1, inverse=True),
    "R3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, dims=2, inverse=True),
    "S1": dict(shape=(32, 16384), wavelet="db4", level=4, dims=1, inverse=False,
               stationary=True),
    "T1": dict(shape=(32, 16384), wavelet="db4", level=4, dims=1, inverse=True,
               stationary=True),
    "L1": dict(shape=(4, 64), wavelet="db2", level=3, dims=1, inverse=False, repeat=50),
    "L2": dict(shape=(2, 1, 32, 32), wavelet="db2", level=2, dims=2, inverse=False, repeat=50),
    "L2R": dict(shape=(2, 1, 32, 32), wavelet="db2", level=2, dims=2, inverse=True, repeat=50),
    "L1S": dict(shape=(4, 64), wavelet="db2", level=3, dims=1, inverse=False, stationary=True,
                repeat=50),
    "L1T": dict(shape=(4, 64), wavelet="db2", level=3, dims=1, inverse=True, stationary=True,
                repeat=50),
}


def leaves(c):
    if isinstance(c, torch.Tensor):
        return [c]
    if isinstance(c, dict):
        c = list(c.values())
    return [t for v in c for t in leaves(v)]


def transform(lib, w, mode, bank):  # lib: bridges.torch or ptwt
    """x -> outputs of the workload through lib (bridges.torch or ptwt)."""
    if w.get("stationary"):
        def run_stationary(x):
            c = lib.swt(x, bank, level=w["level"]) if lib.__name__ == "ptwt" else \
                lib.swt(x, bank, level=w["level"], trim_approx=True)
            return [lib.iswt(c, bank)] if w["inverse"] else list(c)
        return run_stationary
    dec = getattr(lib, "wavedec2" if w["dims"] == 2 else "wavedec")
    rec = getattr(lib, "waverec2" if w["dims"] == 2 else "waverec")

    def run(x):
        c = dec(x, bank, mode=mode, level=w["level"])
        if not w["inverse"]:
            return leaves(c)
        return [rec(c, bank) if lib.__name__ == "ptwt" else rec(c, bank, mode)]
    return run


def fwd_bwd(run, x, bank, cots):
    outs = run(x)
    grads = torch.autograd.grad(outs, [x, *bank.parameters()], cots, allow_unused=True)
    if x.is_cuda:  # (the time of the work, not of its launch)
        torch.cuda.synchronize()
    return grads


def median_interleaved(calls: dict, rounds: int, repeat: int = 1) -> dict:
    """Seconds per call: medians over rounds of `repeat` calls each."""
    for fn in calls.values():
        fn()  # warm-up
    samples = {k: [] for k in calls}
    for _ in range(rounds):
        for k, fn in calls.items():
            t0 = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[k].append((time.perf_counter() - t0) / repeat)
    return {k: statistics.median(v) for k, v in samples.items()}


def per_operation_route(fn):
    """fn run with the bridge's learned transforms on the per-operation route."""
    from bridges import _torch_ops

    def run():
        fused = _torch_ops.fused_route
        _torch_ops.fused_route = lambda ts: False
        try:
            return fn()
        finally:
            _torch_ops.fused_route = fused
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--routes", action="store_true",
                        help="also time ours on the per-operation route")
    parser.add_argument("--compile", action="store_true",
                        help="also time ours, ours per operation and ptwt under torch.compile")
    args = parser.parse_args()
    rounds = 5 if args.quick else args.rounds
    if args.threads:  # before cuwavelet's thread pool starts
        os.environ["CUWAVELET_NUM_THREADS"] = str(args.threads)
        torch.set_num_threads(args.threads)
    import ptwt

    import bridges.torch as bt
    from ptwt.wavelets_learnable import ProductFilter

    from importlib.metadata import version
    print(f"torch {torch.__version__}, ptwt {version('ptwt')}, threads {torch.get_num_threads()}, "
          f"{args.device}, float32, medians of {rounds} interleaved rounds")
    print(f"{'workload':50s} {'mode':10s} {'ours ms':>9s} {'ptwt ms':>9s} {'x ours':>7s}"
          + (f" {'per-op ms':>10s} {'fused x':>8s}" if args.routes else "")
          + (f" {'compiled':>9s} {'c per-op':>9s} {'c ptwt':>9s} {'c x eager':>9s}"
             if args.compile else ""))
    gen = torch.Generator().manual_seed(0)
    for name in args.workloads:
        w = WORKLOADS[name]
        modes = ("periodic",) if w.get("stationary") else \
            ("zero",) if w["inverse"] else ("zero", "symmetric")
        for mode in modes:
            filters = [torch.tensor(f, dtype=torch.float32, device=args.device)
                       for f in pywt.Wavelet(w["wavelet"]).filter_bank]
            bank = ProductFilter(*filters)
            x = torch.randn(w["shape"], generator=gen).to(args.device).requires_grad_(True)
            ours, peer = transform(bt, w, mode, bank), transform(ptwt, w, mode, bank)  # noqa
            out_ours, out_peer = ours(x), peer(x)
            for a, b in zip(out_ours, out_peer):  # same coefficients before timing
                assert a.shape == b.shape, (name, mode, a.shape, b.shape)
                err = float((a - b).abs().max()) / max(1.0, float(b.abs().max()))
                assert err < 1e-4, (name, mode, err)
            cots = [torch.randn(t.shape, generator=gen).to(args.device) for t in out_ours]
            calls = {"ours": lambda: fwd_bwd(ours, x, bank, cots),
                     "ptwt": lambda: fwd_bwd(peer, x, bank, cots)}
            if args.routes:
                calls["per-op"] = per_operation_route(calls["ours"])
            if args.compile:  # (a function each: compiled once, on its own route)
                torch._dynamo.reset()
                compiled = {k: torch.compile(lambda v, f=f: f(v))
                            for k, f in (("c ours", ours), ("c per-op", ours), ("c ptwt", peer))}
                calls["c ours"] = lambda: fwd_bwd(compiled["c ours"], x, bank, cots)
                calls["c per-op"] = per_operation_route(
                    lambda: fwd_bwd(compiled["c per-op"], x, bank, cots))
                calls["c ptwt"] = lambda: fwd_bwd(compiled["c ptwt"], x, bank, cots)
                try:  # (inductor fails on some of ptwt's code: reported, not timed)
                    calls["c ptwt"]()
                except Exception as e:  # noqa: BLE001
                    print(f"  ptwt under torch.compile failed: {type(e).__name__}")
                    del calls["c ptwt"]
            times = median_interleaved(calls, rounds, w.get("repeat", 1))
            times.setdefault("c ptwt", float("nan"))
            suffix = "2" if w["dims"] == 2 else ""
            kind = f"waverec{suffix}(wavedec{suffix})" if w["inverse"] else f"wavedec{suffix}"
            if w.get("stationary"):
                kind = "iswt(swt)" if w["inverse"] else "swt"
            desc = f"{name} {kind} {w['shape']} {w['wavelet']} L{w['level']}"
            print(f"{desc:50s} {mode:10s} {times['ours'] * 1e3:9.3f} {times['ptwt'] * 1e3:9.3f} "
                  f"{times['ptwt'] / times['ours']:6.2f}x" + (
                      f" {times['per-op'] * 1e3:10.3f} {times['per-op'] / times['ours']:7.2f}x"
                      if args.routes else "") + (
                      f" {times['c ours'] * 1e3:9.3f} {times['c per-op'] * 1e3:9.3f}"
                      f" {times['c ptwt'] * 1e3:9.3f} {times['ours'] / times['c ours']:8.2f}x"
                      if args.compile else ""))


if __name__ == "__main__":
    main()
