"""threshold and threshold_firm equal pywt's: dtypes by NumPy's promotion of
data, threshold and substitute, values within rounding of the magnitude
(NumPy's complex absolute value is not correctly rounded and differs between
its own code paths, so the comparison is on the scale of the data), refusals."""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import to_numpy

MODES = ["soft", "hard", "garrote", "garotte", "greater", "less"]
EPS = {np.dtype(np.float16): 1e-3, np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-15}


def data_of(dtype, n=301, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 3
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(n) * 3
    x = x.astype(dtype)
    x[:4] = 0  # |x| = 0: value / 0 and 0 / 0 as NumPy has them
    return x


def compare(got, expected, input_dtype):
    got, expected = np.asarray(to_numpy(got)), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    real = np.dtype(input_dtype)
    real = np.dtype(np.float64) if real.kind in "biu" else np.finfo(real).dtype
    eps = max(EPS[real], EPS.get(np.finfo(expected.dtype).dtype, 0)) \
        if expected.dtype.kind in "fc" else 0
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = np.isfinite(expected)
    scale = max(1.0, float(np.abs(expected[finite]).max(initial=0)))
    assert np.abs(np.where(finite, got - expected, 0)).max(initial=0) <= 8 * eps * scale


def pywt_or_exception(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - the refusal is the oracle
            return exc


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128,
                                   np.int16, np.int64, np.uint8, bool, np.float16])
@pytest.mark.parametrize("mode", MODES)
def test_threshold_as_pywt(xp, dtype, mode):
    x = data_of(dtype)
    for value in (1.5, 2, 0, np.float32(1.25), np.float64(0.75), -1.0):
        for substitute in (0, 5, 2.5, np.float32(-1), 1j):
            expected = pywt_or_exception(pywt.threshold, x, value, mode, substitute)
            if isinstance(expected, Exception):
                with pytest.raises(type(expected)):
                    cw.threshold(xp.asarray(x), value, mode, substitute)
                continue
            got = cw.threshold(xp.asarray(x), value, mode, substitute)
            if np.dtype(dtype) == np.float16 and expected.dtype != np.float16:
                # pywt shrinks float16 data in float16 and only then promotes
                continue
            if mode in ("garrote", "garotte") and np.dtype(dtype).itemsize < 4 \
                    and np.dtype(dtype).kind in "iu":
                # pywt squares small integers in their own type, which wraps
                # around; the square is taken in float64 here
                expected = pywt_or_exception(pywt.threshold, x.astype(np.float64), value, mode,
                                             substitute).astype(expected.dtype)
            compare(got, expected, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128, np.int64])
@pytest.mark.parametrize("mode", ["soft", "hard", "garrote", "greater", "less"])
def test_complex_thresholds_without_imaginary_part_as_pywt(xp, dtype, mode):
    """pywt takes a complex threshold's real part into its arithmetic and its
    complex dtype into the result's; with an imaginary part, see test_refusals."""
    x = data_of(dtype)
    for value in (1.5 + 0j, np.complex64(0.75), np.full(x.shape, 1.25 + 0j)):
        expected = pywt_or_exception(pywt.threshold, x, value, mode, 0.5)
        if isinstance(expected, Exception):
            with pytest.raises(type(expected)):
                cw.threshold(xp.asarray(x), value, mode, 0.5)
            continue
        compare(cw.threshold(xp.asarray(x), value, mode, 0.5), expected, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128, np.int32])
def test_threshold_firm_as_pywt(xp, dtype):
    x = data_of(dtype).reshape(7, 43)
    for low, high in [(0.5, 2), (1, 1), (0, 3), (np.float32(0.5), 2.0), (0.2, np.inf)]:
        expected = pywt_or_exception(pywt.threshold_firm, x, low, high)
        compare(cw.threshold_firm(xp.asarray(x), low, high), expected, dtype)


def test_firm_keeps_large_values_in_the_first_row_too():
    """pywt skips the substitution when every large value is in row 0 (its
    np.any(np.where(...)[0]) test); here |x| > value_high always keeps x."""
    x = np.array([5.0, 0.1, 0.5])
    np.testing.assert_array_equal(cw.threshold_firm(x, 0.2, 1.0)[0], 5.0)


def test_threshold_on_views_and_batches(xp):
    x = data_of(np.float64, 2 * 3 * 40).reshape(2, 3, 40)
    view = xp.asarray(x)[:, ::-1, ::3]
    compare(cw.threshold(view, 1.0, "soft"), pywt.threshold(x[:, ::-1, ::3], 1.0, "soft"),
            np.float64)
    assert cw.threshold(xp.asarray(x), 1, "hard").shape == x.shape


def test_lists_and_scalars_as_pywt():
    for data in ([[1, 2]] * 2, [[1j, 2j]] * 2, [3.0], [[1 + 2j, 2 + 2j]] * 2):
        for mode in ("soft", "hard", "garrote"):
            compare(cw.threshold(data, 1, mode), pywt.threshold(data, 1, mode),
                    np.asarray(data).dtype)


def test_zero_dimensional_data_stays_zero_dimensional():
    """A 0-d array or a Python number gives a 0-d result of pywt's value on
    the same number as a 1-element array (pywt raises on 0-d data in the
    soft, garrote and firm modes)."""
    for data in (np.array(2.3), -0.7, np.float32(-1.5), np.array(1 + 2j)):
        modes = ("soft", "hard", "garrote") + (() if np.iscomplexobj(data) else
                                               ("greater", "less"))
        for mode in modes:
            got = cw.threshold(data, 1, mode)
            assert np.shape(got) == ()
            compare(np.reshape(got, 1), pywt.threshold(np.reshape(data, 1), 1, mode),
                    np.asarray(data).dtype)
        if not np.iscomplexobj(data):
            got = cw.threshold_firm(data, 1, 2)
            assert np.shape(got) == ()
            # (behind a 0: pywt's firm threshold skips large values in the first element)
            padded = np.concatenate([np.zeros(1, np.asarray(data).dtype), np.reshape(data, 1)])
            compare(np.reshape(got, 1), pywt.threshold_firm(padded, 1, 2)[1:],
                    np.asarray(data).dtype)


