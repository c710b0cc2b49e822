"""coeffs_to_array & co. against PyWavelets as the oracle, on NumPy (and CuPy where a GPU is)."""
import warnings

import numpy as np
import pytest
import pywt

from conftest import quiet, random, requires_cuda
from cuwavelet import _coeff_array as ca


# (data shape, wavelet, mode, level, axes): odd/even lengths, 1D-3D, axis subsets, level 0/None.
CASES = [
    ((17,), "db2", "symmetric", 2, None),
    ((32,), "haar", "periodization", 3, None),
    ((32,), "sym3", "zero", 0, None),
    ((9, 14), "db2", "symmetric", 2, None),
    ((16, 16), "haar", "periodization", 2, None),
    ((10, 12), "db2", "symmetric", None, None),
    ((16, 16), "db3", "reflect", 1, (1,)),
    ((9, 14), "db1", "symmetric", 2, (0,)),
    ((9, 14), "db2", "periodic", 1, (-1, 0)),
    ((5, 7, 6), "db1", "symmetric", 1, None),
    ((8, 6, 4), "haar", "periodization", 2, None),
    ((8, 6, 10), ("db2", "haar"), "symmetric", 1, (0, 2)),
    ((6, 11, 5), "sym2", ("zero", "periodization"), 2, (2, 1)),
    ((4, 5, 6), "haar", "symmetric", 0, (1,)),
]
CASE_IDS = [f"{s}-{w}-{m}-L{lv}-ax{ax}" for s, w, m, lv, ax in CASES]
# wavedec2 / wavedec inputs: (data shape, wavelet, mode, level, axes-or-axis)
CASES_2D = [((9, 14), "db2", "symmetric", 2, (-2, -1)), ((16, 16), "haar", "periodization", 3, (0, 1)),
            ((7, 5, 12), "db1", "symmetric", 1, (2, 0)), ((10, 12), "sym2", "zero", 0, (0, 1))]
CASES_1D = [((17,), "db2", "symmetric", 3), ((64,), "haar", "periodization", 4),
            ((31,), "sym4", "smooth", 1), ((8,), "db1", "symmetric", 0)]
PADDINGS = [0, -1.5, np.nan, None]


def wavedecn_coeffs(case, dtype=np.float64):
    shape, wavelet, mode, level, axes = case
    return quiet(pywt.wavedecn, random(shape, dtype), wavelet, mode, level, axes)


def _host(a):
    return a.get() if type(a).__module__.startswith("cupy") else a


def assert_same(ours, ref, device="numpy"):
    """Same nested structure (key order included), array types, dtypes and values."""
    if isinstance(ref, np.ndarray):
        assert type(ours).__module__.split(".")[0] == device, type(ours)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_array_equal(_host(ours), ref)
    elif isinstance(ref, (list, tuple)):
        assert type(ours) is type(ref) and len(ours) == len(ref), (ours, ref)
        for o, r in zip(ours, ref):
            assert_same(o, r, device)
    elif isinstance(ref, dict):
        assert isinstance(ours, dict) and list(ours) == list(ref), (list(ours), list(ref))
        for k in ref:
            assert_same(ours[k], ref[k], device)
    else:  # slices, ints
        assert ours == ref, (ours, ref)


def against_pywt(ours, ref, device="numpy"):
    """Run the pywt oracle; where it refuses the input, ours must refuse it clearly."""
    try:
        expected = quiet(ref)
    except Exception:
        with pytest.raises((ValueError, TypeError)):
            quiet(ours)
        return None
    result = quiet(ours)
    assert_same(result, expected, device)
    return result


# --- coeffs_to_array / array_to_coeffs --------------------------------------------------

