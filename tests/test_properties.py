"""Property-based tests (hypothesis): cuwavelet against pywt on random inputs.

Random shapes (lengths 1, 2, primes, shorter than the filter), axes, levels,
all 9 modes, wavelets drawn from pywt.wavelist(kind='discrete'), float32/64 and
complex64/128, in C and F order, transposed, reversed (negative strides),
stepped (every other element, the gaps filled with NaN so that reading one
poisons the result) and broadcast (zero strides) layouts.

Oracles: pywt's values (within a tolerance relative to the largest magnitude
of the whole result, as tests/conftest.py's assert_same_structure) and pywt's
refusals (where pywt raises, cuwavelet must raise the same class or a
ValueError); perfect reconstruction; for the adjoints, the dot-product identity
<F x, y> = <x, F* y> within 1e-12 |F x| |y| in float64 and complex128.

Deterministic: every property replays a fixed sequence of examples (the
"cuwavelet-properties" profile: derandomize=True, no example database).
CUWAVELET_PROPERTY_SCALE multiplies the example counts (e.g. 10 for a long
bug hunt; 0.1 for a quick look).
"""
import itertools
import os
import warnings

import numpy as np
import pytest
import pywt
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cuwavelet as cw
from conftest import assert_same_structure, leaves, requires_cuda, to_numpy

settings.register_profile(
    "cuwavelet-properties", derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
_SCALE = float(os.environ.get("CUWAVELET_PROPERTY_SCALE", "1"))


def examples(n):
    return settings(settings.get_profile("cuwavelet-properties"),
                    max_examples=max(5, round(n * _SCALE)))


WAVELETS = pywt.wavelist(kind="discrete")
PR_WAVELETS = [w for w in WAVELETS if w != "dmey"]  # dmey's FIR approximation is not PR
MODES = pywt.Modes.modes
FLOATS = [np.float64, np.float32, np.complex128, np.complex64]
DOUBLES = [np.float64, np.complex128]
LAYOUTS = ["C", "F", "transposed", "reversed", "stepped", "broadcast"]
WRITABLE_LAYOUTS = LAYOUTS[:-1]
LENGTHS = st.one_of(st.integers(1, 10), st.sampled_from([11, 13, 16, 17, 23, 31, 32, 37, 64, 101]))


def rtol(dtype):
    return 2e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12


# --- strategies -------------------------------------------------------------------

@st.composite
def shapes(draw, min_ndim=1, max_ndim=3, max_size=2000):
    shape = [draw(LENGTHS) for _ in range(draw(st.integers(min_ndim, max_ndim)))]
    while np.prod(shape) > max_size:
        i = int(np.argmax(shape))
        shape[i] = max(1, shape[i] // 2)
    return tuple(shape)


def values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        v = v + 1j * rng.standard_normal(shape)
    return v.astype(dtype)


def laid_out(v, layout):
    """An array equal to v (for 'broadcast': v's first slice repeated along
    axis 0) in the given memory layout."""
    if layout == "F":
        return np.asfortranarray(v)
    if layout == "transposed":
        perm = np.roll(np.arange(v.ndim), 1)
        return np.ascontiguousarray(v.transpose(perm)).transpose(np.argsort(perm))
    if layout == "reversed":
        return np.flip(np.flip(v).copy())
    if layout == "stepped":  # every other element, alternately forwards and backwards
        gap = np.nan if v.dtype.kind in "fc" else np.iinfo(v.dtype).max
        big = np.full([2 * n + 1 for n in v.shape], gap, dtype=v.dtype)
        view = big[tuple(slice(1, None, 2) if d % 2 else slice(-2, None, -2)
                         for d in range(v.ndim))]
        view[...] = v
        return view
    if layout == "broadcast":
        return np.broadcast_to(v[:1], v.shape)
    return np.ascontiguousarray(v)


@st.composite
def arrays(draw, shape=None, dtypes=FLOATS, layouts=LAYOUTS, **shape_args):
    shape = draw(shapes(**shape_args)) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes))
    return laid_out(values(shape, dtype, draw(st.integers(0, 2**32 - 1))),
                    draw(st.sampled_from(layouts)))


def map_leaves(fn, c):
    if isinstance(c, dict):
        return {k: map_leaves(fn, v) for k, v in c.items()}
    if isinstance(c, (list, tuple)):
        return type(c)(map_leaves(fn, v) for v in c)
    return None if c is None else fn(c)


def like(data, structure, dtype):
    """Random arrays shaped like every array of `structure`, in random layouts."""
    def one(a):
        return laid_out(values(a.shape, dtype, data.draw(st.integers(0, 2**32 - 1))),
                        data.draw(st.sampled_from(WRITABLE_LAYOUTS)))
    return map_leaves(one, structure)


