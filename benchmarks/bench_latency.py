"""Per-call cost of small transforms: cuwavelet against pywt in one process.

    python benchmarks/bench_latency.py [--device cpu|cuda] [--repeats 9] [--json PATH]

Small inputs measure what a call costs beyond its arithmetic (argument
handling, planning, allocation, launches), which is what a training loop or
a solver pays on every step for every small transform. Every row times the
same call many times back to back and reports the median over --repeats
rounds of microseconds per call; ratios are against pywt's time for the same
transform of the same NumPy data in the same process.

--device cpu (default): cuwavelet on NumPy arrays.
--instructions: the CPU rows as instructions per call under valgrind's
callgrind (each side in its own process, with and without N calls; the
difference over N): a count that does not move with the machine's load.

--device cuda: cuwavelet on CuPy arrays (wall time per call, the stream
synchronized once at the end of each round, so host cost and GPU work
overlap as in a real loop), and a W5 call (32 x 1e6, db5, 10 levels) against
the GPU time of its kernels (cupyx.profiler.benchmark: a call's host time
over its device time; 1.0 means the GPU never waits for the host).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np
import pywt

import cuwavelet as cw

# (name, function of (module, x), input shape): the shapes of small calls
CALLS = [
    ("dwt (4, 64) db2", lambda m, x: m.dwt(x, "db2"), (4, 64)),
    ("wavedec (4, 64) db2 L3", lambda m, x: m.wavedec(x, "db2", level=3), (4, 64)),
    ("wavedec2 (2, 32, 32) db2 L2", lambda m, x: m.wavedec2(x, "db2", level=2), (2, 32, 32)),
    ("waverec (4, 64) db2 L3", None, (4, 64)),  # inverse of the wavedec row
]


def per_call_us(fn, repeats: int, sync=None, min_seconds: float = 0.05) -> float:
    """Median over `repeats` rounds of the mean time of fn() (microseconds)."""
    fn()
    if sync:
        sync()
    n, elapsed = 1, 0.0
    while elapsed < min_seconds:  # calls per round: enough for ~min_seconds
        n *= 2
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if sync:
            sync()
        elapsed = time.perf_counter() - start
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if sync:
            sync()
        rounds.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(rounds)


def _calls(xp):
    rng = np.random.default_rng(0)
    for name, call, shape in CALLS:
        x = rng.standard_normal(shape)
        if call is None:  # waverec of wavedec's coefficients
            c_np = pywt.wavedec(x, "db2", level=3)
            c_ours = [xp.asarray(c) for c in c_np]
            yield name, (lambda: pywt.waverec(c_np, "db2")), (lambda: cw.waverec(c_ours, "db2"))
            continue
        x_ours = xp.asarray(x)
        yield name, (lambda c=call, x=x: c(pywt, x)), (lambda c=call, x=x_ours: c(cw, x))


def numpy_rows(repeats: int) -> list:
    """cuwavelet on NumPy arrays against pywt."""
    rows = []
    for name, theirs, ours in _calls(np):
        t_pywt, t_ours = per_call_us(theirs, repeats), per_call_us(ours, repeats)
        rows.append({"call": name, "side": "numpy", "pywt_us": t_pywt, "cuwavelet_us": t_ours,
                     "ratio": t_ours / t_pywt})
    return rows


def cupy_rows(repeats: int) -> list:
    """cuwavelet on CuPy arrays (wall time per call) against pywt on NumPy,
    and a W5 call's host time over its kernels' time."""
    import cupy
    from cupyx.profiler import benchmark
    sync = cupy.cuda.get_current_stream().synchronize
    rows = []
    for name, theirs, ours in _calls(cupy):
        t_pywt, t_ours = per_call_us(theirs, repeats), per_call_us(ours, repeats, sync)
        rows.append({"call": name, "side": "cupy", "pywt_us": t_pywt, "cuwavelet_us": t_ours,
                     "ratio": t_ours / t_pywt})
    x = cupy.random.default_rng(0).standard_normal((32, 10 ** 6), dtype=cupy.float32)
    for mode in ("zero", "symmetric"):
        result = benchmark(cw.wavedec, (x, "db5", mode, 10), n_repeat=50, n_warmup=5)
        wall = float(np.median(result.cpu_times)) * 1e6
        gpu = float(np.median(result.gpu_times[0])) * 1e6
        rows.append({"call": f"W5 wavedec (32, 1e6) f32 db5 L10 {mode}", "side": "cupy",
                     "wall_us": wall, "kernels_us": gpu, "ratio": wall / gpu})
    return rows


def _one(index: int, side: str, n: int):
    """n calls of one row's call (the process callgrind counts)."""
    name, theirs, ours = list(_calls(np))[index]
    fn = theirs if side == "pywt" else ours
    for _ in range(20 + n):
        fn()


def _instructions(index: int, side: str, n: int) -> int:
    import re
    import subprocess
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, __file__, "--one", str(index), side, str(n)],
                          capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", proc.stderr).group(1))


def instruction_rows(n: int = 300) -> list:
    """Instructions per call of each CPU row (callgrind), pywt and cuwavelet."""
    rows = []
    for index, (name, _, _) in enumerate(_calls(np)):
        per_call = {side: (_instructions(index, side, n) - _instructions(index, side, 0)) / n
                    for side in ("pywt", "cuwavelet")}
        rows.append({"call": name, "side": "instr", "pywt_us": per_call["pywt"],
                     "cuwavelet_us": per_call["cuwavelet"],
                     "ratio": per_call["cuwavelet"] / per_call["pywt"]})
    return rows


def print_rows(rows, unit):
    print(f"{'call':44s} {'side':6s} {'pywt ' + unit:>9s} {'ours ' + unit:>9s} {'ratio':>7s}")
    for r in rows:
        if "pywt_us" in r:
            print(f"{r['call']:44s} {r['side']:6s} {r['pywt_us']:9.1f} {r['cuwavelet_us']:9.1f} "
                  f"{r['ratio']:7.2f}")
        else:  # a call against its kernels' time
            print(f"{r['call']:44s} {r['side']:6s} {'kernels':>9s} {r['wall_us']:9.1f} "
                  f"{r['ratio']:7.2f}   (kernels {r['kernels_us']:.1f} us)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--instructions", action="store_true",
                        help="instructions per call under callgrind instead of times (CPU)")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # (callgrind's process)
    args = parser.parse_args(argv)
    if args.one:
        _one(int(args.one[0]), args.one[1], int(args.one[2]))
        return 0
    print(f"cuwavelet {cw.__version__}, pywt {pywt.__version__}, numpy {np.__version__}")
    if args.instructions:
        rows = instruction_rows()
        print("instructions per call under callgrind (ratio: ours / pywt)")
        print_rows(rows, "instr")
    else:
        rows = numpy_rows(args.repeats) if args.device == "cpu" else cupy_rows(args.repeats)
        print(f"medians of {args.repeats} rounds (ratio: ours / pywt, or wall / kernels)")
        print_rows(rows, "us")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
