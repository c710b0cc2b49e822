"""Fused vs separable 2D wavedec2 on a CUDA GPU (needs CuPy and a device).

    python benchmarks/bench_fused_gpu.py [--runs 50] [--mode symmetric] [--json out.json]

Workloads (f32, pywt's default mode unless --mode):
    W3  (16, 3, 256, 256)  db2  3 levels
    W6  (32, 1000, 1000)   db5  5 levels

Each path runs every level of wavedec2 on the GPU, forward, inverse (waverec2)
and adjoint (the backward pass of a wavelet loss): 'fused' is one
cuwavelet._fused level launch per level (dwt2_level, idwt2_level,
dwt2_adjoint_level); 'fused-2lv' runs levels in pairs wherever the kernel
can: forward, dwt2_two_levels (the level-1 approximation kept on chip), which
the public wavedec2 does on CuPy arrays only where the pairs' extra work is
small (cuwavelet._fused.TWO_LEVEL_MAX_WORK: db2 and db5 on W3 and W6); inverse,
idwt2_two_levels (pairs ending at level 1), and the adjoint
dwt2_adjoint_two_levels: in zero mode the same kernel with the transposed
filters, in the modes that fold that kernel on the image's interior and one
level per launch on rings at the edges (three launches a pair), which the
public waverec2 and wavedec2's adjoint take where the pair's extra work is
small (TWO_LEVEL_SYNTHESIS_MAX_WORK: db2 and db5 on W3 and W6); '-addr' the same kernels taking their
filters by address (global memory, as learned filter arrays are) instead of
by value (the constant bank); 'fused' (adjoint) runs each level's interior
tiles with the zero-mode kernel, which has no fold code, and only its ring
of edge tiles with the mode's own (cuwavelet._fused.SPLIT_EDGE_TILES: two
launches a level where enough tiles are interior), 'fused-whole' one launch
of the mode's kernel per level; 'fused-stream' the
'fused' kernels compiled with CUWAVELET_STREAMING=1: input loads and detail
stores cache-streaming (evicted first from L2), so that each level's
approximation, which the next level reads back, may stay in L2 (for W6 it is
32 MB at level 1 against a 50 MB L2), not the default until measured here;
'separable' is the row pass and column pass through a stacked buffer
(cuwavelet._separable split_sweep of analysis, merge_sweep of its adjoint),
the path the public transforms take where the fused kernels do not apply.
Times are medians of CUDA-event intervals over --runs runs after warm-up
(host overhead between launches counts: it is part of what a user gets).
Effective bandwidth = (input bytes read once + all coefficient bytes written
once) / time, i.e. M_min / time, reported as a fraction of a device-to-device
copy's bandwidth measured in the same process.
"""
from __future__ import annotations

import json
import sys

from _gpu_timing import event_median_ms, start


WORKLOADS = {
    "W3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3),
    "W6": dict(shape=(32, 1000, 1000), wavelet="db5", level=5),
}
# --smoke: the same wavelets and levels on small images, to check the script
# end to end quickly (tests/test_gpu_benchmarks.py runs it on the CPU).
SMOKE_SHAPES = {"W3": (1, 2, 40, 40), "W6": (1, 100, 100)}


