"""The learned level operations in stationary modes (cuwavelet/_learned.py):
a level of the SWT, and the merge of its inverse, with the filters given as
arrays, their adjoints and their filter gradients.

Oracles: pywt's swt (one level from start_level: taps 2**start_level apart)
for the split; pywt's one-level iswt on every phase of the signal (samples
r, r + s, r + 2s, ...: a merge at dilation s is the undilated merge of each
phase) for the merge, whose filters are pywt's reconstruction filters
halved; dot-product tests for the adjoints; pywt's transforms with unit
filters for the filter gradients (each operation is linear in its filters).
"""
import numpy as np
import pytest
import pywt

from conftest import random, requires_cuda
from cuwavelet import _filter_grad, _learned, _program, _stationary
from cuwavelet._wavelets import PERIODIZATION, FilterPair, stationary_mode

WAVELETS = ["haar", "db2", "sym4", "bior2.4", "coif1"]
EPS = np.finfo(np.float64).eps


def _bank(name):
    w = pywt.Wavelet(name)
    return w, np.array(w.filter_bank[:2]), np.array(w.filter_bank[2:])


def _unit(F, j):
    e = np.zeros(F)
    e[j] = 1.0
    return pywt.Wavelet("unit", filter_bank=(e, e, e, e))


def _iswt_by_phases(ca, cd, wavelet, step):
    """pywt's one-level iswt of every phase of the last axis."""
    out = np.empty(ca.shape)
    for r in range(step):
        out[..., r::step] = pywt.iswt([(ca[..., r::step], cd[..., r::step])], wavelet)
    return out


def assert_on_scale(got, ref, dtype=np.float64, c=64):
    scale = max(1.0, float(np.abs(ref).max()))
    assert got.shape == ref.shape
    err = float(np.abs(got - ref).max())
    assert err <= c * np.finfo(dtype).eps * scale, (err, scale)


@pytest.mark.parametrize("name", WAVELETS)
@pytest.mark.parametrize("start_level", [0, 1, 3])
def test_split_and_merge_match_pywt(name, start_level):
    w, dec, rec = _bank(name)
    step = 2 ** start_level
    x = random((3, 16 * step), seed=start_level)
    mode = stationary_mode(step)
    ca, cd = _learned.analysis(x, dec, mode, 1)
    (ref_a, ref_d), = pywt.swt(x, w, level=1, start_level=start_level, axis=1)
    assert_on_scale(ca, ref_a)
    assert_on_scale(cd, ref_d)
    y = _learned.synthesis(ca, cd, rec / 2, mode, 1)
    assert_on_scale(y, _iswt_by_phases(ca, cd, w, step))
    only_a = _learned.synthesis(ca, None, rec / 2, mode, 1)
    assert_on_scale(only_a, _iswt_by_phases(ca, np.zeros_like(cd), w, step))


def _dot(a, b):
    return float(np.real(np.vdot(a, b)))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("step", [1, 2, 8])
def test_adjoints_pass_dot_product_tests(dtype, step):
    """<A x, g> = <x, A^T g> for the split and the merge, along an axis that
    is not the fastest and along one that is; a dilation past the line's
    length wraps around it."""
    _, dec, rec = _bank("db3")
    mode = stationary_mode(step)
    for axis, shape in ((1, (2, 12, 5)), (2, (3, 4, 10))):
        x = random(shape, dtype, seed=step)
        ga, gd = random(shape, dtype, seed=1), random(shape, dtype, seed=2)
        ca, cd = _learned.analysis(x, dec, mode, axis)
        back = _learned.analysis_adjoint(ga, gd, dec, mode, axis, shape[axis])
        lhs, rhs = _dot(ga, ca) + _dot(gd, cd), _dot(back, x)
        assert abs(lhs - rhs) <= 1e3 * EPS * max(1.0, abs(lhs))
        y = _learned.synthesis(ca, cd, rec, mode, axis)
        gy = random(shape, dtype, seed=3)
        ua, ud = _learned.synthesis_adjoint(gy, rec, mode, axis)
        lhs, rhs = _dot(gy, y), _dot(ua, ca) + _dot(ud, cd)
        assert abs(lhs - rhs) <= 1e3 * EPS * max(1.0, abs(lhs))


