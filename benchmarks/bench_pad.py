"""cw.pad against pywt.pad (numpy.pad underneath) on the CPU, or against
cupy.pad on a GPU, in one process, calls interleaved round by round. Prints
medians and ratios.

    python benchmarks/bench_pad.py [--rounds N] [--dtype float32|float64] [--device cpu|cuda]

Workloads: images (16, 512, 512) padded by 8 on both image axes and lines
(32, 65536) padded by 64, in a mode numpy.pad has natively (symmetric), one
pywt.pad builds from numpy.pad's callback (smooth, antisymmetric) and one it
reflects (antireflect); where pywt.pad refuses the unpadded batch axis, it
pads item by item. On a GPU the reference is cupy.pad where CuPy has the
mode (symmetric, reflect); the others are timed alone.
"""
from __future__ import annotations

import argparse

import numpy as np
import pywt

import cuwavelet as cw
from bench_discrete import interleaved

WORKLOADS = [((16, 512, 512), ((0, 0), (8, 8), (8, 8))), ((32, 65536), ((0, 0), (64, 64)))]
MODES = ["symmetric", "smooth", "antisymmetric", "antireflect"]
CUPY_MODES = {"symmetric": "symmetric", "reflect": "reflect"}


def pywt_pad(x, widths, mode):
    """pywt.pad of the batch; item by item where pywt.pad refuses the unpadded
    batch axis (smooth and antisymmetric raise when an axis gets nothing
    after it), as a pywt user has to."""
    try:
        return pywt.pad(x, widths, mode)
    except ValueError:
        return np.stack([pywt.pad(item, widths[1:], mode) for item in x])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for shape, widths in WORKLOADS:
        x = rng.standard_normal(shape).astype(args.dtype)
        for mode in MODES:
            if args.device == "cpu":
                fns = {"pywt": lambda: pywt_pad(x, widths, mode),
                       "cuwavelet": lambda: cw.pad(x, widths, mode)}
                base = "pywt"
            else:
                import cupy
                xg = cupy.asarray(x)

                def synced(fn):
                    def run():
                        out = fn()
                        cupy.cuda.get_current_stream().synchronize()
                        return out
                    return run
                fns = {"cuwavelet": synced(lambda: cw.pad(xg, widths, mode))}
                if mode in CUPY_MODES:
                    fns["cupy.pad"] = synced(lambda: cupy.pad(xg, widths, CUPY_MODES[mode]))
                base = "cupy.pad" if "cupy.pad" in fns else None
            medians = interleaved(fns, args.rounds)
            nbytes = x.nbytes + cw.pad(x, widths, mode).nbytes
            print(f"pad {shape} {args.dtype} {mode} (widths {widths}):")
            for name, m in medians.items():
                ratio = "" if base is None or name == base else \
                    f"   {base} / {name} = {medians[base] / m:5.2f}x"
                print(f"  {name:10s} {m * 1e3:8.2f} ms  {nbytes / m / 1e9:6.1f} GB/s{ratio}")


if __name__ == "__main__":
    main()