def relaid(data, structure):
    """The same values in random layouts."""
    return map_leaves(lambda a: laid_out(a, data.draw(st.sampled_from(WRITABLE_LAYOUTS))),
                      structure)


def axis_of(data, ndim):
    return data.draw(st.integers(-ndim, ndim - 1))


def distinct_axes(data, ndim, min_size=1, max_size=None):
    count = data.draw(st.integers(min_size, max_size or ndim))
    axes = data.draw(st.permutations(range(ndim)))[:count]
    return [a - ndim if data.draw(st.booleans()) else a for a in axes]  # some negative


def wavelet_and_mode(data, naxes=1, wavelets=WAVELETS):
    """One wavelet and mode, or (sometimes) one per axis as pywt allows."""
    count = naxes if naxes > 1 and data.draw(st.booleans()) else 1
    wavelet = [data.draw(st.sampled_from(wavelets)) for _ in range(count)]
    mode = [data.draw(st.sampled_from(MODES)) for _ in range(count)]
    return (wavelet, mode) if count > 1 else (wavelet[0], mode[0])


def filter_len(wavelet, i=0):
    w = wavelet[i] if isinstance(wavelet, list) else wavelet
    return pywt.Wavelet(w).dec_len


def level_for(data, lengths, wavelet):
    """None or 0 ... one past the deepest level pywt recommends."""
    deepest = min(pywt.dwt_max_level(n, filter_len(wavelet, i)) for i, n in enumerate(lengths))
    return data.draw(st.one_of(st.none(), st.integers(0, deepest + 1)))


# --- oracle -------------------------------------------------------------------------

def run(fn, *args, **kwargs):
    """(result, exception, whether a 'level too high' warning was given)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, exc = fn(*args, **kwargs), None
        except Exception as e:  # noqa: BLE001 - pywt's refusals are part of the oracle
            result, exc = None, e
    return result, exc, any("too high" in str(w.message) for w in caught)


def forward_or_skip(fn, *args, **kwargs):
    """fn's result; inputs it refuses are skipped (the refusals are compared
    with pywt's in the tests that use agree)."""
    result, exc, _ = run(fn, *args, **kwargs)
    assume(exc is None)
    return result


def agree(name, *args, tol=1e-12, namespace=cw, **kwargs):
    """cuwavelet's `name` does what pywt's does with the same arguments: the same
    structure, shapes, dtypes and values, the same level warning, or a refusal.
    Returns pywt's result (None where it refused). pywt gets writable copies
    of read-only (broadcast) arrays: it refuses some read-only buffers."""
    writable = map_leaves(lambda a: a if not isinstance(a, np.ndarray) or a.flags.writeable
                          else a.copy(), list(args))
    expected, pywt_exc, pywt_warned = run(getattr(pywt, name), *writable, **kwargs)
    if expected is None and pywt_exc is None:  # pywt's idwtn, given fewer axes than key letters
        pywt_exc = ValueError(f"pywt.{name} returned None")
    got, exc, warned = run(getattr(namespace, name), *args, **kwargs)
    if pywt_exc is not None:
        assert exc is not None, f"pywt refused ({pywt_exc!r}) but cuwavelet.{name} returned"
        assert isinstance(exc, (ValueError, type(pywt_exc))), \
            f"pywt raised {pywt_exc!r}; cuwavelet.{name} raised {exc!r}"
        return None
    if exc is not None:
        raise AssertionError(f"pywt.{name} succeeded but cuwavelet.{name} raised") from exc
    assert warned == pywt_warned, f"level warning: pywt {pywt_warned}, cuwavelet {warned}"
    assert_same_structure(got, expected, tol, atol=4 * single_precision_error(name, writable,
                                                                              kwargs, expected))
    return expected


def single_precision_error(name, args, kwargs, expected):
    """How far pywt's own result is from pywt's on the inputs in double
    precision, where some are float32 / complex64 (else 0): two equally
    accurate evaluations can differ by that much. Deep levels of the smooth and
    antireflect extensions amplify rounding by their weights, level after level."""
    single = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}
    arrays = [a for a in leaves(args) if isinstance(a, np.ndarray)]
    if not any(a.dtype in single for a in arrays):
        return 0.0
    promoted = map_leaves(lambda a: a.astype(single[a.dtype]) if isinstance(a, np.ndarray)
                          and a.dtype in single else a, list(args))
    reference, exc, _ = run(getattr(pywt, name), *promoted, **kwargs)
    if exc is not None:
        return 0.0
    return max([float(np.nan_to_num(np.abs(np.asarray(e, np.complex128) - r)).max())
                for e, r in zip(leaves(expected), leaves(reference)) if np.size(e)] + [0.0])


