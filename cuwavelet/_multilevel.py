"""Multi-level cores shared by the 1D, 2D and nD public functions and their adjoints.

Coefficients are held in the nD form: [cA_n, {key: detail}, ..., {key: detail}],
coarsest level first, with keys of one letter per transformed axis.
"""
from __future__ import annotations

from . import _fused as _fused_kernels
from . import _fused1d
from . import _fused1d_coarse_to_fine as _coarse_to_fine
from ._arrays import array_module, is_cupy, zeros
from ._program import note, planned
from ._primitives import analysis, analysis_adjoint, synthesis, synthesis_adjoint
from ._separable import merge_sweep, split_sweep
from ._shapes import coeff_len, rec_len, with_len
from ._wavelets import MODES, PERIODIZATION

ZERO = MODES.index("zero")


def approx_key(naxes: int) -> str:
    return "a" * naxes


# On CuPy arrays the last two axes of a level run as one fused kernel
# (cuwavelet/_fused.py) wherever _fused.supports allows; any axes before them
# use the separable sweeps. NumPy arrays keep the separable host kernels: the
# fused kernels' CPU build is a thread-block emulator for verification, not
# for speed.

def _fused(op, operand, axes, banks, modes, data_shape=None) -> bool:
    if len(axes) != 2:
        return False
    arrays = operand.values() if isinstance(operand, dict) else [operand]
    if not all(is_cupy(a) for a in arrays):
        return False
    reason = _fused_kernels.why_not(op, operand, axes, banks, modes, data_shape)
    note(f"{op} over axes {tuple(axes)}: " + (f"separable ({reason})" if reason else "fused 2D"))
    return reason is None


def _split(op, x, axes, banks, modes, separable_op, fused_level) -> dict:
    """dwtn-like: separable sweep over all axes but the last two, fused tail."""
    head, tail = slice(None, -2), slice(-2, None)
    if len(axes) < 2 or not _fused(op, x, axes[tail], banks[tail], modes[tail]):
        return split_sweep(x, axes, banks, modes, separable_op)
    if len(axes) == 2:
        return fused_level(x, axes, banks, modes)
    heads = split_sweep(x, axes[head], banks[head], modes[head], separable_op)
    out = {}
    for key, sub in heads.items():
        if _fused(op, sub, axes[tail], banks[tail], modes[tail]):
            subbands = fused_level(sub, axes[tail], banks[tail], modes[tail])
        else:
            subbands = split_sweep(sub, axes[tail], banks[tail], modes[tail], separable_op)
        out.update({key + k: v for k, v in subbands.items()})
    return out


def _merge(op, coeffs, axes, banks, modes, separable_op, lens, fused_level, data_shape=None):
    """idwtn-like: fused merge of the last two axes per key prefix, then the
    separable sweep over the axes before them."""
    head, tail = slice(None, -2), slice(-2, None)
    groups = {}
    for key, v in coeffs.items():
        groups.setdefault(key[:-2], {})[key[-2:]] = v

    def image_shape(group):  # dwt2's adjoint: the shape its fused level writes
        if data_shape is None:
            return None
        shape = next(iter(group.values())).shape
        for ax, n in zip(axes[tail], lens[tail]):
            shape = with_len(shape, ax, n)
        return shape

    if len(axes) < 2 or not all(_fused(op, g, axes[tail], banks[tail], modes[tail], image_shape(g))
                                for g in groups.values()):
        return merge_sweep(coeffs, axes, banks, modes, separable_op, lens)
    merged = {p: fused_level(g, axes[tail], banks[tail], modes[tail],
                             *(() if data_shape is None else (image_shape(g),)))
              for p, g in groups.items()}
    if len(axes) == 2:
        return merged[""]
    return merge_sweep(merged, axes[head], banks[head], modes[head], separable_op, lens[head])


@planned("x")
def dwtn(x, axes, banks, modes) -> dict:
    return _split("dwt2", x, axes, banks, modes, analysis, _fused_kernels.dwt2_level)


