"""Fused multi-level 1D waverec and wavedec adjoint: several levels per launch.

Both run from the coarsest level to the finest. Per-level launches write each
intermediate approximation to global memory and read it back (~2x M_min in
all); the fused kernels (kernels/dwt1_coarse_to_fine.cuh) keep the
intermediate approximations on chip, read every coefficient once and write
only the output (~1x M_min):

    waverec_levels(a, details, axis, bank, mode)             -> a_{j0}
        pywt.waverec([a] + details) for details [d_L, ..., d_1] (coarsest
        first) of levels j0+1 .. j0+L, a trimmed where it is one sample
        longer than its level's details (pywt's rule);
    wavedec_adjoint_levels(a_bar, detail_bars, axis, bank, mode, data_len)
        the transpose of L levels of wavedec whose input has data_len samples;
    waverec(...) / wavedec_adjoint(...)
        whole transforms as a few such launches (waverec_steps /
        wavedec_adjoint_steps plan them), with one per-level step
        (level_fallback) wherever no launch fits.

Arguments are those of cuwavelet._multilevel (a normalized axis, a FilterBank,
a mode number); None stands for zero coefficients or cotangents. Where
why_not_* returns a reason, the level functions raise ValueError and the
per-level path must run. A launch is exact wherever its windows fit shared
memory (the rule is at the top of dwt1_coarse_to_fine.cuh); they do not when a
boundary extension folds onto the far end of a long level (the adjoint in
periodic and periodization modes), and periodization's waverec needs every
level untrimmed (n_{j-1} = 2 n_j).

CuPy arrays run the NVRTC-compiled kernels (dwt1_coarse_to_fine_device.cu);
NumPy arrays run the same kernel bodies through the thread-block emulator
(cuwavelet._fused1d_host), which exists to verify the GPU code in CI: route
only CuPy arrays here in production, along the fastest-varying axis
(cuwavelet._fused1d.coalesced).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import operator

import numpy as np

from . import _launch, _program, _wavelets
from ._arrays import array_module
from ._launch import DEFAULT_EMULATION, SHARED_BUDGET
from ._fused1d import MAX_LEVELS, TARGET_BLOCKS, _output, operand_reason
from ._shapes import coeff_len, rec_len

FAMILY = _launch.FAMILIES["coarse_to_fine1d"]
SYNTHESIS, ANALYSIS_ADJOINT = 0, 1  # CoarseToFineOp in dwt1_coarse_to_fine.cuh
ZERO, PERIODIZATION = _wavelets.MODES.index("zero"), _wavelets.PERIODIZATION
MAX_TILE = 8192  # output samples per block at most (two window sets of ~T/2 fit 48 KB in f32)
MIN_TILE = 256   # ... and at least, on long lines (each level's window has an ~F halo)


def kernel_mode(op: int, mode: int) -> int:
    """The mode the kernel is instantiated for: the synthesis depends on the
    mode only through periodization's wrap-around (pywt's idwt pads with zeros
    in every other mode)."""
    if op == SYNTHESIS:
        return PERIODIZATION if mode == PERIODIZATION else ZERO
    return mode


# --- planning -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Plan:
    op: int
    mode: int          # kernel_mode
    axis: int
    out_shape: tuple   # the level-0 output's
    dtype: np.dtype
    bank: object
    lens: tuple        # n_0 .. n_L
    tile: int
    tiles: int
    prepared: bytes    # the geometry's line-independent part, fold_reach and capacities filled

    @property
    def prepared_record(self):
        return np.frombuffer(self.prepared, dtype=FAMILY.geometry_dtype).reshape(())

    @property
    def levels(self) -> int:
        return len(self.lens) - 1

    def level_shape(self, j: int) -> tuple:
        return self.out_shape[:self.axis] + (self.lens[j],) + self.out_shape[self.axis + 1:]


def _prepared(op, mode, F, lens, tile):
    """The geometry with fold_reach and capacities from the kernels' own code:
    (its bytes, the record)."""
    g = np.zeros((), dtype=FAMILY.geometry_dtype)
    g["levels"], g["filter_len"], g["tile"] = len(lens) - 1, F, tile
    g["tiles"] = -(-lens[0] // tile)
    g["len"][:len(lens)] = lens
    raw = FAMILY.host.coarse_to_fine_prepare(op, mode, g.tobytes())
    return raw, np.frombuffer(raw, dtype=FAMILY.geometry_dtype).reshape(())


def _lens_reason(op, mode, F, lens):
    """Why the level lengths n_0 .. n_L are not those of a waverec / wavedec, or None."""
    if min(lens) < 1:
        return "a level is empty (the per-level path raises pywt's error)"
    if op == SYNTHESIS:
        if lens[0] != rec_len(lens[1], F, mode):
            return "the output length is not the idwt length of the finest coefficients"
        for j in range(1, len(lens) - 1):
            grown = rec_len(lens[j + 1], F, mode) - lens[j]
            if grown not in (0, 1):
                return "coefficient shapes do not chain (the per-level path raises pywt's error)"
            if grown and mode == PERIODIZATION:
                return "periodization with a trimmed level (the wrap-around is not on chip)"
        return None
    if any(lens[j + 1] != coeff_len(lens[j], F, mode) for j in range(len(lens) - 1)):
        return "coefficient lengths are not those of a wavedec of data_len samples"
    if mode in _wavelets._NEEDS_TWO_SAMPLES and min(lens[:-1]) < 2:
        return "a level's input is too short for this mode (the per-level path raises pywt's error)"
    return None


@functools.lru_cache(maxsize=1024)
def _plan_for(op, dtype, out_shape, axis, bank, mode, lens, tile):
    """A _Plan, or a string saying why the fused kernels cannot run it (memoized)."""
    if not 1 <= len(lens) - 1 <= MAX_LEVELS:
        return f"levels must be from 1 to {MAX_LEVELS}"
    reason = (operand_reason(dtype, out_shape, axis, bank, mode)
              or _lens_reason(op, mode, bank.length, lens))
    if reason:
        return reason
    F = bank.length
    batch = [d for d in range(len(out_shape)) if d != axis and out_shape[d] != 1]
    kmode = kernel_mode(op, mode)

    def prepare(tile):  # (prepared record's bytes, whether its windows fit shared memory)
        raw, record = _prepared(op, kmode, F, lens, tile)
        return raw, _launch.shared_bytes(FAMILY, op, kmode, dtype, record) <= SHARED_BUDGET

    n0 = lens[0]
    if tile is None:  # as large as fits, but small enough for TARGET_BLOCKS blocks
        lines = math.prod(out_shape[d] for d in batch) * (2 if dtype.kind == "c" else 1)
        wanted = max(1, -(-TARGET_BLOCKS // max(lines, 1)))
        tile = min(n0, MAX_TILE, max(-(-n0 // wanted), MIN_TILE))
        while True:
            prepared, fits = prepare(tile)
            if fits or tile <= MIN_TILE:
                break
            tile = max(MIN_TILE, tile // 2)
    elif isinstance(tile, bool) or not isinstance(tile, int) or tile < 1:
        return "tile must be a positive int"
    else:
        tile = min(tile, n0)
        prepared, fits = prepare(tile)
    if not fits:
        record = np.frombuffer(prepared, dtype=FAMILY.geometry_dtype)[0]
        slots = 2 * int(record["capacity"]) + int(record["stack_capacity"])
        return (f"windows of {slots} coefficients exceed {SHARED_BUDGET} "
                "bytes of shared memory (a boundary extension that folds onto the far end of a "
                "long level?)")
    return _Plan(op, kmode, axis, out_shape, dtype, bank, lens, tile, -(-n0 // tile), prepared)


# --- geometry and launch ----------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def _geometry(plan: _Plan, byte_strides):
    """The prepared geometry completed for the operands' byte strides (output,
    approximation, details 1..L; None for an absent operand); memoized."""
    g = _launch.geometry(FAMILY, plan.out_shape, (plan.axis,), byte_strides, plan.dtype,
                         base=plan.prepared_record)
    g.flags.writeable = False
    return g


def _launch_plan(plan: _Plan, top, details, out, emulation):
    """Run a plan: top = a_L (or its cotangent), details d_1 .. d_L; -> level 0."""
    xp = array_module(*[a for a in [top, *details] if a is not None])
    like = next(a for a in [*details[::-1], top] if a is not None)
    y = _output(xp, like, out, plan.level_shape(0), plan.dtype, "output")
    operands = [y, top] + list(details)
    g = _geometry(plan, tuple(None if o is None else tuple(o.strides) for o in operands))
    filters = _launch.filter_record(FAMILY, [plan.bank], plan.op == SYNTHESIS, plan.dtype, xp)
    _launch.launch(FAMILY, plan.op, plan.mode, plan.dtype, g, int(g["batch_total"]) * plan.tiles,
                   operands, filters, emulation)
    return y


def _plan(op, top, details, axis, bank, mode, lens, tile, like=None):
    """details coarsest first; lens n_0 .. n_L. A _Plan or a reason. like: an
    array of the transform (dtype, other dimensions) for planning a launch
    whose top approximation does not exist yet (top None)."""
    arrays = [a for a in [top, *details, like] if a is not None]
    if not arrays:
        return "no coefficients given"
    ref = arrays[0]
    if any(a.dtype != ref.dtype or a.ndim != ref.ndim for a in arrays):
        return "coefficients differ in dtype or dimensions"
    if len({type(a) for a in arrays}) > 1:
        return "NumPy and CuPy arrays are mixed"
    try:
        axis = operator.index(axis)
        tile = None if tile is None else operator.index(tile)
    except TypeError:
        return "axis and tile must be ints"
    if not 0 <= axis < ref.ndim:
        return "axis must be normalized"
    if len({a.shape[:axis] + a.shape[axis + 1:] for a in arrays}) > 1:
        return "coefficients differ outside the axis"
    L = len(details)
    for j, d in zip(range(L, 0, -1), details):  # details coarsest first: d_L .. d_1
        if d is not None and d.shape[axis] != lens[j]:
            return f"the level-{j} coefficients have length {d.shape[axis]}, not {lens[j]}"
    if top is not None and top.shape[axis] - lens[L] not in ((0, 1) if op == SYNTHESIS else (0,)):
        return f"the approximation has length {top.shape[axis]}, not {lens[L]}"
    out_shape = ref.shape[:axis] + (lens[0],) + ref.shape[axis + 1:]
    try:
        key = (op, np.dtype(ref.dtype), tuple(out_shape), axis, bank, int(mode), tuple(lens), tile)
        hash(key)
    except TypeError:
        return "bank must be a FilterBank and mode a mode number"
    return _plan_for(*key)


# --- waverec -------------------------------------------------------------------------

def waverec_lens(detail_lens, F, mode) -> tuple:
    """n_0 .. n_L of a waverec: the output's length, then the details' (finest first)."""
    fine_first = list(detail_lens)[::-1]
    return (rec_len(fine_first[0], F, mode), *fine_first)


def _waverec_plan(a, details, axis, bank, mode, tile=None):
    present = [d for d in details if d is not None]
    if len(present) != len(details):
        return "a level without details (the per-level path handles None details)"
    if not details:
        return "no levels"
    if not isinstance(bank, _wavelets.FilterBank):
        return "bank must be a FilterBank"
    if not all(isinstance(axis, int) and 0 <= axis < d.ndim for d in details):
        return "axis must be normalized"
    lens = waverec_lens([d.shape[axis] for d in details], bank.length, mode)
    return _plan(SYNTHESIS, a, details, axis, bank, mode, lens, tile)


def why_not_waverec(a, details, axis, bank, mode, *, tile=None):
    """None where waverec_levels can run (exactly), else the reason."""
    plan = _waverec_plan(a, details, axis, bank, mode, tile)
    return plan if isinstance(plan, str) else None


def waverec_levels(a, details, axis, bank, mode, out=None, *, tile=None,
                   emulation=DEFAULT_EMULATION):
    """pywt.waverec([a, *details], axis=axis) in one launch (details coarsest
    first, all present; a may be None: zeros). out: an optional preallocated
    output (any strides)."""
    plan = _waverec_plan(a, details, axis, bank, mode, tile)
    if isinstance(plan, str):
        raise ValueError(f"the fused 1D waverec kernel cannot run this: {plan}")
    return _launch_plan(plan, a, list(details)[::-1], out, emulation)


def _steps(level: int, fits) -> tuple:
    """Levels per launch from the coarsest: the most that fit(done, take)
    allows each time (windows hardly grow with depth), or 0 for one per-level
    step where no launch does."""
    steps, done = [], 0
    while done < level:
        take = next((t for t in range(min(level - done, MAX_LEVELS), 0, -1) if fits(done, t)), 0)
        steps.append(take)
        done += take or 1
    return tuple(steps)


def waverec_steps(a, details, axis, bank, mode) -> tuple:
    """Levels per launch of waverec (0: a per-level step). Planned from the
    arrays' metadata alone: nothing is allocated or launched."""
    like = a if a is not None else next((d for d in details if d is not None), None)

    def fits(done, take):
        chunk = details[done:done + take]
        if any(d is None for d in chunk) or like is None:
            return False
        lens = waverec_lens([d.shape[axis] for d in chunk], bank.length, mode)
        plan = _plan(SYNTHESIS, a if done == 0 else None, chunk, axis, bank, mode, lens, None,
                     like=like)
        return isinstance(plan, _Plan)
    return _steps(len(details), fits)


