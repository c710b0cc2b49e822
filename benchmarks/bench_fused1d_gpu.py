"""Fused multi-level vs per-level 1D transforms on a CUDA GPU (needs CuPy and a device).

    python benchmarks/bench_fused1d_gpu.py [--runs 50] [--mode symmetric] [--json out.json]

Workloads (f32, pywt's default mode unless --mode):
    W1  (256, 4096)      db4   5 levels
    W5  (32, 1_000_000)  db5  10 levels

Three transforms: wavedec, waverec and wavedec's adjoint (the backward pass of
a loss on wavedec's coefficients). 'fused' runs several levels per launch:
cuwavelet._fused1d.wavedec (plan_wavedec's launches, printed, each keeping the
intermediate approximations on chip) and cuwavelet._fused1d_coarse_to_fine
(waverec, wavedec_adjoint: up to 12 levels per launch). 'per-level' is one
launch per level (cuwavelet._multilevel.dwtn / idwtn / dwtn_adjoint), the path
the public functions take where the fused kernels do not apply. Times are
medians of CUDA-event intervals over --runs runs after warm-up (host overhead
between launches counts: it is part of what a user gets). Effective bandwidth
= M_min / time, M_min = the signal's bytes once + all coefficient bytes once,
reported as a fraction of a device-to-device copy's bandwidth measured in the
same process.
"""
from __future__ import annotations

import json
import sys

from _gpu_timing import event_median_ms, start


WORKLOADS = {
    "W1": dict(shape=(256, 4096), wavelet="db4", level=5),
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10),
}
# --smoke: the same wavelets and levels on short signals, to check the script
# end to end quickly (tests/test_gpu_benchmarks.py runs it on the CPU).
SMOKE_SHAPES = {"W1": (2, 512), "W5": (2, 20000)}


def main(argv=None):
    args, cupy, device, copy_bps = start("bench_fused1d_gpu", __doc__, WORKLOADS, argv)

    import numpy as np

    from cuwavelet import _fused1d, _multilevel, _wavelets
    from cuwavelet import _fused1d_coarse_to_fine as c2f

    mode = _wavelets.as_mode(args.mode)
    results = []
    for name in args.workloads:
        w = dict(WORKLOADS[name], **(dict(shape=SMOKE_SHAPES[name]) if args.smoke else {}))
        x = cupy.asarray(np.random.default_rng(0).standard_normal(w["shape"]), dtype=cupy.float32)
        axis = x.ndim - 1
        bank = _wavelets.as_filter_bank(w["wavelet"])

        def per_level():  # (not _multilevel.wavedec: on CuPy arrays it runs the fused kernel)
            a, details = x, []
            for _ in range(w["level"]):
                c = _multilevel.dwtn(a, [axis], [bank], [mode])
                a = c["a"]
                details.append(c["d"])
            return [a] + details[::-1]

        def fused():
            return _fused1d.wavedec(x, axis, bank, mode, w["level"], level_fallback=lambda a:
                                    _multilevel.dwtn(a, [axis], [bank], [mode]))

        steps = _fused1d.plan_wavedec(tuple(x.shape), axis, bank, mode, w["level"], x.dtype)
        print(f"{name}: fused plan, levels per launch: {steps} "
              f"({len(steps)} launches vs {w['level']})")
        got, ref = fused(), per_level()  # same coefficients before timing anything
        _check(cupy, name, "wavedec", got, ref, float(cupy.abs(x).max()))
        lens = [x.shape[axis]] + [c.shape[axis] for c in ref[:0:-1]]  # n_0 .. n_L

        def rec_per_level():
            a = ref[0]
            for d in ref[1:]:
                a = _multilevel.idwtn({"a": _multilevel.trim_to(a, d.shape), "d": d}, [axis],
                                      [bank], [mode])
            return a

        def rec_fused():
            return c2f.waverec(ref[0], ref[1:], axis, bank, mode, level_fallback=lambda a, d:
                               _multilevel.idwtn({"a": _multilevel.trim_to(a, d.shape), "d": d},
                                                 [axis], [bank], [mode]))

        def adj_step(a_bar, d_bar, n):
            shape = x.shape[:axis] + (n,) + x.shape[axis + 1:]
            return _multilevel.dwtn_adjoint({"a": a_bar, "d": d_bar}, [axis], [bank], [mode],
                                            shape)

        def adj_per_level():
            a = ref[0]
            for j, d in enumerate(ref[1:]):
                a = adj_step(a, d, lens[w["level"] - 1 - j])
            return a

        def adj_fused():
            return c2f.wavedec_adjoint(ref[0], ref[1:], axis, bank, mode, lens, adj_step)

        for what, f, p in (("waverec", rec_fused, rec_per_level),
                           ("adjoint", adj_fused, adj_per_level)):
            a, b = f(), p()
            _check(cupy, name, what, [a], [b], float(cupy.abs(b).max()))
        m_min = x.nbytes + sum(c.nbytes for c in ref)
        print(f"{name}: levels per launch (0: a per-level step), waverec: "
              f"{c2f.waverec_steps(ref[0], ref[1:], axis, bank, mode)}, adjoint: "
              f"{c2f.wavedec_adjoint_steps(ref[0], ref[1:], axis, bank, mode, lens)}")
        for what, paths in (("wavedec", (("fused", fused), ("per-level", per_level))),
                            ("waverec", (("fused", rec_fused), ("per-level", rec_per_level))),
                            ("adjoint", (("fused", adj_fused), ("per-level", adj_per_level)))):
            for path, fn in paths:
                ms = event_median_ms(cupy, fn, args.runs)
                bps = m_min / (ms * 1e-3)
                row = dict(workload=name, transform=what, path=path, device=device,
                           shape=list(w["shape"]), wavelet=w["wavelet"], level=w["level"],
                           mode=args.mode, median_ms=ms,
                           launches=len(steps) if (path, what) == ("fused", "wavedec") else None,
                           m_min_bytes=m_min, effective_gbps=bps / 1e9,
                           fraction_of_copy=bps / copy_bps, runs=args.runs)
                results.append(row)
                print(f"{name} {what:8s} {path:9s} {ms:8.3f} ms  {bps / 1e9:7.0f} GB/s "
                      f"effective  {bps / copy_bps:6.1%} of copy  (M_min {m_min / 1e6:.1f} MB)")
        got = ref = x = None
        cupy.get_default_memory_pool().free_all_blocks()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, copy_gbps=copy_bps / 1e9, results=results), f, indent=1)


def _check(cupy, name, what, got, ref, scale):
    err = max(float(cupy.abs(g - r).max()) for g, r in zip(got, ref))
    if err > 1e-4 * scale:
        sys.exit(f"{name}: fused and per-level {what} differ by {err}")


if __name__ == "__main__":
    main()
