"""The fused kernels' launch pipeline: family -> plan -> geometry -> executor.

Every fused kernel family is declared once here (FAMILIES): its CUDA source
and kernel names, its emulator extension and its geometry record. Layout facts
come from the kernels' own C++ (kernels/records_host.h describes each record's
fields; the extensions compute shared memory from the kernels' layout
structs), so nothing about a struct or a tile is mirrored in Python.

A family module decides whether and how a launch is exact (its plan: lengths,
tiles) and fills its own geometry fields; the rest is here:

    geometry(family, shape, axes, operand_strides, dtype)
        the family's record with the batch dimensions walked as every fused
        kernel walks them (size-1 ones dropped, neighbours contiguous in every
        operand merged, a complex array as real with a last dimension of 2)
        and each operand's strides along the transformed axes;
    shared_bytes(family, op, mode, dtype, record)
        one block's dynamic shared memory, from the kernel's layout;
    launch(family, op, mode, dtype, record, tiles, operands, filters, emulation)
        one launch (fused_launch.cuh's convention: geometry, operand
        addresses, filters, by value), through cuwavelet._program so that a
        plan replays it: CuPy arrays on the GPU (NVRTC), NumPy arrays through
        the thread-block emulator (verification, not speed). Under
        _program.counting() an emulated launch runs the GPU's grid and block
        and reports the emulator's counts (global bytes, shared-memory
        accesses, multiply-adds) with its LaunchInfo: the minimum traffic of
        its operands and the minimum work of its filters.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import math

import numpy as np

from . import _program
from ._arrays import array_module, real_dtype
from ._backends import cuda
from ._geometry import MAX_DIMS, merge_dims

DTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
# Dynamic shared memory per block: the most a kernel gets without opting in
# (cudaFuncAttributeMaxDynamicSharedMemorySize) on every GPU since sm_50.
SHARED_BUDGET = 48 * 1024
# A launch moving at least WAVE_BYTES plans its tiles for at least WAVE_BLOCKS
# blocks: two waves of an H100 (132 SMs) at the 4 resident blocks per SM that
# the heaviest fused kernels' launch bounds allow. Fewer leave SMs idle for
# the launch's last wave (a small launch costs its latency whatever it does).
WAVE_BYTES = 1 << 20
WAVE_BLOCKS = 2 * 132 * 4


@dataclasses.dataclass(frozen=True)
class Emulation:
    """How the host build runs the kernels. schedule: 'reversed' or 'shuffled'
    (thread order between barriers; 'forward' hides races and is for
    demonstrations only). grid: blocks (each loops over several tiles when
    there are more tiles than blocks). skip_barrier: testing hook, see
    block_runtime.cuh."""
    threads: int = 64
    grid: int = 7
    schedule: str = "shuffled"
    seed: int = 0x9E3779B97F4A7C15
    skip_barrier: int = -1


DEFAULT_EMULATION = Emulation()


@dataclasses.dataclass(frozen=True)
class Family:
    """A fused kernel family: `kernel` is its CUDA template, instantiated per
    (op, mode, dtype) by `template_args`; `record` its geometry struct."""
    name: str
    kernel: str
    source: str            # the .cu file NVRTC compiles
    extension: str         # the emulator's extension module
    record: str
    operands: int
    # the filter records its kernels take: ("taps",) (FilterTaps<T>), or
    # ("taps", "addresses") (FilterTaps2D<T> or FilterAddresses: a template
    # argument, 1 or 0, before the dtype says which)
    filters: tuple
    template_args: object  # (op, mode) -> the leading template arguments
    specializations: object  # () -> the (op, mode) pairs the source instantiates
    outputs: object        # op -> the operands it writes (the others it reads)
    minimum_work: object   # (op, record) -> multiply-adds of one batch item at least

    @property
    def host(self):
        return _extension(self.extension)

    def kernel_name(self, op: int, mode: int, dtype, by_value: bool = True) -> str:
        args = [str(a) for a in self.template_args(op, mode)]
        if len(self.filters) > 1:
            args.append(str(int(by_value)))
        return f"{self.kernel}<{', '.join(args + [DTYPES[np.dtype(dtype)]])}>"

    def all_kernel_names(self):
        return [self.kernel_name(op, mode, dt, by_value)
                for op, mode in self.specializations() for by_value in (True, False)
                if by_value or "addresses" in self.filters for dt in DTYPES]

    @property
    def geometry_dtype(self) -> np.dtype:
        return record_dtype(self.extension, self.record)

    @property
    def operands_dtype(self) -> np.dtype:
        return record_dtype(self.extension, f"OperandAddresses<{self.operands}>")


@functools.lru_cache(maxsize=None)
def _extension(name: str):
    try:
        module = importlib.import_module(f"cuwavelet.{name}")
    except ImportError as exc:  # pragma: no cover - only when the package was not built
        raise ImportError(f"cuwavelet.{name} is not built; install the package with "
                          "`pip install -e .` (it compiles cuwavelet/kernels/)") from exc
    if module.max_dims != MAX_DIMS:  # pragma: no cover
        raise ImportError(f"cuwavelet.{name} was built from another kernel source; rebuild it")
    return module


_TYPES = {"q": np.int64, "f": np.float32, "d": np.float64}


@functools.lru_cache(maxsize=None)
def record_dtype(extension: str, record: str) -> np.dtype:
    """The NumPy dtype of a C++ record, from the extension's description of it."""
    fields, size = _extension(extension).records[record]
    return np.dtype({"names": [f[0] for f in fields],
                     "formats": [(_TYPES[f[3]], f[2]) if f[2] else _TYPES[f[3]] for f in fields],
                     "offsets": [f[1] for f in fields], "itemsize": size})


