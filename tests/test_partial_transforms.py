"""downcoef / upcoef equal pywt's, batched along an axis when asked, and their
adjoints are the transposes of pywt's explicit matrices."""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random, to_numpy

MODES = pywt.Modes.modes


def lengths_ok(n, wavelet, mode, level):
    """pywt loops forever on reflect-type extensions of a single sample."""
    F = pywt.Wavelet(wavelet).dec_len
    lens = [n]
    for _ in range(level):
        lens.append(pywt.dwt_coeff_len(lens[-1], F, mode))
    return not (mode in ("reflect", "antireflect") and min(lens[:-1]) < 2)


@pytest.mark.parametrize("wavelet", ["haar", "db2", "sym5", "bior2.4", "coif2"])
@pytest.mark.parametrize("mode", MODES)
def test_downcoef_and_upcoef_as_pywt(xp, wavelet, mode):
    for n in (1, 2, 5, 16, 33):
        x = random(n, seed=n)
        for part in "ad":
            for level in (1, 2, 3):
                if not lengths_ok(n, wavelet, mode, level):
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        expected = pywt.downcoef(part, x, wavelet, mode, level)
                    except ValueError:
                        with pytest.raises(ValueError):
                            cw.downcoef(part, xp.asarray(x), wavelet, mode, level)
                        continue
                got = to_numpy(cw.downcoef(part, xp.asarray(x), wavelet, mode, level))
                np.testing.assert_allclose(got, expected, rtol=0,
                                           atol=1e-12 * max(1, np.abs(expected).max()))
                for take in (0, 3, 2 * n + 1, 10 ** 6):
                    expected = pywt.upcoef(part, x, wavelet, level, take)
                    got = to_numpy(cw.upcoef(part, xp.asarray(x), wavelet, level, take))
                    assert got.shape == expected.shape
                    np.testing.assert_allclose(got, expected, rtol=0,
                                               atol=1e-12 * max(1, np.abs(expected).max()))


@pytest.mark.parametrize("dtype", [np.float32, np.complex128, np.int64])
def test_dtypes_as_pywt(dtype):
    x = (random(20, np.complex128 if np.dtype(dtype).kind == "c" else np.float64) * 5).astype(dtype)
    for fn, args in [(cw.downcoef, ("a", x, "db2", "symmetric", 2)),
                     (cw.upcoef, ("d", x, "db2", 2, 7))]:
        expected = getattr(pywt, fn.__name__)(*args)
        got = fn(*args)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=2e-6 if dtype == np.float32 else 1e-12)


def test_axis_batches_and_the_1d_rule():
    x = random((3, 4, 21))
    with pytest.raises(ValueError, match="1d"):
        cw.downcoef("a", x, "db2")
    with pytest.raises(ValueError, match="1d"):
        cw.upcoef("a", x, "db2")
    got = cw.downcoef("d", x, "db2", "smooth", 2, axis=1)
    for i in range(3):
        for j in range(21):
            np.testing.assert_allclose(got[i, :, j], pywt.downcoef("d", x[i, :, j], "db2",
                                                                   "smooth", 2), atol=1e-12)
    got = cw.upcoef("a", x, "db2", 2, take=30, axis=-1)
    np.testing.assert_allclose(got[2, 3], pywt.upcoef("a", x[2, 3], "db2", 2, 30), atol=1e-12)
    with pytest.raises(ValueError, match="'a' or 'd'"):
        cw.downcoef("f", x[0, 0], "haar")
    with pytest.raises(ValueError, match="greater than 0"):
        cw.upcoef("a", x[0, 0], "haar", level=0)
    with pytest.raises(OverflowError):  # pywt's refusal of a negative take
        pywt.upcoef("a", x[0, 0], "haar", take=-1)
    with pytest.raises(ValueError, match="take must be >= 0"):
        cw.upcoef("a", x[0, 0], "haar", take=-1)


@pytest.mark.parametrize("wavelet", ["haar", "db2", "bior2.4"])
@pytest.mark.parametrize("mode", MODES)
def test_adjoints_are_transposes_of_pywt_matrices(wavelet, mode):
    for n, level in [(5, 1), (16, 2), (33, 3)]:
        for part in "ad":
            fwd = np.stack([pywt.downcoef(part, e, wavelet, mode, level) for e in np.eye(n)], 1)
            adj = np.stack([cw.adjoint.downcoef(part, e, wavelet, mode, level, data_shape=(n,))
                            for e in np.eye(fwd.shape[0])], 1)
            np.testing.assert_allclose(adj, fwd.T, rtol=0, atol=1e-12)
    for n, level in [(3, 1), (5, 2)]:
        for part in "ad":
            for take in (0, 4, 7):
                fwd = np.stack([pywt.upcoef(part, e, wavelet, level, take) for e in np.eye(n)], 1)
                adj = np.stack([cw.adjoint.upcoef(part, e, wavelet, level, take,
                                                  coeffs_shape=(n,))
                                for e in np.eye(fwd.shape[0])], 1)
                np.testing.assert_allclose(adj, fwd.T, rtol=0, atol=1e-12)


def test_batched_complex_adjoints_dot_product(xp):
    x = random((2, 3, 19), np.complex128, seed=1)
    y = cw.downcoef("d", xp.asarray(x), "sym3", "antireflect", 2, axis=-1)
    c = random(y.shape, np.complex128, seed=2)
    g = cw.adjoint.downcoef("d", xp.asarray(c), "sym3", "antireflect", 2, data_shape=x.shape,
                            axis=-1)
    np.testing.assert_allclose(np.vdot(to_numpy(y), c), np.vdot(x, to_numpy(g)), rtol=1e-12)
    u = cw.upcoef("a", xp.asarray(x), "sym3", 2, take=40, axis=-1)
    c = random(u.shape, np.complex128, seed=3)
    g = cw.adjoint.upcoef("a", xp.asarray(c), "sym3", 2, take=40, coeffs_shape=x.shape, axis=-1)
    np.testing.assert_allclose(np.vdot(to_numpy(u), c), np.vdot(x, to_numpy(g)), rtol=1e-12)
