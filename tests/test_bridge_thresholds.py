"""Thresholds through the bridges (bridges/_frontend_thresholds.py): values
against pywt.threshold and cuwavelet.threshold_firm, gradients in the data and
in the thresholds against central differences of pywt's own functions, and
no NaN gradient where the data is 0."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")

MODES = ["soft", "hard", "garrote", "greater", "less"]


def _data(dtype, seed=0):
    """Random values, exact zeros and values exactly at the threshold 0.5."""
    x = random((6, 40), dtype, seed=seed)
    x.flat[::7] = 0
    x.flat[3::11] = 0.5
    x.flat[5::13] = -0.5
    return x


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    return jax, bj


def _close(got, want, dtype):
    tol = 1e-6 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-13
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.max(np.abs(got - want)) <= tol * max(1.0, float(np.abs(want).max()))


@pytest.mark.parametrize("substitute", [0, -0.25])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("mode", MODES)
def test_threshold_values_are_pywts(mode, dtype, substitute):
    x = _data(dtype)
    if np.dtype(dtype).kind == "c" and mode in ("greater", "less"):
        for fn in (bt.threshold, _jax()[1].threshold):
            with pytest.raises(ValueError, match="only supports real data"):
                fn(torch.from_numpy(x) if fn is bt.threshold else x, 0.5, mode)
        return
    want = pywt.threshold(x, 0.5, mode, substitute)
    _close(bt.threshold(torch.from_numpy(x), 0.5, mode, substitute).numpy(), want, dtype)
    _, bj = _jax()
    _close(np.asarray(bj.threshold(x, 0.5, mode, substitute)), want, dtype)


@pytest.mark.parametrize("mode", MODES)
def test_array_thresholds_broadcast_as_pywt(mode):
    """One threshold per row (no zero: the bridges' 0/0 is 0, pywt's NaN)."""
    x = _data(np.float64)
    value = np.linspace(0.25, 1.5, 6)[:, None]
    want = pywt.threshold(x, value, mode, -0.25)
    _close(bt.threshold(torch.from_numpy(x), torch.from_numpy(value), mode, -0.25).numpy(),
           want, np.float64)
    _, bj = _jax()
    _close(np.asarray(bj.threshold(x, value, mode, -0.25)), want, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("mode", MODES)
def test_numpy_and_complex_thresholds(mode, dtype):
    """NumPy thresholds (arrays too) and complex ones without an imaginary
    part give pywt's values in the data's dtype; complex ones with an
    imaginary part, or a complex tensor, are refused."""
    x = _data(dtype)
    if np.dtype(dtype).kind == "c" and mode in ("greater", "less"):
        return
    _, bj = _jax()
    for value in (np.float32(0.5), 0.5 + 0j, np.complex64(0.75), np.linspace(0.25, 1.5, 6)[:, None],
                  np.full((6, 1), 0.75 + 0j)):
        want = pywt.threshold(x, value, mode, -0.25)
        want = (want if np.dtype(dtype).kind == "c" else want.real).astype(dtype)
        _close(bt.threshold(torch.from_numpy(x), value, mode, -0.25).numpy(), want, dtype)
        _close(np.asarray(bj.threshold(x, value, mode, -0.25)), want, dtype)
    for fn, wrap in ((bt.threshold, torch.from_numpy), (bj.threshold, np.asarray)):
        for value in (0.5 + 0.5j, np.array([[0.5], [1j]])):
            with pytest.raises(ValueError, match="must be real"):
                fn(wrap(x), value, mode)
    with pytest.raises(TypeError, match="must be real"):
        bt.threshold(torch.from_numpy(x), torch.tensor(0.5 + 0j), mode)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_threshold_firm_values_are_the_cores(dtype):
    """The core's firm threshold (pywt's, but keeping the values above
    value_high in the first row too; pywt's on data where that differs not)."""
    x = _data(dtype)
    want = cw.threshold_firm(x, 0.3, 1.2)
    x_pywt = x[1:]  # (no value above value_high in pywt's skipped first row)
    _close(cw.threshold_firm(x_pywt, 0.3, 1.2), pywt.threshold_firm(x_pywt, 0.3, 1.2), dtype)
    _close(bt.threshold_firm(torch.from_numpy(x), 0.3, 1.2).numpy(), want, dtype)
    _, bj = _jax()
    _close(np.asarray(bj.threshold_firm(x, 0.3, 1.2)), want, dtype)