@pytest.mark.parametrize("name", ["haar", "db3", "bior3.3"])
@pytest.mark.parametrize("start_level", [0, 2])
def test_filter_gradients_match_unit_filters(name, start_level):
    """d/d f[j] of <g, op_f(x)> = <g, op_{e_j}(x)>, op_{e_j} from pywt; the
    GPU's block reduction (through the emulator) gives the same sums."""
    w, dec, rec = _bank(name)
    F, step = w.dec_len, 2 ** start_level
    mode = stationary_mode(step)
    x = random((2, 8 * step), seed=4)
    ga, gd = random(x.shape, seed=5), random(x.shape, seed=6)
    ref = np.zeros((2, F))
    for j in range(F):
        (a, _), = pywt.swt(x, _unit(F, j), level=1, start_level=start_level, axis=1)
        ref[:, j] = np.sum(ga * a), np.sum(gd * a)
    assert_on_scale(_learned.analysis_filter_grad(x, ga, gd, F, mode, 1, False), ref)
    emulation = _filter_grad.Emulation(chunks=3, threads=16)
    assert_on_scale(_filter_grad.analysis_filter_grad(x, ga, gd, F, mode, 1,
                                                      emulation=emulation), ref)
    ca, cd, gy = random(x.shape, seed=7), random(x.shape, seed=8), random(x.shape, seed=9)
    ref = np.zeros((2, F))
    for j in range(F):  # (pywt's iswt halves its filters; the merge takes them as given)
        zeros = np.zeros_like(ca)
        ref[0, j] = 2 * np.sum(gy * _iswt_by_phases(ca, zeros, _unit(F, j), step))
        ref[1, j] = 2 * np.sum(gy * _iswt_by_phases(zeros, cd, _unit(F, j), step))
    assert_on_scale(_learned.synthesis_filter_grad(ca, cd, gy, F, mode, 1, False), ref)
    assert_on_scale(_filter_grad.synthesis_filter_grad(ca, cd, gy, F, mode, 1,
                                                       emulation=emulation), ref)


def test_filter_gradients_across_lines_strided_and_complex():
    """An axis that is not the fastest (lines summed in blocks of neighbours),
    strided views, complex data (the real part of sum conj(g) * sample), a
    missing operand: against the unit-filter sums of the split itself."""
    _, dec, _ = _bank("db2")
    F, mode = 4, stationary_mode(2)
    x = random((5, 12, 40), np.complex128, seed=10).transpose(1, 2, 0)[:, ::2]  # (12, 20, 5)
    ga = random(x.shape, np.complex128, seed=11)
    ref = np.zeros((2, F))
    for j in range(F):
        e = np.zeros((2, F))
        e[0, j] = 1.0
        ref[0, j] = _dot(ga, _learned.analysis(x, e, mode, 0)[0])
    for emulation in (None, _filter_grad.Emulation()):
        got = _filter_grad.analysis_filter_grad(x, ga, None, F, mode, 0, emulation=emulation)
        assert_on_scale(got, ref)
        assert np.all(got[1] == 0)


@pytest.mark.parametrize("layout", ["C", "items fastest"])
def test_per_item_banks_in_one_launch(layout):
    """(items, 2, F) filters: each index of the first dimension its own bank,
    in one launch per operation, equal to one call per item; the adjoints
    read each item's filters reversed. With the items' dimension fastest in
    memory and the axis not the fastest, the host runs line by line."""
    _, dec, rec = _bank("sym3")
    items, mode = 3, stationary_mode(4)
    banks = np.stack([dec * (1 + 0.1 * i) for i in range(items)])
    syn = np.stack([rec * (1 - 0.1 * i) for i in range(items)])
    x = random((items, 16, 3), seed=12)
    if layout == "items fastest":
        x = np.asfortranarray(x)
    with _program.counting() as found:
        ca, cd = _learned.analysis(x, banks, mode, 1)
        back = _learned.analysis_adjoint(ca, cd, banks, mode, 1, 16)
        y = _learned.synthesis(ca, cd, syn, mode, 1)
        ua, ud = _learned.synthesis_adjoint(y, syn, mode, 1)
    assert [e["kind"] for e in found] == ["stationary"] * 4
    for i in range(items):
        one = _learned.analysis(x[i:i + 1], banks[i], mode, 1)
        assert_on_scale(ca[i:i + 1], one[0])
        assert_on_scale(cd[i:i + 1], one[1])
        assert_on_scale(back[i:i + 1], _learned.analysis_adjoint(one[0], one[1], banks[i], mode,
                                                                  1, 16))
        assert_on_scale(y[i:i + 1], _learned.synthesis(one[0], one[1], syn[i], mode, 1))
        a1, d1 = _learned.synthesis_adjoint(y[i:i + 1], syn[i], mode, 1)
        assert_on_scale(ua[i:i + 1], a1)
        assert_on_scale(ud[i:i + 1], d1)
    grads = _learned.analysis_filter_grad(x, ca, cd, 6, mode, 1, True)
    for i in range(items):
        assert_on_scale(grads[i], _learned.analysis_filter_grad(x[i:i + 1], ca[i:i + 1],
                                                                cd[i:i + 1], 6, mode, 1, False))


