"""Fused multi-level 1D wavedec: several levels along one axis per kernel launch.

A per-level 1D wavedec reads each level's approximation back from global
memory and writes it again (~2x M_min in all). The fused kernel
(kernels/dwt1_multilevel.cuh) reads the launch's input once, keeps the
intermediate approximations on chip and writes every detail, and the last
approximation, straight to its final array (~1x M_min):

    wavedec_levels(a, axis, bank, mode, levels)  -> [cA_L, cD_L, ..., cD_1]
        levels j0+1 .. j0+L of a wavedec whose level-j0 approximation is `a`
        (pywt.wavedec(a, ..., level=levels, axis=axis), exactly);
    wavedec(x, axis, bank, mode, level, level_fallback)
        a whole wavedec as a few such launches (plan_wavedec), with
        level_fallback (one per-level step) where no launch can do a level;
    supports(a, axis, bank, mode, levels) / why_not(...)
        whether wavedec_levels can run exactly; where it cannot, it raises
        ValueError, and fewer levels per launch (or per-level launches) must run.

Arguments are those of cuwavelet._multilevel (a normalized axis, a
FilterBank, a mode number). When a launch is exact (the rule is documented
at the top of dwt1_multilevel.cuh; _plan_for enforces it):
  * the whole line of the launch's last level fits one tile: every mode;
  * tiled lines: the modes that extend from the near edge only (all but
    periodic and periodization), tiles of at least F coefficients;
    periodization when the launch's intermediate lengths N_1..N_{L-1} are
    even; periodic not (its extension reads the far end of an intermediate
    level), except with one level per launch.
Per launch at most MAX_LEVELS levels, filters of even length <= MAX_TAPS, and
a window that fits SHARED_BUDGET; max_levels(F, itemsize) gives the deepest
efficient launch (tiles of at least min_tile(F) coefficients).

CuPy arrays run the NVRTC-compiled kernel (dwt1_multilevel_device.cu); NumPy
arrays run the same kernel body through the thread-block emulator
(cuwavelet._fused1d_host), which exists to verify the GPU code in CI: route
only CuPy arrays here in production, and only where the axis is the
fastest-varying one (coalesced(); elsewhere the per-level kernels, which walk
neighbouring lines together, read memory better).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import operator
import os

import numpy as np

from . import _launch, _program, _wavelets
from ._arrays import array_module, empty, output, real_dtype
from ._launch import DEFAULT_EMULATION, SHARED_BUDGET
from ._shapes import coeff_len

FAMILY = _launch.FAMILIES["wavedec1d"]
MAX_LEVELS = FAMILY.host.max_levels  # kMaxFusedLevels of dwt1_multilevel.cuh
MAX_TAPS = FAMILY.host.max_taps      # kMaxFusedTaps


def block_outputs_setting(value) -> int:
    """Outputs per thread of the kernel's level passes from a setting (None:
    the default): kRegisterBlock, each thread filtering that many consecutive
    positions from a sliding window of registers, or 1, one position per
    thread with every tap read from shared memory (the first design)."""
    allowed = (FAMILY.host.register_block, 1)
    if value is None or value == "":
        return allowed[0]
    try:
        n = int(value)
    except ValueError:
        n = None
    if n not in allowed:
        raise ValueError(f"CUWAVELET_FUSED1D_BLOCK_OUTPUTS must be one of {allowed}, not {value!r}")
    return n


# Outputs per thread of the planned launches (read when a launch is planned):
# the environment variable CUWAVELET_FUSED1D_BLOCK_OUTPUTS=1 selects the first
# design; benchmarks/bench_register_block.py sets this constant to time both
# in one process.
REGISTER_BLOCK = block_outputs_setting(os.environ.get("CUWAVELET_FUSED1D_BLOCK_OUTPUTS"))
PERIODIC, PERIODIZATION = _wavelets.MODES.index("periodic"), _wavelets.PERIODIZATION
SUPPORTED_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
# Blocks a launch aims for (tiles shrink toward min_tile until there are this
# many; a launch of at least WAVE_BYTES short of them, toward wave_tile).
TARGET_BLOCKS = _launch.WAVE_BLOCKS


# --- windows, shared memory, levels per launch ---------------------------------

def shared_bytes(levels: int, tile: int, F: int, dtype) -> int:
    """One block's shared memory (MultilevelLayout of dwt1_multilevel.cuh)."""
    g = np.zeros((), dtype=FAMILY.geometry_dtype)
    g["levels"], g["tile"], g["filter_len"] = levels, tile, F
    return _launch.shared_bytes(FAMILY, 0, 0, dtype, g)