_MODES = 9  # len(_wavelets.MODES), the Mode enum of dwt_math.cuh


def _every_mode(ops):
    return lambda: [(op, mode) for op in ops for mode in range(_MODES)]


# Minimum work of a launch: one multiply-add per filter tap per output of each
# axis pass, each pass computing only what the next needs from the real (not
# extended) samples: a separable analysis filters the N_y rows into 2 n_x
# columns, then those into 2 n_y rows; a synthesis (or an analysis adjoint)
# merges the 2 n_y coefficient rows into N_x columns, then into N_y rows.
def _analysis_2d(F, N, n):
    return F[1] * N[0] * 2 * n[1] + F[0] * 2 * n[0] * 2 * n[1]


def _merge_2d(F, N, n):
    return F[1] * 2 * n[0] * N[1] + F[0] * N[0] * N[1]


def _work_dwt2(op, g):
    F, N, n = (tuple(int(v) for v in g[k]) for k in ("filter_len", "signal_len", "coeff_len"))
    work = _analysis_2d(F, N, n) if op == 0 else _merge_2d(F, N, n)
    # A level split into launches over parts of its tile grid (interior and
    # edge ring: tile0, span, ring, as kernels/dwt2_fused.cuh tile_yx reads
    # them) counts its minimum once: each launch its share of the outputs.
    out_len = n if op == 0 else N
    tile = [int(t) for t in g["tile"]]

    def share(first, span):  # of the outputs in a rectangle of tiles
        held = math.prod(max(0, min(length, (a + s) * t) - a * t)
                         for length, t, a, s in zip(out_len, tile, first, span))
        return work * held // (out_len[0] * out_len[1])

    ring = [int(w) for w in g["ring"]]
    if any(ring):  # what the interior leaves
        return work - share(ring, [int(t) - 2 * w for t, w in zip(g["tiles"], ring)])
    return share([int(a) for a in g["tile0"]], [int(s) for s in g["span"]])


def _work_two_levels(op, g):
    F, N, n1, n2 = (tuple(int(v) for v in g[k]) for k in ("filter_len", "signal_len", "len1", "len2"))
    return _analysis_2d(F, N, n1) + _analysis_2d(F, n1, n2)


def _work_two_level_synthesis(op, g):
    F, N, n1, n2 = (tuple(int(v) for v in g[k]) for k in ("filter_len", "signal_len", "len1", "len2"))
    origin = [int(v) for v in g["origin"]]
    if any(origin):  # a region [origin, N) of the image: per sample, a tap per merge (level 2: 1/4)
        E = [n - o for n, o in zip(N, origin)]
        return (F[0] + F[1]) * E[0] * E[1] * 5 // 4
    return _merge_2d(F, N, n1) + _merge_2d(F, n1, n2)


def _work_wavedec1d(op, g):  # a_k and d_k of every level
    return int(g["filter_len"]) * sum(2 * int(n) for n in g["len"][1:int(g["levels"]) + 1])


def _work_coarse_to_fine1d(op, g):  # every level's output samples
    return int(g["filter_len"]) * sum(int(n) for n in g["len"][:int(g["levels"])])