def test_outputs_with_the_items_fastest_in_memory():
    """Outputs whose items' dimension has the smallest stride, the axis not
    the fastest: neighbouring lines of the walk take neighbouring banks
    (the host then walks them one line at a time), in the split, the merge
    and their adjoints (filters read reversed), against one call per item."""
    _, dec, rec = _bank("db2")
    items, step = 3, 2
    banks = np.stack([dec * (1 + 0.1 * i) for i in range(items)])
    x = random((items, 8, 5), seed=14)

    def items_fastest():
        return np.empty(x.shape[::-1]).transpose(2, 1, 0)

    def level(f):
        return _stationary.Dilated(FilterPair(f[..., 0, :], f[..., 1, :]), step)
    ca, cd = items_fastest(), items_fastest()
    _stationary.swt_split(x, level(banks), PERIODIZATION, 1, ca, cd)
    y, back = items_fastest(), items_fastest()
    _stationary.iswt_merge(ca, cd, level(banks), PERIODIZATION, 1, out=y)
    _stationary.swt_split_adjoint(ca, cd, level(banks), PERIODIZATION, 1, out=back)
    ua, ud = items_fastest(), items_fastest()
    _stationary.iswt_merge_adjoint(x, level(banks), PERIODIZATION, 1, ua, ud)
    mode = stationary_mode(step)
    for i in range(items):
        one = _learned.analysis(x[i], banks[i], mode, 0)
        assert_on_scale(ca[i], one[0])
        assert_on_scale(cd[i], one[1])
        assert_on_scale(y[i], _learned.synthesis(one[0], one[1], banks[i], mode, 0))
        assert_on_scale(back[i], _learned.analysis_adjoint(one[0], one[1], banks[i], mode, 0, 8))
        a1, d1 = _learned.synthesis_adjoint(x[i], banks[i], mode, 0)
        assert_on_scale(ua[i], a1)
        assert_on_scale(ud[i], d1)


def test_float32_on_the_transform_scale():
    _, dec, rec = _bank("db4")
    mode = stationary_mode(2)
    x = (random((4, 256), seed=13) * 1e3).astype(np.float32)
    ca, cd = _learned.analysis(x, dec.astype(np.float32), mode, 1)
    ref_a, ref_d = _learned.analysis(x.astype(np.float64), dec, mode, 1)
    assert ca.dtype == np.float32
    assert_on_scale(ca, ref_a, np.float32)
    assert_on_scale(cd, ref_d, np.float32)
    g = _learned.analysis_filter_grad(x, ca, cd, 8, mode, 1, False)
    ref = _learned.analysis_filter_grad(x.astype(np.float64), ref_a, ref_d, 8, mode, 1, False)
    assert g.dtype == np.float32
    assert_on_scale(g, ref, np.float32, c=4096)  # sums of 1024 products


def test_bad_input_is_named():
    _, dec, _ = _bank("db2")
    x = random((2, 8))
    with pytest.raises(ValueError, match="dilation"):
        stationary_mode(0)
    with pytest.raises(ValueError, match="contiguous"):
        _learned.analysis(x, np.asfortranarray(np.stack([dec, dec]))[0], stationary_mode(1), 1)
    with pytest.raises(ValueError, match="coefficient shape mismatch"):
        _learned.analysis_filter_grad(x, random((2, 4)), None, 4, stationary_mode(1), 1, False)


@requires_cuda
@pytest.mark.gpu
def test_cuda_launches_match_host():
    """The GPU's stationary kernels (per-item banks, the adjoints reading the
    filters reversed) and its block reductions against the host's."""
    import cupy
    _, dec, _ = _bank("db3")
    items, mode = 3, stationary_mode(4)
    banks = np.stack([dec * (1 + 0.1 * i) for i in range(items)]).astype(np.float32)
    x = random((items, 5, 64), np.float32, seed=15)
    g = [cupy.asarray(a) for a in (x, banks)]
    host = _learned.analysis(x, banks, mode, 2)
    gpu = _learned.analysis(*g, mode, 2)
    for h, d in zip(host, gpu):
        assert_on_scale(cupy.asnumpy(d), h, np.float32, c=16)
    pairs = [(_learned.analysis_adjoint(*host, banks, mode, 2, 64),
              _learned.analysis_adjoint(*gpu, g[1], mode, 2, 64)),
             (_learned.synthesis(*host, banks, mode, 2), _learned.synthesis(*gpu, g[1], mode, 2)),
             (_learned.analysis_filter_grad(x, *host, 6, mode, 2, True),
              _learned.analysis_filter_grad(g[0], *gpu, 6, mode, 2, True)),
             (_learned.synthesis_filter_grad(*host, x, 6, mode, 2, False),
              _learned.synthesis_filter_grad(*gpu, g[0], 6, mode, 2, False))]
    pairs += list(zip(_learned.synthesis_adjoint(x, banks, mode, 2),
                      _learned.synthesis_adjoint(g[0], g[1], mode, 2)))
    for h, d in pairs:
        assert_on_scale(cupy.asnumpy(d), h, np.float32, c=1024)
