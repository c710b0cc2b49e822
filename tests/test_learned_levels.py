"""A whole decomposition with learned banks as one planned call, and its
backward (cuwavelet/_learned.py: wavedec_levels, wavedec_levels_backward),
the bridges' fused route of a learned wavedec/wavedec2/wavedecn.

Oracles: pywt.wavedecn for the coefficients (the banks given as arrays);
a dot-product test for the data gradient (the transform is linear in the
data); central differences for the filter gradients (the transform is a
polynomial in the filters, of degree `level`; float64, step 1e-6).
"""
import numpy as np
import pytest
import pywt

from conftest import central_differences, random
from cuwavelet import _learned, _program
from cuwavelet._wavelets import as_mode

MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]
CASES = {  # shape, axes, wavelet per axis, level
    "1d": ((3, 23), (1,), ("db2",), 3),
    "2d": ((2, 13, 10), (1, 2), ("db2", "db3"), 2),
    "2d-axes-apart": ((9, 2, 12), (0, 2), ("haar", "db2"), 2),
    "3d": ((6, 5, 7), (0, 1, 2), ("db2", "haar", "db2"), 1),
}


def _filters(names):
    return [np.array(pywt.Wavelet(n).filter_bank[:2]) for n in names]


def _flat(coeffs):
    return [coeffs[0]] + [t for details in coeffs[1:] for t in details]


def _keys(k):
    keys = [""]
    for _ in range(k):
        keys = [p + c for p in keys for c in "ad"]
    return keys[1:]


def _loss(x, filters, modes, axes, level, cotangents):
    coeffs, _ = _learned.wavedec_levels(x, filters, modes, axes, level, False)
    return sum(float((c * g).sum()) for c, g in zip(_flat(coeffs), _flat(cotangents))
               if g is not None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_coefficients_are_pywts_and_gradients_are_exact(case, mode):
    shape, axes, names, level = CASES[case]
    x = random(shape, seed=len(shape) + level)
    filters, modes = _filters(names), [as_mode(mode)] * len(axes)
    coeffs, inputs = _learned.wavedec_levels(x, filters, modes, axes, level, True)

    wavelet = [pywt.Wavelet(n) for n in names]
    ref = pywt.wavedecn(x, wavelet, mode, level=level, axes=axes)
    scale = float(np.abs(x).max())
    np.testing.assert_allclose(coeffs[0], ref[0], rtol=0, atol=1e-13 * scale)
    for ours, theirs in zip(coeffs[1:], ref[1:]):
        assert len(ours) == len(theirs)
        for c, key in zip(ours, _keys(len(axes))):
            np.testing.assert_allclose(c, theirs[key], rtol=0, atol=1e-13 * scale)

    rng = np.random.default_rng(5)
    # some coefficients without a cotangent (None: unused by the loss)
    cot = [rng.standard_normal(coeffs[0].shape)] + [
        tuple(None if (i + j) % 3 == 1 else rng.standard_normal(c.shape)
              for j, c in enumerate(details)) for i, details in enumerate(coeffs[1:])]
    dx, grads = _learned.wavedec_levels_backward(x, inputs, cot, filters, modes, axes, True,
                                                 [True] * len(axes))
    # data: <d/dx, e> = loss(e) (linear in the data)
    e = rng.standard_normal(x.shape)
    lhs, rhs = float((dx * e).sum()), _loss(e, filters, modes, axes, level, cot)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs), float(np.abs(dx).sum()))
    # filters: central differences, per axis and tap
    numeric = central_differences(lambda fs: _loss(x, fs, modes, axes, level, cot), filters)
    for got, central in zip(grads, numeric):
        assert got.shape == central.shape
        np.testing.assert_allclose(got, central, rtol=0,
                                   atol=1e-6 * max(1.0, float(np.abs(central).max())))


def test_what_is_not_needed_is_not_computed():
    x = random((2, 20), seed=1)
    filters, modes = _filters(["db2"]), [as_mode("symmetric")]
    coeffs, inputs = _learned.wavedec_levels(x, filters, modes, (1,), 3, True)
    cot = [np.ones(coeffs[0].shape), (None,), (None,), (np.ones(coeffs[3][0].shape),)]
    dx, grads = _learned.wavedec_levels_backward(x, inputs, cot, filters, modes, (1,), False,
                                                 [True])
    assert dx is None and grads[0].shape == (2, 4)
    dx, grads = _learned.wavedec_levels_backward(x, inputs, cot, filters, modes, (1,), True,
                                                 [False])
    assert dx.shape == x.shape and grads == [None]
    assert _learned.wavedec_levels(x, filters, modes, (1,), 3, False)[1] is None


