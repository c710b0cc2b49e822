"""The stationary transforms (swt, swt2, swtn and their inverses) with learned
filter banks, through both bridges (bridges/_frontend_swt_packets.py's
_LearnedStationary over each bridge's learned bilinear operations).

Oracles: pywt with a Wavelet made of the same filters for the values (start
levels, trim_approx, norm, axes, missing details); the fixed-filter route
(exact against pywt's matrices, test_bridge_swt_packets.py) for the data's
gradient; central differences of pywt's own transforms for the filters'
gradient; second central differences of pywt's for a Hessian (JAX) and
gradgradcheck (torch)."""
import numpy as np
import pytest
import pywt

from conftest import filter_central_differences, leaves, random

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
bt = pytest.importorskip("bridges.torch")
bj = pytest.importorskip("bridges.jax")
import jax.numpy as jnp  # noqa: E402

BANK = tuple(np.asarray(f) for f in pywt.Wavelet("db3").filter_bank)


def _wavelet(bank):
    return pywt.Wavelet("learned", filter_bank=[np.asarray(f, np.float64) for f in bank])


# (name, call(module, data, wavelet) -> coefficients or a reconstruction, data shape)
CASES = {
    "swt": (lambda m, x, w: m.swt(x, w, level=3), (2, 24)),
    "swt start_level trim_approx norm": (
        lambda m, x, w: m.swt(x, w, level=2, start_level=1, axis=0, trim_approx=True,
                              norm=True), (16, 3)),
    "iswt of swt": (lambda m, x, w: m.iswt(m.swt(x, w, level=2), w), (3, 16)),
    "iswt norm, trim_approx": (
        lambda m, x, w: m.iswt(m.swt(x, w, level=2, trim_approx=True, norm=True), w, norm=True),
        (16,)),
    "swt2": (lambda m, x, w: m.swt2(x, w, level=2), (2, 8, 12)),
    "iswt2 of swt2 without a detail": (  # None for the bridges, zeros for pywt
        lambda m, x, w: m.iswt2([(a, (h, np.zeros_like(v) if m is pywt else None, d))
                                 for a, (h, v, d) in m.swt2(x, w, level=2)], w), (8, 12)),
    "swtn over two axes": (lambda m, x, w: m.swtn(x, w, level=1, axes=(0, 2)), (8, 2, 6)),
    "iswtn of swtn trim_approx": (
        lambda m, x, w: m.iswtn(m.swtn(x, w, level=2, axes=(0, 2), trim_approx=True), w,
                                axes=(0, 2)), (8, 2, 4)),
}


def _torch_call(call, x, bank):
    return call(bt, x, tuple(bank))


def _values(framework, call, x, bank):
    """The coefficients' leaves as NumPy arrays, filters as the framework's
    arrays (JAX: under jit, so the filters are traced)."""
    if framework == "torch":
        out = call(bt, torch.from_numpy(x), tuple(torch.tensor(f, requires_grad=True)
                                                  for f in bank))
        return [t.detach().numpy() for t in leaves(out)]
    out = jax.jit(lambda v, fs: leaves(call(bj, v, tuple(fs))))(
        jnp.asarray(x), [jnp.asarray(f) for f in bank])
    return [np.asarray(t) for t in out]


def _grads(framework, call, x, bank, weights):
    """d/d(filters) (4, F) and d/d(data) of sum(<w, leaf>)."""
    if framework == "torch":
        xt = torch.from_numpy(x).requires_grad_()
        fs = [torch.tensor(f, requires_grad=True) for f in bank]
        loss = sum((torch.from_numpy(w) * t).sum() for w, t in zip(weights, leaves(
            call(bt, xt, tuple(fs)))))
        loss.backward()
        # (a forward transform leaves the synthesis filters without a gradient: zeros)
        return np.stack([np.zeros(f.shape) if f.grad is None else f.grad.numpy()
                         for f in fs]), xt.grad.numpy()

    def loss(fs, v):
        return sum(jnp.vdot(w, t) for w, t in zip(weights, leaves(call(bj, v, tuple(fs)))))
    gf, gx = jax.jit(jax.grad(loss, argnums=(0, 1)))([jnp.asarray(f) for f in bank], jnp.asarray(x))
    return np.stack([np.asarray(g) for g in gf]), np.asarray(gx)


def _fixed_data_grad(framework, call, x, weights):
    if framework == "torch":
        xt = torch.from_numpy(x).requires_grad_()
        sum((torch.from_numpy(w) * t).sum() for w, t in zip(weights, leaves(
            call(bt, xt, _wavelet(BANK))))).backward()
        return xt.grad.numpy()
    return np.asarray(jax.grad(lambda v: sum(jnp.vdot(w, t) for w, t in zip(
        weights, leaves(call(bj, v, _wavelet(BANK))))))(jnp.asarray(x)))


