"""Per-call cost of small transforms against pywt, in one process (not a test).

    python benchmarks/bench_latency.py [--rounds N]

Cases (float64, db2, symmetric): dwt (4, 64); wavedec (4, 64) level 3;
wavedec2 (2, 32, 32) level 2. Every side of a case runs interleaved in the
same rounds (a busy machine slows all of them alike); each figure is the
median over rounds of the mean of a batch of calls. Ratios are against
pywt's forward.

One function per side, each returning its rows; `main` prints them.
Torch side (bridges.torch):
    forward          the public function on a tensor that needs no gradient
    fwd+bwd          the same with requires_grad and torch.autograd.grad of
                     every coefficient (all-ones cotangents)
    core             the core calls the bridge makes for it (cuwavelet's
                     _multilevel functions on NumPy arrays: forward; forward
                     and adjoint)
    bridge own       the bridge with those core calls replaced by stubs that
                     return precomputed arrays: the bridge's own per-call cost
                     (argument handling, routing, torch <-> NumPy views,
                     autograd), measured directly rather than as a difference
    torch floor      torch's own cost for a forward+backward of one builtin
                     op on the same input (x * 1 and autograd.grad): what no
                     autograd.Function-based bridge can go below
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pywt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

warnings.filterwarnings("ignore", category=UserWarning)

CASES = {
    "dwt (4, 64)": dict(shape=(4, 64), fn="dwt", axes=(1,), level=1),
    "wavedec (4, 64) L3": dict(shape=(4, 64), fn="wavedec", axes=(1,), level=3),
    "wavedec2 (2, 32, 32) L2": dict(shape=(2, 32, 32), fn="wavedec2", axes=(1, 2), level=2),
}
WAVELET, MODE = "db2", "symmetric"


def pywt_call(case, x):
    if case["fn"] == "dwt":
        return lambda: pywt.dwt(x, WAVELET, MODE)
    return lambda: getattr(pywt, case["fn"])(x, WAVELET, MODE, level=case["level"])


def interleaved(calls: dict, rounds: int, target_s: float = 0.02) -> dict:
    """name -> median seconds per call, the sides alternating within each round."""
    numbers = {}
    for name, fn in calls.items():  # warm up and size each batch to ~target_s
        fn()
        t0 = time.perf_counter()
        fn()
        numbers[name] = max(1, int(target_s / max(time.perf_counter() - t0, 1e-7)))
    samples = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            n = numbers[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def torch_rows(rounds: int) -> list:
    """The torch bridge's forward and forward+backward against pywt's forward."""
    import torch

    import bridges.torch as bt
    from cuwavelet import _multilevel as ml
    from cuwavelet._wavelets import MODES, as_filter_bank

    rows = []
    for label, case in CASES.items():
        x = np.random.default_rng(0).standard_normal(case["shape"])
        t = torch.from_numpy(x)
        tg = t.clone().requires_grad_(True)
        axes, level = list(case["axes"]), case["level"]
        banks, modes = [as_filter_bank(WAVELET)] * len(axes), [MODES.index(MODE)] * len(axes)
        public = getattr(bt, case["fn"])
        kwargs = {} if case["fn"] == "dwt" else {"level": level}

        def forward(public=public, kwargs=kwargs):
            return public(t, WAVELET, MODE, **kwargs)

        def fwd_bwd(public=public, kwargs=kwargs):
            out = public(tg, WAVELET, MODE, **kwargs)
            flat = [v for o in out for v in (o if isinstance(o, tuple) else (o,))]
            return torch.autograd.grad(flat, tg, [torch.ones_like(v) for v in flat])

        shapes = ml.level_shapes(x.shape, axes, banks, modes, level)

        def core(x=x, axes=axes, banks=banks, modes=modes, level=level):
            return ml.dwtn(x, axes, banks, modes) if level == 1 else \
                ml.wavedec(x, axes, banks, modes, level)

        def core_fwd_bwd(x=x, axes=axes, banks=banks, modes=modes, level=level, shapes=shapes):
            c = core()
            if level == 1:
                return ml.dwtn_adjoint({k: np.ones_like(v) for k, v in c.items()}, axes, banks,
                                       modes, x.shape)
            ones = [np.ones(shapes[-1])] + [{k: np.ones_like(v) for k, v in d.items()}
                                            for d in c[1:]]
            return ml.wavedec_adjoint(ones, axes, banks, modes, x.shape)

        def floor():
            return torch.autograd.grad(tg * 1, tg, t)

        stubbed = _stubbed_core(ml, x, axes, banks, modes, level)
        med = interleaved({"pywt": pywt_call(case, x), "forward": forward, "fwd+bwd": fwd_bwd,
                           "core": core, "core fwd+bwd": core_fwd_bwd, "floor": floor,
                           "own": lambda: stubbed(forward), "own fwd+bwd": lambda: stubbed(fwd_bwd)},
                          rounds)
        rows.append((label, med))
    return rows


def _stubbed_core(ml, x, axes, banks, modes, level):
    """run(fn): fn() with the core's multilevel functions answering at once with
    arrays computed beforehand (the same shapes the real calls return)."""
    if level == 1:
        sub = ml.dwtn(x, axes, banks, modes)
        stubs = {"dwtn": lambda *a: dict(sub),
                 "dwtn_adjoint": lambda *a, _g=np.zeros_like(x): _g}
    else:
        c = ml.wavedec(x, axes, banks, modes, level)
        stubs = {"wavedec": lambda *a: [c[0]] + [dict(d) for d in c[1:]],
                 "wavedec_adjoint": lambda *a, _g=np.zeros_like(x): _g}
    real = {name: getattr(ml, name) for name in stubs}

    def run(fn):
        for name, stub in stubs.items():
            setattr(ml, name, stub)
        try:
            return fn()
        finally:
            for name, f in real.items():
                setattr(ml, name, f)
    return run


def print_torch(rows) -> None:
    us = 1e6
    print("torch bridge (CPU), microseconds per call; x = ratio to pywt's forward")
    print(f"{'case':26s} {'pywt':>7s} {'forward':>15s} {'fwd+bwd':>15s} {'core fwd':>15s} "
          f"{'own fwd':>15s} {'own fwd+bwd':>15s} {'floor':>9s}")
    for label, m in rows:
        p = m["pywt"]
        print(f"{label:26s} {p * us:7.1f} {m['forward'] * us:7.1f} ({m['forward'] / p:4.2f}x) "
              f"{m['fwd+bwd'] * us:7.1f} ({m['fwd+bwd'] / p:4.2f}x) "
              f"{m['core'] * us:7.1f} ({m['core'] / p:4.2f}x) "
              f"{m['own'] * us:7.1f} ({m['own'] / p:4.2f}x) "
              f"{m['own fwd+bwd'] * us:7.1f} ({m['own fwd+bwd'] / p:4.2f}x) {m['floor'] * us:9.1f}")
    print("core = the core calls the bridge makes (forward), timed alone; own = the bridge with "
          "those calls stubbed; floor = x * 1 forward and backward through torch's autograd")


SIDES = {"torch": (torch_rows, print_torch)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--side", choices=sorted(SIDES), action="append")
    args = parser.parse_args()
    for side in args.side or sorted(SIDES):
        rows_of, print_rows = SIDES[side]
        print_rows(rows_of(args.rounds))


if __name__ == "__main__":
    main()