@planned(structures=("coeffs",))
def idwtn(coeffs: dict, axes, banks, modes):
    # lengths each merge step makes, last axis first (an axis may repeat)
    shape = next(iter(coeffs.values())).shape
    lens = [0] * len(axes)
    for k in reversed(range(len(axes))):
        lens[k] = rec_len(shape[axes[k]], banks[k].length, modes[k])
        shape = with_len(shape, axes[k], lens[k])
    return _merge("idwt2", coeffs, axes, banks, modes, synthesis, lens,
                  _fused_kernels.idwt2_level)


@planned(structures=("coeffs",))
def dwtn_adjoint(coeffs: dict, axes, banks, modes, data_shape):
    # lengths each forward step read (an axis may repeat)
    lens, shape = [], tuple(data_shape)
    for ax, b, m in zip(axes, banks, modes):
        lens.append(shape[ax])
        shape = with_len(shape, ax, coeff_len(shape[ax], b.length, m))
    return _merge("dwt2_adjoint", coeffs, axes, banks, modes, analysis_adjoint, lens,
                  _fused_kernels.dwt2_adjoint_level, data_shape)


@planned("y")
def idwtn_adjoint(y, axes, banks, modes) -> dict:
    return _split("idwt2_adjoint", y, axes, banks, modes, synthesis_adjoint,
                  _fused_kernels.idwt2_adjoint_level)


@planned("x")
def wavedec(x, axes, banks, modes, level: int) -> list:
    if len(axes) == 1 and level > 1 and is_cupy(x) and _fused1d.coalesced(x, axes[0]):
        # several levels per launch on the GPU (cuwavelet/_fused1d.py decides how many)
        c = _fused1d.wavedec(x, axes[0], banks[0], modes[0], level,
                             level_fallback=lambda a: dwtn(a, axes, banks, modes))
        return [c[0]] + [{"d": d} for d in c[1:]]
    details, a = [], x
    done = 0
    while done < level:
        if level - done >= 2 and len(axes) == 2 and is_cupy(a) and \
                _two_levels(a, axes, banks, modes, done + 1):
            # two levels per launch on the GPU: the level-1 approximation stays on chip
            first, second = _fused_kernels.dwt2_two_levels(a, axes, banks, modes)
            a = second.pop(approx_key(2))
            details += [first, second]
            done += 2
            continue
        sub = dwtn(a, axes, banks, modes)
        a = sub.pop(approx_key(len(axes)))
        details.append(sub)
        done += 1
    return [a] + details[::-1]


def _two_levels(a, axes, banks, modes, first_level) -> bool:
    reason = _fused_kernels.why_not_two_levels_pay(a, axes, banks, modes)
    note(f"levels {first_level}-{first_level + 1}: "
         + (f"one level per launch ({reason})" if reason else "one two-level launch"))
    return reason is None


def _multilevel_1d(axes, arrays, level: int) -> bool:
    """Whether a 1D multilevel transform runs several levels per launch
    (cuwavelet/_fused1d.py, _fused1d_coarse_to_fine.py): CuPy arrays, 2+
    levels, the axis walked contiguously by consecutive threads."""
    return (len(axes) == 1 and level > 1 and bool(arrays)
            and all(is_cupy(v) and _fused1d.coalesced(v, axes[0]) for v in arrays))


