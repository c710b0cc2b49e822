"""Register blocking of the fused 1D wavedec kernel, on and off, on a CUDA GPU.

    python benchmarks/bench_register_block.py [--runs 50] [--json out.json]

The fused multi-level kernel (cuwavelet/kernels/dwt1_multilevel.cuh) computes
each level either with kRegisterBlock consecutive outputs per thread from a
sliding window of registers (cuwavelet._fused1d.REGISTER_BLOCK, the default)
or with one output per thread, every tap read from shared memory
(REGISTER_BLOCK = 1). Both run here in one process, on the same input, for

    W5  (32, 1_000_000)  db5  10 levels, float32, zero and symmetric modes
    W1  (256, 4096)      db4   5 levels, float32, zero and symmetric modes

timing the whole wavedec (cuwavelet._fused1d.wavedec: plan_wavedec's
launches) as the median of CUDA-event intervals over --runs runs after
warm-up, and printing both medians, their ratio (blocked / one output; < 1:
blocking is faster) and the effective bandwidth M_min / time against a
device-to-device copy measured in the same process. The two settings'
coefficients are compared before anything is timed.
"""
from __future__ import annotations

import json
import sys

from _gpu_timing import event_median_ms, start

WORKLOADS = {
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10),
    "W1": dict(shape=(256, 4096), wavelet="db4", level=5),
}
MODES = ("zero", "symmetric")
# --smoke: the same wavelets and levels on short signals (checks the script)
SMOKE_SHAPES = {"W5": (2, 20000), "W1": (2, 512)}


def main(argv=None):
    args, cupy, device, copy_bps = start("bench_register_block", __doc__, WORKLOADS, argv)

    import numpy as np

    from cuwavelet import _fused1d, _multilevel, _wavelets

    blocked = _fused1d.REGISTER_BLOCK
    if blocked == 1:
        sys.exit("REGISTER_BLOCK is 1 (CUWAVELET_FUSED1D_BLOCK_OUTPUTS?): nothing to compare")
    print(f"outputs per thread: {blocked} (register-blocked) vs 1")
    results = []
    for name in args.workloads:
        w = dict(WORKLOADS[name], **(dict(shape=SMOKE_SHAPES[name]) if args.smoke else {}))
        x = cupy.asarray(np.random.default_rng(0).standard_normal(w["shape"]), dtype=cupy.float32)
        axis = x.ndim - 1
        bank = _wavelets.as_filter_bank(w["wavelet"])
        for mode_name in MODES:
            mode = _wavelets.as_mode(mode_name)

            def wavedec(outputs):
                def run():
                    _fused1d.REGISTER_BLOCK = outputs  # read when each launch is planned
                    return _fused1d.wavedec(
                        x, axis, bank, mode, w["level"],
                        level_fallback=lambda a: _multilevel.dwtn(a, [axis], [bank], [mode]))
                return run

            steps = _fused1d.plan_wavedec(tuple(x.shape), axis, bank, mode, w["level"], x.dtype)
            got, ref = wavedec(blocked)(), wavedec(1)()
            scale = float(cupy.abs(ref[0]).max())
            err = max(float(cupy.abs(g - r).max()) for g, r in zip(got, ref))
            if err > 1e-5 * scale:
                sys.exit(f"{name} {mode_name}: {blocked} and 1 outputs per thread differ by {err}")
            m_min = x.nbytes + sum(c.nbytes for c in ref)
            ms = {o: event_median_ms(cupy, wavedec(o), args.runs) for o in (blocked, 1)}
            _fused1d.REGISTER_BLOCK = blocked
            for o in (blocked, 1):
                bps = m_min / (ms[o] * 1e-3)
                results.append(dict(workload=name, mode=mode_name, block_outputs=o,
                                    device=device, shape=list(w["shape"]),
                                    wavelet=w["wavelet"], level=w["level"], launches=list(steps),
                                    median_ms=ms[o], m_min_bytes=m_min,
                                    fraction_of_copy=bps / copy_bps, runs=args.runs))
            print(f"{name} {mode_name:9s} levels per launch {steps}: "
                  f"{blocked} outputs/thread {ms[blocked]:8.3f} ms "
                  f"({m_min / (ms[blocked] * 1e-3) / copy_bps:6.1%} of copy), "
                  f"1 output/thread {ms[1]:8.3f} ms "
                  f"({m_min / (ms[1] * 1e-3) / copy_bps:6.1%} of copy), "
                  f"ratio {ms[blocked] / ms[1]:.3f}  (max |diff| {err:.2e}, M_min {m_min / 1e6:.1f} MB)")
            got = ref = None
        x = None
        cupy.get_default_memory_pool().free_all_blocks()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, copy_gbps=copy_bps / 1e9, results=results), f, indent=1)


if __name__ == "__main__":
    main()
