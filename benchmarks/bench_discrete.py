"""The stationary transform on the CPU: cuwavelet against pywt (and ptwt /
pytorch_wavelets where installed and where they have the transform), in one
process, calls interleaved round by round so that a busy machine slows every
side alike. Prints medians and ratios.

    python benchmarks/bench_discrete.py [--rounds N] [--dtype float32|float64]

Workloads: swt (32, 65536) db4 L4 and swt2 (16, 512, 512) db2 L3, and their
inverses (iswt, iswt2) from the same coefficients.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pywt

import cuwavelet as cw


def peers_swt(x, level):
    """{name: fn()} for the torch peers that have a 1D SWT."""
    out = {}
    try:
        import ptwt
        import torch
        t = torch.from_numpy(x)
        out["ptwt"] = lambda: ptwt.swt(t, "db4", level=level)
    except Exception as exc:  # noqa: BLE001 - a peer that is absent or broken is skipped
        print(f"  ptwt skipped ({type(exc).__name__}: {exc})")
    print("  pytorch_wavelets skipped: it has no 1D SWT")
    return out


def peers_swt2(x, level):
    out = {}
    try:
        import torch
        from pytorch_wavelets import SWTForward
        t = torch.from_numpy(x[:, None])  # NCHW
        module = SWTForward(J=level, wave="db2", mode="periodization")
        out["pytorch_wavelets"] = lambda: module(t)
    except Exception as exc:  # noqa: BLE001
        print(f"  pytorch_wavelets skipped ({type(exc).__name__}: {exc})")
    print("  ptwt skipped: it has no 2D SWT")
    return out


def interleaved(fns: dict, rounds: int) -> dict:
    """Median seconds of each function, timed once per round in turn."""
    for fn in fns.values():  # warm-up
        fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def report(title, medians):
    base = medians["pywt"]
    print(f"{title}")
    for name, m in medians.items():
        ratio = "" if name == "pywt" else f"   pywt / {name} = {base / m:5.2f}x"
        print(f"  {name:18s} {m * 1e3:9.1f} ms{ratio}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"cuwavelet {cw.__version__}, pywt {pywt.__version__}, {args.dtype}, "
          f"{args.rounds} interleaved rounds, medians; load average "
          f"{os.getloadavg()[0]:.1f} at the start")

    x = rng.standard_normal((32, 65536)).astype(args.dtype)
    c = cw.swt(x, "db4", level=4)
    err = max(np.abs(a - b).max() for p, q in zip(c, pywt.swt(x, "db4", level=4))
              for a, b in zip(p, q))
    print(f"swt (32, 65536) db4 L4: max |cuwavelet - pywt| = {err:.2e}")
    fns = {"pywt": lambda: pywt.swt(x, "db4", level=4),
           "cuwavelet": lambda: cw.swt(x, "db4", level=4), **peers_swt(x, 4)}
    report("swt (32, 65536) db4 L4", interleaved(fns, args.rounds))
    report("iswt of it", interleaved({"pywt": lambda: pywt.iswt(c, "db4"),
                                      "cuwavelet": lambda: cw.iswt(c, "db4")},
                                     max(3, args.rounds // 3)))

    y = rng.standard_normal((16, 512, 512)).astype(args.dtype)
    c2 = cw.swt2(y, "db2", level=3)
    print("swt2 (16, 512, 512) db2 L3: max |cuwavelet - pywt| = "
          f"{max(np.abs(a - b).max() for a, b in zip(*(map(_leaves, (c2, pywt.swt2(y, 'db2', 3)))))):.2e}")
    fns = {"pywt": lambda: pywt.swt2(y, "db2", level=3),
           "cuwavelet": lambda: cw.swt2(y, "db2", level=3), **peers_swt2(y, 3)}
    report("swt2 (16, 512, 512) db2 L3", interleaved(fns, args.rounds))
    report("iswt2 of it", interleaved({"pywt": lambda: pywt.iswt2(c2, "db2"),
                                       "cuwavelet": lambda: cw.iswt2(c2, "db2")},
                                      max(3, args.rounds // 5)))


def _leaves(c):
    if isinstance(c, (list, tuple)):
        return [x for v in c for x in _leaves(v)]
    return [c]


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        main()
