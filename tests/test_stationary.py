"""The stationary wavelet transform family equals pywt's, and its adjoints are
the transposes of pywt's explicit matrices.

Oracles: pywt's swt/iswt/swt2/iswt2/swtn/iswtn for values, structures, dtypes
and refusals; pywt applied to unit vectors for the adjoints' matrices; the
dot-product identity on batched and complex data.
"""
import warnings

import numpy as np
import pytest
import pywt
from hypothesis import given
from hypothesis import strategies as st

import cuwavelet as cw
from conftest import assert_same_structure, leaves, pywt_matrix, random, rebuild, to_numpy
from test_properties import (DOUBLES, FLOATS, LAYOUTS, PR_WAVELETS, WAVELETS, agree, examples,
                             laid_out, map_leaves, rtol, values)

RTOL = {np.float64: 1e-12, np.float32: 2e-5, np.complex128: 1e-12, np.complex64: 2e-5}
SAMPLE_WAVELETS = ["haar", "db3", "sym4", "coif2", "bior2.4", "rbio3.1", "dmey"]


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def on(xp, structure):
    return map_leaves(xp.asarray, structure)


def check(name, xp, data, *args, tol=1e-12, **kwargs):
    """cw.name on xp arrays equals pywt.name (structure, dtype, values)."""
    expected = quiet(getattr(pywt, name), data, *args, **kwargs)
    got = quiet(getattr(cw, name), on(xp, data), *args, **kwargs)
    assert_same_structure(got, expected, tol)
    return expected


# --- values --------------------------------------------------------------------

@pytest.mark.parametrize("wavelet", WAVELETS)
def test_swt_and_iswt_every_wavelet(xp, wavelet):
    """Every wavelet, filters shorter and (coif17, dmey) much longer than the
    signal, so that the periodic taps wrap around several times."""
    x = random((2, 32), seed=1)
    for level, start in [(1, 0), (3, 0), (2, 3), (5, 0)]:
        for trim in (False, True):
            coeffs = check("swt", xp, x, wavelet, level=level, start_level=start,
                           trim_approx=trim)
            check("iswt", xp, coeffs, wavelet)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_swt_dtypes_axes_and_batches(xp, dtype):
    x = random((4, 16, 5), dtype)
    for axis in (1, -2):
        for norm in (False, True):
            coeffs = check("swt", xp, x, "db2", level=3, axis=axis, norm=norm, tol=RTOL[dtype])
            check("iswt", xp, coeffs, "db2", axis=axis, norm=norm, tol=RTOL[dtype])
    coeffs = check("swt2", xp, x, ("db2", "sym3"), level=2, axes=(1, 0), tol=RTOL[dtype])
    check("iswt2", xp, coeffs, ("db2", "sym3"), axes=(1, 0), tol=RTOL[dtype])
    for trim in (False, True):
        coeffs = check("swtn", xp, x, "bior2.2", level=2, axes=(0, 1), trim_approx=trim,
                       tol=RTOL[dtype])
        check("iswtn", xp, coeffs, "bior2.2", axes=(0, 1), tol=RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.uint8, bool])
def test_dtype_promotion_as_pywt(dtype):
    x = (np.arange(32).reshape(2, 16) % 5).astype(dtype)
    check("swt", np, x, "db2", level=2)
    check("swt2", np, x, "haar", level=1)
    check("swtn", np, x, "haar", level=1)


def test_mixed_dtypes_in_the_inverse_upcast_as_pywt():
    x = random(16)
    coeffs = pywt.swt(x, "db2", level=2)
    mixed = [(coeffs[0][0].astype(np.float32), coeffs[0][1]),
             (coeffs[1][0], coeffs[1][1].astype(np.complex64))]
    assert_same_structure(cw.iswt(mixed, "db2"), pywt.iswt(mixed, "db2"), 1e-7)
    c2 = pywt.swt2(random((8, 8)), "db1", level=1)
    mixed2 = [(c2[0][0].astype(np.float32), tuple(c.astype(np.float32) for c in c2[0][1]))]
    assert_same_structure(cw.iswt2(mixed2, "db1"), pywt.iswt2(mixed2, "db1"), 1e-6)


