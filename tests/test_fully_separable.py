"""fswavedecn / fswaverecn equal pywt's (coefficients, slices, result
attributes), and their adjoints are the transposes of pywt's matrices."""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random, to_numpy


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("wavelet", ["haar", "db2", ("db1", "sym3", "bior2.2")])
@pytest.mark.parametrize("mode", ["symmetric", "periodization", ("zero", "smooth", "reflect")])
def test_fswavedecn_and_fswaverecn_as_pywt(xp, wavelet, mode):
    x = random((6, 9, 10), seed=1)
    for levels in (None, 0, 1, (1, 2, 0)):
        for axes in (None, (2, 0, 1)):
            expected = quiet(pywt.fswavedecn, x, wavelet, mode, levels, axes)
            got = quiet(cw.fswavedecn, xp.asarray(x), wavelet, mode, levels, axes)
            np.testing.assert_allclose(to_numpy(got.coeffs), expected.coeffs, atol=1e-12)
            for attr in ("coeff_slices", "levels", "modes", "wavelet_names", "axes", "ndim",
                         "ndim_transform"):
                assert getattr(got, attr) == getattr(expected, attr), attr
            assert got.detail_keys() == expected.detail_keys()
            for key in expected.detail_keys():
                np.testing.assert_allclose(to_numpy(got[key]), expected[key], atol=1e-12)
            np.testing.assert_allclose(to_numpy(got.approx), expected.approx, atol=1e-12)
            np.testing.assert_allclose(to_numpy(cw.fswaverecn(got)), pywt.fswaverecn(expected),
                                       atol=1e-12)


def test_result_editing_and_refusals():
    r = cw.fswavedecn(random((8, 8)), "haar", levels=2)
    r[(1, 2)] = np.zeros_like(r[(1, 2)])
    assert not r[(1, 2)].any()
    with pytest.warns(UserWarning, match="dtype mismatch"):
        r[(1, 1)] = np.zeros(r[(1, 1)].shape, np.float32)
    r.approx = np.ones_like(r.approx)
    assert (r.approx == 1).all()
    for bad in [(1,), (3, 0), (-1, 0), (0.5, 0)]:
        with pytest.raises(ValueError):
            r[bad]
    with pytest.raises(ValueError):
        r.coeffs = np.ones((3, 3))
    with pytest.raises(ValueError):
        cw.fswavedecn(random((4, 4, 4)), "haar", levels=(1, 1))
    with pytest.raises(ValueError):  # AxisError is a ValueError too
        cw.fswavedecn(random((4, 4)), "haar", axes=(0, 0))
    with pytest.raises(ValueError):
        cw.fswavedecn(random((4, 4)), "haar", axes=(0, 2))


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth", "antireflect"])
def test_adjoints_are_transposes_of_pywt_matrices(mode):
    shape = (3, 5)
    for levels in ((1, 1), (1, 2), (0, 2)):
        like = quiet(pywt.fswavedecn, np.zeros(shape), "db2", mode, levels)
        ours = quiet(cw.fswavedecn, np.zeros(shape), "db2", mode, levels)
        fwd = np.stack([quiet(pywt.fswavedecn, e.reshape(shape), "db2", mode, levels).coeffs.ravel()
                        for e in np.eye(int(np.prod(shape)))], 1)
        adj = np.stack([np.ravel(cw.adjoint.fswavedecn(
            cw.FswavedecnResult(e.reshape(ours.coeffs.shape), ours.coeff_slices, ours.wavelets,
                                ours.modes, ours.axes), data_shape=shape))
            for e in np.eye(fwd.shape[0])], 1)
        np.testing.assert_allclose(adj, fwd.T, rtol=0, atol=1e-12)

        def inverse(e):
            result = pywt.FswavedecnResult(e.reshape(like.coeffs.shape), like.coeff_slices,
                                           like.wavelets,
                                           [getattr(pywt.Modes, m) for m in like.modes],
                                           like.axes)
            return pywt.fswaverecn(result).ravel()
        inv = np.stack([inverse(e) for e in np.eye(like.coeffs.size)], 1)
        out_shape = pywt.fswaverecn(like).shape
        adj = np.stack([cw.adjoint.fswaverecn(e.reshape(out_shape), ours).coeffs.ravel()
                        for e in np.eye(inv.shape[0])], 1)
        np.testing.assert_allclose(adj, inv.T, rtol=0, atol=1e-12)


def test_adjoint_dot_product_complex_batched(xp):
    x = random((4, 7, 6), np.complex128, seed=4)
    r = cw.fswavedecn(xp.asarray(x), "sym2", "reflect", levels=(1, 2), axes=(2, 1))
    c = random(r.coeffs.shape, np.complex128, seed=5)
    g = cw.adjoint.fswavedecn(cw.FswavedecnResult(xp.asarray(c), r.coeff_slices, r.wavelets,
                                                  r.modes, r.axes), data_shape=x.shape)
    np.testing.assert_allclose(np.vdot(to_numpy(r.coeffs), c), np.vdot(x, to_numpy(g)),
                               rtol=1e-12)
    y = cw.fswaverecn(r)
    d = random(y.shape, np.complex128, seed=6)
    gr = cw.adjoint.fswaverecn(xp.asarray(d), r)
    np.testing.assert_allclose(np.vdot(to_numpy(y), d), np.vdot(to_numpy(r.coeffs),
                                                                to_numpy(gr.coeffs)), rtol=1e-12)


def test_pywts_own_result_is_taken():
    """fswaverecn and the adjoints take pywt's FswavedecnResult as cuwavelet's."""
    x = random((8, 6), seed=30)
    r = pywt.fswavedecn(x, "db2", mode="periodic", levels=1)
    np.testing.assert_allclose(cw.fswaverecn(r), pywt.fswaverecn(r), rtol=0, atol=1e-12)
    ours = cw.fswavedecn(x, "db2", mode="periodic", levels=1)
    np.testing.assert_allclose(cw.adjoint.fswavedecn(r, data_shape=x.shape),
                               cw.adjoint.fswavedecn(ours, data_shape=x.shape), rtol=0, atol=0)