@planned(structures=("a", "details"))
def waverec(a, details, axes, banks, modes, trim_first: bool, detail_shapes=None):
    """details coarsest first; a is trimmed to each level's detail shape where
    it is one sample longer along a transformed axis (pywt's rule; waverecn
    skips the first level). Every other axis must agree.
    detail_shapes (optional): each level's detail shape, to which a level
    given no details trims all the same (the bridges' operations, whose
    absent coefficients are zeros of known shape), where pywt's waverec
    merges the approximation untrimmed."""
    check_batch_shapes([a, *(v for d in details for v in d.values())], axes)
    d_arrays = [d.get("d") for d in details]
    if (a is not None and all(v is not None for v in d_arrays)
            and (trim_first or a.shape == d_arrays[0].shape)
            and _multilevel_1d(axes, [a, *d_arrays], len(details))):
        def level_step(a, d):  # one per-level idwt, pywt's trim first
            return idwtn({"a": trim_to(a, d.shape, axes), "d": d}, axes, banks, modes)
        return _coarse_to_fine.waverec(a, d_arrays, axes[0], banks[0], modes[0], level_step)
    level = 0
    while level < len(details):
        d = details[level]
        if a is None and not d:  # nothing to merge yet: pywt skips the level
            level += 1
            continue
        if a is not None and (level > 0 or trim_first):
            shape = next(iter(d.values())).shape if d else (
                None if detail_shapes is None else detail_shapes[level])
            a = a if shape is None else trim_to(a, shape, axes)
        # (pairs end at the finest level, whose approximation is the largest to keep on chip)
        level2 = {**d, approx_key(len(axes)): a}
        if (len(details) - level) % 2 == 0 and a is not None and \
                _two_level_synthesis(level2, details[level + 1], axes, banks, modes, level):
            # two levels per launch on the GPU: the approximation between them stays on chip
            a = _fused_kernels.idwt2_two_levels(level2, details[level + 1], axes, banks, modes)
            level += 2
            continue
        a = idwtn(level2 if a is not None else d, axes, banks, modes)
        level += 1
    return a


def _two_level_adjoint(level2, level1, axes, banks, modes, data_shape, level) -> bool:
    """Whether wavedec's adjoint runs levels `level` and `level` - 1 with the
    approximation's cotangent between them on chip (CuPy arrays, two axes,
    where it runs and pays: one launch in zero mode and periodization of even
    lengths; in the modes that fold, the interior in one launch and the edges
    per level)."""
    level1 = {k: v for k, v in level1.items() if v is not None}
    arrays = [*level2.values(), *level1.values()]
    if len(axes) != 2 or not level1 or not all(is_cupy(v) for v in arrays):
        return False
    reason = _fused_kernels.why_not_dwt2_adjoint_two_levels_pays(level2, level1, axes, banks,
                                                                 modes, data_shape)
    note(f"wavedec adjoint levels {level}-{level - 1}: "
         + (f"one level per launch ({reason})" if reason else "one two-level launch"))
    return reason is None


def _two_level_synthesis(level2, level1, axes, banks, modes, level) -> bool:
    """Whether waverec runs this level and the next in one launch (CuPy
    arrays, two axes, where the two-level synthesis runs and pays)."""
    arrays = [v for v in (*level2.values(), *level1.values()) if v is not None]
    if len(axes) != 2 or not all(is_cupy(v) for v in arrays):
        return False
    reason = _fused_kernels.why_not_two_level_synthesis_pays(level2, level1, axes, banks, modes)
    note(f"waverec levels {level + 1}-{level + 2} from the coarsest: "
         + (f"one level per launch ({reason})" if reason else "one two-level launch"))
    return reason is None


def check_batch_shapes(shapes, axes, what="coefficients"):
    """Arrays (or shapes; None ignored) of one multilevel structure share
    their number of dimensions and every length off the transformed axes."""
    shapes = [tuple(getattr(s, "shape", s)) for s in shapes if s is not None]
    batch = {tuple(n for i, n in enumerate(s) if i not in axes) for s in shapes}
    if len({len(s) for s in shapes}) > 1 or len(batch) > 1:
        raise ValueError(f"coefficient shape mismatch: every level's {what} must agree off the "
                         f"transformed axes {list(axes)}; got shapes {shapes}")


def _at_most_one_longer(longer, shorter, axes) -> bool:
    """Whether shape `longer` is `shorter` or one sample longer along some of
    `axes` (pywt's trimming), equal along every other axis."""
    return len(longer) == len(shorter) and all(
        s - t in ((0, 1) if i in axes else (0,)) for i, (s, t) in enumerate(zip(longer, shorter)))


