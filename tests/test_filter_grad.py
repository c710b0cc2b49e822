"""The filter gradients of the level operations (cuwavelet/_filter_grad.py).

Oracle: every operation is linear in its filters, so the derivative of
<cotangent, output> with respect to tap j is <cotangent, output computed with
the unit filter e_j>, and pywt computes that output (a custom wavelet whose
filters are e_j) in every mode, boundary extension included. The GPU kernel's
body (a block reduction with barriers) runs through the thread-block emulator
and must give the same sums.
"""
import numpy as np
import pytest
import pywt

from conftest import random, requires_cuda
from cuwavelet import _filter_grad as fg
from cuwavelet._wavelets import MODES

EPS = np.finfo(np.float64).eps


def unit_wavelet(F, j):
    e = np.zeros(F)
    e[j] = 1.0
    return pywt.Wavelet("unit", filter_bank=(e, e, e, e))


def analysis_oracle(x, ga, gd, F, mode, axis):
    """d/d(lo, hi)[j] of <ga, cA> + <gd, cD>: pywt's dwt with unit filters."""
    out = np.zeros((2, F))
    for j in range(F):
        a, _ = pywt.dwt(x, unit_wavelet(F, j), mode, axis=axis)
        out[0, j] = np.sum(np.conj(ga) * a).real if ga is not None else 0.0
        out[1, j] = np.sum(np.conj(gd) * a).real if gd is not None else 0.0
    return out


def synthesis_oracle(ca, cd, gy, F, mode, axis):
    """d/d(rec_lo, rec_hi)[m] of <gy, idwt(ca, cd)>: pywt's idwt with unit filters."""
    out = np.zeros((2, F))
    for m in range(F):
        w = unit_wavelet(F, m)
        if ca is not None:
            out[0, m] = np.sum(np.conj(gy) * pywt.idwt(ca, None, w, mode, axis=axis)).real
        if cd is not None:
            out[1, m] = np.sum(np.conj(gy) * pywt.idwt(None, cd, w, mode, axis=axis)).real
    return out


def assert_on_scale(got, ref, dtype=np.float64, c=64):
    """Within c * eps of the largest magnitude of the reference."""
    scale = max(1.0, float(np.abs(ref).max()))
    tol = c * np.finfo(dtype).eps * scale
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= tol, (np.abs(got - ref).max(), tol)


def rec_length(n, F, mode):
    return 2 * n if mode == "periodization" else 2 * n - F + 2