def waverec(a, details, axis, bank, mode, level_fallback, *, emulation=DEFAULT_EMULATION):
    """A whole waverec (details coarsest first) as waverec_steps' launches;
    level_fallback(a, d) runs one per-level idwt step (trimming a as pywt
    does) where no launch fits."""
    done = 0
    steps = waverec_steps(a, details, axis, bank, mode)
    _program.note(f"waverec along axis {axis}: levels per coarse-to-fine launch {steps} "
                  "(0: a per-level step)")
    for take in steps:
        chunk = details[done:done + (take or 1)]
        if take and why_not_waverec(a, chunk, axis, bank, mode) is None:
            a = waverec_levels(a, chunk, axis, bank, mode, emulation=emulation)
        else:  # (also where the shapes do not chain: the per-level step raises pywt's error)
            for d in chunk:
                a = level_fallback(a, d)
        done += len(chunk)
    return a


# --- wavedec's adjoint -----------------------------------------------------------------

def wavedec_lens(data_len, levels, F, mode) -> tuple:
    """n_0 .. n_L of a wavedec of data_len samples."""
    lens = [int(data_len)]
    for _ in range(levels):
        lens.append(coeff_len(lens[-1], F, mode))
    return tuple(lens)


def _adjoint_plan(a_bar, detail_bars, axis, bank, mode, data_len, tile=None):
    if not isinstance(bank, _wavelets.FilterBank):
        return "bank must be a FilterBank"
    try:
        lens = wavedec_lens(operator.index(data_len), len(detail_bars), bank.length, mode)
    except TypeError:
        return "data_len must be an int"
    return _plan(ANALYSIS_ADJOINT, a_bar, detail_bars, axis, bank, mode, lens, tile)


