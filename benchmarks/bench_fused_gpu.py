"""Fused vs separable 2D wavedec2 on a CUDA GPU (needs CuPy and a device).

    python benchmarks/bench_fused_gpu.py [--runs 50] [--mode symmetric] [--json out.json]

Workloads (f32, pywt's default mode unless --mode):
    W3  (16, 3, 256, 256)  db2  3 levels
    W6  (32, 1000, 1000)   db5  5 levels

Each path runs every level of wavedec2 on the GPU: 'fused' is one
cuwavelet._fused.dwt2_level launch per level; 'separable' is the row pass and
column pass through a stacked buffer (cuwavelet._separable.split_sweep), the
path the public transforms take before the fused kernels are wired in.
Times are medians of CUDA-event intervals over --runs runs after warm-up
(host overhead between launches counts: it is part of what a user gets).
Effective bandwidth = (input bytes read once + all coefficient bytes written
once) / time, i.e. M_min / time, reported as a fraction of a device-to-device
copy's bandwidth measured in the same process.
"""
from __future__ import annotations

import argparse
import json
import sys

from _gpu_timing import copy_bandwidth, event_median_ms, gpu_or_exit


WORKLOADS = {
    "W3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3),
    "W6": dict(shape=(32, 1000, 1000), wavelet="db5", level=5),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (>= 50)")
    parser.add_argument("--mode", default="symmetric")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if args.runs < 50:
        parser.error("--runs must be at least 50")
    cupy = gpu_or_exit("bench_fused_gpu")

    import numpy as np

    from cuwavelet import _fused, _wavelets
    from cuwavelet._primitives import analysis
    from cuwavelet._separable import split_sweep

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.runtime.getDevice())
    device = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    copy_bps = copy_bandwidth(cupy, args.runs)
    print(f"device: {device}; device-to-device copy: {copy_bps / 1e9:.0f} GB/s "
          f"(median of {args.runs})")

    mode = _wavelets.as_mode(args.mode)
    results = []
    for name in args.workloads:
        w = WORKLOADS[name]
        x = cupy.asarray(np.random.default_rng(0).standard_normal(w["shape"]), dtype=cupy.float32)
        axes = [x.ndim - 2, x.ndim - 1]
        banks = [_wavelets.as_filter_bank(w["wavelet"])] * 2
        modes = [mode] * 2

        def wavedec2(level_fn):
            a, details = x, []
            for _ in range(w["level"]):
                sub = level_fn(a)
                a = sub.pop("aa")
                details.append((sub["da"], sub["ad"], sub["dd"]))
            return [a] + details[::-1]

        paths = {
            "fused": lambda: wavedec2(lambda a: _fused.dwt2_level(a, axes, banks, modes)),
            "separable": lambda: wavedec2(lambda a: split_sweep(a, axes, banks, modes, analysis)),
        }
        reason = _fused.why_not("dwt2", x, axes, banks, modes)
        if reason:
            sys.exit(f"{name}: the fused path does not support this workload: {reason}")
        # same coefficients before timing anything
        got, ref = paths["fused"](), paths["separable"]()
        err = max(float(cupy.abs(g - r).max()) for g, r in zip(_leaves(got), _leaves(ref)))
        scale = float(cupy.abs(x).max())
        if err > 1e-4 * scale:
            sys.exit(f"{name}: fused and separable coefficients differ by {err}")
        m_min = x.nbytes + sum(c.nbytes for c in _leaves(ref))
        for path, fn in paths.items():
            ms = event_median_ms(cupy, fn, args.runs)
            bps = m_min / (ms * 1e-3)
            row = dict(workload=name, path=path, device=device, shape=list(w["shape"]),
                       wavelet=w["wavelet"], level=w["level"], mode=args.mode, median_ms=ms,
                       m_min_bytes=m_min, effective_gbps=bps / 1e9,
                       fraction_of_copy=bps / copy_bps, runs=args.runs)
            results.append(row)
            print(f"{name} {path:9s} {ms:8.3f} ms  {bps / 1e9:7.0f} GB/s effective  "
                  f"{bps / copy_bps:6.1%} of copy  (M_min {m_min / 1e6:.1f} MB)")
        del got, ref, x
        cupy.get_default_memory_pool().free_all_blocks()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, copy_gbps=copy_bps / 1e9, results=results), f, indent=1)


def _leaves(coeffs):
    return [coeffs[0]] + [d for level in coeffs[1:] for d in level]


if __name__ == "__main__":
    main()
