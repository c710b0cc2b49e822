"""The JAX bridge under jax.jit: wavedec and swt forward and grad, per device, on XLA's
own buffers (buffer_callback) against the host-copy fallback (pure_callback).

    python benchmarks/bench_jax.py [--devices cpu gpu] [--runs 15] [--smoke] [--json PATH] [--learned]

Each row is a jitted function of a float32 array already on its device:
    forward    the coefficients of wavedec (1D), wavedec2 (2D) or swt (1D)
    grad       jax.grad of sum(c ** 2) over those coefficients (forward and
               the adjoint of every level)
timed as wall time per call to jax.block_until_ready(...) (median of --runs
interleaved rounds after warm-up and compilation; the paths' coefficients
are checked to agree first), with three paths for the level operations:
    buffers    the core on XLA's device buffers and stream, writing its
               results into XLA's output buffers where it can (the default)
    out-copy   the same with every result copied into XLA's output buffers
               after the core call (the default path before results_into)
    copies     the pure_callback fallback: operands copied to the host and the
               results back (on a GPU the transform then runs on the CPU)
and ratios: copies / buffers and out-copy / buffers per device, and cpu / gpu
per path. Then eager forward calls (no jit): the level operations as compiled
primitives (the default) against the DLPack route. Every row is
measured in this one process. Devices default to every platform JAX has
(cpu, and gpu where jax[cuda] is installed and CuPy sees the card); under 30 s.

With --learned, the learned filter banks instead (four traced filter arrays,
db2's values; float32): jitted forward and jax.grad with respect to the data
and the filters, of a learned transform run whole (the default: one
primitive forward and one backward) and per operation (bj.WHOLE_LEARNED =
False: a primitive per level, axis and subband, and per adjoint and filter
gradient), and a fixed bank's (the named wavelet: no filter gradient) for
scale; ratios per-op / whole and whole / fixed.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bridges/, from a checkout
import bridges.jax as bj  # noqa: E402

# name -> (function of x, shape, smoke shape)
WORKLOADS = {
    "wavedec 1D db4 L5": (lambda x: bj.wavedec(x, "db4", "symmetric", level=5),
                          (32, 1 << 16), (4, 1024)),
    "wavedec2 db2 L3": (lambda x: bj.wavedec2(x, "db2", "symmetric", level=3),
                        (16, 512, 512), (2, 64, 64)),
    "wavedec2 small": (lambda x: bj.wavedec2(x, "db2", "symmetric", level=2),  # per-call costs
                       (2, 32, 32), (2, 32, 32)),
    "swt 1D db4 L4": (lambda x: bj.swt(x, "db4", level=4), (32, 1 << 16), (4, 1024)),
}


def _leaves(c):
    return jax.tree_util.tree_leaves(c)


PATHS = ("buffers", "out-copy", "copies")


def _copy_results(fn, ins, targets):
    """_written_into as it was: results in arrays of the core's, copied into XLA's."""
    return fn(*ins)


@contextlib.contextmanager
def _along(path: str):
    """The bridge switched to `path` (PATHS) for as long as the block runs."""
    saved, written_into = bj._buffer_callback, bj._written_into
    if path == "copies":
        bj._buffer_callback = None  # read when a function is lowered
    if path == "out-copy":
        bj._written_into = _copy_results  # read on every call
    try:
        yield
    finally:
        bj._buffer_callback, bj._written_into = saved, written_into


def _time_paths(fn, x, runs: int) -> tuple:
    """({path: {op: median ms}}, {path: forward's coefficients}): jitted
    forward and grad of each path, compiled and warmed up, then timed in
    interleaved rounds (a busy machine slows every path alike)."""
    calls, coefficients = {}, {}
    for path in PATHS:
        with _along(path):  # fresh jitted functions per path: the lowering reads _buffer_callback
            forward = jax.jit(lambda v: fn(v))
            grad = jax.jit(jax.grad(lambda v: sum(jnp.sum(t ** 2) for t in _leaves(fn(v)))))
            for f in (forward, grad):
                for _ in range(3):  # compile and warm up
                    jax.block_until_ready(f(x))
            calls[path] = {"forward": forward, "grad": grad}
            coefficients[path] = [np.asarray(c) for c in _leaves(forward(x))]
    times = {path: {op: [] for op in ops} for path, ops in calls.items()}
    for _ in range(runs):
        for op in ("forward", "grad"):
            for path in PATHS:
                with _along(path):
                    t0 = time.perf_counter()
                    jax.block_until_ready(calls[path][op](x))
                    times[path][op].append(time.perf_counter() - t0)
    return ({path: {op: statistics.median(t) * 1e3 for op, t in ops.items()}
             for path, ops in times.items()}, coefficients)


def _time_eager(fn, x, runs: int) -> dict:
    """Median ms of an eager forward call, the level operations as compiled
    primitives (bj.EAGER_COMPILED) against the DLPack route, interleaved."""
    saved = bj.EAGER_COMPILED
    times = {True: [], False: []}
    try:
        for compiled in times:  # compile and warm up
            bj.EAGER_COMPILED = compiled
            for _ in range(2):
                jax.block_until_ready(fn(x))
        for _ in range(runs):
            for compiled in times:
                bj.EAGER_COMPILED = compiled
                t0 = time.perf_counter()
                jax.block_until_ready(fn(x))
                times[compiled].append(time.perf_counter() - t0)
    finally:
        bj.EAGER_COMPILED = saved
    return {"compiled": statistics.median(times[True]) * 1e3,
            "dlpack": statistics.median(times[False]) * 1e3}


# name -> (function of x and a bank, shape, smoke shape)
LEARNED_WORKLOADS = {
    "wavedec2 L2 small": (lambda x, w: bj.wavedec2(x, w, "symmetric", level=2),
                          (2, 32, 32), (2, 32, 32)),
    "wavedec2 L3": (lambda x, w: bj.wavedec2(x, w, "symmetric", level=3),
                    (16, 3, 256, 256), (2, 3, 32, 32)),
    "wavedec2+waverec2 L3": (lambda x, w: bj.waverec2(bj.wavedec2(x, w, "symmetric", level=3),
                                                      w, "symmetric"),
                             (16, 3, 128, 128), (2, 3, 32, 32)),
    "swt 1D L4": (lambda x, w: bj.swt(x, w, level=4), (32, 1 << 14), (4, 1024)),
}
ROUTES = ("whole", "per-op", "fixed")


def _time_learned(fn, x, runs: int) -> tuple:
    """({route: {op: median ms}}, {route: forward's outputs}) of a learned
    workload: jitted forward and grad per route, interleaved rounds."""
    import pywt
    bank = tuple(jnp.asarray(f, x.dtype) for f in pywt.Wavelet("db2").filter_bank)
    calls, outputs = {}, {}
    for route in ROUTES:
        bj.WHOLE_LEARNED = route == "whole"  # (read when a function is traced)
        try:
            # (a new function per route: JAX caches what it traced per function)
            if route == "fixed":
                def forward(v, w):
                    return fn(v, "db2")
                argnums = 0
            else:
                def forward(v, w):
                    return fn(v, w)
                argnums = (0, 1)
            f = jax.jit(forward)
            g = jax.jit(jax.grad(lambda v, w: sum(jnp.sum(t ** 2) for t in _leaves(forward(v, w))),
                                 argnums=argnums))
            for h in (f, g):
                for _ in range(3):  # compile and warm up
                    jax.block_until_ready(h(x, bank))
        finally:
            bj.WHOLE_LEARNED = True
        calls[route] = {"forward": f, "grad": g}
        outputs[route] = [np.asarray(c) for c in _leaves(f(x, bank))]
    times = {route: {op: [] for op in ops} for route, ops in calls.items()}
    for _ in range(runs):
        for op in ("forward", "grad"):
            for route in ROUTES:
                t0 = time.perf_counter()
                jax.block_until_ready(calls[route][op](x, bank))
                times[route][op].append(time.perf_counter() - t0)
    return ({route: {op: statistics.median(t) * 1e3 for op, t in ops.items()}
             for route, ops in times.items()}, outputs)


def _inputs(workloads, args, devices):
    """(name, function, row, {device: x}) per workload: float32 standard
    normal data of its shape (with --smoke its smoke shape) on each device."""
    for name, (fn, shape, smoke_shape) in workloads.items():
        shape = smoke_shape if args.smoke else shape
        x = jnp.asarray(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
        yield name, fn, {"workload": name, "shape": list(shape)}, \
            {d: jax.device_put(x, jax.devices(d)[0]) for d in devices}


def _check_agree(name, device, outputs, ref) -> None:
    """Stops the script where any of `outputs` (lists of arrays) differs from
    ref past float32 rounding on its scale."""
    scale = max(float(np.abs(r).max()) for r in ref)
    worst = max(float(np.abs(o - r).max()) for ours in outputs for o, r in zip(ours, ref))
    if worst > 1e-5 * scale:
        sys.exit(f"bench_jax.py: {name} on {device}: the paths differ by {worst:.3g} "
                 f"(outputs up to {scale:.3g}). Nothing was reported.")


def _table(results, columns, ratios) -> None:
    """A row per workload and op (forward, grad): median ms per column, then
    each ratio (header, numerator column, denominator column)."""
    print(f"{'workload':<22} {'shape':<16} {'op':<8}" + "".join(f"{c:>14}" for c in columns) +
          "".join(f"{header:>14}" for header, _, _ in ratios))
    for row in results:
        for op in ("forward", "grad"):
            ms = {c: row[c][op] for c in columns}
            print(f"{row['workload']:<22} {'x'.join(map(str, row['shape'])):<16} {op:<8}"
                  + "".join(f"{ms[c]:>14.3f}" for c in columns)
                  + "".join(f"{ms[a] / ms[b]:>14.2f}" for _, a, b in ratios))


def _learned_main(args, devices):
    results = []
    for name, fn, row, xs in _inputs(LEARNED_WORKLOADS, args, devices):
        for device, x in xs.items():
            times, found = _time_learned(fn, x, args.runs)
            _check_agree(name, device, [found["whole"], found["per-op"]], found["fixed"])
            for route in ROUTES:
                row[f"{device} {route}"] = times[route]
        results.append(row)
    print(f"\nlearned banks: median ms per jitted call, {args.runs} runs (float32)")
    ratios = [(f"{d} {name}", a, b) for d in devices
              for name, a, b in (("op/whole", f"{d} per-op", f"{d} whole"),
                                 ("whole/fix", f"{d} whole", f"{d} fixed"))]
    _table(results, [f"{d} {r}" for d in devices for r in ROUTES], ratios)
    if args.json:
        Path(args.json).write_text(json.dumps({"jax": jax.__version__, "runs": args.runs,
                                               "learned": results}, indent=1))


def _available_devices() -> list:
    found = ["cpu"]
    try:
        if jax.devices("gpu"):
            import cupy  # noqa: F401  (the bridge's kernels on JAX's GPU buffers)
            found.append("gpu")
    except Exception:
        pass
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", choices=["cpu", "gpu"], default=None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--smoke", action="store_true", help="small shapes (checks the script)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--learned", action="store_true",
                        help="learned banks: whole against per-operation (see above)")
    args = parser.parse_args(argv)
    available = _available_devices()
    devices = args.devices or available
    missing = [d for d in devices if d not in available]
    if missing:
        sys.exit(f"bench_jax.py: no JAX {missing} device with CuPy here (JAX {jax.__version__}: "
                 f"{[str(d) for d in jax.devices()]}). Nothing was measured.")
    if bj._buffer_callback is None:
        print("note: this JAX has no buffer_callback; both paths are the pure_callback fallback")
    print(f"JAX {jax.__version__}; devices: " +
          ", ".join(f"{d}: {jax.devices(d)[0].device_kind}" for d in devices))
    if args.learned:
        return _learned_main(args, devices)
    results = []
    for name, fn, row, xs in _inputs(WORKLOADS, args, devices):
        for device, x in xs.items():
            times, found = _time_paths(fn, x, args.runs)
            for path in PATHS:
                row[f"{device} {path}"] = times[path]
            row[f"{device} eager"] = _time_eager(fn, x, args.runs)
            _check_agree(name, device, [found["buffers"], found["out-copy"]], found["copies"])
        results.append(row)

    print(f"\nmedian ms per jitted call, {args.runs} runs (float32)")
    ratios = [(f"{d} {name}", f"{d} {a}", f"{d} buffers") for d in devices
              for name, a in (("cp/buf", "copies"), ("oc/buf", "out-copy"))]
    if len(devices) == 2:
        ratios += [(f"cpu/gpu {p[:3]}", f"cpu {p}", f"gpu {p}") for p in ("buffers", "copies")]
    _table(results, [f"{d} {p}" for d in devices for p in PATHS], ratios)
    print("\neager forward (no jit), median ms per call: the level operations as compiled "
          "primitives (the default) against the DLPack route")
    print(f"{'workload':<20} {'shape':<16}" + "".join(
        f"{d + ' compiled':>14}{d + ' dlpack':>14}{d + ' dl/comp':>14}" for d in devices))
    for row in results:
        line = f"{row['workload']:<20} {'x'.join(map(str, row['shape'])):<16}"
        for d in devices:
            e = row[f"{d} eager"]
            line += f"{e['compiled']:>14.3f}{e['dlpack']:>14.3f}{e['dlpack'] / e['compiled']:>14.2f}"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"jax": jax.__version__, "runs": args.runs,
                                               "results": results}, indent=1))


if __name__ == "__main__":
    main()