def result_tol(x):
    return rtol(x.dtype if x.dtype.kind in "fc" else np.float64)  # integers go to float64


def unchanged(x):
    """Asserts, when called, that x still holds its current values."""
    before = x.copy()
    return lambda: np.testing.assert_array_equal(x, before)


# --- forward and inverse transforms against pywt ------------------------------------

@examples(1500)
@given(st.data())
def test_dwt_and_idwt_match_pywt(data):
    """dwt on any array and axis, then idwt of pywt's coefficients (in random
    layouts, one subband sometimes None) equal pywt's; inputs are not written."""
    x = data.draw(arrays(dtypes=FLOATS + [np.int16]))
    axis = axis_of(data, x.ndim)
    wavelet, mode = wavelet_and_mode(data)
    check_input = unchanged(x)
    coeffs = agree("dwt", x, wavelet, mode, axis=axis, tol=result_tol(x))
    check_input()
    if coeffs is not None:
        cA, cD = relaid(data, coeffs)
        keep = data.draw(st.sampled_from(["both", "cA", "cD"]))
        agree("idwt", None if keep == "cD" else cA, None if keep == "cA" else cD, wavelet, mode,
              axis=axis, tol=result_tol(cA))


@examples(900)
@given(st.data())
def test_idwt_of_any_coefficient_lengths_matches_pywt(data):
    """idwt of coefficients of arbitrary (often too short, sometimes unequal)
    lengths and mixed dtypes: pywt's result, or a refusal where pywt refuses."""
    shape = data.draw(shapes(max_ndim=2, max_size=200))
    axis = axis_of(data, len(shape))
    other = list(shape)
    other[axis] = data.draw(st.sampled_from([shape[axis], shape[axis], shape[axis] + 1,
                                             max(1, shape[axis] - 1)]))
    cA = data.draw(arrays(shape=shape, layouts=WRITABLE_LAYOUTS))
    cD = data.draw(arrays(shape=tuple(other), layouts=WRITABLE_LAYOUTS))
    wavelet, mode = wavelet_and_mode(data)
    agree("idwt", cA, cD, wavelet, mode, axis=axis, tol=rtol(np.result_type(cA, cD)))


@examples(1200)
@given(st.data())
def test_wavedec_and_waverec_match_pywt(data):
    """wavedec at any level (None, 0, ..., too deep: then both warn) along any
    axis, and waverec of pywt's coefficients in random layouts."""
    x = data.draw(arrays())
    axis = axis_of(data, x.ndim)
    wavelet, mode = wavelet_and_mode(data)
    level = level_for(data, [x.shape[axis]], wavelet)
    check_input = unchanged(x)
    coeffs = agree("wavedec", x, wavelet, mode, level=level, axis=axis, tol=rtol(x.dtype))
    check_input()
    if coeffs is not None:
        agree("waverec", relaid(data, coeffs), wavelet, mode, axis=axis, tol=rtol(x.dtype))


@examples(300)
@given(st.data())
def test_deep_levels_of_short_float32_signals_match_pywt(data):
    """Levels far past the useful depth of a few samples, in float32, every
    mode: the boundary extension dominates, and smooth's and antireflect's
    weights grow with every level (a single sample at level 4 reaches k = 20
    and more). pywt's values on the scale of the transform and of pywt's own
    float32 error."""
    ndim = data.draw(st.integers(1, 2))
    shape = tuple(data.draw(st.integers(1, 4)) for _ in range(ndim))
    x = values(shape, np.float32, data.draw(st.integers(0, 2**32 - 1)))
    wavelet, mode = wavelet_and_mode(data)
    level = data.draw(st.integers(2, 5))
    agree("wavedec" if ndim == 1 else "wavedec2", x, wavelet, mode, level=level,
          tol=rtol(np.float32))


@examples(900)
@given(st.data())
def test_wavedec2_and_waverec2_match_pywt(data):
    """wavedec2 / waverec2 over any two distinct axes (either order, negative
    or not), with one wavelet and mode or one per axis."""
    x = data.draw(arrays(min_ndim=2))
    axes = distinct_axes(data, x.ndim, 2, 2)
    wavelet, mode = wavelet_and_mode(data, 2)
    level = level_for(data, [x.shape[a] for a in axes], wavelet)
    coeffs = agree("wavedec2", x, wavelet, mode, level=level, axes=axes, tol=rtol(x.dtype))
    if coeffs is not None:
        agree("waverec2", relaid(data, coeffs), wavelet, mode, axes=axes, tol=rtol(x.dtype))