@pytest.mark.filterwarnings("ignore:norm=True, but the wavelet is not orthogonal")
@pytest.mark.parametrize("framework", ["torch", "jax"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients(case, framework):
    call, shape = CASES[case]
    x = random(shape, seed=len(case))
    want = leaves(call(pywt, x, _wavelet(BANK)))
    got = _values(framework, call, x, BANK)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-12 * np.abs(w).max())
    weights = [random(np.shape(v), seed=i) for i, v in enumerate(want)]
    g_filters, g_data = _grads(framework, call, x, BANK, weights)
    fixed = _fixed_data_grad(framework, call, x, weights)
    np.testing.assert_allclose(g_data, fixed, rtol=0, atol=1e-12 * np.abs(fixed).max())
    central = filter_central_differences(lambda bank: sum(
        float(np.vdot(w, v)) for w, v in zip(weights, leaves(call(pywt, x, _wavelet(bank))))),
        BANK)
    assert np.max(np.abs(g_filters - central)) <= 1e-6 * max(1.0, np.abs(central).max())


def test_a_learned_bank_on_one_axis():
    """swt2 with a learned bank on one axis and a fixed wavelet on the other."""
    x = random((8, 8), seed=3)
    want = leaves(pywt.swt2(x, ("db1", _wavelet(BANK)), level=2))
    fs = [torch.tensor(f, requires_grad=True) for f in BANK]
    got = leaves(bt.swt2(torch.from_numpy(x), ("db1", tuple(fs)), level=2))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=0, atol=1e-12)
    sum((t ** 2).sum() for t in got).backward()
    assert all(torch.isfinite(f.grad).all() and f.grad.abs().max() > 0 for f in fs[:2])


def test_second_order():
    """JAX: the Hessian in the filters of a cubic loss over swt then iswt,
    against second central differences of pywt's (random pairs of
    directions); torch: gradgradcheck in the data and the filters."""
    x = random((2, 16), seed=4)

    def pywt_loss(bank):
        w = _wavelet(bank)
        c = pywt.swt(x, w, level=2)
        return float(sum((v ** 3).sum() for v in leaves(c)) + (pywt.iswt(c, w) ** 3).sum())

    def loss(flat):
        fs = tuple(jnp.split(flat, 4))
        c = bj.swt(jnp.asarray(x), fs, level=2)
        return sum((v ** 3).sum() for v in leaves(c)) + (bj.iswt(c, fs) ** 3).sum()
    flat = np.concatenate(BANK)
    hessian = np.asarray(jax.jit(jax.hessian(loss))(jnp.asarray(flat)))
    rng, e = np.random.default_rng(6), 1e-4

    def at(v):
        return pywt_loss(np.split(flat + v, 4))
    for a, b in rng.standard_normal((3, 2, flat.size)):
        second = (at(e * a + e * b) - at(e * a - e * b) - at(-e * a + e * b)
                  + at(-e * a - e * b)) / (4 * e * e)
        assert abs(a @ hessian @ b - second) <= 1e-5 * max(1.0, abs(second))

    def torch_loss(v, *fs):
        c = bt.swt(v, tuple(fs), level=1)
        return sum((t ** 3).sum() for t in leaves(c)) + (bt.iswt(c, tuple(fs)) ** 3).sum()
    inputs = (torch.from_numpy(random((8,), seed=5)).requires_grad_(),
              *[torch.tensor(f, requires_grad=True) for f in BANK])
    assert torch.autograd.gradcheck(torch_loss, inputs)
    assert torch.autograd.gradgradcheck(torch_loss, inputs)


def test_refusals_stay_clear():
    """The lengths a learned bank's levels need, as pywt's."""
    fs = tuple(torch.tensor(f) for f in BANK)
    with pytest.raises(ValueError, match="Level value too high"):
        bt.swt(torch.ones(12), fs, level=3)
    with pytest.raises(ValueError, match="Level value too high"):
        jax.jit(lambda f: bj.swt(jnp.ones(12), tuple(f), level=3))([jnp.asarray(f)
                                                                     for f in BANK])


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_vmap_over_banks_runs_each_level_once(framework):
    """A batch of banks (one per example) reaches the core as per-item banks:
    one launch per level and axis of the swt, of the iswt and of each
    backward operation, not one per bank; values and gradients against one
    call per bank."""
    from cuwavelet import _program
    x = random((4, 2, 16), seed=7)
    banks = np.stack([np.concatenate(BANK) * (1 + 0.05 * i) for i in range(4)])

    def loss(m, xi, flat):
        fs = tuple(m.split(flat, 4) if m is jnp else flat.split(flat.shape[0] // 4))
        c = (bj if m is jnp else bt).swt(xi, fs, level=2)
        return sum((v ** 2).sum() for v in leaves(c)) + \
            ((bj if m is jnp else bt).iswt(c, fs) ** 3).sum()
    if framework == "torch":
        from torch.func import grad, vmap
        xs, fs = torch.from_numpy(x), torch.from_numpy(banks)
        run = vmap(grad(lambda xi, f: loss(torch, xi, f), argnums=(0, 1)))
        one = grad(lambda xi, f: loss(torch, xi, f), argnums=(0, 1))
    else:
        xs, fs = jnp.asarray(x), jnp.asarray(banks)
        run = jax.vmap(jax.grad(lambda xi, f: loss(jnp, xi, f), argnums=(0, 1)))
        one = jax.grad(lambda xi, f: loss(jnp, xi, f), argnums=(0, 1))
    with _program.counting() as found:
        got = run(xs, fs)
    # forward: 2 swt levels + 2 iswt levels; backward: their adjoints and
    # filter gradients (2 each per level) - not 4 banks' worth
    assert sum(e["kind"] == "stationary" for e in found) == 8
    for i in range(4):
        for g, o in zip(got, one(xs[i], fs[i])):
            g, o = np.asarray(g[i]), np.asarray(o)
            np.testing.assert_allclose(g, o, rtol=0, atol=1e-12 * np.abs(o).max())