def trim_to(a, shape, axes=None):
    """a cut to `shape`: one sample less along a transformed axis (`axes`;
    None: any) where a is that much longer, equal lengths elsewhere."""
    if a.shape == tuple(shape):
        return a
    if not _at_most_one_longer(a.shape, shape, range(len(shape)) if axes is None else axes):
        raise ValueError(f"coefficient shape mismatch: an approximation of shape {a.shape} does "
                         f"not fit details of shape {tuple(shape)}")
    return a[tuple(slice(t) for t in shape)]


def level_shapes(data_shape, axes, banks, modes, level: int) -> list:
    """Shape of the approximation after 0, 1, ..., level steps of wavedecn."""
    shapes = [tuple(data_shape)]
    for _ in range(level):
        s = shapes[-1]
        for ax, b, m in zip(axes, banks, modes):
            s = with_len(s, ax, coeff_len(s[ax], b.length, m))
        shapes.append(s)
    return shapes


def rec_shape(shape, axes, banks, modes) -> tuple:
    """Shape of idwtn's output for coefficients of `shape`."""
    s = tuple(shape)
    for ax, b, m in zip(axes, banks, modes):
        s = with_len(s, ax, rec_len(s[ax], b.length, m))
    return s


@planned(structures=("cots",))
def wavedec_adjoint(cots: list, axes, banks, modes, data_shape):
    """Transpose of wavedec: cotangents [cA_n, {details}...] -> cotangent of x.
    None stands for a zero cotangent anywhere."""
    present = [v for c in cots for v in (c.values() if isinstance(c, dict) else [c])
               if v is not None]
    if not present:
        raise ValueError("At least one coefficient cotangent must be given (all are None).")
    level = len(cots) - 1
    shapes = level_shapes(data_shape, axes, banks, modes, level)
    for j in range(level, 0, -1):  # the coarsest level is stored first
        d = {k: v for k, v in cots[level - j + 1].items() if v is not None}
        if j == level and cots[0] is not None:
            d[approx_key(len(axes))] = cots[0]
        _check_shapes(d, shapes[j], "cotangent")
    if _multilevel_1d(axes, present, level):
        def level_step(a_bar, d_bar, n):  # one per-level adjoint step
            d = {k: v for k, v in (("a", a_bar), ("d", d_bar)) if v is not None}
            if not d:
                return None
            return dwtn_adjoint(d, axes, banks, modes, with_len(data_shape, axes[0], n))
        a_bar = _coarse_to_fine.wavedec_adjoint(
            cots[0], [c.get("d") for c in cots[1:]], axes[0], banks[0], modes[0],
            [s[axes[0]] for s in shapes], level_step)
        return a_bar if a_bar is not None else zeros(array_module(*present), data_shape,
                                                     present[0].dtype)
    a_bar = cots[0]
    j = level
    while j > 0:  # the coarsest level is stored first
        d = {k: v for k, v in cots[level - j + 1].items() if v is not None}
        if a_bar is not None:
            d[approx_key(len(axes))] = a_bar
        if not d:
            a_bar, j = None, j - 1
            continue
        # (pairs end at level 1, whose image is the largest to keep off the chip's round trip)
        if j % 2 == 0 and a_bar is not None and _two_level_adjoint(
                d, cots[level - j + 2], axes, banks, modes, shapes[j - 2], j):
            # levels j and j - 1 together on the GPU: a_{j-1}'s cotangent stays on chip
            level1 = {k: v for k, v in cots[level - j + 2].items() if v is not None}
            a_bar = _fused_kernels.dwt2_adjoint_two_levels(d, level1, axes, banks, modes,
                                                           shapes[j - 2])
            j -= 2
            continue
        a_bar = dwtn_adjoint(d, axes, banks, modes, shapes[j - 1])
        j -= 1
    if a_bar is None:
        a_bar = zeros(array_module(*present), data_shape, present[0].dtype)
    return a_bar