def main(argv=None):
    args, cupy, device, copy_bps = start("bench_fused_gpu", __doc__, WORKLOADS, argv)

    import numpy as np

    from cuwavelet import _fused, _wavelets
    from cuwavelet._primitives import analysis, analysis_adjoint, synthesis
    from cuwavelet._separable import merge_sweep, split_sweep
    from cuwavelet._shapes import rec_len

    mode = _wavelets.as_mode(args.mode)
    results = []
    for name in args.workloads:
        w = dict(WORKLOADS[name], **(dict(shape=SMOKE_SHAPES[name]) if args.smoke else {}))
        x = cupy.asarray(np.random.default_rng(0).standard_normal(w["shape"]), dtype=cupy.float32)
        axes = [x.ndim - 2, x.ndim - 1]
        banks = [_wavelets.as_filter_bank(w["wavelet"])] * 2
        modes = [mode] * 2

        shapes = []  # the approximation entering each level

        def wavedec2(level_fn):
            a, details = x, []
            shapes.clear()
            for _ in range(w["level"]):
                shapes.append(a.shape)
                sub = level_fn(a)
                a = sub.pop("aa")
                details.append((sub["da"], sub["ad"], sub["dd"]))
            return [a] + details[::-1]

        def wavedec2_adjoint(coeffs, level_fn):
            a = coeffs[0]
            for j, (da, ad, dd) in enumerate(coeffs[1:]):
                a = level_fn(dict(aa=a, da=da, ad=ad, dd=dd), shapes[-1 - j])
            return a

        def separable_adjoint(c, shape):
            return merge_sweep(c, axes, banks, modes, analysis_adjoint, [shape[a] for a in axes])

        # the same filters as device arrays: the kernels read them by address
        lo, hi = (cupy.asarray(f, dtype=x.dtype) for f in (banks[0].dec_lo, banks[0].dec_hi))
        address_banks = [_wavelets.FilterPair(lo, hi)] * 2

        def wavedec2_two_levels(banks=banks):
            """Levels in pairs (dwt2_two_levels) wherever the kernel takes them."""
            a, details = x, []
            while len(details) < w["level"]:
                if w["level"] - len(details) >= 2 and not _fused.why_not_two_levels(
                        a, axes, banks, modes):
                    first, second = _fused.dwt2_two_levels(a, axes, banks, modes)
                    a = second.pop("aa")
                    subs = [first, second]
                else:
                    subs = [_fused.dwt2_level(a, axes, banks, modes)]
                    a = subs[0].pop("aa")
                details += [(sub["da"], sub["ad"], sub["dd"]) for sub in subs]
            return [a] + details[::-1]

        def waverec2(coeffs, level_fn):
            a = coeffs[0]
            for da, ad, dd in coeffs[1:]:
                a = level_fn(dict(aa=a[..., :da.shape[-2], :da.shape[-1]], da=da, ad=ad, dd=dd))
            return a

        def in_pairs(coeffs, level_fn, pair_fn):
            """Levels coarsest first, the pairs that end at the finest level by
            pair_fn(level2, level1) wherever it gives an array (None: it cannot)."""
            a, details, k = coeffs[0], coeffs[1:], 0
            while k < len(details):
                da, ad, dd = details[k]
                level2 = dict(aa=a[..., :da.shape[-2], :da.shape[-1]], da=da, ad=ad, dd=dd)
                if (len(details) - k) % 2 == 0:
                    level1 = dict(zip(("da", "ad", "dd"), details[k + 1]))
                    image = pair_fn(level2, level1, k)
                    if image is not None:
                        a, k = image, k + 2
                        continue
                a, k = level_fn(level2, k), k + 1
            return a

        def waverec2_two_levels(coeffs):
            def pair(level2, level1, k):
                if isinstance(_fused._two_level_synthesis_plan(level2, level1, axes, banks, modes),
                              str):
                    return None
                return _fused.idwt2_two_levels(level2, level1, axes, banks, modes)
            return in_pairs(coeffs, lambda c, k: _fused.idwt2_level(c, axes, banks, modes), pair)

        def wavedec2_adjoint_two_levels(coeffs):
            transposed = [_fused.transposed_bank(b) for b in banks]

            def pair(level2, level1, k):
                image_shape = shapes[-2 - k]
                if _fused._folds(modes):
                    plan = _fused._folded_two_level_adjoint_plan(level2, level1, axes, banks,
                                                                 modes, image_shape)
                else:
                    plan = _fused._two_level_synthesis_plan(level2, level1, axes, transposed,
                                                            modes, image_shape)
                if isinstance(plan, str):
                    return None
                return _fused.dwt2_adjoint_two_levels(level2, level1, axes, banks, modes,
                                                      image_shape)
            return in_pairs(coeffs, lambda c, k: _fused.dwt2_adjoint_level(
                c, axes, banks, modes, shapes[-1 - k]), pair)

        forward = {
            "fused": lambda: wavedec2(lambda a: _fused.dwt2_level(a, axes, banks, modes)),
            "fused-2lv": wavedec2_two_levels,
            "fused-addr": lambda: wavedec2(lambda a: _fused.dwt2_level(a, axes, address_banks,
                                                                       modes)),
            "fused-2lv-addr": lambda: wavedec2_two_levels(address_banks),
            "fused-stream": lambda: streaming(
                lambda: wavedec2(lambda a: _fused.dwt2_level(a, axes, banks, modes))),
            "separable": lambda: wavedec2(lambda a: split_sweep(a, axes, banks, modes, analysis)),
        }
        reason = (_fused.why_not("dwt2", x, axes, banks, modes) or _fused.why_not(
            "dwt2_adjoint", split_sweep(x, axes, banks, modes, analysis), axes, banks, modes,
            data_shape=x.shape))
        if reason:
            sys.exit(f"{name}: the fused path does not support this workload: {reason}")
        # same coefficients and adjoints before timing anything
        got, ref = forward["fused"](), forward["separable"]()
        _check(cupy, name, "coefficients", _leaves(got), _leaves(ref), float(cupy.abs(x).max()))
        for path in ("fused-2lv", "fused-addr", "fused-2lv-addr", "fused-stream"):
            _check(cupy, name, f"{path} coefficients", _leaves(forward[path]()), _leaves(ref),
                   float(cupy.abs(x).max()))
        print(f"{name}: two-level plan: {_fused.why_not_two_levels(x, axes, banks, modes) or 'ok'}")
        adjoint = {
            "fused": lambda: wavedec2_adjoint(ref, lambda c, shape: _fused.dwt2_adjoint_level(
                c, axes, banks, modes, shape)),
            "fused-addr": lambda: wavedec2_adjoint(ref, lambda c, shape: _fused.dwt2_adjoint_level(
                c, axes, address_banks, modes, shape)),
            "fused-whole": lambda: whole_levels(lambda: wavedec2_adjoint(
                ref, lambda c, shape: _fused.dwt2_adjoint_level(c, axes, banks, modes, shape))),
            "separable": lambda: wavedec2_adjoint(ref, separable_adjoint),
        }
        if args.mode == "zero":
            adjoint["fused-2lv"] = lambda: wavedec2_adjoint_two_levels(ref)
        adj = {path: fn() for path, fn in adjoint.items()}
        for path in adjoint:
            _check(cupy, name, f"{path} adjoints", [adj[path]], [adj["separable"]],
                   float(cupy.abs(adj["separable"]).max()))
        inverse = {
            "fused": lambda: waverec2(ref, lambda c: _fused.idwt2_level(c, axes, banks, modes)),
            "fused-2lv": lambda: waverec2_two_levels(ref),
            "separable": lambda: waverec2(ref, lambda c: merge_sweep(
                c, axes, banks, modes, synthesis,
                [rec_len(c["aa"].shape[a], banks[0].length, mode) for a in axes])),
        }
        inv = {path: fn() for path, fn in inverse.items()}
        for path in inverse:
            _check(cupy, name, f"{path} reconstructions", [inv[path]], [inv["separable"]],
                   float(cupy.abs(x).max()))
        m_min = x.nbytes + sum(c.nbytes for c in _leaves(ref))
        for direction, paths in (("forward", forward), ("inverse", inverse), ("adjoint", adjoint)):
            for path, fn in paths.items():
                ms = event_median_ms(cupy, fn, args.runs)
                bps = m_min / (ms * 1e-3)
                row = dict(workload=name, direction=direction, path=path, device=device,
                           shape=list(w["shape"]), wavelet=w["wavelet"], level=w["level"],
                           mode=args.mode, median_ms=ms, m_min_bytes=m_min,
                           effective_gbps=bps / 1e9, fraction_of_copy=bps / copy_bps,
                           runs=args.runs)
                results.append(row)
                print(f"{name} {direction:7s} {path:14s} {ms:8.3f} ms  {bps / 1e9:7.0f} GB/s "
                      f"effective  {bps / copy_bps:6.1%} of copy  (M_min {m_min / 1e6:.1f} MB)")
        got = ref = adj = x = None
        cupy.get_default_memory_pool().free_all_blocks()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, copy_gbps=copy_bps / 1e9, results=results), f, indent=1)


def streaming(fn):
    """fn() with the kernels compiled with CUWAVELET_STREAMING=1."""
    from cuwavelet._backends import cuda
    with cuda.compile_defines(CUWAVELET_STREAMING=1):
        return fn()


def whole_levels(fn):
    """fn() with one launch per adjoint level over every tile (no zero-mode
    launch for the interior: cuwavelet._fused.SPLIT_EDGE_TILES off)."""
    from cuwavelet import _fused
    with _fused.split_edge_tiles(False):
        return fn()


def _check(cupy, name, what, got, ref, scale):
    err = max(float(cupy.abs(g - r).max()) for g, r in zip(got, ref))
    if err > 1e-4 * scale:
        sys.exit(f"{name}: fused and separable {what} differ by {err}")


def _leaves(coeffs):
    return [coeffs[0]] + [d for level in coeffs[1:] for d in level]


if __name__ == "__main__":
    main()