def test_a_call_is_one_plan_replayed_with_each_calls_filters():
    """The filters are array operands of the plan: new values, same layout,
    no new plan, and the result follows the new filters."""
    x = random((4, 64), seed=2)
    modes = [as_mode("zero")]
    _program.clear_cache()
    bank = random((4, 4), seed=3)  # a bank of no wavelet's, 4 taps as db2's
    for wavelet in (pywt.Wavelet("db2"), pywt.Wavelet("mine", filter_bank=bank), "db3"):
        wavelet = pywt.Wavelet(wavelet) if isinstance(wavelet, str) else wavelet
        filters = [np.array(wavelet.filter_bank[:2])]
        if wavelet.name == "db3":  # another filter length: another layout, another plan
            assert _program.cache_info()["plans"] == 1
        coeffs, _ = _learned.wavedec_levels(x, filters, modes, (1,), 2, False)
        ref = pywt.wavedec(x, wavelet, "zero", level=2)
        for c, r in zip(_flat(coeffs), ref):
            np.testing.assert_allclose(c, r, rtol=0, atol=1e-13 * float(np.abs(x).max()))
    assert _program.cache_info()["plans"] == 2


# --- the inverse: waverec_levels and its backward ---------------------------------------

def _rec_loss(a, details, filters, modes, axes, trim_first, gy):
    y, _ = _learned.waverec_levels(a, details, filters, modes, axes, trim_first, False)
    return float((y * gy).sum())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_inverse_is_pywts_and_its_gradients_are_exact(case, mode):
    shape, axes, names, level = CASES[case]
    x = random(shape, seed=len(shape) + 2 * level)
    wavelet = [pywt.Wavelet(n) for n in names]
    ref_coeffs = pywt.wavedecn(x, wavelet, mode, level=level, axes=axes)
    keys = _keys(len(axes))
    rng = np.random.default_rng(6)
    # a detail missing (None: zero) where pywt takes zeros
    a = ref_coeffs[0]
    details = [tuple(None if (i, key) == (0, keys[-1]) else d[key] for key in keys)
               for i, d in enumerate(ref_coeffs[1:])]
    pywt_coeffs = [a] + [{key: (np.zeros_like(d[key]) if v is None else v)
                          for key, v in zip(keys, ours)}
                         for d, ours in zip(ref_coeffs[1:], details)]
    ref = pywt.waverecn(pywt_coeffs, wavelet, mode, axes=axes)
    filters = [np.array(w.filter_bank[2:]) for w in wavelet]
    modes = [as_mode(mode)] * len(axes)
    y, inputs = _learned.waverec_levels(a, details, filters, modes, axes, True, True)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-13 * scale)

    gy = rng.standard_normal(y.shape)
    ga, gd, grads = _learned.waverec_levels_backward(a, details, inputs, gy, filters, modes,
                                                     axes, True, [True] * len(axes))
    # the coefficients: <gradient, e> = loss(e) (linear in the coefficients)
    ea = rng.standard_normal(a.shape)
    ed = [tuple(None if v is None else rng.standard_normal(v.shape) for v in d) for d in details]
    lhs = float((ga * ea).sum()) + sum(float((g * e).sum()) for gl, el in zip(gd, ed)
                                       for g, e in zip(gl, el) if e is not None)
    assert all(g is None for gl, el in zip(gd, ed) for g, e in zip(gl, el) if e is None)
    rhs = _rec_loss(ea, ed, filters, modes, axes, True, gy)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs), float(np.abs(gy).sum()))
    numeric = central_differences(lambda fs: _rec_loss(a, details, fs, modes, axes, True, gy),
                                  filters)
    for got, central in zip(grads, numeric):
        np.testing.assert_allclose(got, central, rtol=0,
                                   atol=1e-6 * max(1.0, float(np.abs(central).max())))


def test_inverse_trims_as_pywt_and_refuses_what_does_not_fit():
    """An approximation one sample longer is cut (every level, or all but the
    first without trim_first: pywt's waverecn); its gradient gets the zero
    back; anything else is a ValueError naming the mismatch."""
    x = random((2, 23), seed=4)
    c = pywt.wavedec(x, "db2", "symmetric", level=2)
    filters, modes = [np.array(pywt.Wavelet("db2").filter_bank[2:])], [as_mode("symmetric")]
    longer = np.concatenate([c[0], np.ones((2, 1))], axis=1)
    y, inputs = _learned.waverec_levels(longer, [(c[1],), (c[2],)], filters, modes, (1,), True,
                                        True)
    np.testing.assert_allclose(y, pywt.waverec(c, "db2", "symmetric"), rtol=0, atol=1e-12)
    ga, _, _ = _learned.waverec_levels_backward(longer, [(c[1],), (c[2],)], inputs,
                                                np.ones(y.shape), filters, modes, (1,), True,
                                                [False])
    assert ga.shape == longer.shape and np.all(ga[:, -1] == 0)
    with pytest.raises(ValueError, match="shape mismatch"):
        _learned.waverec_levels(longer, [(c[1],), (c[2],)], filters, modes, (1,), False, False)
    with pytest.raises(ValueError, match="shape mismatch"):
        _learned.waverec_levels(c[0][:, :-2], [(c[1],), (c[2],)], filters, modes, (1,), True,
                                False)


