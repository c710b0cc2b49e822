"""Per-item filter banks in the level operations (cuwavelet._primitives with
a FilterPair of (items, F) arrays): each index of the data's first dimension
is filtered with its own bank, in one launch (how the bridges run vmap over
learned banks).

Oracles: pywt's dwt and idwt with each item's bank as a custom wavelet for
the two transforms; for the two adjoints, the dot-product identity
<A x, c> = <x, A^T c> item by item, A and A^T each pywt-checked here."""
import numpy as np
import pytest
import pywt

from conftest import random, requires_cuda
from cuwavelet import _primitives as P
from cuwavelet._wavelets import MODES, FilterPair

ITEMS, F = 3, 6


def banks(dtype, seed=0):
    """(items, 2, F) distinct filters; the pair is two strided views of it."""
    f = random((ITEMS, 2, F), np.finfo(dtype).dtype, seed=seed)
    return f, FilterPair(f[:, 0], f[:, 1])


def wavelet(f, i):
    lo, hi = f[i, 0], f[i, 1]
    return pywt.Wavelet(f"item{i}", filter_bank=(lo, hi, lo, hi))


def tol(dtype, ref):
    eps = 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12
    return eps * max(1.0, float(np.abs(ref).max()))


LAYOUTS = {  # (shape of an item, axis within the item, how the batch is laid out)
    "rows": ((17,), 0, None),
    "middle axis": ((13, 4), 0, None),
    "last of 3": ((2, 3, 11), 2, None),
    "transposed": ((9, 5), 1, "transpose"),
    "reversed": ((15,), 0, "reverse"),
}


def layout(x, how):
    if how == "transpose":  # items first, the other two dimensions swapped in memory
        return np.ascontiguousarray(np.swapaxes(x, 1, 2)).swapaxes(1, 2)
    if how == "reverse":
        return np.ascontiguousarray(x[:, ::-1])[:, ::-1]
    return x


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
@pytest.mark.parametrize("mode", MODES)
def test_each_item_is_filtered_with_its_own_bank_as_pywt(mode, name, dtype):
    item_shape, item_axis, how = LAYOUTS[name]
    f, pair = banks(dtype)
    x = layout(random((ITEMS,) + item_shape, dtype, seed=1), how)
    axis = item_axis + 1
    a, d = P.analysis(x, pair, MODES.index(mode), axis)
    for i in range(ITEMS):
        ra, rd = pywt.dwt(x[i], wavelet(f, i), mode, axis=item_axis)
        assert np.abs(a[i] - ra).max() <= tol(dtype, ra) and np.abs(d[i] - rd).max() <= tol(dtype, rd)
    y = P.synthesis(a, d, pair, MODES.index(mode), axis)
    for i in range(ITEMS):
        ry = pywt.idwt(a[i], d[i], wavelet(f, i), mode, axis=item_axis)
        assert y[i].shape == ry.shape and np.abs(y[i] - ry).max() <= tol(dtype, ry)


@pytest.mark.parametrize("mode", MODES)
def test_outputs_with_the_items_fastest_in_memory(mode):
    """Outputs whose items' dimension has the smallest stride: neighbouring
    lines of the walk then take neighbouring banks."""
    f, pair = banks(np.float64, seed=11)
    m = MODES.index(mode)
    x = random((ITEMS, 6, 19), np.float64, seed=12)

    def items_fastest(shape):
        return np.empty(shape[::-1]).transpose(2, 1, 0)
    shape = (ITEMS, 6, pywt.dwt_coeff_len(19, F, mode))
    lo, hi = items_fastest(shape), items_fastest(shape)
    P.analysis(x, pair, m, 2, lo=lo, hi=hi)
    y = items_fastest(P.synthesis(lo, hi, pair, m, 2).shape)
    P.synthesis(lo, hi, pair, m, 2, out=y)
    for i in range(ITEMS):
        ra, rd = pywt.dwt(x[i], wavelet(f, i), mode, axis=1)
        assert np.abs(lo[i] - ra).max() <= tol(np.float64, ra)
        assert np.abs(hi[i] - rd).max() <= tol(np.float64, rd)
        ry = pywt.idwt(ra, rd, wavelet(f, i), mode, axis=1)
        assert np.abs(y[i] - ry).max() <= tol(np.float64, ry)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("mode", MODES)