@examples(900)
@given(st.data())
def test_wavedecn_and_waverecn_match_pywt(data):
    """wavedecn / waverecn over any non-empty set of axes in any order."""
    x = data.draw(arrays())
    axes = distinct_axes(data, x.ndim)
    wavelet, mode = wavelet_and_mode(data, len(axes))
    level = level_for(data, [x.shape[a] for a in axes], wavelet)
    coeffs = agree("wavedecn", x, wavelet, mode, level=level, axes=axes, tol=rtol(x.dtype))
    if coeffs is not None:
        agree("waverecn", relaid(data, coeffs), wavelet, mode, axes=axes, tol=rtol(x.dtype))


@examples(900)
@given(st.data())
def test_dwtn_idwtn_dwt2_idwt2_match_pywt(data):
    """dwtn over any axes, then idwtn with some subbands missing or None; dwt2
    and idwt2 over two distinct axes."""
    x = data.draw(arrays())
    axes = distinct_axes(data, x.ndim)
    wavelet, mode = wavelet_and_mode(data, len(axes))
    c = agree("dwtn", x, wavelet, mode, axes=axes, tol=rtol(x.dtype))
    if c is not None:
        c = relaid(data, c)
        for key in sorted(c):
            fate = data.draw(st.sampled_from(["keep", "keep", "drop", "None"]))
            if fate == "drop":
                del c[key]
            elif fate == "None":
                c[key] = None
        if any(v is not None for v in c.values()):
            agree("idwtn", c, wavelet, mode, axes=axes, tol=rtol(x.dtype))
    if x.ndim >= 2:
        axes2 = distinct_axes(data, x.ndim, 2, 2)
        c2 = agree("dwt2", x, wavelet if isinstance(wavelet, str) else wavelet[0],
                   mode if isinstance(mode, str) else mode[0], axes=axes2, tol=rtol(x.dtype))
        if c2 is not None:
            agree("idwt2", relaid(data, c2), wavelet if isinstance(wavelet, str) else wavelet[0],
                  mode if isinstance(mode, str) else mode[0], axes=axes2, tol=rtol(x.dtype))


@examples(900)
@given(st.data())
def test_multilevel_inverses_of_arbitrary_coefficient_shapes_match_pywt(data):
    """waverec / waverecn on coefficient lists whose shapes were not made by a
    decomposition (each level's length plausible, off by one, or arbitrary) and
    whose dtypes mix float32, float64 and complex: pywt's result (trimming the
    approximation where it is one longer, upcasting), or a refusal where pywt
    refuses."""
    family = data.draw(st.sampled_from(["waverec", "waverecn"]))
    naxes = 1 if family == "waverec" else data.draw(st.integers(1, 2))
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=1)))
    wavelet, mode = wavelet_and_mode(data)
    f = filter_len(wavelet)
    grown = (lambda n: 2 * n) if mode == "periodization" else (lambda n: 2 * n - f + 2)
    lengths = [[data.draw(st.integers(1, 12)) for _ in range(naxes)]]  # the approximation's
    for level in range(data.draw(st.integers(1, 3))):
        # a decomposition's next detail has the approximation's length (first level) or
        # the reconstructed length, or one less; then anything nearby
        fits = [lengths[-1][i] if level == 0 else grown(lengths[-1][i]) for i in range(naxes)]
        lengths.append([max(1, data.draw(st.sampled_from([n, n, n - 1, n + 1, 1, 2 * n])))
                        for n in fits])
    dtypes = [np.float64, np.float64, np.float32, np.complex128]

    def arr(lens):
        return data.draw(arrays(shape=batch + tuple(lens), dtypes=dtypes, layouts=WRITABLE_LAYOUTS))

    if family == "waverec":
        coeffs, kwargs = [arr(lens) for lens in lengths], {}
    else:
        keys = ["".join(k) for k in itertools.product("ad", repeat=naxes)][1:]
        coeffs = [arr(lengths[0])] + [{k: arr(lens) for k in keys} for lens in lengths[1:]]
        kwargs = {"axes": list(range(len(batch), len(batch) + naxes))}
    # pywt reconstructs the float32 levels in float32 before meeting a float64 one;
    # cuwavelet upcasts every level first (more accurate): compare at float32 precision
    single = any(a.dtype in (np.float32, np.complex64) for a in leaves(coeffs))
    agree(family, coeffs, wavelet, mode, tol=rtol(np.float32 if single else np.float64), **kwargs)


