"""Fused multi-level vs per-level 1D wavedec on a CUDA GPU (needs CuPy and a device).

    python benchmarks/bench_fused1d_gpu.py [--runs 50] [--mode symmetric] [--json out.json]

Workloads (f32, pywt's default mode unless --mode):
    W1  (256, 4096)      db4   5 levels
    W5  (32, 1_000_000)  db5  10 levels

'fused' is cuwavelet._fused1d.wavedec: the levels in as few launches as the
exactness rule and shared memory allow (plan_wavedec; printed), each launch
keeping the intermediate approximations on chip. 'per-level' is
one cuwavelet._multilevel.dwtn launch per level, the path the public wavedec
takes where the fused kernel does not apply. Times are medians of
CUDA-event intervals over --runs runs after warm-up (host overhead between
launches counts: it is part of what a user gets). Effective bandwidth =
M_min / time, M_min = input bytes read once + all coefficient bytes written
once, reported as a fraction of a device-to-device copy's bandwidth measured
in the same process.
"""
from __future__ import annotations

import argparse
import json
import sys

from _gpu_timing import copy_bandwidth, event_median_ms, gpu_or_exit


WORKLOADS = {
    "W1": dict(shape=(256, 4096), wavelet="db4", level=5),
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10),
}
# --smoke: the same wavelets and levels on short signals, to check the script
# end to end quickly (tests/test_gpu_benchmarks.py runs it on the CPU).
SMOKE_SHAPES = {"W1": (2, 512), "W5": (2, 20000)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (>= 50)")
    parser.add_argument("--mode", default="symmetric")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--smoke", action="store_true", help="small shapes (checks the script)")
    args = parser.parse_args(argv)
    if args.runs < 50:
        parser.error("--runs must be at least 50")
    cupy = gpu_or_exit("bench_fused1d_gpu")

    import numpy as np

    from cuwavelet import _fused1d, _multilevel, _wavelets

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.runtime.getDevice())
    device = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    copy_bps = copy_bandwidth(cupy, args.runs, 1 << 24 if args.smoke else 1 << 30)
    print(f"device: {device}; device-to-device copy: {copy_bps / 1e9:.0f} GB/s "
          f"(median of {args.runs})")

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
        err = max(float(cupy.abs(g - r).max()) for g, r in zip(got, ref))
        scale = float(cupy.abs(x).max())
        if err > 1e-4 * scale:
            sys.exit(f"{name}: fused and per-level coefficients differ by {err}")
        m_min = x.nbytes + sum(c.nbytes for c in ref)
        for path, fn in (("fused", fused), ("per-level", per_level)):
            ms = event_median_ms(cupy, fn, args.runs)
            bps = m_min / (ms * 1e-3)
            row = dict(workload=name, path=path, device=device, shape=list(w["shape"]),
                       wavelet=w["wavelet"], level=w["level"], mode=args.mode, median_ms=ms,
                       launches=len(steps) if path == "fused" else w["level"],
                       m_min_bytes=m_min, effective_gbps=bps / 1e9,
                       fraction_of_copy=bps / copy_bps, runs=args.runs)
            results.append(row)
            print(f"{name} {path:9s} {ms:8.3f} ms  {bps / 1e9:7.0f} GB/s effective  "
                  f"{bps / copy_bps:6.1%} of copy  (M_min {m_min / 1e6:.1f} MB)")
        got = ref = x = None
        cupy.get_default_memory_pool().free_all_blocks()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, copy_gbps=copy_bps / 1e9, results=results), f, indent=1)


if __name__ == "__main__":
    main()