def test_adjoints_with_per_item_banks_are_transposes(mode, dtype):
    f, pair = banks(dtype, seed=2)
    m, axis = MODES.index(mode), 2
    x = random((ITEMS, 4, 13), dtype, seed=3)
    a, d = P.analysis(x, pair, m, axis)
    ca, cd = random(a.shape, dtype, seed=4), random(d.shape, dtype, seed=5)
    back = P.analysis_adjoint(ca, cd, pair, m, axis, x.shape[axis])
    y = P.synthesis(ca, cd, pair, m, axis)
    gy = random(y.shape, dtype, seed=6)
    ga, gd = P.synthesis_adjoint(gy, pair, m, axis)
    for i in range(ITEMS):  # item by item: a bank's cross terms would show here
        lhs = np.vdot(ca[i], a[i]) + np.vdot(cd[i], d[i])
        assert abs(lhs - np.vdot(back[i], x[i])) <= 1e-12 * max(1.0, abs(lhs))
        lhs = np.vdot(gy[i], y[i])
        rhs = np.vdot(ga[i], ca[i]) + np.vdot(gd[i], cd[i])
        assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs))


def test_refusals_name_the_problem():
    f, pair = banks(np.float64)
    with pytest.raises(ValueError, match="first dimension"):
        P.analysis(random((ITEMS + 1, 16), np.float64), pair, 0, 1)
    with pytest.raises(ValueError, match="first dimension"):  # the items' dimension transformed
        P.analysis(random((ITEMS, 16), np.float64), pair, 0, 0)
    with pytest.raises(ValueError, match="one layout"):
        P.analysis(random((ITEMS, 16), np.float64),
                   FilterPair(np.ascontiguousarray(f[:, 0]), f[:, 1]), 0, 1)
    with pytest.raises(ValueError, match="contiguous along their taps"):
        P.analysis(random((ITEMS, 16), np.float64), FilterPair(f[:, 0, ::-1], f[:, 1, ::-1]), 0, 1)


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("mode", MODES)
def test_cuda_launch_matches_host(mode):
    """The GPU kernel (one launch, a bank per item) against the host's."""
    import cupy
    f, pair = banks(np.float32, seed=7)
    gpu_pair = FilterPair(*(cupy.asarray(np.ascontiguousarray(f[:, k])) for k in range(2)))
    m = MODES.index(mode)
    x = random((ITEMS, 5, 37), np.float32, seed=8)
    host = P.analysis(x, pair, m, 2)
    gpu = P.analysis(cupy.asarray(x), gpu_pair, m, 2)
    for h, g in zip(host, gpu):
        assert np.abs(cupy.asnumpy(g) - h).max() <= tol(np.float32, h)
    host_y = P.synthesis(*host, pair, m, 2)
    gpu_y = P.synthesis(*(cupy.asarray(h) for h in host), gpu_pair, m, 2)
    assert np.abs(cupy.asnumpy(gpu_y) - host_y).max() <= tol(np.float32, host_y)
    host_x = P.analysis_adjoint(*host, pair, m, 2, 37)
    gpu_x = P.analysis_adjoint(*(cupy.asarray(h) for h in host), gpu_pair, m, 2, 37)
    assert np.abs(cupy.asnumpy(gpu_x) - host_x).max() <= tol(np.float32, host_x)
    host_c = P.synthesis_adjoint(host_y, pair, m, 2)
    gpu_c = P.synthesis_adjoint(cupy.asarray(host_y), gpu_pair, m, 2)
    for h, g in zip(host_c, gpu_c):
        assert np.abs(cupy.asnumpy(g) - h).max() <= tol(np.float32, h)