@pytest.mark.parametrize("mode", ["soft", "hard", "garrote", "greater", "less"])
def test_array_thresholds_broadcast_as_pywt(xp, mode):
    """A threshold per row (or per element, or a shape that widens the
    result) broadcasts as in pywt: values, dtypes and shapes, zeros and a
    zero threshold included (0/0 is NaN as in pywt), on Dask lazily."""
    x = data_of(np.float64, 3 * 20).reshape(3, 20)
    for value in (np.array([[0.5], [1.0], [0.0]]), np.linspace(0, 2, 20),
                  np.abs(data_of(np.float64, 2 * 3 * 20)).reshape(2, 3, 20)):
        for substitute in (0, -1.5):
            expected = pywt_or_exception(pywt.threshold, x, value, mode, substitute)
            compare(cw.threshold(xp.asarray(x), xp.asarray(value), mode, substitute), expected,
                    np.float64)
    x32 = x.astype(np.float32)
    value = np.float32([[1], [2], [3]])
    compare(cw.threshold(xp.asarray(x32), xp.asarray(value), mode),
            pywt_or_exception(pywt.threshold, x32, value, mode), np.float32)
    da = pytest.importorskip("dask.array")
    if xp is np:
        lazy = cw.threshold(da.from_array(x, chunks=(1, 10)), value, mode, -1.5)
        assert isinstance(lazy, da.Array)
        compare(lazy.compute(), pywt_or_exception(pywt.threshold, x, value, mode, -1.5),
                np.float64)


def test_array_firm_bounds_are_pywts_per_channel(xp):
    """Bounds per column (pywt takes scalars): each column is pywt's firm
    threshold with that column's bounds (data where pywt's first-row skip
    does not apply), NaN where pywt's 0/0 gives one; a bound of each kind
    scalar; a shape that widens the result; float32; Dask lazily."""
    x = data_of(np.float64, 40 * 4).reshape(40, 4) * 2
    low, high = np.array([0.0, 0.5, 1.0, 1.5]), np.array([1.0, 0.5, 3.0, 1.5])
    x[3], x[4], x[5] = low, high, 0  # values at the bounds, and zeros
    assert (np.abs(x[1:]) > high).any(axis=0).all()  # (pywt's skip: large values past row 0)

    def pywt_columns(data, lo, hi):
        lo, hi = np.broadcast_to(lo, data.shape[-1:]), np.broadcast_to(hi, data.shape[-1:])
        return np.stack([pywt.threshold_firm(data[..., c], lo[c], hi[c])
                         for c in range(data.shape[-1])], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for lo, hi in [(low, high), (0.5, high), (low, 3.0)]:
            got = to_numpy(cw.threshold_firm(xp.asarray(x), xp.asarray(lo), xp.asarray(hi)))
            np.testing.assert_allclose(got, pywt_columns(x, lo, hi), rtol=1e-15, atol=0)
        wide = to_numpy(cw.threshold_firm(xp.asarray(x[:, :1]), xp.asarray(low), xp.asarray(high)))
        np.testing.assert_allclose(wide, pywt_columns(np.repeat(x[:, :1], 4, axis=1), low, high),
                                   rtol=1e-15, atol=0)
        x32 = x.astype(np.float32)
        got = to_numpy(cw.threshold_firm(xp.asarray(x32), xp.asarray(low, np.float32), 3.0))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, pywt_columns(x32, low.astype(np.float32), 3.0),
                                   rtol=1e-6, atol=0)
        da = pytest.importorskip("dask.array")
        if xp is np:
            lazy = cw.threshold_firm(da.from_array(x, chunks=(10, 2)), low, high)
            assert isinstance(lazy, da.Array)
            np.testing.assert_allclose(lazy.compute(), pywt_columns(x, low, high), rtol=1e-15,
                                       atol=0)


def test_refusals():
    with pytest.raises(ValueError, match="mode parameter"):
        cw.threshold(np.ones(3), 1, "foo")
    with pytest.raises(ValueError, match="real data"):
        cw.threshold(np.ones(3) * 1j, 1, "greater")
    with pytest.raises(ValueError, match="value_low"):
        cw.threshold_firm(np.ones(3), -1, 2)
    with pytest.raises(ValueError, match="value_high"):
        cw.threshold_firm(np.ones(3), 2, 1)
    with pytest.raises(TypeError, match="scalar"):
        cw.threshold(np.ones(3), np.ones(3), "soft", substitute=np.ones(3))
    with pytest.raises(ValueError, match="value_low"):
        cw.threshold_firm(np.ones(3), np.array([0.5, -1.0]), 2)
    with pytest.raises(ValueError, match="value_high"):
        cw.threshold_firm(np.ones(3), np.array([0.5, 1.0]), np.array([[2.0, 2.0], [1.0, 0.5]]))
    with pytest.raises(TypeError, match="numeric"):
        cw.threshold(np.array(["a"]), 1, "soft")
    with pytest.raises(ValueError, match="substitute -1 does not fit"):  # pywt: 255
        cw.threshold(np.array([1, 5, 10], np.uint8), 4, "hard", substitute=-1)
    # pywt's values for a threshold with an imaginary part mean nothing
    for value in (1 + 1j, np.complex64(2j), np.array([1.0, 1j, 2.0])):
        with pytest.raises(ValueError, match="must be real"):
            cw.threshold(np.ones(3), value, "soft")
