"""Traffic and work of the fused GPU kernels, counted without a GPU.

    python benchmarks/kernel_traffic.py [--workloads W5 W6] [--mode symmetric]
                                        [--json out.json] [--smoke] [--full] [--no-ptxas]
                                        [--whole-levels]

Runs the public transforms of each workload (forward, inverse and both
adjoints) on the GPU's route (the fused kernels, as CuPy arrays get them) with
NumPy arrays, every fused launch executed by the thread-block emulator with the
GPU's grid and block size, and prints what the emulator counted:

    bytes    global bytes read + written, over M_min (the launch's operands:
             inputs read once, outputs written once; for a call: its input
             and its result): what the loads and stores ask for, as if
             there were no cache
    dram     distinct 32-byte sectors read + written, over M_min: the DRAM
             traffic if L2 keeps what neighbouring blocks read again (their
             halos); the GPU's DRAM traffic lies between the two
    work     multiply-adds, over the minimum (one per filter tap per output
             of each axis pass, from the real samples only)
    sh/mad   shared-memory loads per multiply-add
    B/ld     global bytes per load instruction (4 or 8: a value at a time;
             16: 16-byte loads; the 2D kernels are bound by their
             instructions, not by DRAM)
    waves    blocks / (132 SMs x blocks resident per SM on an H100, from the
             registers ptxas gives the kernel and its shared memory:
             benchmarks/kernel_resources.py)

Targets (the GPU's memory bound): dram <= 1.15x M_min and work <= 1.3x the
minimum per call; no launch moving over 1 MB with fewer than 2 waves.

Each launch runs the blocks of its first batch item only and scales the
counts by the batch (every item runs the same blocks with other offsets, so
the counts are exact, not estimated); --full runs every block (slow), which
the tests use to check that scaling. The arrays are the workloads' full size
(W5, W6: 128 MB of float32 each); the values past the first item are not
computed, which changes no count (no kernel branches on data).
--smoke: small shapes, to check the script end to end.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cuwavelet as cw  # noqa: E402
from cuwavelet import _fused, _launch, _multilevel, _program  # noqa: E402

WORKLOADS = {
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10),
    "W6": dict(shape=(32, 1000, 1000), wavelet="db5", level=5),
}
SMOKE_SHAPES = {"W5": (2, 20_000), "W6": (2, 120, 100)}
SMOKE_LEVELS = {"W5": 6, "W6": 3}
TARGET_BYTES, TARGET_WORK, MIN_WAVES, BIG_LAUNCH = 1.15, 1.3, 2.0, 1 << 20


@contextlib.contextmanager
def gpu_route():
    """The routing CuPy arrays get (fused kernels), for NumPy arrays; plans
    recorded under it are dropped afterwards."""
    saved = _multilevel.is_cupy
    _program.clear_cache()
    _multilevel.is_cupy = lambda a: True
    try:
        yield
    finally:
        _multilevel.is_cupy = saved
        _program.clear_cache()


def _leaves(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)


def _nbytes(obj) -> int:
    return sum(a.nbytes for a in _leaves(obj))


def calls(name, shape, wavelet, level, mode):
    """(label, function, args, kwargs) of the forward, the inverse and both
    adjoints; each call's arguments made from the previous results."""
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    two_d = len(shape) == 3
    dec, rec = (cw.wavedec2, cw.waverec2) if two_d else (cw.wavedec, cw.waverec)
    adj_dec, adj_rec = ((cw.adjoint.wavedec2, cw.adjoint.waverec2) if two_d
                        else (cw.adjoint.wavedec, cw.adjoint.waverec))
    suffix = "2" if two_d else ""
    coeffs = yield (f"wavedec{suffix}", dec, (x, wavelet, mode), dict(level=level))
    y = yield (f"waverec{suffix}", rec, (coeffs, wavelet, mode), {})
    yield (f"adjoint.wavedec{suffix}", adj_dec, (coeffs, wavelet, mode),
           dict(data_shape=x.shape))
    yield (f"adjoint.waverec{suffix}", adj_rec, (y, wavelet, mode),
           dict(coeff_shapes=cw.adjoint.shapes_of(coeffs)))


def count_call(fn, args, kwargs, sample=True):
    """(result, the launches' counts, seconds) of one call on the GPU route."""
    with gpu_route(), _program.counting(sample=sample) as found:
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t
    return result, found, seconds


def blocks_per_sm(kernel: str, family: str, shared: int, ptxas: bool):
    """(resident blocks per SM on an H100, its limiter) or (None, reason)."""
    if not ptxas:
        return None, "no ptxas table"
    from cuwavelet import _kernel_resources as kr
    r = kr.resources(_launch.FAMILIES[family].source)[kernel]
    occ = kr.occupancy(r, shared)
    return occ.blocks_per_sm, occ.limiter