FAMILIES = {f.name: f for f in [
    # analysis: image -> 4 subbands; synthesis and analysis adjoint: 4 subbands -> image
    Family("dwt2", "fused_dwt2_kernel", "fused_device.cu", "_fused_host", "FusedGeometry",
           5, ("taps", "addresses"), lambda op, mode: (op, mode), _every_mode((0, 1, 2)),
           lambda op: (1, 2, 3, 4) if op == 0 else (0,), _work_dwt2),
    Family("dwt2_two_levels", "fused_dwt2_two_levels_kernel", "fused_device.cu", "_fused_host",
           "TwoLevelGeometry", 8, ("taps", "addresses"), lambda op, mode: (mode,), _every_mode((0,)),
           lambda op: tuple(range(1, 8)), _work_two_levels),
    # two synthesis levels (zero-padded, or periodization): level-2 subbands and
    # level-1 details -> image
    Family("idwt2_two_levels", "fused_idwt2_two_levels_kernel", "fused_device.cu", "_fused_host",
           "TwoLevelGeometry", 8, ("taps", "addresses"), lambda op, mode: (mode,),
           lambda: [(1, 0), (1, 5)], lambda op: (0,), _work_two_level_synthesis),
    Family("wavedec1d", "fused_wavedec1d_kernel", "dwt1_multilevel_device.cu", "_fused1d_host",
           "MultilevelGeometry", 14, ("taps",), lambda op, mode: (mode,), _every_mode((0,)),
           lambda op: tuple(range(1, 14)), _work_wavedec1d),
    # the synthesis depends on the mode only through periodization's wrap-around
    # (cuwavelet/_fused1d_coarse_to_fine.py kernel_mode)
    Family("coarse_to_fine1d", "fused_coarse_to_fine1d_kernel", "dwt1_coarse_to_fine_device.cu",
           "_fused1d_host", "CoarseToFineGeometry", 14, ("taps",), lambda op, mode: (op, mode),
           lambda: [(0, 0), (0, 5)] + [(1, mode) for mode in range(_MODES)],
           lambda op: (0,), _work_coarse_to_fine1d),
]}


@functools.lru_cache(maxsize=None)
def kernel_module(source: str) -> cuda.KernelModule:
    """The RawModule of a .cu file: every specialization of its families."""
    return cuda.KernelModule(source, lambda: [name for f in FAMILIES.values() if f.source == source
                                              for name in f.all_kernel_names()])


# --- geometry -------------------------------------------------------------------------