@functools.lru_cache(maxsize=None)
def tile_capacity(levels: int, F: int, itemsize: int) -> int:
    """Largest tile (level-L coefficients) whose windows fit SHARED_BUDGET; 0 if none."""
    dtype = np.float32 if itemsize == 4 else np.float64
    lo, hi = 0, SHARED_BUDGET // itemsize  # shared memory grows with the tile: bisect
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if shared_bytes(levels, mid, F, dtype) <= SHARED_BUDGET:
            lo = mid
        else:
            hi = mid - 1
    return lo


def min_tile(F: int) -> int:
    """Smallest tile worth a multi-tile launch: each level recomputes the
    F - 2 positions left of its window's share (the halo), so T >= 4 (F - 2)
    keeps that under ~25%. T >= F is also what the exactness rule needs."""
    return max(F, 4 * (F - 2), 16)


def wave_tile(F: int) -> int:
    """Smallest tile of a launch that min_tile(F) leaves under TARGET_BLOCKS
    blocks: a halo of at most a third of the tile (W5's deep launch, db5
    levels 6-10 of 32 lines: tiles of 30, 1056 blocks, where 32 gave 992)."""
    return max(F, 3 * (F - 2), 16)


@functools.lru_cache(maxsize=None)
def max_levels(F: int, itemsize: int) -> int:
    """Most levels one launch computes efficiently on long signals: the
    deepest whose tiles of min_tile(F) still fit shared memory (db2 f32: 8,
    db4: 7, db5: 7, db8: 6; 0 for filters too long for the kernel)."""
    if F % 2 or F > MAX_TAPS:
        return 0
    best = 0
    for levels in range(1, MAX_LEVELS + 1):
        if tile_capacity(levels, F, itemsize) >= min_tile(F):
            best = levels
    return best


def level_lengths(N: int, F: int, mode: int, levels: int) -> tuple:
    """(N_0, N_1, ..., N_levels): the approximation's length after each level."""
    lens = [int(N)]
    for _ in range(levels):
        lens.append(coeff_len(lens[-1], F, mode))
    return tuple(lens)


# --- planning -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Plan:
    mode: int
    axis: int
    shape: tuple       # the input's
    dtype: np.dtype
    bank: object
    levels: int
    lens: tuple        # N_0 .. N_L
    tile: int          # level-L coefficients per tile (N_L for one tile per line)
    tiles: int         # tiles per line
    cascade: bool
    block_outputs: int  # REGISTER_BLOCK when planned

    def out_shape(self, k: int) -> tuple:
        """Shape of the level-k coefficients (k = 1 .. levels)."""
        return self.shape[:self.axis] + (self.lens[k],) + self.shape[self.axis + 1:]


def _plan(a, axis, bank, mode, levels, tile):
    """A _Plan, or a string saying why the fused kernel cannot run exactly."""
    try:
        levels = operator.index(levels)
        tile = None if tile is None else operator.index(tile)
        key = (np.dtype(a.dtype), tuple(a.shape), int(axis), bank, int(mode), levels, tile)
        hash(key)
    except TypeError:
        return "levels and tile must be ints, bank a FilterBank and mode a mode number"
    return _plan_for(*key, REGISTER_BLOCK)


