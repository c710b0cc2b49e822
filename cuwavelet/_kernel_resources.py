"""What each CUDA kernel costs on chip, without a GPU: ptxas's resource report
(registers, stack frame, spills) through NVRTC, and the theoretical occupancy
it gives at a launch's block size and dynamic shared memory.

    resources(source, arch="sm_90") -> {kernel name: Resources}
        every specialization of a kernel source (cuwavelet/_launch.py's
        kernel_module names), compiled once per (source, arch) and cached;
    occupancy(resources, dynamic_shared, threads=256, gpu=H100) -> Occupancy
        resident blocks per SM and the fraction of the SM's warps they fill,
        with what limits them (CUDA's occupancy rules: registers allocated per
        warp in units of 256 from four sub-partitions, shared memory in units
        of 128 bytes plus 1 KB the runtime reserves per block).

ptxas prints per kernel "N bytes stack frame, S bytes spill stores, L bytes
spill loads" and "Used R registers" (compile option -Xptxas=-v); kernels are
named there by their mangled names, which NVRTC maps back to the name
expressions (getLoweredName). Needs NVRTC (cupy_backends); no device.
"""
from __future__ import annotations

import dataclasses
import functools
import re

DEFAULT_ARCH = "sm_90"


@dataclasses.dataclass(frozen=True)
class Resources:
    """One kernel's resources as ptxas reports them."""
    name: str
    registers: int
    stack_frame: int    # bytes of local memory per thread (arrays indexed at run time, spills)
    spill_stores: int   # bytes
    spill_loads: int
    static_shared: int  # bytes (the fused kernels use dynamic shared memory only)


@dataclasses.dataclass(frozen=True)
class Gpu:
    """Per-SM limits of a GPU architecture (CUDA occupancy calculator terms)."""
    name: str
    sms: int
    registers_per_sm: int = 65536
    register_unit: int = 256          # registers are allocated per warp in these units
    sub_partitions: int = 4           # each holds registers_per_sm / sub_partitions
    max_registers_per_thread: int = 255
    shared_per_sm: int = 228 * 1024
    shared_per_block: int = 227 * 1024
    shared_reserved_per_block: int = 1024  # the runtime's, per resident block
    shared_unit: int = 128
    max_threads_per_sm: int = 2048
    max_blocks_per_sm: int = 32
    warp: int = 32


H100 = Gpu("H100 SXM (sm_90)", sms=132)


@dataclasses.dataclass(frozen=True)
class Occupancy:
    blocks_per_sm: int
    fraction: float     # resident warps / the SM's maximum
    limiter: str        # "registers", "shared memory", "threads" or "blocks"


def _round_up(n: int, unit: int) -> int:
    return -(-n // unit) * unit


def occupancy(r: Resources, dynamic_shared: int, threads: int = 256, gpu: Gpu = H100) -> Occupancy:
    """Theoretical occupancy of `r` launched with blocks of `threads` threads
    and `dynamic_shared` bytes of dynamic shared memory on `gpu`."""
    warps = -(-threads // gpu.warp)
    per_warp = _round_up(max(r.registers, 1) * gpu.warp, gpu.register_unit)
    warps_per_partition = gpu.registers_per_sm // gpu.sub_partitions // per_warp
    shared = r.static_shared + dynamic_shared
    per_block = _round_up(shared, gpu.shared_unit) + gpu.shared_reserved_per_block
    limits = {  # in this order: the first of equal limits is named
        "registers": warps_per_partition * gpu.sub_partitions // warps,
        "shared memory": 0 if shared > gpu.shared_per_block else gpu.shared_per_sm // per_block,
        "threads": gpu.max_threads_per_sm // (warps * gpu.warp),
        "blocks": gpu.max_blocks_per_sm,
    }
    limiter = min(limits, key=limits.get)
    blocks = limits[limiter]
    return Occupancy(blocks, blocks * warps * gpu.warp / gpu.max_threads_per_sm, limiter)


_FUNCTION = re.compile(r"Function properties for (\S+)")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers(?:.*?(\d+) bytes smem)?")


def parse_ptxas_log(log: str, names: dict) -> dict:
    """{name expression: Resources} from ptxas -v output; names maps mangled
    (lowered) names to name expressions."""
    out, current, frame = {}, None, (0, 0, 0)
    for line in log.splitlines():
        m = _FUNCTION.search(line)
        if m:
            current, frame = names.get(m.group(1)), (0, 0, 0)
            continue
        m = _FRAME.search(line)
        if m:
            frame = tuple(int(v) for v in m.groups())
            continue
        m = _USED.search(line)
        if m and current is not None:
            out[current] = Resources(current, int(m.group(1)), *frame,
                                     static_shared=int(m.group(2) or 0))
            current = None
    return out


@functools.lru_cache(maxsize=None)
def resources(source: str, arch: str = DEFAULT_ARCH, defines: tuple = ()) -> dict:
    """ptxas's resources of every specialization of a fused kernel source
    (a .cu file of cuwavelet/kernels, as cuwavelet/_launch.py names them),
    compiled with cuwavelet's options plus `defines` (("NAME=value", ...)).
    Raises RuntimeError with NVRTC's log where the source does not compile."""
    from cupy_backends.cuda.libs import nvrtc

    from . import _launch
    from ._backends import cuda
    module = _launch.kernel_module(source) if isinstance(source, str) else source
    names = module.names()
    prog = nvrtc.createProgram(module.source(), module.entry, [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch}", "-Xptxas=-v", *cuda.COMPILE_OPTIONS,
                                        *(f"-D{d}" for d in defines)])
        except Exception as exc:
            raise RuntimeError(f"NVRTC failed on {module.entry}:\n"
                               + nvrtc.getProgramLog(prog)) from exc
        lowered = {nvrtc.getLoweredName(prog, n): n for n in names}
        if len(lowered) != len(names):
            raise RuntimeError(f"{module.entry}: two name expressions are one kernel")
        table = parse_ptxas_log(nvrtc.getProgramLog(prog), lowered)
    finally:
        nvrtc.destroyProgram(prog)
    missing = set(names) - set(table)
    if missing:
        raise RuntimeError(f"ptxas reported no resources for {sorted(missing)}")
    return {n: table[n] for n in names}
