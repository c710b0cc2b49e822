"""Registers, stack frames and spills of the fused GPU kernels, and the
occupancy they reach on an H100 at the launches the planners make. No GPU needed.

    python benchmarks/kernel_resources.py [--mode symmetric] [--json out.json] [--all]

1. Per kernel (ptxas's report for sm_90, through NVRTC:
   cuwavelet/_kernel_resources.py): registers, stack frame (bytes of local
   memory per thread) and spill stores / loads, grouped over the boundary
   modes (ranges; --all lists every specialization).
2. Per launch of the W5 (32, 1e6) f32 db5 L10 and W6 (32, 1000, 1000) f32 db5
   L5 plans (forward, inverse and both adjoints, as CuPy arrays get them;
   planned on stand-in arrays, nothing runs): blocks, dynamic shared memory,
   resident blocks per SM on an H100 (256 threads per block; 65536 registers,
   228 KB of shared memory, 2048 threads and 32 blocks per SM), occupancy and
   what limits it.
3. Each family's worst case: its most registers with the most shared memory
   its planner gives a block (cuwavelet._launch.SHARED_BUDGET).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cuwavelet as cw  # noqa: E402
from cuwavelet import _kernel_resources as kr  # noqa: E402
from cuwavelet import _launch  # noqa: E402
from kernel_traffic import WORKLOADS, gpu_route  # noqa: E402


def stand_in(shape, dtype=np.float32):
    """An array of this layout (C order) that owns no memory: enough to plan."""
    dtype = np.dtype(dtype)
    strides, step = [], dtype.itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape, strides[::-1])


def workload_launches(name, mode):
    """[(call, LaunchInfo)] of a workload's four calls, planned on stand-ins."""
    w = WORKLOADS[name]
    shape, wavelet, level = w["shape"], w["wavelet"], w["level"]
    two_d = len(shape) == 3
    axes = (1, 2) if two_d else (1,)
    shapes = cw.wavedecn_shapes(shape, wavelet, mode, level=level, axes=axes)
    if two_d:
        coeffs = [stand_in(shapes[0])] + [tuple(stand_in(d[k]) for k in ("da", "ad", "dd"))
                                          for d in shapes[1:]]
        calls = [("wavedec2", cw.wavedec2, (stand_in(shape), wavelet, mode), dict(level=level)),
                 ("waverec2", cw.waverec2, (coeffs, wavelet, mode), {}),
                 ("adjoint.wavedec2", cw.adjoint.wavedec2, (coeffs, wavelet, mode),
                  dict(data_shape=shape)),
                 ("adjoint.waverec2", cw.adjoint.waverec2, (stand_in(shape), wavelet, mode),
                  dict(coeff_shapes=cw.adjoint.shapes_of(coeffs)))]
    else:
        coeffs = [stand_in(shapes[0])] + [stand_in(d["d"]) for d in shapes[1:]]
        calls = [("wavedec", cw.wavedec, (stand_in(shape), wavelet, mode), dict(level=level)),
                 ("waverec", cw.waverec, (coeffs, wavelet, mode), {}),
                 ("adjoint.wavedec", cw.adjoint.wavedec, (coeffs, wavelet, mode),
                  dict(data_shape=shape)),
                 ("adjoint.waverec", cw.adjoint.waverec, (stand_in(shape), wavelet, mode),
                  dict(coeff_shapes=cw.adjoint.shapes_of(coeffs)))]
    out = []
    with gpu_route():
        for label, fn, args, kwargs in calls:
            program, _ = fn.program_for(args, kwargs)
            out += [(label, info) for info in program.launch_infos if info is not None]
    return out


def group_key(name: str) -> str:
    """The kernel's name with its mode argument replaced by M (the last of
    its family's template_args; a filter-record argument and the dtype may follow)."""
    head, args = name.split("<", 1)
    args = [a.strip() for a in args.rstrip(">").split(",")]
    family = next(f for f in _launch.FAMILIES.values() if f.kernel == head)
    args[len(family.template_args(0, 0)) - 1] = "M"
    return f"{head}<{', '.join(args)}>"