@examples(900)
@given(st.data())
def test_axes_repeated_or_out_of_range_are_refused(data):
    """Any axis or axes argument (repeated, out of range, negative, of the wrong
    count) to every function that takes one: where every axis is in range and
    none repeats, or one repeats in dwtn, idwtn, dwt2 or idwt2 (which
    transform that axis again), the same result or refusal as pywt; otherwise
    a ValueError (AxisError is one). pywt is not asked then: pywt 1.8's dwtn
    corrupts the heap for an axis >= ndim (pywt.dwtn(np.ones((4, 5, 6)),
    'db2', axes=(3,)) can abort the process)."""
    x = data.draw(arrays(shape=data.draw(shapes(min_ndim=1, max_ndim=3, max_size=300)),
                         layouts=["C"]))
    axes = tuple(data.draw(st.lists(st.integers(-4, 4), min_size=1, max_size=4)))
    name = data.draw(st.sampled_from(["dwt", "wavedec", "dwtn", "wavedecn", "dwt2", "wavedec2",
                                      "idwt", "waverec", "idwtn", "waverecn", "idwt2", "waverec2"]))
    if name in ("idwt2", "waverec2") and x.ndim < 2:
        name = "waverecn"
    single = name in ("dwt", "wavedec", "idwt", "waverec")
    given_axes = axes[:1] if single else axes
    repeats_allowed = name in ("dwtn", "idwtn", "dwt2", "idwt2")
    valid = all(-x.ndim <= a < x.ndim for a in given_axes) and \
        (repeats_allowed or len({a % x.ndim for a in given_axes}) == len(given_axes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c1 = pywt.wavedec(x, "db2", level=1)
        cn = pywt.wavedecn(x, "db2", level=1)
        c2 = pywt.wavedec2(x, "db2", level=1) if x.ndim >= 2 else None
    args = {"idwt": c1, "waverec": [c1], "idwtn": [{"a" * x.ndim: cn[0], **cn[-1]}],
            "waverecn": [cn], "idwt2": [c2 and (c2[0], c2[1])], "waverec2": [c2]}.get(name, [x])
    kwargs = {"axis": axes[0]} if single else {"axes": axes}
    if valid:
        agree(name, *args, "db2", tol=rtol(x.dtype), **kwargs)
    else:
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(cw, name)(*args, "db2", **kwargs)


def test_idwt_of_zero_samples_returns_empty_as_pywt():
    """Coefficients of length (filter_len - 2) / 2 reconstruct to 0 samples:
    pywt returns an empty array (it raises only below that length)."""
    c = np.ones((3, 2))
    assert_same_structure(cw.idwt(c, c, "db3"), pywt.idwt(c, c, "db3"), 1e-12)
    assert_same_structure(cw.waverec([c, c], "db3"), pywt.waverec([c, c], "db3"), 1e-12)


# --- perfect reconstruction and adjoints ------------------------------------------

@examples(1200)
@given(st.data())
def test_perfect_reconstruction(data):
    """Every mode and (perfect-reconstruction) wavelet, any axes and level: the
    inverse of the decomposition returns the data (the first len samples along
    each transformed axis; the inverse may give one more)."""
    x = data.draw(arrays())
    family = data.draw(st.sampled_from(["dwt", "wavedec", "dwtn", "wavedec2", "wavedecn"]))
    if family == "wavedec2" and x.ndim < 2:
        family = "wavedecn"
    naxes = {"dwt": 1, "wavedec": 1, "wavedec2": 2}.get(family)
    axes = distinct_axes(data, x.ndim, naxes or 1, naxes)
    wavelet, mode = wavelet_and_mode(data, len(axes) if family in ("dwtn", "wavedecn") else 1,
                                     PR_WAVELETS)
    level = level_for(data, [x.shape[a] for a in axes], wavelet)
    if family == "dwt":
        r = cw.idwt(*forward_or_skip(cw.dwt, x, wavelet, mode, axes[0]), wavelet, mode, axes[0])
    elif family == "wavedec":
        r = cw.waverec(forward_or_skip(cw.wavedec, x, wavelet, mode, level, axes[0]), wavelet, mode,
                       axes[0])
    elif family == "dwtn":
        r = cw.idwtn(forward_or_skip(cw.dwtn, x, wavelet, mode, axes), wavelet, mode, axes)
    elif family == "wavedec2":
        r = cw.waverec2(forward_or_skip(cw.wavedec2, x, wavelet, mode, level, axes), wavelet, mode,
                        axes)
    else:
        r = cw.waverecn(forward_or_skip(cw.wavedecn, x, wavelet, mode, level, axes), wavelet, mode,
                        axes)
    assert all(r.shape[d] in (n, n + 1) for d, n in enumerate(x.shape))
    r = r[tuple(slice(n) for n in x.shape)]
    scale = max(1.0, float(np.abs(x).max()))
    tol = (2e-4 if np.dtype(x.dtype) in (np.float32, np.complex64) else 1e-9) * scale
    np.testing.assert_allclose(r, x, rtol=0, atol=tol)


def flat(c):
    return np.concatenate([np.ravel(to_numpy(a)) for a in leaves(c)])


def assert_dot(fx, y, x, fty):
    """<F x, y> == <x, F* y> (np.vdot conjugates its first argument)."""
    assert cw.adjoint.shapes_of(fty) == cw.adjoint.shapes_of(x)
    lhs, rhs = np.vdot(flat(fx), flat(y)), np.vdot(flat(x), flat(fty))
    bound = 1e-12 * np.linalg.norm(flat(fx)) * np.linalg.norm(flat(y))
    assert abs(lhs - rhs) <= bound, (lhs, rhs, bound)


INVERSES = {"wavedec": "waverec", "wavedec2": "waverec2", "wavedecn": "waverecn",
            "dwt": "idwt", "dwt2": "idwt2", "dwtn": "idwtn"}


@examples(1200)  # (2400 took a fifth of this file's time; test_adjoint.py has the matrices)
@given(st.data())
def test_adjoint_dot_products(data):
    """Each transform F of cuwavelet (wavedec, wavedec2, wavedecn, dwt, dwt2,
    dwtn and their inverses) against its cuwavelet.adjoint namesake F*, given
    data_shape= (forward transforms) or coeff_shapes=shapes_of(coeffs)
    (multilevel inverses): <F x, y> = <x, F* y> for any axes, level, mode and
    wavelet (dmey too: the identity needs no inverse), float64 and complex128,
    inputs and cotangents in random layouts."""
    dtype = data.draw(st.sampled_from(DOUBLES))
    forward = data.draw(st.sampled_from(sorted(INVERSES)))
    inverse = INVERSES[forward]
    x = data.draw(arrays(dtypes=[dtype], layouts=WRITABLE_LAYOUTS,
                         min_ndim=2 if forward.endswith("2") else 1))
    if forward in ("wavedec", "dwt"):
        axes = [axis_of(data, x.ndim)]
        where = {"axis": axes[0]}
    else:
        axes = distinct_axes(data, x.ndim, *((2, 2) if forward.endswith("2") else (1, None)))
        where = {"axes": axes}
    wavelet, mode = wavelet_and_mode(data, len(axes) if forward in ("wavedecn", "dwtn") else 1)
    multilevel = forward.startswith("wavedec")
    level = {"level": level_for(data, [x.shape[a] for a in axes], wavelet)} if multilevel else {}

    def arguments(c):  # dwt's coefficients are two arguments (cA, cD), the others one
        return tuple(c) if forward == "dwt" else (c,)

    fx = forward_or_skip(getattr(cw, forward), x, wavelet, mode, **level, **where)
    y = like(data, fx, dtype)
    assert_dot(fx, y, x, getattr(cw.adjoint, forward)(*arguments(y), wavelet, mode,
                                                      data_shape=x.shape, **where))
    c = like(data, fx, dtype)
    rc = forward_or_skip(getattr(cw, inverse), *arguments(c), wavelet, mode, **where)
    g = like(data, rc, dtype)
    shapes = {"coeff_shapes": cw.adjoint.shapes_of(c)} if multilevel else {}
    assert_dot(rc, g, c, getattr(cw.adjoint, inverse)(g, wavelet, mode, **where, **shapes))


# --- bad input not covered by tests/test_errors.py ------------------------------------

a4 = np.ones((4, 4))
c2 = cw.wavedec2(a4, "db1", level=1)
cn = cw.wavedecn(a4, "db1", level=1)
lo, hi = [0.5, 0.5], [-0.5, 0.5]


@pytest.mark.parametrize("call, error, match", [
    # lists of arrays where an array is expected
    (lambda: cw.wavedec2([np.ones((4, 4)), np.ones((4, 5))], "db1"), TypeError,
     "sequence of arrays"),
    (lambda: cw.idwt([np.ones(3), np.ones(4)], None, "db1"), TypeError, "sequence of arrays"),
    (lambda: cw.adjoint.idwt([np.ones(4), np.ones(6)], "db1"), TypeError, "sequence of arrays"),
    (lambda: cw.adjoint.dwt([np.ones(3), np.ones(4)], None, "db1", data_shape=(8,)), TypeError,
     "sequence of arrays"),
    (lambda: cw.dwtn({"a": a4}, "db1"), TypeError, "numeric"),
    (lambda: cw.waverec([np.ones(4), [np.ones(3), np.ones(5)]], "db1"), ValueError,
     "Unexpected detail coefficient type"),
    (lambda: cw.waverec2([a4, (a4, a4)], "db1"), ValueError, "3-tuple"),
    (lambda: cw.idwt2((a4, (a4, a4)), "db1"), ValueError, r"\(cA, \(cH, cV, cD\)\)"),
    (lambda: cw.adjoint.waverec(np.ones(8), "db1", coeff_shapes=None), ValueError,
     "Expected a sequence"),
    (lambda: cw.adjoint.wavedec([np.ones(4), np.ones(4)], "db1", data_shape=None), TypeError,
     "data_shape"),
    # coefficient shapes and dtypes that do not fit across or within levels
    (lambda: cw.waverec([np.ones(4), np.array(["a"] * 4)], "db1"), TypeError, "numeric"),
    (lambda: cw.waverec2([np.ones((2, 2)), (np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)))],
                         "db1"), ValueError, "shape mismatch"),
    (lambda: cw.waverecn([np.ones((2, 2)), {"ad": np.ones((2, 2)), "da": np.ones((2, 3)),
                                            "dd": np.ones((2, 2))}], "db1"), ValueError,
     "shape mismatch"),
    (lambda: cw.waverecn([np.ones((2, 2)), {"ad": np.ones((2, 2))}, {"a": np.ones((4, 2))}], "db1"),
     ValueError, "equal length"),
    (lambda: cw.adjoint.wavedec([np.ones(2), np.ones(3), np.ones(4)], "db1", data_shape=(8,)),
     ValueError, "shape mismatch"),
    (lambda: cw.adjoint.wavedec2([np.ones((2, 2)), (np.ones((2, 2)),) * 3, (np.ones((4, 3)),) * 3],
                                 "db1", data_shape=(8, 8)), ValueError, "shape mismatch"),
    (lambda: cw.adjoint.wavedecn(cn, "db1", data_shape=(5, 4)), ValueError, "shape mismatch"),
    (lambda: cw.adjoint.dwt(np.ones(4), np.ones(4), "db1", data_shape=(8, 1)), ValueError,
     "shape mismatch"),
    (lambda: cw.adjoint.waverec2(a4, "db1", coeff_shapes=[(2, 2), ((2, 2), (2, 3), (2, 2))]),
     ValueError, "shape mismatch"),
    (lambda: cw.adjoint.waverecn(np.ones((4, 6)), "db1", coeff_shapes=cw.adjoint.shapes_of(cn)),
     ValueError, "shape mismatch"),
    (lambda: cw.adjoint.dwtn({"ax": a4}, "db1", data_shape=(8, 4)), ValueError, "invalid keys"),
    # custom wavelets whose filter banks do not fit
    (lambda: cw.dwt(a4, pywt.Wavelet("m", filter_bank=(lo, hi, lo, [1, 2, 3, 4]))), ValueError,
     "length"),
    (lambda: cw.dwt(a4, pywt.Wavelet("m", filter_bank=(lo, [np.nan, 1], lo, hi))), ValueError,
     "non-finite"),
    (lambda: cw.dwt(a4, (lo, hi, lo)), ValueError, "4 filters"),
    (lambda: cw.dwt(a4, ([], [], [], [])), ValueError, "length"),
    (lambda: cw.dwt(a4, object()), ValueError, "Cannot use"),
    # axes repeated or out of range, for the inverses and adjoints too (dwtn, idwtn,
    # dwt2, idwt2 and their adjoints take a repeated axis: they transform it again)
    (lambda: cw.wavedec2(a4, "db1", axes=(0, -2)), ValueError, "unique"),
    (lambda: cw.waverec2(c2, "db1", axes=(1, 1)), ValueError, "unique"),
    (lambda: cw.waverecn(cn, "db1", axes=(0, 5)), np.exceptions.AxisError, "out of range"),
    (lambda: cw.waverecn(cn, "db1", axes=(0, 0)), ValueError, "unique"),
    (lambda: cw.idwtn(cw.dwtn(a4, "db1"), "db1", axes=(1, 5)), np.exceptions.AxisError,
     "out of range"),
    (lambda: cw.idwt2(cw.dwt2(a4, "db1"), "db1", axes=(1, -3)), np.exceptions.AxisError,
     "out of range"),
    (lambda: cw.waverec(cw.wavedec(a4, "db1"), "db1", axis=-3), np.exceptions.AxisError,
     "out of range"),
    (lambda: cw.adjoint.wavedecn(cn, "db1", axes=(0, 0), data_shape=(4, 4)), ValueError, "unique"),
    (lambda: cw.adjoint.wavedec2(c2, "db1", axes=(0, 2), data_shape=(4, 4)),
     np.exceptions.AxisError, "out of range"),
    (lambda: cw.adjoint.dwt(np.ones(4), np.ones(4), "db1", axis=3, data_shape=(8,)),
     np.exceptions.AxisError, "out of range"),
    (lambda: cw.adjoint.idwt(np.ones(4), "db1", axis=1), np.exceptions.AxisError, "out of range"),
    (lambda: cw.adjoint.idwtn(a4, "db1", axes=[0, 2]), np.exceptions.AxisError, "out of range"),
    (lambda: cw.adjoint.waverec2(a4, "db1", axes=(0, 0), coeff_shapes=cw.adjoint.shapes_of(c2)),
     ValueError, "unique"),
    (lambda: cw.adjoint.waverec(np.ones(8), "db1", axis=1, coeff_shapes=[(4,), (4,)]),
     np.exceptions.AxisError, "out of range"),
])
def test_bad_input_is_named(call, error, match):
    """Each call fails with the named exception class and a message saying what
    is wrong."""
    with pytest.raises(error, match=match):
        call()


