"""Fused single-level 2D transforms: both axes of a level in one kernel launch.

The separable path (cuwavelet/_separable.py) runs a 2D level as a row pass and
a column pass through a stacked global buffer; the fused kernels
(kernels/dwt2_fused.cuh) read each input once and write each output once, one
launch per level:

    dwt2_level(x, axes, banks, modes)                      -> {'aa','ad','da','dd'}
    idwt2_level(coeffs, axes, banks, modes)                -> image
    idwt2_adjoint_level(y, axes, banks, modes)             -> {'aa','ad','da','dd'}
    dwt2_adjoint_level(coeffs, axes, banks, modes, shape)  -> image
    dwt2_two_levels(x, axes, banks, modes) -> ({level-1 details}, {level-2 subbands})
        levels 1 and 2 of a wavedec2 in one launch (kernels/dwt2_two_levels.cuh),
        where why_not_two_levels(...) is None

Arguments are those of cuwavelet._multilevel.dwtn / idwtn / idwtn_adjoint /
dwtn_adjoint (axes normalized, one FilterBank and one mode number per axis);
keys have one letter per axis in axes order, as pywt's dwtn. Call
supports(op, operand, axes, banks, modes[, data_shape]) first: where it is
False the separable path must run (the level functions raise ValueError).

Launches go through the fused pipeline (cuwavelet/_launch.py, families
"dwt2" and "dwt2_two_levels"): CuPy arrays run the NVRTC-compiled kernels
(fused_device.cu); NumPy arrays run the same kernel bodies through the
thread-block emulator (cuwavelet._fused_host), which exists to verify the GPU
code in CI: it runs on one core, 3-7x slower than the separable host path, so
route only CuPy arrays here in production.

idwt2's adjoint is the analysis kernel with transposed filters (see
transposed_bank): exactly an analysis with reversed synthesis filters in zero
mode (periodization for periodization), since the synthesis extends nothing.
dwt2's adjoint has a kernel of its own in every mode (the analysis adjoint of
dwt2_fused.cuh): the cotangents of the extended positions, with those past the
edges folded back onto the samples the boundary extension read.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import os

import numpy as np

from . import _kernel_resources, _launch, _wavelets
from ._arrays import array_module, empty, is_cupy, output, real_dtype
from ._launch import DEFAULT_EMULATION, SHARED_BUDGET, WAVE_BYTES, Emulation  # noqa: F401 (re-exported)
from ._shapes import coeff_len, coeff_len_of_rec, rec_len

ANALYSIS, SYNTHESIS, ANALYSIS_ADJOINT = 0, 1, 2  # FusedOp in dwt2_fused.cuh
OPS = ("dwt2", "idwt2", "idwt2_adjoint", "dwt2_adjoint")
ZERO, PERIODIZATION = _wavelets.MODES.index("zero"), _wavelets.PERIODIZATION
SUPPORTED_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
KEYS = ("aa", "ad", "da", "dd")  # kernel band order: y letter, then x letter
SUBBAND_LETTERS = "ad"
LEVEL = _launch.FAMILIES["dwt2"]
TWO_LEVELS = _launch.FAMILIES["dwt2_two_levels"]

# Tiles shrink until their shared memory fits SHARED_BUDGET; filters too long
# for the smallest tile fall back to the separable path.
# Shared-memory loads per output of a tile, over the minimum (one input
# sample per coefficient, four coefficients per image sample). Long filters
# with small tiles re-read wide halos (L2 hits, but L2 and shared memory
# bandwidth are finite): past this the separable path is the better choice.
MAX_READ_AMPLIFICATION = 4.0
ANALYSIS_TILE = (32, 32)   # coefficients per tile along y, x
# Image tiles (synthesis, analysis adjoint) are taller than wide: both kernels
# run their x pass over every coefficient row the tile reads (tile_y / 2 plus
# about F / 2 rows of halo), so the halo's extra work shrinks with tile_y; 32
# samples along x still store whole 128-byte rows of float32.
SYNTHESIS_TILE = (64, 32)  # image samples per tile along y, x (both even)
# Deep levels of a batch are small images: with full tiles their launches
# have fewer blocks than the GPU runs at once, and most SMs idle. A launch
# moving at least WAVE_BYTES (_launch) shrinks its tiles (down to
# WAVE_SMALLEST_TILE per axis, while the halo it re-reads stays under
# WAVE_READ_AMPLIFICATION) toward two waves of blocks at the kernel's
# resident blocks per SM (_tile_for_waves).
WAVE_SMALLEST_TILE = (4, 8)  # y, x (x: 32-byte float rows at least)
WAVE_READ_AMPLIFICATION = 3.0
# An analysis adjoint's interior tiles fold nothing in (their windows reach no
# boundary extension), and in every mode but periodization they compute what
# zero mode computes (the same coefficient lengths and offsets), bit for bit.
# With SPLIT_EDGE_TILES a level runs them with the zero-mode kernel and only
# the ring of edge tiles with the mode's own kernel: two launches instead of
# one. The zero-mode kernel has no fold code, so it takes 16-byte loads and
# fixed-pitch y passes where the others spill with them (sm_90, float32: 48
# registers and 5 blocks per SM against 62-64 and 4; its gather trips 48-49
# instructions per band against 342-345). On the last H100, before those
# loads, the zero-mode backward of W6's wavedec2 already took 1.05-1.32 ms
# against 1.51 ms in symmetric mode. A level splits where at least
# SPLIT_MIN_INTERIOR of its tiles are interior (W6: levels 1 and 2 of 5, with
# 82% and 66% interior: about four fifths of the symmetric adjoint's kernel
# time on the last H100, level 1 alone 769 of 1232 us; level 3, 45%, would
# leave two launches under two waves each to save a few us).
# CUWAVELET_SPLIT_EDGE_TILES=0 turns it off, split_edge_tiles() for a block
# of code (benchmarks/bench_fused_gpu.py times 'fused' against 'fused-whole').
SPLIT_MIN_INTERIOR = 0.5


def split_edge_tiles_setting(value) -> bool:
    """SPLIT_EDGE_TILES from CUWAVELET_SPLIT_EDGE_TILES ('1' or unset: on, '0': off)."""
    if value in (None, "", "1"):
        return True
    if value == "0":
        return False
    raise ValueError(f"CUWAVELET_SPLIT_EDGE_TILES must be '0' or '1', not {value!r}")


SPLIT_EDGE_TILES = split_edge_tiles_setting(os.environ.get("CUWAVELET_SPLIT_EDGE_TILES"))


# --- tiles -------------------------------------------------------------------------

def _tile_record(family, tile, filter_len, fold_reach=None):
    """What the kernels' layouts read to size a block's shared memory."""
    g = np.zeros((), dtype=family.geometry_dtype)
    g["tile"], g["filter_len"] = tile, filter_len
    if fold_reach is not None:  # (the analysis adjoint's halo windows depend on it)
        g["fold_reach"] = fold_reach
    return g


def _fold_reach(mode: int, signal_len, coeff_lens, filter_len):
    """FusedGeometry.fold_reach of both axes of an analysis adjoint."""
    return [LEVEL.host.fold_reach(mode, N, n, F)
            for N, n, F in zip(signal_len, coeff_lens, filter_len)]


def read_amplification(op: int, mode: int, tile, filter_len) -> float:
    """Elements an interior tile loads into shared memory per element it must
    read (one input sample per coefficient, four coefficients per image
    sample), from the kernels' windows (fused_tile_window)."""
    rows, cols = (LEVEL.host.tile_window(LEVEL.name, op, mode, t, F)
                  for t, F in zip(tile, filter_len))
    if op == ANALYSIS:
        return rows * cols / (4 * tile[0] * tile[1])
    return 4 * rows * cols / (tile[0] * tile[1])