def summarize(label, args, result, found, ptxas=True):
    """Rows (one per launch) and the call's totals, as dicts."""
    rows = []
    for e in found:
        if e.get("uncounted"):
            rows.append(dict(kernel=e["kind"], uncounted=True))
            continue
        info = e.get("info")
        moved = e.get("global_load_bytes", 0) + e.get("global_store_bytes", 0)
        dram = (32 * (e["global_load_sectors"] + e["global_store_sectors"])
                if "global_load_sectors" in e else moved)  # fills and copies: once each
        row = dict(kernel=info.kernel if info else e["kind"], read=e.get("global_load_bytes", 0),
                   written=e.get("global_store_bytes", 0), moved=moved, dram=dram)
        if info:
            per_sm, limiter = blocks_per_sm(info.kernel, info.family, info.shared_bytes, ptxas)
            row.update(blocks=info.blocks, shared=info.shared_bytes,
                       m_min=info.input_bytes + info.output_bytes,
                       bytes_ratio=moved / max(info.input_bytes + info.output_bytes, 1),
                       dram_ratio=dram / max(info.input_bytes + info.output_bytes, 1),
                       mads=e["multiply_adds"], min_mads=info.minimum_work,
                       work_ratio=e["multiply_adds"] / max(info.minimum_work, 1),
                       shared_per_mad=e["shared_loads"] / max(e["multiply_adds"], 1),
                       bytes_per_load=e["global_load_bytes"] / max(e["global_loads"], 1),
                       blocks_per_sm=per_sm, limiter=limiter,
                       waves=None if not per_sm else info.blocks / (132 * per_sm))
        rows.append(row)
    m_min = _nbytes(args) + _nbytes(result)
    moved = sum(r.get("moved", 0) for r in rows)
    dram = sum(r.get("dram", 0) for r in rows)
    mads = sum(r.get("mads", 0) for r in rows)
    min_mads = sum(r.get("min_mads", 0) for r in rows)
    small = [r["kernel"] for r in rows
             if r.get("waves") is not None and r["moved"] > BIG_LAUNCH and r["waves"] < MIN_WAVES]
    total = dict(call=label, launches=len(rows), m_min=m_min, moved=moved, dram=dram,
                 bytes_ratio=moved / m_min, dram_ratio=dram / m_min,
                 work_ratio=mads / max(min_mads, 1),
                 uncounted=sum(1 for r in rows if r.get("uncounted")),
                 big_launches_under_2_waves=small)
    return rows, total


def _fmt(v, spec, empty="-"):
    return empty if v is None else format(v, spec)


def print_call(rows, total, seconds):
    print(f"  {total['call']}: {total['launches']} launch(es), M_min {total['m_min'] / 1e6:.1f} MB: "
          f"bytes {total['bytes_ratio']:.3f}x, dram {total['dram_ratio']:.3f}x, "
          f"work {total['work_ratio']:.3f}x the minimum (emulated in {seconds:.1f} s)")
    for r in rows:
        if r.get("uncounted"):
            print(f"    {r['kernel']:<44} (not counted: not a fused kernel)")
            continue
        if "blocks" not in r:
            print(f"    {r['kernel']:<44} {r['moved'] / 1e6:9.2f} MB")
            continue
        print(f"    {r['kernel']:<44} {r['blocks']:>7} blocks {_fmt(r['waves'], '5.2f')} waves "
              f"{r['shared'] / 1024:5.1f} KB {r['moved'] / 1e6:8.2f} MB "
              f"bytes {r['bytes_ratio']:.3f}x dram {r['dram_ratio']:.3f}x "
              f"work {r['work_ratio']:.3f}x sh/mad {r['shared_per_mad']:.3f} "
              f"B/ld {r['bytes_per_load']:.1f}")
    verdict = []
    if total["dram_ratio"] > TARGET_BYTES:
        verdict.append(f"dram over {TARGET_BYTES}x")
    if total["work_ratio"] > TARGET_WORK:
        verdict.append(f"work over {TARGET_WORK}x")
    if total["big_launches_under_2_waves"]:
        verdict.append(f"{len(total['big_launches_under_2_waves'])} launch(es) over 1 MB "
                       "under 2 waves")
    if total["uncounted"]:
        verdict.append(f"{total['uncounted']} uncounted launch(es)")
    print(f"    -> {'; '.join(verdict) if verdict else 'within the targets'}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    p.add_argument("--mode", default="symmetric")
    p.add_argument("--json")
    p.add_argument("--smoke", action="store_true", help="small shapes (a check of the script)")
    p.add_argument("--full", action="store_true", help="run every block instead of one item's")
    p.add_argument("--no-ptxas", action="store_true",
                   help="skip the NVRTC compile that gives the waves")
    p.add_argument("--whole-levels", action="store_true",
                   help="2D analysis adjoints: one launch per level, without the zero-mode "
                        "launch of the interior tiles (cuwavelet._fused.SPLIT_EDGE_TILES off)")
    args = p.parse_args(argv)
    with _fused.split_edge_tiles(not args.whole_levels):
        return _run(args)


def _run(args):
    ptxas = not args.no_ptxas
    if ptxas:
        try:
            from cupy_backends.cuda.libs import nvrtc
            nvrtc.getVersion()
        except Exception as exc:  # pragma: no cover - machines without NVRTC
            print(f"(NVRTC unavailable, no waves: {exc})")
            ptxas = False
    out = []
    for name in args.workloads:
        w = dict(WORKLOADS[name])
        if args.smoke:
            w.update(shape=SMOKE_SHAPES[name], level=SMOKE_LEVELS[name])
        print(f"{name} {w['shape']} float32 {w['wavelet']} level {w['level']} {args.mode}")
        gen = calls(name, w["shape"], w["wavelet"], w["level"], args.mode)
        result = None
        while True:
            try:
                label, fn, fargs, fkwargs = gen.send(result)
            except StopIteration:
                break
            result, found, seconds = count_call(fn, fargs, fkwargs, sample=not args.full)
            rows, total = summarize(label, fargs, result, found, ptxas)
            print_call(rows, total, seconds)
            out.append(dict(workload=name, shape=list(w["shape"]), mode=args.mode,
                            total=total, launches=rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    main()