@planned("y")
def waverec_adjoint(y, a_shape, detail_shapes, axes, banks, modes, trim_first: bool):
    """Transpose of waverec for coefficients of the given shapes (coarsest
    first): cotangent of the reconstruction -> [cA_n, {details}...]."""
    check_batch_shapes([a_shape, *detail_shapes], axes, "coefficient shapes")
    xp = array_module(y)
    entering = [tuple(a_shape)] + [rec_shape(s, axes, banks, modes) for s in detail_shapes[:-1]]
    expected = rec_shape(detail_shapes[-1], axes, banks, modes)
    if tuple(y.shape) != expected:
        raise ValueError(f"coefficient shape mismatch: coefficients of shapes {detail_shapes} "
                         f"reconstruct to {expected}, but the cotangent has shape {tuple(y.shape)}")
    key = approx_key(len(axes))
    fused = _waverec_adjoint_as_wavedec(y, detail_shapes, axes, banks, modes)
    if fused is not None:
        g = fused[0]
        if trim_first:
            g = untrim(xp, g, a_shape, axes)
        elif g.shape != tuple(a_shape):
            raise ValueError(f"coefficient shape mismatch: approximation {tuple(a_shape)} vs "
                             f"details {g.shape}")
        return [g] + fused[1:]
    details, g = [], y
    for level in range(len(detail_shapes) - 1, -1, -1):
        sub = idwtn_adjoint(g, axes, banks, modes)
        g = sub.pop(key)
        details.append(sub)
        if level > 0 or trim_first:
            g = untrim(xp, g, entering[level], axes)
        elif g.shape != tuple(a_shape):
            raise ValueError(f"coefficient shape mismatch: approximation {tuple(a_shape)} vs "
                             f"details {g.shape}")
    return [g] + details[::-1]


def _waverec_adjoint_as_wavedec(y, detail_shapes, axes, banks, modes):
    """waverec's adjoint on CuPy arrays as one multi-level wavedec, or None.

    Each level of the adjoint is idwt's adjoint (an analysis with the
    transposed filters in zero mode; periodization for periodization, see
    cuwavelet/_fused.py) followed by untrim (a zero appended where the forward
    trimmed). Zero mode extends with zeros anyway, so the whole chain is a
    zero-mode wavedec of y with the transposed filters, whose shapes are the
    details' exactly when they chain as waverec's do; periodization extends
    odd lengths by repetition instead, so along a periodization axis every
    intermediate length must be even (nothing trimmed). As a wavedec the
    chain runs the GPU's multi-level launches (several 1D levels per launch,
    2D levels in pairs where that pays) and no zero-padded copies."""
    level = len(detail_shapes)
    if not (_multilevel_1d(axes, [y], level) or (len(axes) >= 2 and is_cupy(y))):
        return None
    chain_modes = [PERIODIZATION if m == PERIODIZATION else ZERO for m in modes]
    transposed = [_fused_kernels.transposed_bank(b) for b in banks]
    shapes = level_shapes(y.shape, axes, transposed, chain_modes, level)
    if shapes[1:] != [tuple(s) for s in detail_shapes[::-1]]:
        return None  # shapes that do not chain: the per-level path raises pywt's error
    if any(m == PERIODIZATION and s[ax] % 2 for s in shapes[1:-1]
           for ax, m in zip(axes, chain_modes)):
        return None
    return wavedec(y, axes, transposed, chain_modes, level)


def untrim(xp, a, shape, axes):
    """Transpose of trim_to: zero-pad at the end (of transformed axes) back to `shape`."""
    if a.shape == tuple(shape):
        return a
    if not _at_most_one_longer(tuple(shape), a.shape, axes):
        raise ValueError(f"coefficient shape mismatch: approximation of shape {tuple(shape)} "
                         f"cannot have been trimmed to {a.shape}")
    out = zeros(xp, shape, a.dtype)
    out[tuple(slice(t) for t in a.shape)] = a
    return out


def _check_shapes(d: dict, shape, what):
    for k, v in d.items():
        if tuple(v.shape) != tuple(shape):
            raise ValueError(f"coefficient shape mismatch: {what} {k!r} has shape {tuple(v.shape)}, "
                             f"expected {tuple(shape)}")