def _choose_tile(op: int, mode: int, out_len, filter_len, dtype, images: int = 1,
                 by_value: bool = True):
    """Largest tile (at most ANALYSIS_TILE / SYNTHESIS_TILE, no larger than the
    output) whose shared memory fits SHARED_BUDGET; None if none does, or if
    the one that does re-reads too much halo (MAX_READ_AMPLIFICATION) while
    the output is large enough for full tiles. Then, for a launch over
    `images` images too few tiles to fill the GPU, smaller ones (WAVE_*)."""
    if op == ANALYSIS:
        tile = [min(t, n) for t, n in zip(ANALYSIS_TILE, out_len)]
        smallest = 1
    elif op == SYNTHESIS:  # image tiles start at even samples
        tile = [min(t, n + n % 2) for t, n in zip(SYNTHESIS_TILE, out_len)]
        smallest = 2
    else:
        tile = [min(t, n) for t, n in zip(SYNTHESIS_TILE, out_len)]
        smallest = 1
    reach = None
    if op == ANALYSIS_ADJOINT:
        reach = _fold_reach(mode, out_len, [coeff_len(N, F, mode) for N, F in
                                            zip(out_len, filter_len)], filter_len)
    while _launch.shared_bytes(LEVEL, op, mode, dtype,
                               _tile_record(LEVEL, tile, filter_len, reach)) > SHARED_BUDGET:
        # halve the larger side first (y on a tie: x keeps the coalesced rows long)
        k = 0 if tile[0] >= tile[1] else 1
        if tile[k] <= smallest:
            k = 1 - k
            if tile[k] <= smallest:
                return None
        tile[k] = max(smallest, (tile[k] // 2 + smallest - 1) // smallest * smallest)
    full = ANALYSIS_TILE if op == ANALYSIS else SYNTHESIS_TILE
    shrunk = any(t < min(f, n) for t, f, n in zip(tile, full, out_len))
    if shrunk and read_amplification(op, mode, tile, filter_len) > MAX_READ_AMPLIFICATION:
        return None
    return _tile_for_waves(op, mode, out_len, filter_len, dtype, images, tile, smallest, by_value)


def _tile_for_waves(op, mode, out_len, filter_len, dtype, images, tile, smallest, by_value):
    """`tile`, or where the launch is big enough to matter (WAVE_BYTES) and
    has fewer blocks than two waves of the GPU at the kernel's resident
    blocks (_resident_blocks), the tile no smaller than WAVE_SMALLEST_TILE
    per axis, re-reading at most WAVE_READ_AMPLIFICATION, that reaches two
    waves with the least halo; where none does, the one with the most blocks."""
    itemsize = np.dtype(dtype).itemsize
    moved = 2 * images * int(np.prod(out_len)) * itemsize * (4 if op == ANALYSIS else 1)
    if moved < WAVE_BYTES:
        return tuple(tile)
    wanted = _two_waves(op, mode, by_value, itemsize)

    def blocks(t):
        return images * int(np.prod([-(-n // s) for n, s in zip(out_len, t)]))

    if blocks(tile) >= wanted:
        return tuple(tile)
    # in steps of WAVE_SMALLEST_TILE (x: whole 32-byte sectors per row and
    # windows that keep 16-byte loads; y: an image's last tile no shorter
    # than the adjoint's fold reach where it can be, which keeps its ring of
    # edge tiles one tile wide)
    steps = [max(smallest, least) for least in WAVE_SMALLEST_TILE]
    sizes = [[t for t in range(tile[k], max(WAVE_SMALLEST_TILE[k], smallest) - 1, -1)
              if t % steps[k] == 0 or t == tile[k]] for k in range(2)]

    def halo(t):
        return read_amplification(op, mode, t, filter_len)

    candidates = [(ty, tx) for ty in sizes[0] for tx in sizes[1]
                  if (ty, tx) == tuple(tile) or halo((ty, tx)) <= WAVE_READ_AMPLIFICATION]
    return _cheapest_for_waves(candidates, blocks, halo, wanted)


def _two_waves(op: int, mode: int, by_value: bool, itemsize: int) -> int:
    """Blocks in two waves of an H100 at a fused 2D kernel's resident blocks."""
    return 2 * _kernel_resources.H100.sms * _resident_blocks(op, mode, by_value, itemsize)


def _cheapest_for_waves(sizes, blocks, cost, wanted):
    """Of the (y, x) sizes, the one of least cost(size) among those that make
    at least `wanted` blocks(size); where none does, the one that makes the
    most (ties: the wider, then the taller)."""
    best = None  # (reaches wanted, -cost or blocks, x, y)
    for y, x in sizes:
        n = blocks((y, x))
        key = (n >= wanted, -cost((y, x)) if n >= wanted else n, x, y)
        best = max(best or key, key)
    return best[3], best[2]


def _resident_blocks(op: int, mode: int, by_value: bool, itemsize: int) -> int:
    """Blocks of a fused 2D kernel resident per SM of an H100: as many as the
    registers its launch bound (Dwt2MinBlocks) leaves it allow."""
    bound = LEVEL.host.min_blocks(op, mode, by_value, itemsize)
    gpu = _kernel_resources.H100
    registers = min(gpu.registers_per_sm // (LEVEL.host.block_threads * bound) // 8 * 8,
                    gpu.max_registers_per_thread)
    r = _kernel_resources.Resources("", registers, 0, 0, 0, 0)
    return _kernel_resources.occupancy(r, 0, LEVEL.host.block_threads, gpu).blocks_per_sm


# --- planning -----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Plan:
    kernel_op: int
    mode: int
    yx: tuple           # (y axis, x axis) of the caller's arrays
    image_shape: tuple
    coeff_shape: tuple
    signal_len: tuple   # along (y, x)
    coeff_len: tuple
    banks: tuple        # FilterBank along (y, x), already transposed for adjoints
    tile: tuple
    dtype: np.dtype


@functools.lru_cache(maxsize=None)
def transposed_bank(bank):
    """The bank whose analysis filters are `bank`'s synthesis filters reversed
    and vice versa: analysis with it is the transpose of `bank`'s synthesis
    (in zero / periodization mode), and the other way round."""
    return _wavelets.FilterBank(dec_lo=bank.rec_lo[::-1], dec_hi=bank.rec_hi[::-1],
                                rec_lo=bank.dec_lo[::-1], rec_hi=bank.dec_hi[::-1],
                                name=f"transposed {bank.name}")


def _yx(axes, strides):
    """(y, x): x is the axis with the smaller stride, walked by consecutive threads."""
    a0, a1 = axes
    return (a1, a0) if abs(strides[a0]) < abs(strides[a1]) else (a0, a1)


def _plan(op: str, operand, axes, banks, modes, data_shape=None):
    """A _Plan, or a string saying why the fused path cannot run."""
    if op not in OPS:
        raise ValueError(f"unknown fused operation {op!r}; one of {OPS}")
    arrays = list(operand.values()) if isinstance(operand, dict) else [operand]
    arrays = [a for a in arrays if a is not None]
    if not arrays:
        return "no coefficients given"
    if isinstance(operand, dict) and not set(operand) <= set(KEYS):
        return f"subband keys must be among {KEYS}"
    ref = arrays[0]
    if any(tuple(a.shape) != tuple(ref.shape) or a.dtype != ref.dtype for a in arrays):
        return "subbands differ in shape or dtype"
    if len({is_cupy(a) for a in arrays}) > 1:
        return "NumPy and CuPy arrays are mixed"
    return _plan_for(op, np.dtype(ref.dtype), tuple(ref.shape), tuple(ref.strides), tuple(axes),
                     tuple(banks), tuple(int(m) for m in modes),
                     None if data_shape is None else tuple(data_shape))


@functools.lru_cache(maxsize=1024)
def _plan_for(op, dtype, shape, strides, axes, banks, modes, data_shape):
    """_plan from the operand's metadata alone (memoized)."""
    if len(axes) != 2 or axes[0] == axes[1]:
        return "the fused kernels transform exactly two distinct axes"
    if len(banks) != 2 or len(modes) != 2:
        return "one filter bank and one mode per axis are expected"
    if modes[0] != modes[1]:
        return "the two axes use different modes"
    mode = modes[0]
    if dtype not in SUPPORTED_DTYPES:
        return f"dtype {dtype} is not float32/64 or complex64/128"
    ndim = len(shape)
    if not all(0 <= a < ndim for a in axes):
        return "axes must be normalized"
    reason = _launch.batch_reason(shape, axes, dtype)
    if reason:
        return reason
    yx = _yx(axes, strides)
    order = [axes.index(a) for a in yx]  # positions of y, x in the caller's axes
    F = tuple(banks[k].length for k in order)
    if any(f % 2 for f in F):  # (pywt's filter banks have even lengths; learned ones may not)
        return "the fused kernels take filters of even length (their taps in pairs)"
    if op == "dwt2_adjoint" and data_shape is None:
        return "dwt2's adjoint needs data_shape"
    if op in ("dwt2", "idwt2_adjoint", "dwt2_adjoint"):
        image_shape = data_shape if op == "dwt2_adjoint" else shape
        if op == "dwt2_adjoint" and (len(image_shape) != ndim or any(
                image_shape[d] != shape[d] for d in range(ndim) if d not in axes)):
            return "data_shape does not match the coefficients' batch dimensions"
        N = tuple(image_shape[a] for a in yx)
        if op == "idwt2_adjoint":
            if any(n < 2 or n % 2 for n in N):
                return "an idwt2 output has even, positive lengths"
            n = tuple(coeff_len_of_rec(L, f, mode) for L, f in zip(N, F))
        else:
            if any(v < 1 for v in N) or (mode in _wavelets._NEEDS_TWO_SAMPLES and min(N) < 2):
                return "signal too short for this mode (the separable path raises pywt's error)"
            n = tuple(coeff_len(v, f, mode) for v, f in zip(N, F))
        if op == "dwt2_adjoint":
            if any(shape[a] != v for a, v in zip(yx, n)):
                return "coefficient shape does not match data_shape"
    else:  # idwt2
        n = tuple(shape[a] for a in yx)
        N = tuple(rec_len(v, f, mode) for v, f in zip(n, F))
        if min(n) < 1 or min(N) < 1:
            return "coefficients too short to reconstruct (the separable path raises pywt's error)"
        image_shape = tuple(N[yx.index(d)] if d in yx else shape[d] for d in range(ndim))
    kernel_op = {"dwt2": ANALYSIS, "idwt2_adjoint": ANALYSIS, "idwt2": SYNTHESIS,
                 "dwt2_adjoint": ANALYSIS_ADJOINT}[op]
    yx_banks = tuple(banks[k] for k in order)
    if op == "idwt2_adjoint":
        yx_banks = tuple(transposed_bank(b) for b in yx_banks)
        mode = ZERO if mode != PERIODIZATION else PERIODIZATION
    out_len = n if kernel_op == ANALYSIS else N
    images = int(np.prod([image_shape[d] for d in range(ndim) if d not in yx]))
    tile = _choose_tile(kernel_op, mode, out_len, F, real_dtype(dtype),
                        images * (2 if dtype.kind == "c" else 1),
                        _launch.by_value_filters(LEVEL, yx_banks))
    if tile is None:
        return (f"filters of length {F} need tiles too small for {SHARED_BUDGET} bytes of shared "
                f"memory (or re-read over {MAX_READ_AMPLIFICATION}x their halo)")
    if np.prod([-(-v // t) for v, t in zip(out_len, tile)], dtype=np.float64) >= 2**31:
        return "over 2^31 tiles in one image (the kernels count an image's tiles in 32 bits)"
    coeff_shape = tuple(n[yx.index(d)] if d in yx else image_shape[d] for d in range(ndim))
    return _Plan(kernel_op, mode, yx, image_shape, coeff_shape, N, n, yx_banks, tile, dtype)


def why_not(op: str, operand, axes, banks, modes, data_shape=None):
    """None where the fused path can run `op` on `operand` (the array, or the
    dict of subbands, the level function would get), else the reason."""
    plan = _plan(op, operand, list(axes), list(banks), list(modes), data_shape)
    return plan if isinstance(plan, str) else None


def supports(op: str, operand, axes, banks, modes, data_shape=None) -> bool:
    return why_not(op, operand, axes, banks, modes, data_shape) is None


def _plan_or_raise(*args):
    plan = _plan(*args)
    if isinstance(plan, str):
        raise ValueError(f"the fused 2D kernels cannot run this: {plan}")
    return plan


# --- geometry and launch ----------------------------------------------------

def _band_key(plan: _Plan, axes, k: int) -> str:
    """pywt key (letters in axes order) of kernel band k = 2 * y_band + x_band."""
    letter = {plan.yx[0]: SUBBAND_LETTERS[k // 2], plan.yx[1]: SUBBAND_LETTERS[k % 2]}
    return letter[axes[0]] + letter[axes[1]]


def _launch_level(plan: _Plan, image, bands, emulation: Emulation, only_ring=None):
    """A level's launches (_level_launches); only_ring: just the analysis
    adjoint's ring of that many tiles along y, x at the grid's edges."""
    operands = [image] + list(bands)
    byte_strides = tuple(None if a is None else tuple(a.strides) for a in operands)
    filters = _launch.filter_record(LEVEL, plan.banks, plan.kernel_op == SYNTHESIS, plan.dtype,
                                    array_module(*operands))
    split = SPLIT_MIN_INTERIOR if SPLIT_EDGE_TILES else None
    for mode, g, tiles in _level_launches(plan, byte_strides, split, only_ring):
        _launch.launch(LEVEL, plan.kernel_op, mode, plan.dtype, g, tiles, operands, filters,
                       emulation)


@functools.lru_cache(maxsize=1024)
def _level_launches(plan: _Plan, byte_strides, min_interior, only_ring=None):
    """The launches of a level: (mode, FusedGeometry, tiles) each. One over
    the whole tile grid, or, where min_interior is not None and _edge_ring
    finds a ring, the interior in zero mode then the ring of edge tiles in
    the plan's mode; with only_ring, that ring's launch alone."""
    g = _level_geometry(plan, byte_strides)
    batch = int(g["batch_total"])
    Ty, Tx = (int(t) for t in g["tiles"])
    ring = only_ring or (None if min_interior is None else _edge_ring(plan, g, min_interior))
    if ring is None:
        return ((plan.mode, g, batch * Ty * Tx),)
    span = (Ty - 2 * ring[0], Tx - 2 * ring[1])
    inner, edge = g.copy(), g.copy()
    inner["tile0"], inner["span"], inner["fold_reach"] = ring, span, [1, 0, 1, 0]
    edge["ring"] = ring
    for r in (inner, edge):
        r.flags.writeable = False
    launches = ((ZERO, inner, batch * span[0] * span[1]),
                (plan.mode, edge, batch * (Ty * Tx - span[0] * span[1])))
    return launches[1:] if only_ring else launches


def _edge_ring(plan: _Plan, g, min_interior: float):
    """(tiles along y, along x) at each edge of the grid that take in the
    boundary extension's folds, or None where less than min_interior of the
    tiles would be left inside (or none is needed: zero mode folds
    nothing; periodization's interior is not zero mode's)."""
    if plan.kernel_op != ANALYSIS_ADJOINT or plan.mode in (ZERO, PERIODIZATION):
        return None
    ring = []
    for axis in range(2):
        reach = [int(v) for v in g["fold_reach"][axis]]  # samples the folds reach: two ranges
        tile, tiles = int(plan.tile[axis]), int(g["tiles"][axis])
        # (periodic mode's left halo folds onto the far end: any tile may be reached)
        reached = [k for lo, hi in (reach[:2], reach[2:]) if lo <= hi
                   for k in range(lo // tile, hi // tile + 1)]
        width = max((min(k + 1, tiles - k) for k in reached), default=0)
        if tiles - 2 * width < 1:
            return None
        ring.append(width)
    interior = np.prod([int(t) - 2 * w for t, w in zip(g["tiles"], ring)])
    if interior < min_interior * np.prod([int(t) for t in g["tiles"]]):
        return None
    return tuple(ring) if any(ring) else None


@contextlib.contextmanager
def split_edge_tiles(on: bool = True):
    """SPLIT_EDGE_TILES set to `on` inside the block (recorded plans
    dropped on the way in and out, since they hold their launches)."""
    global SPLIT_EDGE_TILES
    from . import _program
    before, SPLIT_EDGE_TILES = SPLIT_EDGE_TILES, on
    _program.clear_cache()
    try:
        yield
    finally:
        SPLIT_EDGE_TILES = before
        _program.clear_cache()


@functools.lru_cache(maxsize=1024)
def _level_geometry(plan: _Plan, byte_strides):
    """FusedGeometry for the operands' byte strides (None: an absent subband);
    memoized, read-only."""
    g = _launch.geometry(LEVEL, plan.image_shape, plan.yx, byte_strides, plan.dtype)
    g["signal_len"], g["coeff_len"] = plan.signal_len, plan.coeff_len
    filter_len = [b.length for b in plan.banks]
    g["filter_len"], g["tile"] = filter_len, plan.tile
    out_len = plan.coeff_len if plan.kernel_op == ANALYSIS else plan.signal_len
    g["tiles"] = g["span"] = [-(-n // t) for n, t in zip(out_len, plan.tile)]  # all of them
    g["fold_reach"] = [1, 0, 1, 0]  # (empty ranges) read by the analysis adjoint only
    if plan.kernel_op == ANALYSIS_ADJOINT:
        g["fold_reach"] = _fold_reach(plan.mode, plan.signal_len, plan.coeff_len, filter_len)
    g.flags.writeable = False
    return g


def _split(op, image, axes, banks, modes, out, emulation):
    plan = _plan_or_raise(op, image, list(axes), list(banks), list(modes))
    xp = array_module(image)
    out = dict(out or {})
    bands = [output(xp, out.get(_band_key(plan, axes, k)), plan.coeff_shape, plan.dtype,
                    f"out[{_band_key(plan, axes, k)!r}]") for k in range(4)]
    _launch_level(plan, image, bands, emulation)
    return {_band_key(plan, axes, k): bands[k] for k in range(4)}


def _merge(op, coeffs, axes, banks, modes, data_shape, out, emulation):
    plan = _plan_or_raise(op, coeffs, list(axes), list(banks), list(modes), data_shape)
    xp = array_module(*coeffs.values())
    bands = [coeffs.get(_band_key(plan, axes, k)) for k in range(4)]
    image = output(xp, out, plan.image_shape, plan.dtype, "output")
    _launch_level(plan, image, bands, emulation)
    return image


# --- the level operations -----------------------------------------------------

def dwt2_level(x, axes, banks, modes, out=None, *, emulation=DEFAULT_EMULATION) -> dict:
    """One dwt2/dwtn level over two axes: {key: subband}. out: optional dict of
    preallocated subbands (any strides) to write into."""
    return _split("dwt2", x, axes, banks, modes, out, emulation)


def idwt2_level(coeffs: dict, axes, banks, modes, out=None, *, emulation=DEFAULT_EMULATION):
    """One idwt2/idwtn level over two axes; missing or None subbands are zeros.
    All subbands must share one shape (trim the approximation first)."""
    return _merge("idwt2", coeffs, axes, banks, modes, None, out, emulation)


def idwt2_adjoint_level(y, axes, banks, modes, out=None, *, emulation=DEFAULT_EMULATION) -> dict:
    """Transpose of idwt2_level: cotangent of the image -> cotangents of the subbands."""
    return _split("idwt2_adjoint", y, axes, banks, modes, out, emulation)


def dwt2_adjoint_level(coeffs: dict, axes, banks, modes, data_shape, out=None, *,
                       emulation=DEFAULT_EMULATION):
    """Transpose of dwt2_level for an image of data_shape; missing or None
    subbands are zero cotangents."""
    return _merge("dwt2_adjoint", coeffs, axes, banks, modes, data_shape, out, emulation)


# --- two levels of wavedec2 per launch (kernels/dwt2_two_levels.cuh) ---------------

# A block walks a strip of TWO_LEVEL_STRIP level-2 columns down a segment of
# at most TWO_LEVEL_SEGMENT level-2 rows, TWO_LEVEL_STEP rows (at least) per
# pass (kernels/dwt2_two_levels.cuh): only the strip's x halo is filtered
# twice, and each segment's first passes (about 3 F / 4 level-2 rows).
TWO_LEVEL_STRIP = 32
TWO_LEVEL_SEGMENT = 64
TWO_LEVEL_STEP = 4
# Two levels per launch save writing and reading back the level-1
# approximation (a third more DRAM traffic over a whole wavedec2) at the cost
# of filtering some level-1 halo again. On an H100 the square-tile two-level
# kernel this replaced (W6, db5) moved 5.5% of the DRAM bandwidth, bound by
# on-chip work, with 1.9x the minimum multiply-adds (the traffic it saved
# was not what limited it); the strips do about 1.2x. wavedec2 takes two
# levels per launch where a block's modelled multiply-adds are at most
# TWO_LEVEL_MAX_WORK times the minimum (two_level_work).
# benchmarks/bench_fused_gpu.py times both ways.
TWO_LEVEL_MAX_WORK = 1.3
# The kernel's rows and columns are ints relative to a block's corner.
TWO_LEVEL_MAX_LEN = 1 << 30


@dataclasses.dataclass(frozen=True)
class _TwoLevelPlan:
    level1: _Plan       # the first level's plan (axes, lengths, banks, mode)
    len2: tuple         # level-2 lengths along (y, x)
    tile: tuple         # level-2 rows per segment, columns per strip
    step: int           # level-2 rows per pass


def _two_level_plan(x, axes, banks, modes):
    """A _TwoLevelPlan, or a string saying why two levels cannot run in one launch."""
    level1 = _plan("dwt2", x, list(axes), list(banks), list(modes))
    if isinstance(level1, str):
        return level1
    return _two_level_plan_for(level1)


def _two_level_shared_bytes(family, mode, dtype, tile, filter_len, step) -> int:
    """Shared memory of a block of either two-level family (the analysis,
    op 0; the synthesis, op 1)."""
    record = _tile_record(family, tile, filter_len)
    record["step"] = step
    return _launch.shared_bytes(family, 0 if family is TWO_LEVELS else 1, mode, dtype, record)


def _two_level_wave_search(level1: _Plan, region, tiled, op: int, mode: int, tile):
    """(blocks(tile), blocks wanted) where a two-level launch over `region`
    (lengths along y, x) of each image, tiles dividing `tiled`, should look for
    smaller tiles than `tile`: it moves WAVE_BYTES or more (a small launch
    costs its latency whatever it does) in fewer blocks than two waves of an
    H100 at the kernel's resident blocks (OP -1 / -2 of Dwt2MinBlocks); else
    None. A complex image is two real ones to the kernels."""
    itemsize = real_dtype(level1.dtype).itemsize
    images = (int(np.prod([n for d, n in enumerate(level1.image_shape) if d not in level1.yx]))
              * (2 if np.dtype(level1.dtype).kind == "c" else 1))
    if 2 * images * int(np.prod(region)) * itemsize < WAVE_BYTES:
        return None
    wanted = _two_waves(op, mode, True, itemsize)

    def blocks(t):
        return images * -(-tiled[0] // t[0]) * -(-tiled[1] // t[1])

    return None if blocks(tile) >= wanted else (blocks, wanted)


def _equal_runs(n: int, run: int, multiple: int = 1) -> int:
    """The run length (a multiple of `multiple`) that covers n in as many runs
    of at most `run` as runs of `run` would, as evenly as it can."""
    runs = -(-n // run)
    return -(-(-(-n // runs)) // multiple) * multiple


@functools.lru_cache(maxsize=1024)
def _two_level_plan_for(level1: _Plan):
    mode, F, n1 = level1.mode, tuple(b.length for b in level1.banks), level1.coeff_len
    if mode in _wavelets._NEEDS_TWO_SAMPLES and min(n1) < 2:
        return "the level-1 approximation is too short for this mode (per-level path)"
    if max(level1.signal_len) >= TWO_LEVEL_MAX_LEN:
        return f"an axis of {TWO_LEVEL_MAX_LEN} samples or more (per-level path)"
    n2 = tuple(coeff_len(n, f, mode) for n, f in zip(n1, F))
    # A pass's rings must not overlap the rows they carry over: 2 step >= F - 2.
    # Of the steps from there to three times that (and one pass for the whole
    # image where it fits), those whose passes' windows hold the targets of their
    # extension (the image's last pass is shorter), the one that does the
    # least work (short images: least rounding of their rows to whole passes).
    least = max(TWO_LEVEL_STEP, (F[0] - 1) // 2)
    plans, refusals = [], []
    for step in sorted({*range(least, 3 * least + 1), max(least, n2[0])}):
        plan = _two_level_plan_with_step(level1, n2, step)
        if isinstance(plan, tuple):
            refusals.append(plan)
        else:
            plans.append((two_level_work(plan.tile, F, step), step, plan))
    if not plans:  # the refusal of the step that got furthest
        return max(refusals)[1]
    return min(plans, key=lambda p: p[:2])[2]


def _two_level_plan_with_step(level1: _Plan, n2, step: int):
    """A _TwoLevelPlan with passes of `step` level-2 rows, or (how far the
    planning got, why it refuses)."""
    mode, F, n1 = level1.mode, tuple(b.length for b in level1.banks), level1.coeff_len
    if not TWO_LEVELS.host.two_level_holds(mode, n1[0], n2[0], step, F[0]):
        return (0, "the level-1 extension reads outside a pass's window (periodic modes on "
                   "images taller than one pass, or passes too short for the filter): "
                   "per-level path")
    widest = min(TWO_LEVEL_STRIP, n2[1])
    while _two_level_shared_bytes(TWO_LEVELS, mode, level1.dtype, (step, widest), F,
                                  step) > SHARED_BUDGET:
        if widest <= 1:
            return (1, f"filters of length {F} leave no two-level strip in {SHARED_BUDGET} bytes")
        widest = max(1, widest // 2)
    # Equal strips, or else the widest whose last strip's window holds the
    # targets of its extension (a short last strip may miss them).
    strip = next((st for st in (_equal_runs(n2[1], widest), *range(widest, 0, -1))
                  if TWO_LEVELS.host.two_level_holds(mode, n1[1], n2[1], st, F[1])), None)
    if strip is None:
        return (2, "the level-1 extension reads outside a strip's window (periodic modes on "
                   "images wider than one strip, or strips too narrow for the filter): "
                   "per-level path")
    segment = _equal_runs(n2[0], min(max(TWO_LEVEL_SEGMENT, step), -(-n2[0] // step) * step), step)
    if (two_level_read_amplification((segment, strip), F, step) > MAX_READ_AMPLIFICATION
            and strip < n2[1]):
        return (3, f"two-level strips of {strip} re-read over {MAX_READ_AMPLIFICATION}x their "
                   "input (long filters): per-level launches")
    segment, strip = _two_level_blocks_for_waves(level1, n2, F, step, segment, strip)
    return _TwoLevelPlan(level1, tuple(n2), (segment, strip), step)


def _two_level_blocks_for_waves(level1: _Plan, n2, F, step, segment, strip):
    """(segment, strip), or where the launch is big enough to matter
    (WAVE_BYTES) and has fewer blocks than two waves of an H100 at the
    kernel's resident blocks, the shorter segments (whole passes) and
    narrower strips (down to WAVE_SMALLEST_TILE's x) that reach two waves with
    the least work; where none does, the one with the most blocks."""
    search = _two_level_wave_search(level1, level1.signal_len, n2, -1, level1.mode,
                                    (segment, strip))
    if search is None:
        return segment, strip
    blocks, wanted = search
    holds = functools.partial(TWO_LEVELS.host.two_level_holds, level1.mode, level1.coeff_len[1],
                              n2[1])
    strips = [st for st in range(strip, min(strip, WAVE_SMALLEST_TILE[1]) - 1, -1)
              if st == strip or (st % WAVE_SMALLEST_TILE[1] == 0 and holds(st, F[1]))]
    candidates = [(sg, st) for sg in range(segment, step - 1, -step) for st in strips]
    return _cheapest_for_waves(candidates, blocks, lambda t: two_level_work(t, F, step), wanted)


def _two_level_passes(segment: int, filter_len: int, step: int) -> int:
    """Passes of a block down a segment (the first ones only fill its rings)."""
    return TWO_LEVELS.host.two_level_warm_passes(step, filter_len) + -(-segment // step)


def two_level_read_amplification(tile, filter_len, step) -> float:
    """Input samples a block loads into shared memory per sample it owns (four
    per level-2 coefficient): its strip's x halo, its segment's first rows."""
    (segment, strip), (fy, fx) = tile, filter_len
    rows = 3 * (fy - 2) + 4 * step * -(-segment // step)
    cols = TWO_LEVELS.host.tile_window(TWO_LEVELS.name, 0, 0, strip, fx)
    return rows * cols / (16 * segment * strip)


def why_not_two_levels(x, axes, banks, modes):
    """None where dwt2_two_levels can run, else the reason."""
    plan = _two_level_plan(x, axes, banks, modes)
    return plan if isinstance(plan, str) else None


def two_level_work(tile, filter_len, step) -> float:
    """Multiply-adds of an interior two-level block (tile: level-2 rows per
    segment, columns per strip; step: rows per pass) over the minimum for the
    coefficients it owns (20 (Fy + Fx) per level-2 position: cuwavelet._launch's
    minimum work of two analyses), from the kernel's phases: per pass that
    writes, level 1 along x over the new input rows, along y (four subbands),
    level 2 along x, along y; before them, the rows of the segment's halo
    (3 (Fy - 2) input rows, Fy - 2 A1 rows)."""
    (segment, strip), (fy, fx) = tile, filter_len
    c1, keep = 2 * strip + fx - 2, fy - 2
    per_pass = (4 * step * c1 * 2 * fx + 2 * step * c1 * 4 * fy + 2 * step * strip * 2 * fx
                + step * strip * 4 * fy)
    halo = 3 * keep * c1 * 2 * fx + keep * c1 * 4 * fy + keep * strip * 2 * fx
    work = halo + -(-segment // step) * per_pass
    return work / (20 * (fy + fx) * segment * strip)


def why_not_two_levels_pay(x, axes, banks, modes):
    """None where wavedec2 runs levels in pairs (dwt2_two_levels runs and its
    extra work is at most TWO_LEVEL_MAX_WORK), else the reason."""
    return _work_reason(_two_level_plan(x, axes, banks, modes),
                        lambda p, F: two_level_work(p.tile, F, p.step),
                        "filter (the level-1 halo of long filters)", TWO_LEVEL_MAX_WORK)


def _work_reason(plan, work_model, doing: str, limit: float):
    """A two-level plan's refusal, or why its blocks' extra work
    (work_model(plan, filter lengths)) is over the limit, or None."""
    if isinstance(plan, str):
        return plan
    work = work_model(plan, [b.length for b in plan.level1.banks])
    if work > limit:
        return (f"two-level tiles would {doing} {work:.2f}x the minimum multiply-adds, over "
                f"{limit}x: one level per launch")
    return None


@functools.lru_cache(maxsize=1024)
def _two_level_geometry(family, plan, byte_strides):
    """TwoLevelGeometry of a plan of either two-level family: tiles of level-2
    coefficients (the analysis) or of image samples (the synthesis)."""
    p = plan.level1
    g = _launch.geometry(family, p.image_shape, p.yx, byte_strides, p.dtype)
    g["signal_len"], g["len1"], g["len2"] = p.signal_len, p.coeff_len, plan.len2
    g["filter_len"] = [b.length for b in p.banks]
    g["tile"] = plan.tile
    g["step"] = plan.step
    origin = getattr(plan, "origin", (0, 0))
    g["origin"] = origin
    tiled = plan.len2 if family is TWO_LEVELS else [n - o for n, o in zip(p.signal_len, origin)]
    g["tiles"] = [-(-n // t) for n, t in zip(tiled, plan.tile)]
    g.flags.writeable = False
    return g


def dwt2_two_levels(x, axes, banks, modes, *, emulation=DEFAULT_EMULATION):
    """Levels 1 and 2 of a wavedec2 / wavedecn over two axes in one launch:
    ({level-1 details}, {level-2 subbands}), keys as dwt2_level's (one letter
    per axis in axes order; the level-1 'aa' stays on chip)."""
    plan = _two_level_plan(x, list(axes), list(banks), list(modes))
    if isinstance(plan, str):
        raise ValueError(f"the two-level 2D kernel cannot run this: {plan}")
    p = plan.level1
    xp = array_module(x)
    shape1 = p.coeff_shape
    shape2 = tuple(plan.len2[p.yx.index(d)] if d in p.yx else shape1[d] for d in range(len(shape1)))
    level1 = [empty(xp, shape1, p.dtype) for _ in range(3)]  # kernel bands ad, da, dd
    level2 = [empty(xp, shape2, p.dtype) for _ in range(4)]  # aa, ad, da, dd
    operands = [x] + level1 + level2
    g = _two_level_geometry(TWO_LEVELS, plan, tuple(tuple(a.strides) for a in operands))
    tiles = int(g["batch_total"]) * int(np.prod(g["tiles"]))
    filters = _launch.filter_record(TWO_LEVELS, p.banks, False, p.dtype, xp)
    _launch.launch(TWO_LEVELS, 0, p.mode, p.dtype, g, tiles, operands, filters, emulation)
    keys = [_band_key(p, axes, k) for k in range(4)]
    return dict(zip(keys[1:], level1)), dict(zip(keys, level2))


# --- two levels of waverec2 per launch (kernels/dwt2_two_levels_synthesis.cuh) -----

TWO_LEVEL_SYNTHESIS = _launch.FAMILIES["idwt2_two_levels"]
# A block walks a strip of TWO_LEVEL_SYNTHESIS_STRIP image columns (at most)
# down a segment of about TWO_LEVEL_SYNTHESIS_SEGMENT image rows, 4 step rows
# per pass (kernels/dwt2_two_levels_synthesis.cuh): only the strip's x halo
# is merged twice, and each segment's first rows (about F / 2 per level).
TWO_LEVEL_SYNTHESIS_STRIP = 128
TWO_LEVEL_SYNTHESIS_SEGMENT = 256
# The pair saves writing and reading back the level-1 approximation. On an
# H100 (ncu, W6: 32 x 1000 x 1000, db5) the square-tile pair the strips
# replaced, whose tiles merged a level-2 halo again (1.23x the minimum
# multiply-adds), took 745 us for levels 2 and 1, where one launch per level
# took 473 us for level 1 and about a quarter of that for level 2: bound by
# on-chip work like the analysis pair, it lost. With db2 (W3: 1.11x) the pair
# was the faster waverec2 (0.29-0.35 ms against 0.36-0.42 ms over 3 levels).
# The strips do about 1.07x with db5. So waverec2, and the zero-mode adjoint
# of wavedec2 that runs the same kernel, pair levels only up to this much
# extra work; benchmarks/bench_fused_gpu.py times both ways.
TWO_LEVEL_SYNTHESIS_MAX_WORK = 1.15


@dataclasses.dataclass(frozen=True)
class _TwoLevelSynthesisPlan:
    level1: _Plan       # the level-1 idwt2's plan (image and level-1 lengths, axes, banks)
    len2: tuple         # level-2 coefficient lengths along (y, x)
    tile: tuple         # image rows per segment, columns per strip
    step: int           # level-2 rows per pass (4 step image rows)
    origin: tuple = (0, 0)  # the first image row and column written (up to level1.signal_len)


def _two_level_synthesis_plan(level2: dict, level1: dict, axes, banks, modes, image_shape=None):
    """A _TwoLevelSynthesisPlan, or a string saying why levels 2 and 1 of a
    waverec2 cannot run in one launch. image_shape: the image's, where it is
    not the whole reconstruction but one sample shorter along an axis (the
    adjoint of two zero-mode analysis levels)."""
    present2 = [a for a in level2.values() if a is not None]
    present1 = [a for a in level1.values() if a is not None]
    if not present2 or not present1:
        return "a level without coefficients (per-level path)"
    if KEYS[0] in level1:
        return "the level-1 approximation is made on chip"
    level1_plan = _plan("idwt2", level1, list(axes), list(banks), list(modes))
    if isinstance(level1_plan, str):
        return level1_plan
    ref1, ref2 = present1[0], present2[0]
    if any(tuple(a.shape) != tuple(ref2.shape) or a.dtype != ref1.dtype for a in present2):
        return "level-2 subbands differ in shape or dtype"
    if len({is_cupy(a) for a in present1 + present2}) > 1:
        return "NumPy and CuPy arrays are mixed"
    p = level1_plan
    if any(ref2.shape[d] != ref1.shape[d] for d in range(ref1.ndim) if d not in p.yx):
        return "the levels' batch dimensions differ"
    if image_shape is not None:
        image_shape = tuple(image_shape)
        N = tuple(image_shape[a] for a in p.yx) if len(image_shape) == ref1.ndim else ()
        shorter = (0,) if p.mode == PERIODIZATION else (0, 1)
        if (not N or any(image_shape[d] != ref1.shape[d] for d in range(ref1.ndim) if d not in p.yx)
                or any(full - n not in shorter for full, n in zip(p.signal_len, N))):
            return ("the image shape is neither the reconstruction's nor one sample shorter (in "
                    "periodization: not the reconstruction's)")
        p = dataclasses.replace(p, image_shape=image_shape, signal_len=N)
    return _two_level_synthesis_plan_for(p, tuple(ref2.shape[a] for a in p.yx))


def _synthesis_mode(mode: int) -> int:
    """The two-level synthesis kernel's mode: periodization, or zero (pywt's
    idwt pads every other mode with zeros)."""
    return PERIODIZATION if mode == PERIODIZATION else ZERO


@functools.lru_cache(maxsize=1024)
def _two_level_synthesis_plan_for(level1: _Plan, len2, origin=(0, 0)):
    """The plan writing image rows and columns [origin, level1.signal_len)
    (origin: a multiple of 4 along y, even along x)."""
    F, n1 = tuple(b.length for b in level1.banks), level1.coeff_len
    N = tuple(n - o for n, o in zip(level1.signal_len, origin))  # the region written
    mode = _synthesis_mode(level1.mode)
    if mode == PERIODIZATION and any(2 * m != n for m, n in zip(len2, n1)):
        return ("periodization with a level-1 length other than twice level 2's (an odd length "
                "trimmed): the wrapped-around approximation is not the trimmed one (per-level path)")
    if mode == ZERO and any(rec_len(m, f, ZERO) - n not in (0, 1) for m, n, f in zip(len2, n1, F)):
        return "the level-2 reconstruction is not the level-1 details' length (or one longer)"
    if max(level1.signal_len) >= TWO_LEVEL_MAX_LEN:
        return f"an axis of {TWO_LEVEL_MAX_LEN} samples or more (per-level path)"
    # Moving a ring's last rows (the F / 2 a pass shares with the next) to its
    # front must not overlap them: step >= F / 2.
    step = max(TWO_LEVEL_STEP, F[0] // 2)
    widest = min(TWO_LEVEL_SYNTHESIS_STRIP, N[1] + N[1] % 2)
    while _two_level_shared_bytes(TWO_LEVEL_SYNTHESIS, mode, level1.dtype, (4 * step, widest), F,
                                  step) > SHARED_BUDGET:
        if widest <= 2:
            return f"filters of length {F} leave no two-level synthesis strip in {SHARED_BUDGET} bytes"
        widest = max(2, widest // 4 * 2)
    rows = 4 * step
    strip = _equal_runs(N[1], widest, 2)
    segment = _equal_runs(N[0], min(max(rows, TWO_LEVEL_SYNTHESIS_SEGMENT // rows * rows),
                                    -(-N[0] // rows) * rows), rows)
    segment, strip = _two_level_synthesis_blocks_for_waves(level1, mode, F, step, N, segment,
                                                           strip)
    return _TwoLevelSynthesisPlan(level1, tuple(len2), (segment, strip), step, tuple(origin))


def _two_level_synthesis_blocks_for_waves(level1: _Plan, mode, F, step, N, segment, strip):
    """(segment, strip), or where the launch is big enough to matter
    (WAVE_BYTES) and has fewer blocks than two waves of an H100 (N: the
    lengths of the region it writes), the shorter
    segments (whole passes) and narrower strips (even, down to a quarter of
    the widest) that reach two waves with the least work; where none does, the
    one with the most blocks (whose work may then refuse the pair: one level
    per launch plans its own waves)."""
    search = _two_level_wave_search(level1, N, N, -2, mode, (segment, strip))
    if search is None:
        return segment, strip
    blocks, wanted = search
    rows = 4 * step
    candidates = [(sg, st) for sg in range(segment, rows - 1, -rows)
                  for st in range(strip, max(2, strip // 4) - 1, -2)]
    return _cheapest_for_waves(candidates, blocks,
                               lambda t: two_level_synthesis_work(t, F, step, mode), wanted)


def two_level_synthesis_work(tile, filter_len, step, mode=ZERO) -> float:
    """Multiply-adds of an interior two-level synthesis block (tile: image rows
    per segment, columns per strip; step: level-2 rows per pass; mode: the
    kernel's) over the minimum for the samples it owns (cuwavelet._launch's
    minimum work of two merges), from the kernel's phases: per pass, level 2
    along x (step rows over the strip's level-1 window), along y (2 step rows
    of it), level 1 along x (2 step rows), along y (4 step image rows); before
    them, the rows the segment's first passes merge (the warm passes')."""
    (segment, strip), (fy, fx) = tile, filter_len
    s = fx // 2 - 1 if mode == PERIODIZATION else fx - 2  # synthesis_shift
    c1 = (strip - 1 + s) // 2 - (s - fx + 1) // 2 + 2  # window positions (one before, to start even)
    warm1, warm2 = TWO_LEVEL_SYNTHESIS.host.two_level_synthesis_warm_rows(mode, fy)
    per_pass = (step * c1 * 2 * fx + 2 * step * c1 * fy + 2 * step * strip * 2 * fx
                + 4 * step * strip * fy)
    halo = warm2 * c1 * 2 * fx + warm1 * (c1 * fy + strip * 2 * fx)
    work = halo + -(-segment // (4 * step)) * per_pass
    minimum = (segment * strip * (fx + fy)) * 5 / 4
    return work / minimum


def why_not_two_level_synthesis_pays(level2: dict, level1: dict, axes, banks, modes,
                                     image_shape=None):
    """None where waverec2 runs levels 2 and 1 in one launch (it runs and its
    extra work is at most TWO_LEVEL_SYNTHESIS_MAX_WORK), else the reason."""
    return _work_reason(_two_level_synthesis_plan(level2, level1, axes, banks, modes, image_shape),
                        lambda p, F: two_level_synthesis_work(p.tile, F, p.step,
                                                              _synthesis_mode(p.level1.mode)),
                        "merge",
                        TWO_LEVEL_SYNTHESIS_MAX_WORK)


def idwt2_two_levels(level2: dict, level1: dict, axes, banks, modes, image_shape=None, *,
                     emulation=DEFAULT_EMULATION):
    """Levels 2 and 1 of a waverec2 / waverecn over two axes in one launch:
    the image from the level-2 subbands (their approximation as waverec2
    hands it on: one sample longer than the level-1 details at most, then
    trimmed) and the level-1 details, keys as idwt2_level's (missing or None
    subbands are zeros). The level-1 approximation stays on chip. Every mode
    (pywt's idwt pads with zeros in all but periodization; periodization where
    the level-1 length is twice level 2's).
    image_shape: see _two_level_synthesis_plan."""
    plan = _two_level_synthesis_plan(level2, level1, list(axes), list(banks), list(modes),
                                     image_shape)
    if isinstance(plan, str):
        raise ValueError(f"the two-level 2D synthesis cannot run this: {plan}")
    xp = array_module(*[a for d in (level1, level2) for a in d.values() if a is not None])
    image = empty(xp, plan.level1.image_shape, plan.level1.dtype)
    _launch_two_level_synthesis(plan, level2, level1, axes, image, emulation)
    return image


def _launch_two_level_synthesis(plan, level2: dict, level1: dict, axes, image, emulation):
    """The launch of a _TwoLevelSynthesisPlan: its region of `image`."""
    p = plan.level1
    xp = array_module(image)
    keys = [_band_key(p, axes, k) for k in range(4)]
    operands = [image] + [level1.get(k) for k in keys[1:]] + [level2.get(k) for k in keys]
    g = _two_level_geometry(TWO_LEVEL_SYNTHESIS, plan,
                            tuple(None if a is None else tuple(a.strides) for a in operands))
    tiles = int(g["batch_total"]) * int(np.prod(g["tiles"]))
    filters = _launch.filter_record(TWO_LEVEL_SYNTHESIS, p.banks, True, p.dtype, xp)
    _launch.launch(TWO_LEVEL_SYNTHESIS, 1, _synthesis_mode(p.mode), p.dtype, g, tiles, operands,
                   filters, emulation)


# The adjoint of two zero-mode analysis levels is two zero-padded synthesis
# levels with the transposed filters (each cotangent position p of an analysis
# takes the taps j with 2o = p - 1 + j, a synthesis with the reversed analysis
# filters as reconstruction ones), the intermediate approximation cropped to
# its length and the image to the data's: the two-level synthesis kernel. In
# periodization with even lengths, likewise with indices wrapped around.

def _folds(modes) -> bool:
    """Whether the analysis adjoint folds its extension back (every mode but
    zero and periodization, whose adjoints are syntheses)."""
    return any(m not in (ZERO, PERIODIZATION) for m in modes)


def why_not_dwt2_adjoint_two_levels_pays(level2: dict, level1: dict, axes, banks, modes,
                                         data_shape):
    """None where the adjoint of levels 2 and 1 of a wavedec2 (cotangents of
    the level-2 subbands and of the level-1 details -> of the image of
    data_shape) runs with a1's cotangent on chip and pays (zero mode, or
    periodization of even lengths: one launch; the modes that fold: the
    interior in one launch, _FoldedTwoLevelAdjointPlan), else the reason."""
    if _folds(modes):
        plan = _folded_two_level_adjoint_plan(level2, level1, axes, banks, modes, data_shape)
        return plan if isinstance(plan, str) else _work_reason(
            plan.interior, lambda p, F: two_level_synthesis_work(p.tile, F, p.step), "merge",
            TWO_LEVEL_SYNTHESIS_MAX_WORK)
    adjoint_banks = [transposed_bank(b) for b in banks]
    return why_not_two_level_synthesis_pays(level2, level1, axes, adjoint_banks, modes, data_shape)


def dwt2_adjoint_two_levels(level2: dict, level1: dict, axes, banks, modes, data_shape, *,
                            emulation=DEFAULT_EMULATION):
    """Transpose of levels 1 and 2 of a wavedec2 over two axes with the
    level-1 approximation's cotangent on chip: the image's cotangent
    (data_shape) from those of the level-2 subbands and the level-1 details
    (missing or None ones are zeros). Zero mode and periodization of even
    lengths in one launch; the modes that fold in three
    (_FoldedTwoLevelAdjointPlan)."""
    if _folds(modes):
        plan = _folded_two_level_adjoint_plan(level2, level1, axes, banks, modes, data_shape)
        if isinstance(plan, str):
            raise ValueError(f"the two-level 2D adjoint cannot run this: {plan}")
        return _folded_two_level_adjoint(plan, level2, level1, axes, emulation)
    return idwt2_two_levels(level2, level1, axes, [transposed_bank(b) for b in banks], modes,
                            data_shape, emulation=emulation)


# --- the adjoint of two wavedec2 levels whose extension folds ----------------------
#
# In the modes that extend the signal (all but zero and periodization), an
# analysis level's adjoint is zero mode's plus the folds of its halo onto the
# samples near the edges (kernels/dwt2_fused.cuh). So the adjoint of two levels
# equals zero mode's (the two-level synthesis with the transposed filters) at
# every image sample that the level-1 folds do not reach and whose window of
# a1's cotangent the level-2 folds do not reach. Three launches:
#   1. the level-2 adjoint on a ring of tiles at the edges of a1's cotangent:
#      exact there; the rest of it is never written
#   2. the level-1 adjoint on a ring of the image's edge tiles, reading a1's
#      cotangent only inside launch 1's ring
#   3. the two-level synthesis on the image's interior (all the rest)
# Only the rings' share of a1's cotangent leaves the chip.

@dataclasses.dataclass(frozen=True)
class _FoldedTwoLevelAdjointPlan:
    level2: _Plan                     # the level-2 adjoint (-> a1's cotangent)
    level1: _Plan                     # the level-1 adjoint (-> the image's cotangent)
    ring2: tuple                      # its tiles at a1's edges along y, x (None: all of them)
    ring1: tuple                      # its tiles at the image's edges along y, x
    interior: _TwoLevelSynthesisPlan  # the rest of the image, zero mode


def _folded_two_level_adjoint_plan(level2: dict, level1: dict, axes, banks, modes, data_shape):
    """A _FoldedTwoLevelAdjointPlan, or why the adjoint of two levels in a
    mode that folds cannot keep a1's cotangent on chip."""
    present1 = {k: v for k, v in level1.items() if v is not None}
    if not present1 or KEYS[0] in level1:
        return "the level-1 details' cotangents are needed (and no approximation)"
    ref1 = next(iter(present1.values()))
    # (a detail stands in for a1's cotangent, a new array of its shape: the
    # plan reads the layout, and the launches the operands' own strides)
    p1 = _plan("dwt2_adjoint", {**present1, KEYS[0]: ref1}, list(axes), list(banks),
               list(modes), data_shape)
    if isinstance(p1, str):
        return p1
    p2 = _plan("dwt2_adjoint", level2, list(axes), list(banks), list(modes), ref1.shape)
    if isinstance(p2, str):
        return p2
    full = _two_level_synthesis_plan(level2, present1, list(axes),
                                     [transposed_bank(b) for b in banks], list(modes), data_shape)
    if isinstance(full, str):
        return full
    if not p1.yx == p2.yx == full.level1.yx:
        return "the levels' layouts order their axes differently (per-level path)"
    tile1, tile2, ring1, ring2, origin, end = [], [], [], [], [], []
    for a in range(2):
        N, n1, n2, F = p1.signal_len[a], p1.coeff_len[a], p2.coeff_len[a], p1.banks[a].length
        # Image samples the folds reach: those of level 1, and (the analysis
        # coefficient k reads samples [2k - F + 2, 2k + 1]) those whose window
        # of a1 holds a sample the level-2 folds reach.
        r1 = LEVEL.host.fold_reach(p1.mode, N, n1, F)
        r2 = LEVEL.host.fold_reach(p1.mode, n1, n2, F)
        reached = [(lo, hi) for lo, hi in (r1[:2], r1[2:]) if lo <= hi]
        reached += [(2 * lo - F + 2, 2 * hi + 1) for lo, hi in (r2[:2], r2[2:]) if lo <= hi]
        # The rings' tiles: the plans' own, or smaller ones that make a
        # thinner ring.
        T1, w1 = _thinnest_ring(N, p1.tile[a], lambda T, tiles: max(
            [min(k + 1, tiles - k) for lo, hi in reached
             for k in range(max(lo, 0) // T, min(hi, N - 1) // T + 1)], default=0))
        if w1 is None:
            return "the folds reach every tile of the image (per-level path)"
        tiles1 = -(-N // T1)
        # a1's cotangent the ring tiles read: from samples [0, w1 T1) and
        # [(tiles1 - w1) T1, N) (their folds' windows lie inside these)
        top, bottom = (w1 * T1 - 1 + F - 2) // 2, (tiles1 - w1) * T1 // 2
        T2, w2 = _thinnest_ring(n1, p2.tile[a], lambda T, tiles: max(
            -(-(top + 1) // T), tiles - bottom // T) if w1 else 0, allow_all=True)
        tile1.append(T1)
        tile2.append(T2)
        ring1.append(w1)
        ring2.append(w2)
        origin.append(w1 * T1)
        end.append(min((tiles1 - w1) * T1, N))
    p1 = dataclasses.replace(p1, tile=tuple(tile1))
    p2 = dataclasses.replace(p2, tile=tuple(tile2))
    if origin[0] % 4 or origin[1] % 2:
        return "the image's edge tiles end off the two-level passes' grid (per-level path)"
    interior = _two_level_synthesis_plan_for(
        dataclasses.replace(full.level1, signal_len=tuple(end)), full.len2, tuple(origin))
    if isinstance(interior, str):
        return interior
    area = np.prod([e - o for o, e in zip(origin, end)]) / np.prod(p1.signal_len)
    if area < SPLIT_MIN_INTERIOR:
        return (f"the image's interior is {area:.0%} of it, under {SPLIT_MIN_INTERIOR:.0%} "
                "(per-level path)")
    tiles2 = [-(-n // t) for n, t in zip(p2.signal_len, p2.tile)]
    ring2 = None if any(2 * w >= t for w, t in zip(ring2, tiles2)) else tuple(ring2)
    return _FoldedTwoLevelAdjointPlan(p2, p1, ring2, tuple(ring1), interior)


def _thinnest_ring(N: int, tile: int, width, allow_all=False):
    """(tile, ring width in tiles) of least ring samples along an axis of N,
    over tiles from `tile` down to 16 in steps of 4 (multiples of 4 keep the
    interior's passes on their grid and rows 16-byte aligned): width(tile,
    tiles) is the ring's width in tiles. Rings that leave no interior tile
    are refused ((tile, None) where all are) unless allow_all."""
    best = None
    for t in [tile] + list(range(tile - tile % 4 - (4 if tile % 4 == 0 else 0), 15, -4)):
        tiles = -(-N // t)
        w = width(t, tiles)
        if tiles - 2 * w >= 1 or allow_all:
            samples = min(N, w * t + max(0, N - (tiles - w) * t))
            best = min(best or (samples, -t, w), (samples, -t, w))
    return (tile, None) if best is None else (-best[1], best[2])


def _folded_two_level_adjoint(plan: _FoldedTwoLevelAdjointPlan, level2, level1, axes, emulation):
    p1, p2 = plan.level1, plan.level2
    xp = array_module(*[a for d in (level1, level2) for a in d.values() if a is not None])
    a1 = empty(xp, p1.coeff_shape, p1.dtype)  # a1's cotangent: only its ring is written
    image = empty(xp, p1.image_shape, p1.dtype)
    # (a ring of no tiles: no folds reach, and the interior is the whole image)
    if plan.ring2 is None or any(plan.ring2):
        _launch_level(p2, a1, [level2.get(_band_key(p2, axes, k)) for k in range(4)], emulation,
                      plan.ring2)
    if any(plan.ring1):
        bands1 = [a1] + [level1.get(_band_key(p1, axes, k)) for k in range(1, 4)]
        _launch_level(p1, image, bands1, emulation, plan.ring1)
    _launch_two_level_synthesis(plan.interior, level2, level1, axes, image, emulation)
    return image