@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_coeffs_to_array_wavedecn(case, padding):
    coeffs, axes = wavedecn_coeffs(case), case[4]
    against_pywt(lambda: ca.coeffs_to_array(coeffs, padding=padding, axes=axes),
                 lambda: pywt.coeffs_to_array(coeffs, padding=padding, axes=axes))


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("case", CASES_2D)
def test_coeffs_to_array_wavedec2(case, padding):
    shape, wavelet, mode, level, axes = case
    coeffs = quiet(pywt.wavedec2, random(shape), wavelet, mode, level, axes)
    ax = axes if len(shape) > 2 else None
    against_pywt(lambda: ca.coeffs_to_array(coeffs, padding=padding, axes=ax),
                 lambda: pywt.coeffs_to_array(coeffs, padding=padding, axes=ax))


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("case", CASES_1D)
def test_coeffs_to_array_wavedec(case, padding):
    shape, wavelet, mode, level = case
    coeffs = quiet(pywt.wavedec, random(shape), wavelet, mode, level)
    against_pywt(lambda: ca.coeffs_to_array(coeffs, padding=padding),
                 lambda: pywt.coeffs_to_array(coeffs, padding=padding))


def test_coeffs_to_array_level0_returns_the_approximation_itself():
    a = random((5, 6))
    ref_arr, ref_slices = pywt.coeffs_to_array([a])
    arr, slices = ca.coeffs_to_array([a], padding=None, axes=(7,))  # axes unused, as in pywt
    assert (arr is a) == (ref_arr is a) and slices == ref_slices


@pytest.mark.parametrize("approx_dtype, detail_dtype, padding", [
    (np.float32, np.float32, 0), (np.float32, np.float64, 0.1), (np.complex64, np.float64, 2 + 1j),
    (np.float64, np.complex128, 0), (np.int32, np.float64, 2.7), (np.int16, np.int64, -3),
    (np.complex128, np.complex128, np.nan),
])
def test_coeffs_to_array_dtype_is_the_approximations(approx_dtype, detail_dtype, padding):
    coeffs = wavedecn_coeffs(((9, 14), "db2", "symmetric", 2, None), np.complex128)
    def cast(a, dtype):
        return (a if np.dtype(dtype).kind == "c" else a.real).__mul__(10).astype(dtype)
    coeffs = [cast(coeffs[0], approx_dtype)] + [
        {k: cast(v, detail_dtype) for k, v in d.items()} for d in coeffs[1:]]
    against_pywt(lambda: ca.coeffs_to_array(coeffs, padding=padding),
                 lambda: pywt.coeffs_to_array(coeffs, padding=padding))
    against_pywt(lambda: ca.ravel_coeffs(coeffs), lambda: pywt.ravel_coeffs(coeffs))