def _central_differences(f, x, cot, h=1e-6):
    """d/dx_i of <cot, f(x)> for every i, and f the reference function."""
    out = np.empty(x.size)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += h
        down.flat[i] -= h
        out[i] = np.vdot(cot, f(up) - f(down)).real / (2 * h)
    return out.reshape(x.shape)


def _smooth_points(seed, value=0.5, high=1.2):
    """float64 data whose magnitudes stay 1e-3 away from every kink."""
    x = random((3, 16), seed=seed)
    for kink in (value, high):
        near = np.abs(np.abs(x) - kink) < 1e-3
        x[near] += 0.01
    return x


CALLS = {  # name -> (bridge call(module, x, a), pywt's call(x, a)); a: the threshold
    **{mode: (lambda m, x, a, mode=mode: m.threshold(x, a, mode),
              lambda x, a, mode=mode: pywt.threshold(x, a, mode)) for mode in MODES},
    "soft, substitute": (lambda m, x, a: m.threshold(x, a, "soft", 0.25),
                         lambda x, a: pywt.threshold(x, a, "soft", 0.25)),
    "firm": (lambda m, x, a: m.threshold_firm(x, a, 1.2),
             lambda x, a: pywt.threshold_firm(x, a, 1.2)),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_gradients_in_data_and_threshold_are_pywts_derivatives(name):
    """torch's and JAX's gradients of <cot, threshold(x, a)> in x and in a
    (a learned threshold) equal central differences of pywt's function."""
    ours, theirs = CALLS[name]
    x, cot = _smooth_points(1), random((3, 16), seed=2)
    want_x = _central_differences(lambda v: theirs(v, 0.5), x, cot)
    want_a = np.vdot(cot, theirs(x, 0.5 + 1e-6) - theirs(x, 0.5 - 1e-6)) / 2e-6

    xt = torch.from_numpy(x).requires_grad_(True)
    at = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    got_x, got_a = torch.autograd.grad((ours(bt, xt, at) * torch.from_numpy(cot)).sum(),
                                       (xt, at), allow_unused=True, materialize_grads=True)
    np.testing.assert_allclose(got_x.numpy(), want_x, rtol=0, atol=1e-6)
    assert abs(float(got_a) - want_a) <= 1e-6 * max(1.0, abs(want_a))

    jax, bj = _jax()
    import jax.numpy as jnp
    grad = jax.grad(lambda v, a: jnp.vdot(jnp.asarray(cot), ours(bj, v, a)), argnums=(0, 1))
    jx, ja = grad(jnp.asarray(x), 0.5)
    np.testing.assert_allclose(np.asarray(jx), want_x, rtol=0, atol=1e-6)
    assert abs(float(ja) - want_a) <= 1e-6 * max(1.0, abs(want_a))


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("call", [lambda x, a: bt.threshold(x, a, "soft"),
                                  lambda x, a: bt.threshold(x, a, "garrote"),
                                  lambda x, a: bt.threshold_firm(x, a, 1.0)],
                         ids=["soft", "garrote", "firm"])
def test_no_nan_gradient_at_zero(call, dtype):
    """Where the data is 0 (and even with a zero threshold) the shrink factor
    divides by 1: the values are pywt's 0 and the gradients finite."""
    x = torch.zeros(8, dtype=dtype, requires_grad=True)
    for a in (torch.tensor(0.5, dtype=torch.float64, requires_grad=True),
              torch.tensor(0.0, dtype=torch.float64, requires_grad=True)):
        y = call(x, a)
        gx, ga = torch.autograd.grad(y.abs().square().sum() + y.real.sum(), (x, a),
                                     allow_unused=True, materialize_grads=True)
        assert not y.abs().any()
        assert torch.isfinite(torch.view_as_real(gx) if gx.is_complex() else gx).all()
        assert torch.isfinite(ga)


TINY = {torch.float16: 1e-3, torch.float32: 1e-30, torch.float64: 1e-160,
        torch.complex128: 1e-160}


@pytest.mark.parametrize("dtype", list(TINY))
@pytest.mark.parametrize("call", [lambda x, a: bt.threshold(x, a, "soft"),
                                  lambda x, a: bt.threshold(x, a, "garrote"),
                                  lambda x, a: bt.threshold_firm(x, a, 1.0)],
                         ids=["soft", "garrote", "firm"])
def test_no_nan_gradient_near_zero(call, dtype):
    """Values so small that threshold / |x| overflows are shrunk to 0 with a
    zero gradient, in both bridges (not 0 * inf = NaN), beside values the
    threshold keeps, whose gradients are pywt's derivatives."""
    tiny = TINY[dtype]
    x = torch.tensor([tiny, -tiny, 0.0, 0.9], dtype=dtype, requires_grad=True)
    y = call(x, 0.7)
    (gx,) = torch.autograd.grad(y.real.sum(), (x,))
    assert not y[:3].abs().any()
    assert torch.equal(gx[:3], torch.zeros(3, dtype=dtype))
    assert torch.isfinite(gx[3].real) and gx[3].real > 0
    if dtype == torch.float64:
        jax, bj = _jax()
        for f in (lambda v: bj.threshold(v, 0.7, "soft"), lambda v: bj.threshold(v, 0.7, "garrote"),
                  lambda v: bj.threshold_firm(v, 0.7, 1.0)):
            g = jax.grad(lambda v: f(v).sum())(jax.numpy.asarray([tiny, -tiny, 0.0, 0.9]))
            assert np.array_equal(np.asarray(g[:3]), np.zeros(3)) and np.isfinite(g[3])


def test_array_firm_bounds_and_traced_ones():
    """Bounds per row, as the core's (pywt's per row); learned bounds under
    torch.compile(fullgraph=True), torch.func.vmap and jax.jit, where their
    values are not known, equal the eager call; known bad bounds in an array
    raise."""
    x = _data(np.float64)
    low, high = np.linspace(0.1, 0.6, 6)[:, None], np.linspace(0.8, 1.6, 6)[:, None]
    want = cw.threshold_firm(x, low, high)
    _close(bt.threshold_firm(torch.from_numpy(x), torch.from_numpy(low),
                             torch.from_numpy(high)).numpy(), want, np.float64)
    jax, bj = _jax()
    _close(np.asarray(bj.threshold_firm(x, low, high)), want, np.float64)
    t = torch.from_numpy(x)
    compiled = torch.compile(lambda lo: bt.threshold_firm(t, lo, 1.2), fullgraph=True,
                             backend="eager")
    _close(compiled(torch.tensor(0.3, dtype=torch.float64)).numpy(),
           cw.threshold_firm(x, 0.3, 1.2), np.float64)
    mapped = torch.func.vmap(lambda lo: bt.threshold_firm(t, lo, 1.2))(
        torch.tensor([0.3, 0.5], dtype=torch.float64))
    _close(mapped[1].numpy(), cw.threshold_firm(x, 0.5, 1.2), np.float64)
    jitted = jax.jit(lambda lo, hi: bj.threshold_firm(x, lo, hi))(low, high)
    _close(np.asarray(jitted), want, np.float64)
    for fn, wrap in ((bt.threshold_firm, torch.from_numpy), (bj.threshold_firm, np.asarray)):
        with pytest.raises(ValueError, match="value_low must be non-negative"):
            fn(wrap(x), wrap(low - 0.2), wrap(high))
        with pytest.raises(ValueError, match="greater than or equal"):
            fn(wrap(x), wrap(low), wrap(high - 1.0))


@pytest.mark.parametrize("call, error, message", [
    (lambda m, x: m.threshold(x, 0.5, "medium"), ValueError, "only takes values from"),
    (lambda m, x: m.threshold_firm(x, -0.1, 1.0), ValueError, "value_low must be non-negative"),
    (lambda m, x: m.threshold_firm(x, 1.0, 0.5), ValueError, "greater than or equal"),
    (lambda m, x: m.threshold(x.astype(np.int64) if isinstance(x, np.ndarray) else x.long(), 1),
     TypeError, "floating or complex"),
])
def test_bad_arguments_raise(call, error, message):
    x = np.linspace(-1, 1, 8)
    with pytest.raises(error, match=message):
        call(bt, torch.from_numpy(x))
    _, bj = _jax()
    with pytest.raises(error, match=message):
        call(bj, x)