def geometry(family: Family, shape, axes, operand_strides, dtype, base=None):
    """A record of `family` (a copy of `base`, else zeros) with the batch
    dimensions and every operand's strides along `axes` (kernel order: y, x;
    or the one axis) filled in. shape: the iteration's shape (the image's, or
    a line's with any length along the axes); operand_strides: byte strides
    per operand, None for an absent one (its strides stay 0)."""
    dtype = np.dtype(dtype)
    scalar = real_dtype(dtype).itemsize
    if any(b % scalar for s in operand_strides if s is not None for b in s):
        raise ValueError("array strides are not a multiple of the element size")
    strides = [None if s is None else [b // scalar for b in s] for s in operand_strides]
    entries = [[shape[d], [0 if s is None else s[d] for s in strides], False]
               for d in range(len(shape)) if d not in axes and shape[d] != 1]
    if dtype.kind == "c":
        entries.append([2, [0 if s is None else 1 for s in strides], False])
    merged = merge_dims(entries)  # in the first operand's memory order
    if len(merged) > MAX_DIMS:  # (the family planners refuse such operands first)
        raise ValueError(f"more than {MAX_DIMS} batch dimensions")
    g = np.zeros((), dtype=family.geometry_dtype) if base is None else base.copy()
    g["batch_ndim"] = len(merged)
    g["batch_total"] = int(np.prod([m[0] for m in merged], dtype=np.int64))
    for i, (size, st, _) in enumerate(merged):
        g["batch_shape"][i] = size
        g["stride"][:len(st), i] = st
    for k, axis in enumerate(axes):
        g["stride"][:len(strides), MAX_DIMS + k] = [0 if s is None else s[axis] for s in strides]
    return g


def batch_reason(shape, axes, dtype):
    """Why no fused kernel walks these batch dimensions, or None."""
    batch = [d for d in range(len(shape)) if d not in axes and shape[d] != 1]
    if len(batch) + (np.dtype(dtype).kind == "c") > MAX_DIMS:
        return f"more than {MAX_DIMS} batch dimensions"
    return None


def shared_bytes(family: Family, op: int, mode: int, dtype, record) -> int:
    """One block's dynamic shared memory for `record` (the kernel's own layout)."""
    return family.host.shared_bytes(family.name, op, mode, real_dtype(dtype) == np.float64,
                                    record.tobytes())


# --- filters ------------------------------------------------------------------------------

def filter_record(family: Family, banks, synthesis: bool, dtype, xp):
    """(record, what it refers to) for a plan's filters (lo and hi of each
    bank, y then x): their taps by value where the family takes them (even
    lengths up to the kernels' max_taps, values on the host: not a learned
    FilterPair), else their addresses on the device."""
    from ._wavelets import device_filters
    scalar = real_dtype(dtype)
    if by_value_filters(family, banks):
        name = "FilterTaps<{}>" if len(family.filters) == 1 else "FilterTaps2D<{}>"
        taps = np.zeros((), dtype=record_dtype(family.extension, name.format(DTYPES[scalar])))
        filters = [f for bank in banks for f in ((bank.rec_lo, bank.rec_hi) if synthesis
                                                 else (bank.dec_lo, bank.dec_hi))]
        rows = [taps[k] for k in ("lo", "hi")] if len(family.filters) == 1 else taps["tap"]
        for row, f in zip(rows, filters):
            row[:len(f)] = f
        return taps, ()
    arrays = [f for bank in banks for f in device_filters(bank, synthesis, scalar, xp)]
    record = np.zeros((), dtype=record_dtype(family.extension, "FilterAddresses"))
    record["address"] = [_program.address(a) for a in arrays]
    return record, arrays


def by_value_filters(family: Family, banks) -> bool:
    """Whether a launch of `family` takes these banks' taps by value."""
    from ._wavelets import FilterPair
    if "addresses" not in family.filters:
        return True
    return all(not isinstance(b, FilterPair) and b.length % 2 == 0
               and b.length <= family.host.max_taps for b in banks)


# --- launch --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class LaunchInfo:
    """What a launch is, for the counters (_program.counting)."""
    family: str
    kernel: str          # the kernel's name expression
    blocks: int          # the GPU's grid: one block per tile
    items: int           # batch items (each has blocks / items tiles)
    threads: int
    shared_bytes: int    # dynamic shared memory per block
    input_bytes: int     # of the operands it reads ...
    output_bytes: int    # ... and writes: M_min of the launch is their sum
    minimum_work: int    # multiply-adds at least (Family.minimum_work)


def _launch_info(family, op, mode, dtype, record, tiles, operands, shared, filters):
    written = family.outputs(op)
    sizes = [(k in written, a.size * a.itemsize) for k, a in enumerate(operands) if a is not None]
    items = int(record["batch_total"])
    by_value = filters.dtype.names != ("address",)
    return LaunchInfo(family.name, family.kernel_name(op, mode, real_dtype(dtype), by_value),
                      tiles, items,
                      family.host.block_threads, shared,
                      sum(n for out, n in sizes if not out), sum(n for out, n in sizes if out),
                      family.minimum_work(op, record) * items)


def launch(family: Family, op: int, mode: int, dtype, record, tiles: int, operands, filters,
           emulation: Emulation = DEFAULT_EMULATION):
    """One launch of `tiles` tiles over `operands` (arrays in the family's
    operand order, None for absent ones); filters: filter_record's pair.
    Nothing is launched for zero tiles."""
    if tiles == 0:
        return
    dtype = np.dtype(dtype)
    filter_values, held = filters
    g_shared = shared_bytes(family, op, mode, dtype, record)
    info = _launch_info(family, op, mode, dtype, record, tiles, operands, g_shared, filter_values)
    xp = array_module(*operands)
    ops_dtype = family.operands_dtype
    if xp is not np:
        kernel = kernel_module(family.source).function(info.kernel)
        grid, block = (min(tiles, 2**31 - 1),), (family.host.block_threads,)
        geometry_bytes, filter_bytes = cuda.by_value(record), cuda.by_value(filter_values)
        operand_slots = ops_dtype.itemsize // 8
        operand_bytes = np.dtype((np.void, ops_dtype.itemsize))

        def run(*addresses, _held=held):  # (_held: the filters the record points at)
            o = np.zeros(operand_slots, dtype=np.int64)  # OperandAddresses<N>: N 64-bit addresses
            o[:len(addresses)] = addresses
            kernel(grid, block, (geometry_bytes, o.view(operand_bytes), filter_bytes),
                   shared_mem=g_shared)
    else:
        host = family.host
        g_bytes, f_bytes = record.tobytes(), filter_values.tobytes()
        is_double = real_dtype(dtype) == np.float64
        fixed = (min(tiles, emulation.grid), emulation.threads,
                 host.schedules[emulation.schedule], emulation.seed, emulation.skip_barrier)

        def run(*addresses, _held=held):
            o = np.zeros((), dtype=ops_dtype)
            o["address"][:len(addresses)] = addresses
            found, sample = _program.counts()
            if found is None:
                host.emulate(family.name, op, mode, is_double, g_bytes, o.tobytes(), f_bytes, *fixed)
                return
            # the GPU's grid and block; one batch item's blocks, scaled, when sampling
            per_item = tiles // info.items if sample else tiles
            c = host.emulate(family.name, op, mode, is_double, g_bytes, o.tobytes(), f_bytes,
                             tiles, info.threads, host.schedules[emulation.schedule],
                             emulation.seed, -1, per_item, True)
            scale = tiles // per_item
            found.append(dict(kind=family.name, info=info, blocks=tiles,
                              **{k: v * scale for k, v in c.items() if k != "blocks"}))
    _program.launch(family.name, run, *operands, info=info)