# --- the stationary transform: swt_levels and its backward ------------------------------

SWT_CASES = {  # shape, axes, wavelets, start_level, level
    "1d": ((3, 32), (1,), ("db2",), 0, 3),
    "1d from level 1": ((2, 24), (1,), ("sym3",), 1, 2),
    "2d": ((2, 8, 12), (1, 2), ("db2", "haar"), 0, 2),
}


def _swt_loss(x, filters, axes, start_level, level, cotangents):
    out, _ = _learned.swt_levels(x, filters, axes, start_level, level, False)
    return sum(float((c * g).sum()) for sub, gs in zip(out, cotangents)
               for c, g in zip(sub, gs) if g is not None)


@pytest.mark.parametrize("case", SWT_CASES)
def test_stationary_levels_are_pywts_and_gradients_are_exact(case):
    shape, axes, names, start_level, level = SWT_CASES[case]
    x = random(shape, seed=len(shape) + start_level)
    wavelet = [pywt.Wavelet(n) for n in names]
    filters = _filters(names)
    out, inputs = _learned.swt_levels(x, filters, axes, start_level, level, True)
    ref = pywt.swtn(x, wavelet, level=level, start_level=start_level, axes=axes)[::-1]
    keys = ["a" * len(axes)] + _keys(len(axes))
    scale = float(np.abs(x).max())
    assert len(out) == level
    for ours, theirs in zip(out, ref):  # finest first
        for c, key in zip(ours, keys):
            np.testing.assert_allclose(c, theirs[key], rtol=0, atol=1e-13 * scale)

    rng = np.random.default_rng(8)  # approximations' cotangents on even levels, a detail none
    cot = [tuple(None if (i == 0 and j % 2) or (i, j) == (1, 0) else
                 rng.standard_normal(c.shape) for i, c in enumerate(sub))
           for j, sub in enumerate(out)]
    dx, grads = _learned.swt_levels_backward(x, [sub[0] for sub in out[:-1]], inputs, cot,
                                             filters, axes, start_level, True,
                                             [True] * len(axes))
    e = rng.standard_normal(x.shape)
    lhs, rhs = float((dx * e).sum()), _swt_loss(e, filters, axes, start_level, level, cot)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs), float(np.abs(dx).sum()))
    numeric = central_differences(
        lambda fs: _swt_loss(x, fs, axes, start_level, level, cot), filters)
    for got, central in zip(grads, numeric):
        np.testing.assert_allclose(got, central, rtol=0,
                                   atol=1e-6 * max(1.0, float(np.abs(central).max())))


@pytest.mark.parametrize("case", [c for c in SWT_CASES if SWT_CASES[c][3] == 0])
def test_stationary_inverse_is_pywts_and_its_gradients_are_exact(case):
    """waverec_levels(stationary=True) with pywt's reconstruction filters
    halved is pywt's iswtn; its gradients against a dot-product test and
    central differences."""
    shape, axes, names, _, level = SWT_CASES[case]
    x = random(shape, seed=21)
    wavelet = [pywt.Wavelet(n) for n in names]
    ref_coeffs = pywt.swtn(x, wavelet, level=level, axes=axes)  # coarsest first
    keys = _keys(len(axes))
    a = ref_coeffs[0]["a" * len(axes)]
    details = [tuple(d[key] for key in keys) for d in ref_coeffs]
    filters = [np.array(w.filter_bank[2:]) / 2 for w in wavelet]
    y, inputs = _learned.waverec_levels(a, details, filters, None, axes, False, True,
                                        stationary=True)
    ref = pywt.iswtn(ref_coeffs, wavelet, axes=axes)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-13 * float(np.abs(ref).max()))

    rng = np.random.default_rng(9)
    gy = rng.standard_normal(y.shape)
    ga, gd, grads = _learned.waverec_levels_backward(a, details, inputs, gy, filters, None, axes,
                                                     False, [True] * len(axes), stationary=True)

    def loss(a, details, filters):
        out, _ = _learned.waverec_levels(a, details, filters, None, axes, False, False,
                                         stationary=True)
        return float((out * gy).sum())
    ea = rng.standard_normal(a.shape)
    ed = [tuple(rng.standard_normal(v.shape) for v in d) for d in details]
    lhs = float((ga * ea).sum()) + sum(float((g * e).sum()) for gl, el in zip(gd, ed)
                                       for g, e in zip(gl, el))
    rhs = loss(ea, ed, filters)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs), float(np.abs(gy).sum()))
    numeric = central_differences(lambda fs: loss(a, details, fs), filters)
    for got, central in zip(grads, numeric):
        np.testing.assert_allclose(got, central, rtol=0,
                                   atol=1e-6 * max(1.0, float(np.abs(central).max())))