@pytest.mark.parametrize("fmt", ["wavedec", "wavedec2", "wavedecn"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_array_to_coeffs_matches_pywt(case, fmt):
    coeffs, axes = wavedecn_coeffs(case), case[4]
    arr, slices = pywt.coeffs_to_array(coeffs, axes=axes)
    against_pywt(lambda: ca.array_to_coeffs(arr, slices, output_format=fmt),
                 lambda: pywt.array_to_coeffs(arr, slices, output_format=fmt))


@pytest.mark.parametrize("padding", [0, None])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_round_trip_wavedecn(case, padding):
    coeffs, axes = wavedecn_coeffs(case), case[4]
    if padding is None:
        try:
            pywt.coeffs_to_array(coeffs, padding=None, axes=axes)
        except ValueError:
            padding = 0  # not tightly packable
    arr, slices = ca.coeffs_to_array(coeffs, padding=padding, axes=axes)
    assert_same(ca.array_to_coeffs(arr, slices), coeffs)
    assert_same(ca.array_to_coeffs(arr.tolist(), slices), coeffs)  # array-likes accepted


@pytest.mark.parametrize("case", CASES_2D)
def test_round_trip_wavedec2(case):
    shape, wavelet, mode, level, axes = case
    coeffs = quiet(pywt.wavedec2, random(shape), wavelet, mode, level, axes)
    arr, slices = ca.coeffs_to_array(coeffs, axes=axes)
    assert_same(ca.array_to_coeffs(arr, slices, output_format="wavedec2"), coeffs)


@pytest.mark.parametrize("case", CASES_1D)
def test_round_trip_wavedec(case):
    coeffs = quiet(pywt.wavedec, random(case[0]), *case[1:])
    arr, slices = ca.coeffs_to_array(coeffs)
    assert_same(ca.array_to_coeffs(arr, slices, output_format="wavedec"), coeffs)
    rec = pywt.waverec(ca.array_to_coeffs(arr, slices, "wavedec"), *case[1:3])
    np.testing.assert_allclose(rec[:case[0][0]], random(case[0]), atol=1e-12)


# --- ravel_coeffs / unravel_coeffs ------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_ravel_wavedecn(case):
    coeffs, axes = wavedecn_coeffs(case), case[4]
    against_pywt(lambda: ca.ravel_coeffs(coeffs, axes=axes),
                 lambda: pywt.ravel_coeffs(coeffs, axes=axes))


@pytest.mark.parametrize("case", CASES_2D)
def test_ravel_wavedec2(case):
    shape, wavelet, mode, level, axes = case
    coeffs = quiet(pywt.wavedec2, random(shape), wavelet, mode, level, axes)
    ax = axes if len(shape) > 2 else None
    against_pywt(lambda: ca.ravel_coeffs(coeffs, axes=ax), lambda: pywt.ravel_coeffs(coeffs, axes=ax))


@pytest.mark.parametrize("case", CASES_1D)
def test_ravel_wavedec(case):
    coeffs = quiet(pywt.wavedec, random(case[0]), *case[1:])
    against_pywt(lambda: ca.ravel_coeffs(coeffs), lambda: pywt.ravel_coeffs(coeffs))


def _swt_inputs():
    yield "swt", pywt.swt(random(16), "db2", level=2, trim_approx=True)
    yield "swt2", pywt.swt2(random((8, 12)), "haar", level=2, trim_approx=True)
    yield "swtn", pywt.swtn(random((4, 8, 4)), "db1", level=1, trim_approx=True)


@pytest.mark.parametrize("fmt, coeffs", list(_swt_inputs()), ids=["swt", "swt2", "swtn"])
def test_ravel_round_trip_swt_formats(fmt, coeffs):
    arr, slices, shapes = against_pywt(lambda: ca.ravel_coeffs(coeffs), lambda: pywt.ravel_coeffs(coeffs))
    assert_same(ca.unravel_coeffs(arr, slices, shapes, output_format=fmt), coeffs)


@pytest.mark.parametrize("fmt", ["wavedec", "wavedec2", "wavedecn", "swt", "swt2", "swtn"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_unravel_matches_pywt(case, fmt):
    coeffs, axes = wavedecn_coeffs(case), case[4]
    arr, slices, shapes = pywt.ravel_coeffs(coeffs, axes=axes)
    against_pywt(lambda: ca.unravel_coeffs(arr, slices, shapes, output_format=fmt),
                 lambda: pywt.unravel_coeffs(arr, slices, shapes, output_format=fmt))
    if fmt == "wavedecn":
        ours = ca.ravel_coeffs(coeffs, axes=axes)
        assert_same(ca.unravel_coeffs(*ours), coeffs)


@pytest.mark.parametrize("case", CASES_2D)
def test_unravel_round_trip_wavedec2(case):
    shape, wavelet, mode, level, axes = case
    coeffs = quiet(pywt.wavedec2, random(shape), wavelet, mode, level, axes)
    assert_same(ca.unravel_coeffs(*ca.ravel_coeffs(coeffs, axes=axes), output_format="wavedec2"), coeffs)


# --- shapes, sizes, levels --------------------------------------------------------------

SHAPE_CASES = [((64, 32), "db2", "symmetric", 3, (0,)), ((17,), "haar", "zero", None, None),
               ((9, 14), "sym3", "periodization", 2, None), ((5, 7, 6), "db1", "smooth", 0, None),
               ((8, 6, 10), ("db2", "haar"), "symmetric", 1, (0, 2)),
               ((100, 10), ("db4", "haar"), "symmetric", None, None),  # pywt's min/max quirk
               ((6, 11, 5), "sym2", ("zero", "periodization"), 2, (2, -2)),
               ((64, 32), ("db2",), ("per",), 1, None), ((33, 40, 2), "db3", "reflect", 5, (0, 1)),
               ((1,), "haar", "symmetric", 1, None), ((0, 4), "haar", "symmetric", None, None),
               ((0, 4), "haar", "symmetric", 1, None), ((12, 13), "db2", 3, 2, 1),
               ((8.0, np.int64(9)), "db2", "symmetric", 1, None)]


def _with_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except Exception as exc:
            result = exc
    # Only the level warnings: pywt's DeprecationWarning for mode aliases is not ours to test.
    return result, sorted(str(w.message) for w in caught if "Level value" in str(w.message))


@pytest.mark.parametrize("case", SHAPE_CASES)
def test_wavedecn_shapes(case):
    shape, wavelet, mode, level, axes = case
    ref, ref_warn = _with_warnings(lambda: pywt.wavedecn_shapes(shape, wavelet, mode, level, axes))
    ours, our_warn = _with_warnings(lambda: ca.wavedecn_shapes(shape, wavelet, mode, level, axes))
    assert our_warn == ref_warn
    if isinstance(ref, Exception):
        assert isinstance(ours, (ValueError, TypeError)), ours
    else:
        assert_same(ours, ref)
        assert ca.wavedecn_size(ours) == pywt.wavedecn_size(ref)
        if level is not None and 0 not in shape:  # the shapes of what wavedecn really gives
            real = wavedecn_coeffs((shape, wavelet, mode, level, axes))
            assert_same(ours, [real[0].shape] + [{k: v.shape for k, v in d.items()} for d in real[1:]])


@pytest.mark.parametrize("case", SHAPE_CASES + [((64, 32), "db2", "symmetric", 0, None)])
def test_dwtn_max_level(case):
    shape, wavelet, _, _, axes = case
    against_pywt(lambda: ca.dwtn_max_level(shape, wavelet, axes),
                 lambda: pywt.dwtn_max_level(shape, wavelet, axes))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wavedecn_size(case):
    coeffs = wavedecn_coeffs(case)
    assert ca.wavedecn_size(coeffs) == pywt.wavedecn_size(coeffs)
    shapes = quiet(pywt.wavedecn_shapes, case[0], *case[1:])
    assert ca.wavedecn_size(shapes) == pywt.wavedecn_size(shapes)
    assert ca.wavedecn_size(coeffs) == ca.ravel_coeffs(coeffs, axes=case[4])[0].size


def test_wavedecn_size_of_wavedec_and_wavedec2_lists():
    # pywt only reads the wavedecn format here; the other two are counted the same way.
    for coeffs in (pywt.wavedec(random(37), "db2", level=3),
                   pywt.wavedec2(random((12, 14)), "db2", level=2)):
        flat = [coeffs[0]] + [c for d in coeffs[1:] for c in (d if isinstance(d, tuple) else [d])]
        assert ca.wavedecn_size(coeffs) == sum(c.size for c in flat)
    assert ca.wavedecn_size([(10,), (10,), (18,)]) == 38  # a wavedec-style list of shapes


# --- bad input --------------------------------------------------------------------------

def _bad_coeff_lists():
    c2 = pywt.wavedecn(random((12, 14)), "db2", level=2)
    w2 = pywt.wavedec2(random((12, 14)), "db2", level=2)
    w1 = pywt.wavedec(random(20), "db2", level=2)
    sub = pywt.wavedecn(random((9, 14)), "db2", level=1, axes=(1,))
    yield "tuple", tuple(c2), None
    yield "empty", [], None
    yield "none approx", [None] + c2[1:], None
    yield "list approx", [c2[0].tolist()] + c2[1:], None
    yield "none dict value", c2[:1] + [dict(c2[1], dd=None)] + c2[2:], None
    yield "none wavedec2 entry", w2[:1] + [(w2[1][0], None, w2[1][2])] + w2[2:], None
    yield "none wavedec level", w1[:2] + [None], None
    yield "none first detail", [c2[0], None], None
    yield "wavedec2 2-tuple", w2[:1] + [w2[1][:2]] + w2[2:], None
    yield "wavedec 2D details", pywt.wavedec(random((16, 20)), "db2", level=2, axis=0), (0,)
    yield "scalar detail", [c2[0], 3.0], None
    yield "subset without axes", sub, None
    yield "axes too long", c2, (0, 1, 0)
    yield "axes out of range", sub, (2,)
    yield "bad letter", [c2[0], {"dx": c2[1]["dd"]}], None
    yield "list detail value", [c2[0], {k: v.tolist() for k, v in c2[1].items()}], None
    yield "wrong non-transformed length", [sub[0], {"d": sub[1]["d"][:-1]}], (1,)


@pytest.mark.parametrize("fn", ["coeffs_to_array", "ravel_coeffs"])
@pytest.mark.parametrize("name, coeffs, axes", list(_bad_coeff_lists()),
                         ids=[c[0] for c in _bad_coeff_lists()])
def test_bad_coefficient_lists(fn, name, coeffs, axes):
    if fn == "ravel_coeffs" and name == "wrong non-transformed length":
        # ravel_coeffs never relates the subbands' shapes, so this is fine there (as in pywt).
        against_pywt(lambda: ca.ravel_coeffs(coeffs, axes=axes),
                     lambda: pywt.ravel_coeffs(coeffs, axes=axes))
        return
    with pytest.raises((ValueError, TypeError)):
        getattr(ca, fn)(coeffs, axes=axes)
    if fn == "coeffs_to_array" or name not in ("axes out of range", "bad letter"):
        with pytest.raises(Exception):  # the oracle refuses it too
            getattr(pywt, fn)(coeffs, axes=axes)


def test_bad_coefficient_list_messages():
    c2 = pywt.wavedecn(random((12, 14)), "db2", level=2)
    with pytest.raises(ValueError, match="None"):
        ca.coeffs_to_array([c2[0], dict(c2[1], ad=None)])
    with pytest.raises(ValueError, match="tightly packed"):
        ca.coeffs_to_array(c2, padding=None)
    with pytest.raises(ValueError, match="axes must be specified"):
        ca.coeffs_to_array(pywt.wavedecn(random((9, 14)), "db2", level=1, axes=(0,)))
    with pytest.raises(ValueError, match="same .*format"):
        ca.coeffs_to_array([c2[0], c2[1], c2[1]["dd"]])


def test_bad_slices_and_formats():
    coeffs = pywt.wavedecn(random((12, 14)), "db2", level=2)
    arr, slices = pywt.coeffs_to_array(coeffs)
    flat, fslices, fshapes = pywt.ravel_coeffs(coeffs)
    bad = [lambda: ca.array_to_coeffs(arr, [], "wavedecn"),
           lambda: ca.array_to_coeffs(arr, slices, "bogus"),
           lambda: ca.array_to_coeffs(arr, slices, "swtn"),  # only unravel_coeffs knows swt*
           lambda: ca.array_to_coeffs(arr, slices, "wavedec"),  # 2D slices have no 'd'
           lambda: ca.unravel_coeffs(flat, [], fshapes),
           lambda: ca.unravel_coeffs(flat, fslices, []),
           lambda: ca.unravel_coeffs(flat, fslices, fshapes[:-1]),
           lambda: ca.unravel_coeffs(flat, fslices, fshapes, "bogus"),
           lambda: ca.unravel_coeffs(flat, fslices, fshapes, "swt")]
    for call in bad:
        with pytest.raises((ValueError, TypeError)):
            call()
    # Stricter than pywt, deliberately: a bad format is refused even with no detail level.
    assert isinstance(pywt.array_to_coeffs(arr, slices[:1], "bogus"), list)
    with pytest.raises(ValueError, match="Unrecognized output format"):
        ca.array_to_coeffs(arr, slices[:1], "bogus")


@pytest.mark.parametrize("args", [
    ((), "db2", "symmetric", None, None), ((8, 8), "db2", "symmetric", None, (0, 0)),
    ((8, 8), "db2", "symmetric", None, (2,)), ((8, 8), "db2", "symmetric", -1, None),
    ((8, 8), "nope", "symmetric", None, None), ((8, 8), "db2", "nope", None, None),
    ((8, 8), ("db2", "haar", "db1"), "symmetric", None, None),
    ((8, 8), "db2", ("zero", "zero", "zero"), None, None), ((8, 8), "morl", "symmetric", 1, None),
    ((8, 8), "db2", "symmetric", 1.5, None), ((8.5, 8), "db2", "symmetric", 1, None),
])
def test_bad_shape_arguments(args):
    shape, wavelet, mode, level, axes = args
    with pytest.raises((ValueError, TypeError)):
        ca.wavedecn_shapes(shape, wavelet, mode, level, axes)
    if shape != (8.5, 8):  # pywt silently truncates a fractional length; we refuse it
        with pytest.raises(Exception):
            quiet(pywt.wavedecn_shapes, shape, wavelet, mode, level, axes)
    if mode == "symmetric" and level in (None, 1):  # dwtn_max_level takes no mode or level
        with pytest.raises((ValueError, TypeError)):
            ca.dwtn_max_level(shape, wavelet, axes)


def test_wavedecn_size_refuses_none():
    coeffs = pywt.wavedecn(random((9, 14)), "db2", level=1)
    coeffs[1]["ad"] = None
    with pytest.raises(ValueError, match="None"):
        ca.wavedecn_size(coeffs)
    with pytest.raises(ValueError, match="None"):
        pywt.wavedecn_size(coeffs)


# --- CuPy -------------------------------------------------------------------------------

def _to_device(tree, xp):
    if isinstance(tree, np.ndarray):
        return xp.asarray(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_device(t, xp) for t in tree)
    if isinstance(tree, dict):
        return {k: _to_device(v, xp) for k, v in tree.items()}
    return tree


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("padding", [0, np.nan, None])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_gpu_matches_pywt(case, padding):
    import cupy
    coeffs, axes = wavedecn_coeffs(case, np.float32), case[4]
    dev = _to_device(coeffs, cupy)
    packed = against_pywt(lambda: ca.coeffs_to_array(dev, padding=padding, axes=axes),
                          lambda: pywt.coeffs_to_array(coeffs, padding=padding, axes=axes), "cupy")
    if packed is not None:
        for fmt in ("wavedec", "wavedec2", "wavedecn"):
            ref_arr, ref_slices = pywt.coeffs_to_array(coeffs, padding=padding, axes=axes)
            against_pywt(lambda: ca.array_to_coeffs(packed[0], packed[1], fmt),
                         lambda: pywt.array_to_coeffs(ref_arr, ref_slices, fmt), "cupy")
    raveled = against_pywt(lambda: ca.ravel_coeffs(dev, axes=axes),
                           lambda: pywt.ravel_coeffs(coeffs, axes=axes), "cupy")
    assert_same(ca.unravel_coeffs(*raveled), coeffs, "cupy")
    assert ca.wavedecn_size(dev) == pywt.wavedecn_size(coeffs)


@pytest.mark.gpu
@requires_cuda
def test_gpu_wavedec2_and_wavedec_lists():
    import cupy
    for coeffs, fmt in ((pywt.wavedec2(random((12, 14)), "db2", level=2), "wavedec2"),
                        (pywt.wavedec(random(37), "sym3", level=2), "wavedec")):
        dev = _to_device(coeffs, cupy)
        arr, slices = against_pywt(lambda: ca.coeffs_to_array(dev),
                                   lambda: pywt.coeffs_to_array(coeffs), "cupy")
        assert_same(ca.array_to_coeffs(arr, slices, fmt), coeffs, "cupy")
        flat, fslices, fshapes = against_pywt(lambda: ca.ravel_coeffs(dev),
                                              lambda: pywt.ravel_coeffs(coeffs), "cupy")
        assert_same(ca.unravel_coeffs(flat, fslices, fshapes, fmt), coeffs, "cupy")


@pytest.mark.gpu
@requires_cuda
def test_gpu_refuses_mixed_devices_and_keeps_level0_identity():
    import cupy
    coeffs = pywt.wavedecn(random((9, 14)), "db2", level=1)
    mixed = [cupy.asarray(coeffs[0]), coeffs[1]]
    for fn in (ca.coeffs_to_array, ca.ravel_coeffs):
        with pytest.raises(TypeError, match="different devices"):
            fn(mixed)
    a = cupy.asarray(coeffs[0])
    assert ca.coeffs_to_array([a])[0] is a
    flat = ca.ravel_coeffs([a])[0]
    assert isinstance(flat, cupy.ndarray) and flat.shape == (a.size,)
