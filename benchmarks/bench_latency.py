"""Per-call cost of small transforms: cuwavelet against pywt in one process.

    python benchmarks/bench_latency.py [--device cpu|cuda] [--repeats 9] [--json PATH]

Small inputs measure what a call costs beyond its arithmetic (argument
handling, planning, allocation, launches), which is what a training loop or
a solver pays on every step for every small transform. The sides of a row
run interleaved in the same rounds (a busy machine slows them alike); each
figure is the median over --repeats rounds of the mean of a batch of calls
(microseconds per call); ratios are against pywt's time for the same
transform of the same NumPy data in the same process.

--device cpu (default): cuwavelet on NumPy arrays.
--instructions: the CPU rows as instructions per call under valgrind's
callgrind (each side in its own process, with and without N calls; the
difference over N): a count that does not move with the machine's load.

--torch: the torch bridge on CPU tensors (forward; forward+backward with
all-ones cotangents), against pywt's forward, with what it is made of:
    core             the core calls the bridge makes (cuwavelet's _multilevel
                     functions on NumPy arrays: forward; forward and adjoint)
    own              the bridge with those core calls replaced by stubs that
                     return precomputed arrays: its own per-call cost
                     (argument handling, routing, torch <-> NumPy views, autograd)
    floor            torch's own forward+backward of one builtin op (x * 1 and
                     autograd.grad): what no autograd.Function-based bridge goes below

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
from pathlib import Path

import numpy as np
import pywt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bridges/, from a checkout
import cuwavelet as cw  # noqa: E402

# (name, function of (module, x), input shape): the shapes of small calls
CALLS = [
    ("dwt (4, 64) db2", lambda m, x: m.dwt(x, "db2"), (4, 64)),
    ("wavedec (4, 64) db2 L3", lambda m, x: m.wavedec(x, "db2", level=3), (4, 64)),
    ("wavedec2 (2, 32, 32) db2 L2", lambda m, x: m.wavedec2(x, "db2", level=2), (2, 32, 32)),
    ("waverec (4, 64) db2 L3", None, (4, 64)),  # inverse of the wavedec row
]


def interleaved(calls: dict, repeats: int, sync=None, target_s: float = 0.02) -> dict:
    """name -> median microseconds per call, the calls alternating within each
    round; sync() (the GPU stream) ends every batch."""
    def batch(fn, n):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if sync:
            sync()
        return time.perf_counter() - start

    numbers = {}
    for name, fn in calls.items():  # warm up, and size each batch to ~target_s
        batch(fn, 1)
        numbers[name] = max(1, int(target_s / max(batch(fn, 1), 1e-7)))
    samples = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            samples[name].append(batch(fn, numbers[name]) / numbers[name] * 1e6)
    return {name: statistics.median(s) for name, s in samples.items()}


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
        t = interleaved({"pywt": theirs, "ours": ours}, repeats)
        rows.append({"call": name, "side": "numpy", "pywt_us": t["pywt"], "cuwavelet_us": t["ours"],
                     "ratio": t["ours"] / t["pywt"]})
    return rows


def cupy_rows(repeats: int) -> list:
    """cuwavelet on CuPy arrays (wall time per call) against pywt on NumPy,
    and a W5 call's host time over its kernels' time."""
    import cupy
    from cupyx.profiler import benchmark
    sync = cupy.cuda.get_current_stream().synchronize
    rows = []
    for name, theirs, ours in _calls(cupy):
        t = interleaved({"pywt": theirs, "ours": ours}, repeats, sync)
        rows.append({"call": name, "side": "cupy", "pywt_us": t["pywt"], "cuwavelet_us": t["ours"],
                     "ratio": t["ours"] / t["pywt"]})
    x = cupy.random.default_rng(0).standard_normal((32, 10 ** 6), dtype=cupy.float32)
    for mode in ("zero", "symmetric"):
        result = benchmark(cw.wavedec, (x, "db5", mode, 10), n_repeat=50, n_warmup=5)
        wall = float(np.median(result.cpu_times)) * 1e6
        gpu = float(np.median(result.gpu_times[0])) * 1e6
        rows.append({"call": f"W5 wavedec (32, 1e6) f32 db5 L10 {mode}", "side": "cupy",
                     "wall_us": wall, "kernels_us": gpu, "ratio": wall / gpu})
    return rows


# The torch rows' cases (float64, db2, symmetric), as the CPU rows'.
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


def torch_rows(repeats: int) -> list:
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
                          repeats)
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
    us = 1
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
    parser.add_argument("--torch", action="store_true",
                        help="the torch bridge's rows (CPU tensors) instead")
    parser.add_argument("--instructions", action="store_true",
                        help="instructions per call under callgrind instead of times (CPU)")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # (callgrind's process)
    args = parser.parse_args(argv)
    if args.one:
        _one(int(args.one[0]), args.one[1], int(args.one[2]))
        return 0
    print(f"cuwavelet {cw.__version__}, pywt {pywt.__version__}, numpy {np.__version__}")
    if args.torch:
        print_torch(torch_rows(args.repeats))
        return 0
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