@pytest.mark.gpu
@requires_cuda
def test_mixed_devices_are_refused():
    """NumPy and CuPy arrays mixed in one call (coefficients, levels, cotangents)
    raise TypeError naming the devices, in the transforms and the adjoints."""
    import cupy
    c = cw.wavedec(np.ones((2, 16)), "db2", level=2)
    mixed = [cupy.asarray(c[0])] + c[1:]
    for call in [lambda: cw.idwt(np.ones(8), cupy.ones(8), "db2"),
                 lambda: cw.waverec(mixed, "db2"),
                 lambda: cw.waverecn([c[0], {"d": cupy.asarray(c[1])}, {"d": c[2]}], "db2"),
                 lambda: cw.adjoint.dwt(np.ones(8), cupy.ones(8), "db2", data_shape=(14,)),
                 lambda: cw.adjoint.wavedec(mixed, "db2", data_shape=(2, 16))]:
        with pytest.raises(TypeError, match="device"):
            call()


# --- pad --------------------------------------------------------------------------

def _pad_widths(data, ndim):
    return [(data.draw(st.integers(0, 25)), data.draw(st.integers(0, 25))) for _ in range(ndim)]


def _pywt_pad(x, widths, mode):
    """pywt.pad's value; where pywt.pad raises (smooth and antisymmetric with
    nothing padded after an axis) a wider pad cut back, the extension of an
    axis not depending on the widths."""
    try:
        return pywt.pad(x, widths, mode)
    except ValueError:
        wider = pywt.pad(x, [(b, a + 1) for b, a in widths], mode)
        return wider[tuple(slice(0, n - 1) for n in wider.shape)]