@pytest.mark.parametrize("wavelet", SAMPLE_WAVELETS)
def test_swt2_and_swtn_start_level_trim_norm(xp, wavelet):
    x = random((8, 16, 4), seed=3)
    for level, start in [(1, 0), (2, 1), (3, 0)]:
        for trim in (False, True):
            for norm in (False, True):
                kw = dict(level=level, start_level=start, trim_approx=trim, norm=norm)
                coeffs = check("swt2", xp, x[..., 0], wavelet, **kw)
                check("iswt2", xp, coeffs, wavelet, norm=norm)
                coeffs = check("swtn", xp, x, wavelet, axes=(1, 0), **kw)
                check("iswtn", xp, coeffs, wavelet, axes=(1, 0), norm=norm)


def test_swtn_every_axis_and_level_zero():
    x = random((4, 8, 2))
    check("swtn", np, x, "db1", level=1)
    assert cw.swtn(x, "db1", level=0) == pywt.swtn(x, "db1", level=0) == []
    assert_same_structure(cw.swtn(x, "db1", level=0, trim_approx=True),
                          pywt.swtn(x, "db1", level=0, trim_approx=True), 0)


@pytest.mark.parametrize("dtype", [bool, np.int32, np.float16, ">f8"])
def test_level_zero_returns_the_data_as_pywt(dtype):
    """Where nothing is transformed, pywt hands the data back in its own
    dtype: the decimated MRAs, the fully separable transform, and swt2 and
    swtn with trim_approx (swtn of one axis and swt2 return nothing, swt
    refuses level 0)."""
    x = (random((4, 8), seed=3) * 3).astype(dtype)
    calls = {
        "mra": lambda m: m.mra(x, "haar", level=0, transform="dwt"),
        "mra2": lambda m: m.mra2(x, "haar", level=0, transform="dwt2"),
        "mran": lambda m: m.mran(x, "haar", level=0, transform="dwtn"),
        "fswavedecn": lambda m: [m.fswavedecn(x, "haar", levels=0).coeffs],
        "fswaverecn": lambda m: [m.fswaverecn(m.fswavedecn(x, "haar", levels=0))],
        "swt2": lambda m: m.swt2(x, "haar", level=0, trim_approx=True),
        "swtn": lambda m: m.swtn(x, "haar", level=0, trim_approx=True),
    }
    for name, call in calls.items():
        ours, theirs = call(cw), call(pywt)
        assert len(ours) == len(theirs) == 1, name
        assert ours[0].dtype == theirs[0].dtype, name
        np.testing.assert_array_equal(ours[0], theirs[0])
    assert cw.swtn(x[0], "haar", level=0) == pywt.swtn(x[0], "haar", level=0) == []
    assert cw.swt2(x, "haar", level=0) == pywt.swt2(x, "haar", level=0) == []
    for m in (cw, pywt):
        with pytest.raises(ValueError, match="greater than zero"):
            m.swt(x, "haar", level=0)


def test_swt_default_level_is_swt_max_level():
    x = random((3, 48))
    check("swt", np, x, "db1")
    check("swt", np, x.T, "db1", axis=0)


def test_swt_max_level_as_pywt():
    for n in (1, 2, 3, 8, 96, 1000, 2 ** 20):
        assert quiet(cw.swt_max_level, n) == quiet(pywt.swt_max_level, n)
    with pytest.warns(UserWarning, match="No levels"):
        cw.swt_max_level(11)
    with pytest.raises(ValueError):
        cw.swt_max_level(0)


def test_energy_preservation_with_norm():
    """pywt's documented property: orthogonal wavelet, norm=True, trim_approx=True."""
    x = random((2, 64), seed=4)
    coeffs = cw.swt(x, "sym4", level=4, trim_approx=True, norm=True)
    energy = sum(np.sum(np.abs(c) ** 2) for c in coeffs)
    np.testing.assert_allclose(energy, np.sum(x ** 2), rtol=1e-12)
    with pytest.warns(UserWarning, match="not orthogonal"):
        cw.swt(x, "bior2.2", level=1, norm=True)
    with pytest.warns(UserWarning, match="not orthogonal"):
        cw.swtn(x, "bior2.2", level=1, norm=True)