def span(values):
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}-{hi}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="symmetric")
    p.add_argument("--json")
    p.add_argument("--all", action="store_true", help="every specialization, not mode ranges")
    args = p.parse_args(argv)

    table = {}
    for source in sorted({f.source for f in _launch.FAMILIES.values()}):
        table.update(kr.resources(source))
    family_of = {n: f for f in _launch.FAMILIES.values() for n in f.all_kernel_names()}

    print(f"1. ptxas ({kr.DEFAULT_ARCH}): registers, stack frame, spill stores / loads (bytes)")
    groups = defaultdict(list)
    for name, r in table.items():
        groups[name if args.all else group_key(name)].append(r)
    print(f"  {'kernel':<46} {'registers':>9} {'stack':>7} {'spill st':>8} {'spill ld':>8}")
    for key in sorted(groups):
        rs = groups[key]
        print(f"  {key:<46} {span([r.registers for r in rs]):>9} "
              f"{span([r.stack_frame for r in rs]):>7} {span([r.spill_stores for r in rs]):>8} "
              f"{span([r.spill_loads for r in rs]):>8}")

    print(f"\n2. occupancy on an {kr.H100.name} at the planners' launches "
          f"(256 threads per block), mode {args.mode}")
    rows = []
    print(f"  {'workload / call':<22} {'kernel':<44} {'blocks':>7} {'smem KB':>7} {'regs':>4} "
          f"{'blk/SM':>6} {'occup.':>6} {'waves':>6}  limiter")
    for name in WORKLOADS:
        for label, info in workload_launches(name, args.mode):
            r = table[info.kernel]
            occ = kr.occupancy(r, info.shared_bytes)
            waves = info.blocks / (kr.H100.sms * occ.blocks_per_sm) if occ.blocks_per_sm else None
            rows.append(dict(workload=name, call=label, kernel=info.kernel, blocks=info.blocks,
                             shared=info.shared_bytes, registers=r.registers,
                             blocks_per_sm=occ.blocks_per_sm, occupancy=occ.fraction,
                             waves=waves, limiter=occ.limiter))
            print(f"  {name + ' ' + label:<22} {info.kernel:<44} {info.blocks:>7} "
                  f"{info.shared_bytes / 1024:7.1f} {r.registers:>4} {occ.blocks_per_sm:>6} "
                  f"{occ.fraction:6.1%} {waves:6.2f}  {occ.limiter}")

    print(f"\n3. worst case per family: most registers with {_launch.SHARED_BUDGET // 1024} KB "
          "of shared memory")
    worst = []
    for fam in _launch.FAMILIES.values():
        for dtype in ("float", "double"):
            rs = [table[n] for n in fam.all_kernel_names() if n.endswith(f", {dtype}>")]
            r = max(rs, key=lambda r: r.registers)
            occ = kr.occupancy(r, _launch.SHARED_BUDGET)
            worst.append(dict(family=fam.name, kernel=r.name, registers=r.registers,
                              blocks_per_sm=occ.blocks_per_sm, occupancy=occ.fraction,
                              limiter=occ.limiter))
            print(f"  {fam.name:<18} {r.name:<46} {r.registers:>4} regs "
                  f"{occ.blocks_per_sm} blocks/SM {occ.fraction:6.1%}  {occ.limiter}")
    spilling = sorted(n for n, r in table.items() if r.spill_stores or r.spill_loads)
    print(f"\nkernels spilling: {len(spilling)} of {len(table)}"
          + (f" ({', '.join(spilling)})" if spilling else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(kernels={n: vars(r) for n, r in table.items()}, launches=rows,
                           worst=worst, family={n: f.name for n, f in family_of.items()}), f,
                      indent=1)


if __name__ == "__main__":
    main()