CASES = [(F, N) for F in (2, 4, 6) for N in (1, 2, 5, 8, 13)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("F,N", CASES)
def test_analysis_filter_grad_matches_unit_filters(mode, F, N):
    if mode in ("reflect", "antireflect") and N < 2:
        pytest.skip("pywt refuses one sample in this mode")
    x = random((3, N), seed=N)
    n = pywt.dwt_coeff_len(N, F, mode)
    ga, gd = random((3, n), seed=1), random((3, n), seed=2)
    ref = analysis_oracle(x, ga, gd, F, mode, -1)
    assert_on_scale(fg.analysis_filter_grad(x, ga, gd, F, mode, -1), ref)
    emulated = fg.analysis_filter_grad(x, ga, gd, F, mode, -1,
                                       emulation=fg.Emulation(chunks=2, threads=16))
    assert_on_scale(emulated, ref)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("F,n", [(2, 1), (2, 4), (4, 2), (4, 5), (6, 3), (6, 7)])
def test_synthesis_filter_grad_matches_unit_filters(mode, F, n):
    L = rec_length(n, F, mode)
    if L < 1:
        pytest.skip("no reconstruction")
    ca, cd, gy = random((2, n), seed=3), random((2, n), seed=4), random((2, L), seed=5)
    ref = synthesis_oracle(ca, cd, gy, F, mode, -1)
    assert_on_scale(fg.synthesis_filter_grad(ca, cd, gy, F, mode, -1), ref)
    emulated = fg.synthesis_filter_grad(ca, cd, gy, F, mode, -1,
                                        emulation=fg.Emulation(chunks=3, threads=8,
                                                               schedule="reversed"))
    assert_on_scale(emulated, ref)


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization", "antireflect"])
@pytest.mark.parametrize("F", [8, 10, 18])
def test_long_filters_take_several_passes_of_the_gpu_block(mode, F):
    """The GPU block sums 8 taps per pass over its chunk: 8 in one pass, 10 in
    two, 18 in three (the last partial), along either axis."""
    x = random((5, 23), seed=F)
    n = pywt.dwt_coeff_len(23, F, mode)
    ga, gd = random((5, n), seed=F + 1), random((5, n), seed=F + 2)
    ref = analysis_oracle(x, ga, gd, F, mode, -1)
    emulation = fg.Emulation(chunks=3, threads=16)
    assert_on_scale(fg.analysis_filter_grad(x, ga, gd, F, mode, -1, emulation=emulation), ref)
    gy = random((5, rec_length(n, F, mode)), seed=F + 3)
    ref = synthesis_oracle(ga, gd, gy, F, mode, -1)
    assert_on_scale(fg.synthesis_filter_grad(ga, gd, gy, F, mode, -1, emulation=emulation), ref)
    along_first = fg.analysis_filter_grad(x.T.copy(), ga.T.copy(), gd.T.copy(), F, mode, 0,
                                          emulation=emulation)
    assert_on_scale(along_first, analysis_oracle(x, ga, gd, F, mode, -1))


@pytest.mark.parametrize("mode", MODES)
def test_lines_across_the_fastest_dimension(mode):
    """An axis that is not the fastest: lines are summed in blocks of
    neighbours (40 lines: a full block and a partial one)."""
    F = 4
    x = random((13, 40), seed=23)
    n = pywt.dwt_coeff_len(13, F, mode)
    ga, gd = random((n, 40), seed=24), random((n, 40), seed=25)
    assert_on_scale(fg.analysis_filter_grad(x, ga, gd, F, mode, 0),
                    analysis_oracle(x, ga, gd, F, mode, 0))
    gy = random((rec_length(n, F, mode), 40), seed=26)
    assert_on_scale(fg.synthesis_filter_grad(ga, gd, gy, F, mode, 0),
                    synthesis_oracle(ga, gd, gy, F, mode, 0))


@pytest.mark.parametrize("mode", ["symmetric", "smooth", "periodization", "antireflect"])
def test_strided_axes_complex_and_missing_operands(mode):
    """Any axis, non-contiguous views, complex data (the real part of
    sum conj(cotangent) * sample: the gradient of a real filter) and an
    absent cotangent (zero)."""
    F = 4
    base = random((7, 3, 11), np.complex128, seed=6)
    x = base.transpose(2, 1, 0)[::-1]                # (11, 3, 7), negative strides
    n = pywt.dwt_coeff_len(11, F, mode)
    ga = random((3, 7, n), np.complex128, seed=7).transpose(2, 0, 1)  # (n, 3, 7)
    ref = analysis_oracle(x, ga, None, F, mode, 0)
    assert_on_scale(fg.analysis_filter_grad(x, ga, None, F, mode, 0), ref)
    assert_on_scale(fg.analysis_filter_grad(x, ga, None, F, mode, 0,
                                            emulation=fg.Emulation()), ref)
    assert np.all(fg.analysis_filter_grad(x, ga, None, F, mode, 0)[1] == 0)
    L = rec_length(5, F, mode)
    cd = random((4, 5, 2), seed=8)[:, :, 0]             # strided
    gy = random((L, 4), seed=9).T                       # (4, L) transposed view
    ref = synthesis_oracle(None, cd, gy, F, mode, 1)
    assert_on_scale(fg.synthesis_filter_grad(None, cd, gy, F, mode, 1), ref)


@pytest.mark.parametrize("which", ["analysis", "synthesis"])
def test_items_keep_the_leading_dimension_apart(which):
    """items=True (how vmap folds into a filter gradient): one reduction per
    index of the leading dimension, equal to separate calls."""
    F, mode = 6, "reflect"
    if which == "analysis":
        x = random((5, 2, 9), seed=10)
        ga, gd = random((5, 2, 7), seed=11), random((5, 2, 7), seed=12)
        call = lambda *a, **k: fg.analysis_filter_grad(*a, F, mode, -1, **k)  # noqa: E731
        args = (x, ga, gd)
    else:
        ca, cd, gy = random((5, 2, 4), seed=13), random((5, 2, 4), seed=14), random((5, 2, 4),
                                                                                 seed=15)
        call = lambda *a, **k: fg.synthesis_filter_grad(*a, F, mode, -1, **k)  # noqa: E731
        args = (ca, cd, gy)
    together = call(*args, items=True)
    emulated = call(*args, items=True, emulation=fg.Emulation(chunks=2, threads=4))
    separate = np.stack([call(*(a[i] for a in args)) for i in range(5)])
    assert together.shape == (5, 2, F)
    assert_on_scale(together, separate)
    assert_on_scale(emulated, separate)


def test_float32_on_the_transform_scale():
    F, mode = 8, "smooth"
    x = random((16, 300), seed=16)
    n = pywt.dwt_coeff_len(300, F, mode)
    ga, gd = random((16, n), seed=17), random((16, n), seed=18)
    ref = fg.analysis_filter_grad(x, ga, gd, F, mode, -1)
    got = fg.analysis_filter_grad(*(a.astype(np.float32) for a in (x, ga, gd)), F, mode, -1)
    assert got.dtype == np.float32
    # a sum of 16 * n products: rounding grows with the square root of its length
    assert_on_scale(got.astype(np.float64), ref, np.float32, c=4 * np.sqrt(16 * n))


@pytest.mark.parametrize("call,match", [
    (lambda: fg.analysis_filter_grad(np.ones(8), np.ones(5), np.ones(4), 4, "zero", 0),
     "share shape"),
    (lambda: fg.analysis_filter_grad(np.ones(8), np.ones(4), None, 4, "zero", 0),
     "coefficient shape mismatch"),
    (lambda: fg.analysis_filter_grad(np.ones(8), None, None, 4, "zero", 0), "at least one"),
    (lambda: fg.analysis_filter_grad(np.ones(8), np.ones(5), None, 5, "zero", 0), "even"),
    (lambda: fg.analysis_filter_grad(np.ones(8, np.float32), np.ones(5), None, 4, "zero", 0),
     "dtype"),
    (lambda: fg.synthesis_filter_grad(np.ones(4), None, np.ones(7), 4, "zero", 0),
     "reconstruct"),
    (lambda: fg.analysis_filter_grad(np.ones((2, 8)), np.ones((2, 5)), None, 4, "zero", 1,
                                     items=True), None),
    (lambda: fg.analysis_filter_grad(np.ones(8), np.ones(5), None, 4, 12, 0), "mode number"),
])
def test_bad_input_is_named(call, match):
    if match is None:  # items with a leading dimension: fine
        assert call().shape == (2, 2, 4)
        return
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("mode", MODES)
def test_cuda_block_reduction_matches_host(mode):
    import cupy
    F = 6
    x = random((40, 33), seed=19)
    n = pywt.dwt_coeff_len(33, F, mode)
    ga, gd = random((40, n), seed=20), random((40, n), seed=21)
    host = fg.analysis_filter_grad(x, ga, gd, F, mode, -1)
    gpu = fg.analysis_filter_grad(*(cupy.asarray(a) for a in (x, ga, gd)), F, mode, -1)
    assert_on_scale(cupy.asnumpy(gpu), host)
    L = rec_length(n, F, mode)
    gy = random((40, L), seed=22)
    host = fg.synthesis_filter_grad(ga, gd, gy, F, mode, -1)
    gpu = fg.synthesis_filter_grad(*(cupy.asarray(a) for a in (ga, gd, gy)), F, mode, -1)
    assert_on_scale(cupy.asnumpy(gpu), host)


@pytest.mark.parametrize("route", ["host", "emulated"])
@pytest.mark.parametrize("items", [False, True])
def test_into_accumulates_the_gradient(route, items):
    """`into` gets the gradient added to what it holds (the bridges sum a
    filter's gradients over the operations it serves so), on the host and in
    the GPU kernels' bodies."""
    F, mode = 4, "symmetric"
    x = random((3, 17), seed=30)
    n = pywt.dwt_coeff_len(17, F, mode)
    ga, gd = random((3, n), seed=31), random((3, n), seed=32)
    emulation = fg.Emulation(chunks=2, threads=8) if route == "emulated" else None
    fresh = fg.analysis_filter_grad(x, ga, gd, F, mode, 1, items=items, emulation=emulation)
    held = random(fresh.shape, seed=33)
    into = held.copy()
    got = fg.analysis_filter_grad(x, ga, gd, F, mode, 1, items=items, into=into,
                                  emulation=emulation)
    assert got is into
    assert_on_scale(got, held + fresh)
    y = random((3, rec_length(n, F, mode)), seed=34)
    fresh = fg.synthesis_filter_grad(ga, gd, y, F, mode, 1, items=items, emulation=emulation)
    into = held.copy()
    fg.synthesis_filter_grad(ga, gd, y, F, mode, 1, items=items, into=into, emulation=emulation)
    assert_on_scale(into, held + fresh)
    empty = held.copy()  # nothing to add: left as it was
    fg.analysis_filter_grad(x[:0], ga[:0], None, F, mode, 1, items=items,
                            into=empty[:0] if items else empty)
    np.testing.assert_array_equal(empty, held)


@pytest.mark.parametrize("into,match", [
    (np.zeros((2, 5)), "accumulates into a \\(2, 4\\)"),
    (np.zeros((2, 4), np.float32), "accumulates into"),
    (np.zeros((4, 2)).T, "C-contiguous"),
])
def test_bad_into_is_named(into, match):
    with pytest.raises(ValueError, match=match):
        fg.analysis_filter_grad(np.ones(8), np.ones(5), None, 4, "zero", 0, into=into)