def why_not_wavedec_adjoint(a_bar, detail_bars, axis, bank, mode, data_len, *, tile=None):
    """None where wavedec_adjoint_levels can run (exactly), else the reason."""
    plan = _adjoint_plan(a_bar, detail_bars, axis, bank, mode, data_len, tile)
    return plan if isinstance(plan, str) else None


def wavedec_adjoint_levels(a_bar, detail_bars, axis, bank, mode, data_len, out=None, *,
                           tile=None, emulation=DEFAULT_EMULATION):
    """Transpose of wavedec levels j0+1 .. j0+L (data_len samples at level j0):
    cotangents (a_bar of cA_L, detail_bars coarsest first; None: zeros) -> the
    cotangent of the level-j0 approximation, in one launch."""
    plan = _adjoint_plan(a_bar, detail_bars, axis, bank, mode, data_len, tile)
    if isinstance(plan, str):
        raise ValueError(f"the fused 1D wavedec adjoint kernel cannot run this: {plan}")
    return _launch_plan(plan, a_bar, list(detail_bars)[::-1], out, emulation)


def wavedec_adjoint_steps(a_bar, detail_bars, axis, bank, mode, level_lens) -> tuple:
    """Levels per launch of wavedec's adjoint (0: a per-level step), for
    approximations of lengths level_lens (n_0 .. n_L); planned from metadata."""
    level = len(detail_bars)
    like = next((v for v in [a_bar, *detail_bars] if v is not None), None)

    def fits(done, take):
        if like is None or not isinstance(bank, _wavelets.FilterBank):
            return False
        lens = wavedec_lens(level_lens[level - done - take], take, bank.length, mode)
        plan = _plan(ANALYSIS_ADJOINT, a_bar if done == 0 else None,
                     detail_bars[done:done + take], axis, bank, mode, lens, None, like=like)
        return isinstance(plan, _Plan)
    return _steps(level, fits)


def wavedec_adjoint(a_bar, detail_bars, axis, bank, mode, level_lens, level_fallback, *,
                    emulation=DEFAULT_EMULATION):
    """The whole adjoint of a wavedec whose approximations have lengths
    level_lens (n_0 .. n_L), as wavedec_adjoint_steps' launches;
    level_fallback(a_bar, d_bar, n) runs one per-level step where none fits."""
    level, done = len(detail_bars), 0
    steps = wavedec_adjoint_steps(a_bar, detail_bars, axis, bank, mode, level_lens)
    _program.note(f"wavedec adjoint along axis {axis}: levels per coarse-to-fine launch {steps} "
                  "(0: a per-level step)")
    for take in steps:
        chunk = detail_bars[done:done + (take or 1)]
        n = level_lens[level - done - len(chunk)]
        if take and why_not_wavedec_adjoint(a_bar, chunk, axis, bank, mode, n) is None:
            a_bar = wavedec_adjoint_levels(a_bar, chunk, axis, bank, mode, n,
                                           emulation=emulation)
        else:
            for j, d_bar in enumerate(chunk):
                a_bar = level_fallback(a_bar, d_bar, level_lens[level - done - j - 1])
        done += len(chunk)
    return a_bar