def operand_reason(dtype, shape, axis, bank, mode):
    """Why no fused 1D kernel (this module's or _fused1d_coarse_to_fine's)
    takes these operands, or None: dtype, axis, filter, mode, batch rank."""
    if dtype not in SUPPORTED_DTYPES:
        return f"dtype {dtype} is not float32/64 or complex64/128"
    if not 0 <= axis < len(shape):
        return "axis must be normalized"
    if not isinstance(bank, _wavelets.FilterBank):
        return "bank must be a FilterBank"
    F = bank.length
    if F < 2 or F % 2 or F > MAX_TAPS:
        return f"the kernels take filters of even length up to {MAX_TAPS}; this one has {F}"
    if not 0 <= mode < len(_wavelets.MODES):
        return "unknown mode number"
    return _launch.batch_reason(shape, (axis,), dtype)


@functools.lru_cache(maxsize=1024)
def _plan_for(dtype, shape, axis, bank, mode, levels, tile, block_outputs):
    """_plan from the operand's metadata alone (memoized: planning in Python
    costs more than a small launch)."""
    if isinstance(levels, bool) or not isinstance(levels, int) or not 1 <= levels <= MAX_LEVELS:
        return f"levels must be an int from 1 to {MAX_LEVELS}"
    reason = operand_reason(dtype, shape, axis, bank, mode)
    if reason:
        return reason
    F = bank.length
    batch = [d for d in range(len(shape)) if d != axis and shape[d] != 1]
    if shape[axis] < 1:
        return "empty signal (the per-level path raises pywt's error)"
    lens = level_lengths(shape[axis], F, mode, levels)
    if mode in _wavelets._NEEDS_TWO_SAMPLES and min(lens[:-1]) < 2:
        return "a level's input is too short for this mode (the per-level path raises pywt's error)"
    itemsize = real_dtype(dtype).itemsize
    NL = lens[-1]
    # Tiled launches of 2+ levels extend intermediate levels on chip: exact for
    # the near-edge modes, for periodization only as the even-length cascade.
    cascade = mode == PERIODIZATION and not any(n % 2 for n in lens[1:-1])
    needs_one_tile = levels >= 2 and (mode == PERIODIC or (mode == PERIODIZATION and not cascade))
    if tile is None:  # as large as fits, but small enough for TARGET_BLOCKS blocks
        capacity = tile_capacity(levels, F, itemsize)
        lines = math.prod(shape[d] for d in batch) * (2 if dtype.kind == "c" else 1)
        wanted = max(1, -(-TARGET_BLOCKS // max(lines, 1)))
        least = min_tile(F)
        moved = 2 * lines * shape[axis] * itemsize
        if moved >= _launch.WAVE_BYTES and lines * -(-NL // least) < TARGET_BLOCKS:
            least = wave_tile(F)
        tile = min(max(-(-NL // wanted), least), capacity)
        if needs_one_tile and NL <= capacity:
            tile = NL  # fewer blocks, but exact: the whole line on chip
        if tile < NL and capacity < min_tile(F):
            return (f"{levels} levels of a length-{F} filter leave tiles of {capacity} < "
                    f"{min_tile(F)} coefficients in {SHARED_BUDGET} bytes of shared memory")
    elif isinstance(tile, bool) or not isinstance(tile, int) or tile < 1:
        return "tile must be a positive int"
    tile = min(tile, NL)
    if shared_bytes(levels, tile, F, dtype) > SHARED_BUDGET:
        return f"the windows of {levels} levels exceed {SHARED_BUDGET} bytes of shared memory"
    tiled = tile < NL
    if tiled and needs_one_tile:  # the exactness rule of dwt1_multilevel.cuh
        if mode == PERIODIC:
            return ("periodic extension of an intermediate level reads its far end, which a "
                    "tiled launch does not hold: one level per launch, or a line that fits one tile")
        return ("periodization with an odd intermediate length (the cascade needs N_1 .. N_{L-1} "
                "even) on a line longer than one tile")
    if tiled and levels >= 2 and not cascade and tile < F:
        return f"tiles of {tile} < F = {F} coefficients do not hold an edge's extension"
    cascade = cascade and tiled and levels >= 2  # elsewhere the on-chip extension is exact
    tiles = -(-NL // tile)
    return _Plan(mode, axis, tuple(shape), dtype, bank, levels, lens, tile, tiles, cascade,
                 block_outputs)


def why_not(a, axis, bank, mode, levels, *, tile=None):
    """None where wavedec_levels can run (exactly), else the reason."""
    plan = _plan(a, axis, bank, mode, levels, tile)
    return plan if isinstance(plan, str) else None


def supports(a, axis, bank, mode, levels, *, tile=None) -> bool:
    """Whether one launch computes `levels` levels of `a` along `axis` exactly
    as pywt.wavedec does. The rule (dwt1_multilevel.cuh explains why):
      * filters of even length <= MAX_TAPS, at most MAX_LEVELS levels, float or
        complex data, a window that fits SHARED_BUDGET (tiles of at least
        min_tile(F) coefficients unless one tile holds the whole line);
      * one tile per line (the launch's last level fits a tile): every mode;
      * several tiles per line, 2+ levels: zero, constant, symmetric, smooth,
        reflect, antisymmetric, antireflect with tiles of >= F coefficients;
        periodization only when N_1 .. N_{L-1} are even (the cascade);
        periodic never (its extension reads the far end of a level);
      * one level: every mode, any tiling (only the input is extended);
      * reflect / antireflect: every level's input has 2+ samples (else pywt
        raises, and so does the per-level path).
    Where it is False, run fewer levels per launch or per-level launches
    (plan_wavedec / wavedec do)."""
    return why_not(a, axis, bank, mode, levels, tile=tile) is None


def coalesced(a, axis) -> bool:
    """Whether consecutive samples along the axis are neighbours in memory
    (or there is a single line): where the fused kernel's consecutive threads
    load and store neighbouring addresses."""
    return (abs(a.strides[axis]) == np.dtype(a.dtype).itemsize or a.shape[axis] <= 1
            or all(n == 1 for d, n in enumerate(a.shape) if d != axis))


# --- geometry and launch ----------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def _geometry(plan: _Plan, byte_strides):
    """MultilevelGeometry for the operands' byte strides (input,
    approximation, details 1..L); memoized, read-only."""
    g = _launch.geometry(FAMILY, plan.shape, (plan.axis,), byte_strides, plan.dtype)
    g["levels"], g["filter_len"] = plan.levels, plan.bank.length
    g["tile"], g["tiles"], g["cascade"] = plan.tile, plan.tiles, int(plan.cascade)
    g["block_outputs"] = plan.block_outputs
    g["len"][:plan.levels + 1] = plan.lens
    g.flags.writeable = False
    return g


def _output(xp, like, out, shape, dtype, what):
    """A preallocated output (checked), or a new array in `like`'s memory order
    (so that the kernel's stores along the axis are as coalesced as its loads)."""
    if out is not None:
        return output(xp, out, shape, dtype, what)
    order = sorted(range(len(shape)), key=lambda d: -abs(like.strides[d]))  # slowest first
    a = empty(xp, [shape[d] for d in order], dtype)
    return a.transpose(np.argsort(order)) if order != sorted(order) else a


def wavedec_levels(a, axis, bank, mode, levels, out=None, *, tile=None,
                   emulation=DEFAULT_EMULATION) -> list:
    """Levels j0+1 .. j0+levels of a 1D wavedec of the level-j0 approximation
    `a` along `axis`, in one launch: [cA_L, cD_L, ..., cD_1], each with `a`'s
    shape but for the axis (pywt.wavedec's order). out: an optional list in
    that order of preallocated arrays (any strides; None entries are
    allocated). tile: level-L coefficients per block (None: chosen here)."""
    plan = _plan(a, axis, bank, mode, levels, tile)
    if isinstance(plan, str):
        raise ValueError(f"the fused 1D wavedec kernel cannot run this: {plan}")
    return _run(plan, a, out, emulation)


def _run(plan: _Plan, a, out, emulation):
    """wavedec_levels for a plan (tests hand it plans supports() refuses, to
    show that the refusals are needed)."""
    xp = array_module(a)
    levels = plan.levels
    out = list(out) if out is not None else [None] * (levels + 1)
    if len(out) != levels + 1:
        raise ValueError(f"out must list {levels + 1} arrays (cA_L, cD_L, ..., cD_1)")
    names = ["out[0] (cA)"] + [f"out[{i}] (cD_{levels + 1 - i})" for i in range(1, levels + 1)]
    shapes = [plan.out_shape(levels)] + [plan.out_shape(k) for k in range(levels, 0, -1)]
    coeffs = [_output(xp, a, o, s, plan.dtype, n) for o, s, n in zip(out, shapes, names)]
    # kernel operand order: input, approximation, details finest first
    operands = [a, coeffs[0]] + coeffs[:0:-1]
    g = _geometry(plan, tuple(tuple(o.strides) for o in operands))
    filters = _launch.filter_record(FAMILY, [plan.bank], False, plan.dtype, xp)
    _launch.launch(FAMILY, 0, plan.mode, plan.dtype, g, int(g["batch_total"]) * plan.tiles,
                   operands, filters, emulation)
    return coeffs


# --- a whole wavedec ------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def plan_wavedec(shape, axis, bank, mode, level, dtype) -> tuple:
    """Levels per launch of a `level`-level wavedec: a tuple of counts in
    order, 0 for a per-level step where no fused launch is exact (or fits).
    Fewest launches first; among those, the most even split (smaller L:
    larger tiles, less halo; 10 levels of db5 f32 on long lines: (5, 5))."""
    dtype, F = np.dtype(dtype), bank.length
    lens = level_lengths(shape[axis], F, mode, level)  # input length after each level

    def feasible(done, L):
        s = tuple(lens[done] if d == axis else n for d, n in enumerate(shape))
        return isinstance(_plan_for(dtype, s, axis, bank, mode, L, None, REGISTER_BLOCK), _Plan)

    # best[done] = (launches, largest L, steps) for the levels after `done`
    best = {level: (0, 0, ())}
    for done in range(level - 1, -1, -1):
        options = [(L, L) for L in range(1, min(level - done, MAX_LEVELS) + 1) if feasible(done, L)]
        options = options or [(0, 1)]  # a per-level step
        best[done] = min((1 + best[done + take][0], max(L, best[done + take][1]),
                          (L,) + best[done + take][2]) for L, take in options)
    return best[0][2]


def wavedec(x, axis, bank, mode, level, level_fallback, *, emulation=DEFAULT_EMULATION) -> list:
    """A whole 1D wavedec as plan_wavedec's launches: [cA_n, cD_n, ..., cD_1].
    level_fallback(a) runs one per-level step and returns {'a': cA, 'd': cD}
    (cuwavelet._multilevel.dwtn's result for one axis)."""
    details, a = [], x  # finest first
    steps = plan_wavedec(tuple(x.shape), axis, bank, mode, level, np.dtype(x.dtype))
    _program.note(f"wavedec along axis {axis}: levels per fused 1D launch {steps} "
                  "(0: a per-level step)")
    for levels in steps:
        if levels == 0:
            sub = level_fallback(a)
            details.append(sub["d"])
            a = sub["a"]
        else:
            c = wavedec_levels(a, axis, bank, mode, levels, emulation=emulation)
            details.extend(c[:0:-1])
            a = c[0]
    return [a] + details[::-1]