def test_views_and_strided_outputs_are_not_aliased():
    """Approximations of every level are separate results: editing one
    changes no other, and the input is never written."""
    x = random((4, 32))
    keep = x.copy()
    coeffs = cw.swt(x, "db2", level=3)
    coeffs[1][0][...] = 0
    assert np.array_equal(x, keep)
    expected = pywt.swt(x, "db2", level=3)
    np.testing.assert_allclose(coeffs[0][0], expected[0][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(coeffs[2][0], expected[2][0], rtol=0, atol=1e-12)


def test_views_whose_dimensions_do_not_merge():
    """A strided view of more dimensions than a kernel walks (8 axes strided
    every other element, and complex data's extra one): the launch is split
    along its outermost dimension, pywt's values in every transform."""
    x = random((4,) * 8 + (8,), seed=12)[(slice(None, None, 2),) * 8]
    c = cw.swt(x, "db2", level=2)
    assert_same_structure(c, pywt.swt(x, "db2", level=2), 1e-12)
    np.testing.assert_allclose(cw.iswt(c, "db2"), x, rtol=0, atol=1e-12)
    z = x + 1j * x[..., ::-1]
    for got, want in zip(leaves(cw.swt(z, "db2", level=1)), leaves(pywt.swt(z, "db2", level=1))):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    y = random((4,) * 7 + (8, 8), seed=13)[(slice(None, None, 2),) * 7]
    for got, want in zip(leaves(cw.swt2(y, "db1", level=1)), leaves(pywt.swt2(y, "db1", level=1))):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


# --- refusals --------------------------------------------------------------------

BAD_CALLS = [
    ("swt", (np.ones(7), "db1"), {"level": 1}),                    # odd length
    ("swt", (np.ones(8), "db1"), {"level": 4}),                    # too deep
    ("swt", (np.ones(8), "db1"), {"level": 1, "start_level": 3}),  # start too deep
    ("swt", (np.ones(8), "db1"), {"level": 0}),
    ("swt", (np.ones(8), "db1"), {"level": 1, "axis": 1}),
    ("swt", (np.ones((2, 6)), "db1"), {"level": 2, "axis": 1}),
    ("swt", ([], "db2"), {}),
    ("swt", (np.ones(8), "cmor"), {"level": 1}),
    ("swt", (np.ones(8), "db99"), {"level": 1}),
    ("swt2", (np.ones(8), "db1", 1), {}),                          # 1D data
    ("swt2", (np.ones((8, 8)), "db1", 1), {"axes": (0, 0)}),
    ("swt2", (np.ones((8, 8)), "db1", 1), {"axes": (0,)}),
    ("swtn", (np.ones((8, 8)), "db1", 1), {"axes": (0, 0)}),
    ("swtn", (np.ones((8, 8)), "db1", 1), {"axes": (0, 2)}),
    ("swtn", (np.asarray([]), "db1", 1), {}),
    ("swtn", (np.ones((1, 0)), "db2", 1), {"axes": (0,)}),
    ("swtn", (np.ones((8, 8)), ["db1", "db2", "db3"], 1), {}),
]


@pytest.mark.parametrize("name, args, kwargs", BAD_CALLS)
def test_refusals_as_pywt(name, args, kwargs):
    with pytest.raises(Exception) as expected:
        quiet(getattr(pywt, name), *args, **kwargs)
    with pytest.raises(type(expected.value)):
        quiet(getattr(cw, name), *args, **kwargs)


def test_inverse_refusals_as_pywt():
    x = random((8, 8, 8))
    coeffs = pywt.swtn(x, "db1", level=2)
    with pytest.raises(ValueError):
        cw.iswtn(coeffs, "db1", axes=(0, 1))          # fewer axes than key letters
    with pytest.raises(ValueError):
        cw.iswtn(coeffs, "db1", axes=(0, 0, 1))
    bad = [dict(c) for c in coeffs]
    bad[1]["dda"] = bad[1]["dda"][:4]
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        pywt.iswtn(bad, "db1")
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        cw.iswtn(bad, "db1")
    six = [(np.ones(6), np.ones(6))] * 2  # two levels need a multiple of 4 samples
    with pytest.raises(ValueError):
        pywt.iswt(six, "db1")
    with pytest.raises(ValueError, match="multiple of 4"):
        cw.iswt(six, "db1")
    with pytest.raises(ValueError, match="cmor"):
        cw.iswt(pywt.swt(np.ones(8), "db1", level=1), "cmor")


# --- properties ----------------------------------------------------------------

@st.composite
def swt_inputs(draw, max_axes=3):
    """Arrays whose transformed lengths are multiples of 2**levels, in every layout."""
    ndim = draw(st.integers(1, 3))
    naxes = draw(st.integers(1, min(ndim, max_axes)))
    axes = draw(st.permutations(range(ndim)))[:naxes]
    level = draw(st.integers(1, 3))
    start = draw(st.integers(0, 1))
    shape = [draw(st.integers(1, 5)) for _ in range(ndim)]
    for ax in axes:
        shape[ax] = (2 ** (level + start)) * draw(st.integers(1, 3))
    dtype = draw(st.sampled_from(FLOATS))
    x = laid_out(values(tuple(shape), dtype, draw(st.integers(0, 2 ** 32 - 1))),
                 draw(st.sampled_from(LAYOUTS)))
    wavelet = draw(st.sampled_from(WAVELETS))
    return x, [a - ndim if draw(st.booleans()) else a for a in axes], level, start, wavelet


@examples(60)
@given(swt_inputs(), st.booleans(), st.booleans())
def test_property_swtn_and_iswtn_agree_with_pywt(case, trim, norm):
    x, axes, level, start, wavelet = case
    coeffs = agree("swtn", x, wavelet, level, start, axes, trim, norm, tol=rtol(x.dtype))
    if coeffs is not None and start == 0:
        agree("iswtn", coeffs, wavelet, axes, norm, tol=rtol(x.dtype))


@examples(40)
@given(swt_inputs(max_axes=1), st.booleans())
def test_property_swt_agrees_with_pywt_on_any_layout(case, trim):
    x, axes, level, start, wavelet = case
    coeffs = agree("swt", x, wavelet, level, start, axes[0], trim, tol=rtol(x.dtype))
    if coeffs is not None:
        agree("iswt", coeffs, wavelet, axis=axes[0], tol=rtol(x.dtype))


@examples(30)
@given(st.sampled_from(PR_WAVELETS), st.integers(1, 4), st.integers(0, 63))
def test_property_shift_equivariance_and_perfect_reconstruction(wavelet, level, shift):
    """The SWT commutes with circular shifts, and iswt inverts swt."""
    x = random((2, 64), seed=shift)
    coeffs = cw.swt(x, wavelet, level=level)
    shifted = cw.swt(np.roll(x, shift, axis=-1), wavelet, level=level)
    for c, s in zip(leaves(coeffs), leaves(shifted)):
        np.testing.assert_allclose(s, np.roll(c, shift, axis=-1), rtol=0,
                                   atol=1e-12 * np.abs(c).max())
    np.testing.assert_allclose(cw.iswt(coeffs, wavelet), x, rtol=0, atol=1e-10)


# --- adjoints ----------------------------------------------------------------------

ADJOINT_WAVELETS = ["haar", "db2", "sym4", "bior2.2", "rbio3.3", "coif1"]


def flat(c):
    return np.concatenate([np.ravel(to_numpy(v)) for v in leaves(c)])


def assert_transpose(forward, adjoint):
    assert adjoint.shape == forward.T.shape
    np.testing.assert_allclose(adjoint, forward.T, rtol=0,
                               atol=1e-12 * max(1.0, np.abs(forward).max()))


@pytest.mark.parametrize("wavelet", ADJOINT_WAVELETS)
def test_swt_and_iswt_adjoints_are_transposes_of_pywt_matrices(wavelet):
    for n, level, start in [(2, 1, 0), (8, 1, 0), (8, 2, 1), (16, 3, 0), (4, 2, 0)]:
        for trim in (False, True):
            for norm in (False, True):
                kw = dict(level=level, start_level=start, trim_approx=trim, norm=norm)
                like = quiet(pywt.swt, np.zeros(n), wavelet, **kw)
                fwd = quiet(pywt_matrix, lambda x: pywt.swt(x, wavelet, **kw), (n,))
                adj = np.stack([cw.adjoint.swt(rebuild(like, np.split(e, len(leaves(like)))),
                                               wavelet, start_level=start, norm=norm)
                                for e in np.eye(fwd.shape[0])], axis=1)
                assert_transpose(fwd, adj)
                inv = np.stack([flat(pywt.iswt(rebuild(like, np.split(e, len(leaves(like)))),
                                               wavelet, norm=norm))
                                for e in np.eye(fwd.shape[0])], axis=1)
                adj = np.stack([flat(cw.adjoint.iswt(e, wavelet, level, norm=norm,
                                                     trim_approx=trim))
                                for e in np.eye(n)], axis=1)
                assert_transpose(inv, adj)


@pytest.mark.parametrize("wavelet", ["db1", ("db2", "bior1.3")])
def test_swt2_and_iswt2_adjoints_are_transposes_of_pywt_matrices(wavelet):
    shape = (4, 8)
    for level, start, trim in [(1, 0, False), (2, 0, True), (1, 1, False)]:
        kw = dict(level=level, start_level=start, trim_approx=trim)
        like = pywt.swt2(np.zeros(shape), wavelet, **kw)
        count = len(leaves(like))
        fwd = pywt_matrix(lambda x: pywt.swt2(x, wavelet, **kw), shape)
        adj = np.stack([np.ravel(cw.adjoint.swt2(
            rebuild(like, [v.reshape(shape) for v in np.split(e, count)]), wavelet,
            start_level=start)) for e in np.eye(fwd.shape[0])], axis=1)
        assert_transpose(fwd, adj)
        if start:
            continue
        inv = np.stack([np.ravel(pywt.iswt2(rebuild(like, [v.reshape(shape)
                                                           for v in np.split(e, count)]), wavelet))
                        for e in np.eye(fwd.shape[0])], axis=1)
        adj = np.stack([flat(cw.adjoint.iswt2(e.reshape(shape), wavelet, level,
                                              trim_approx=trim))
                        for e in np.eye(int(np.prod(shape)))], axis=1)
        assert_transpose(inv, adj)


def dot(a, b):
    return sum(np.vdot(to_numpy(u), to_numpy(v)) for u, v in zip(leaves(a), leaves(b)))


@pytest.mark.parametrize("dtype", DOUBLES)
@pytest.mark.parametrize("trim", [False, True])
def test_swtn_and_iswtn_dot_product_identities(xp, dtype, trim):
    """<F x, c> = <x, F* c> on batched nD data with per-axis wavelets."""
    x = random((3, 16, 8), dtype, seed=5)
    wavelets = ["db2", "sym3"]
    kw = dict(level=2, start_level=1, axes=(2, 1), trim_approx=trim, norm=True)
    fx = quiet(cw.swtn, xp.asarray(x), wavelets, **kw)
    c = rebuild(fx, [random(v.shape, dtype, seed=i) for i, v in enumerate(leaves(fx))])
    lhs = dot(fx, c)
    rhs = np.vdot(x, to_numpy(cw.adjoint.swtn(on(xp, c), wavelets, start_level=1, axes=(2, 1),
                                              norm=True)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    # the inverse: <G c, y> = <c, G* y>
    gc = cw.iswtn(on(xp, c), wavelets, axes=(2, 1), norm=True)
    y = random(gc.shape, dtype, seed=9)
    gy = cw.adjoint.iswtn(xp.asarray(y), wavelets, 2, axes=(2, 1), norm=True, trim_approx=trim)
    np.testing.assert_allclose(np.vdot(to_numpy(gc), y), dot(c, gy), rtol=1e-12)


def test_adjoint_none_cotangents_are_zeros():
    x = random(16)
    like = cw.swt(x, "db2", level=2)
    full = [(np.zeros(16), like[0][1]), (np.zeros(16), np.zeros(16))]
    sparse = [(None, like[0][1]), (None, None)]
    np.testing.assert_array_equal(cw.adjoint.swt(full, "db2"), cw.adjoint.swt(sparse, "db2"))
    with pytest.raises(ValueError, match="all are None"):
        cw.adjoint.swt([(None, None)], "db2")