@examples(150)
@given(st.data())
def test_pad_matches_pywt(data):
    x = data.draw(arrays(max_ndim=3, max_size=600))
    mode = data.draw(st.sampled_from(MODES))
    widths = _pad_widths(data, x.ndim)
    # pywt.pad's smooth of a one-sample axis reads numpy.pad's zero fill or past
    # its vector (not an extension; tests/test_pad.py has cuwavelet's)
    assume(not (mode == "smooth" and 1 in x.shape))
    got = cw.pad(x, widths, mode)
    expected = _pywt_pad(x, widths, mode)
    assert got.dtype == expected.dtype
    assert_same_structure(got, expected, rtol(x.dtype))


@examples(100)
@given(st.data())
def test_pad_adjoint_dot_product(data):
    x = data.draw(arrays(dtypes=DOUBLES, layouts=WRITABLE_LAYOUTS, max_ndim=3, max_size=600))
    mode = data.draw(st.sampled_from(MODES))
    widths = _pad_widths(data, x.ndim)
    padded = cw.pad(x, widths, mode)
    y = laid_out(values(padded.shape, x.dtype, data.draw(st.integers(0, 2**32 - 1))),
                 data.draw(st.sampled_from(WRITABLE_LAYOUTS)))
    back = cw.adjoint.pad(y, widths, mode, data_shape=x.shape)
    assert back.shape == x.shape and back.dtype == x.dtype
    scale = np.linalg.norm(padded) * np.linalg.norm(y)
    assert abs(np.vdot(padded, y) - np.vdot(x, back)) <= 1e-12 * max(scale, 1e-300)
