"""Learned filter banks through the JAX bridge: a bank given as four JAX
arrays that are being traced (a model's parameters under grad, jit or vmap)
runs through bridges/jax.py's bilinear per-axis operations.

Oracles: pywt with a Wavelet made of the same filters for the values; the
fixed-filter route (exact against pywt's matrices, test_bridge_jax.py) for the
data's gradient; central differences of pywt's own transforms for the
filters' gradient, their directional derivatives (forward mode) and second
derivatives (the Hessian against second central differences of pywt's loss;
the mixed data-filter derivative against central differences of the fixed
route's data gradient with pywt Wavelets of perturbed filters)."""
import numpy as np
import pytest
import pywt

from conftest import filter_central_differences, leaves, random

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
bj = pytest.importorskip("bridges.jax")
import jax.numpy as jnp  # noqa: E402

BANK = tuple(np.asarray(f) for f in pywt.Wavelet("sym3").filter_bank)

# (name, pywt's call with wavelet w, the data's shape): every transform family
CASES = {
    "dwt": (lambda m, x, w, mode: m.dwt(x, w, mode, axis=0), (13, 3)),
    "idwt": (lambda m, x, w, mode: m.idwt(x[0], x[1], w, mode), (2, 9)),
    "wavedec, waverec": (lambda m, x, w, mode: [m.wavedec(x, w, mode, 2),
                                                m.waverec(m.wavedec(x, w, mode, 2), w, mode)],
                         (2, 30)),
    "dwt2, idwt2": (lambda m, x, w, mode: [m.dwt2(x, w, mode),
                                           m.idwt2(m.dwt2(x, w, mode), w, mode)], (11, 12)),
    "wavedec2, waverec2": (lambda m, x, w, mode: [m.wavedec2(x, w, mode, 2),
                                                  m.waverec2(m.wavedec2(x, w, mode, 2), w, mode)],
                           (2, 20, 17)),
    "wavedecn, waverecn over two axes": (
        lambda m, x, w, mode: [m.wavedecn(x, w, mode, 1, axes=(0, 2)),
                               m.waverecn(m.wavedecn(x, w, mode, 1, axes=(0, 2)), w, mode,
                                          axes=(0, 2))], (9, 2, 10)),
}
# the per-mode filter reductions are the core's (test_filter_grad.py, every mode);
# here: a mode of each length rule and extension kind
MODES = ["symmetric", "periodization", "smooth"]


def _pywt_wavelet(filters):
    return pywt.Wavelet("learned", filter_bank=[np.asarray(f, np.float64) for f in filters])


def _loss(arrays, weights):
    return sum(jnp.vdot(w, v) for w, v in zip(weights, arrays))


def _central_differences(pywt_loss):
    """d pywt_loss / d (every tap of the bank BANK), shape (4, F)."""
    return filter_central_differences(pywt_loss, BANK)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients(case, mode):
    """Values are pywt's; d/d(data) is the fixed-filter route's; d/d(filters)
    is central differences of pywt's transforms with the perturbed bank."""
    call, shape = CASES[case]
    x = random(shape, seed=len(case))
    want = leaves(call(pywt, x, _pywt_wavelet(BANK), mode))
    weights = [random(np.shape(v), seed=i) for i, v in enumerate(want)]

    def loss(filters, v):
        return _loss(leaves(call(bj, v, tuple(filters), mode)), weights)

    def values(filters, v):
        return leaves(call(bj, v, tuple(filters), mode))
    filters = [jnp.asarray(f) for f in BANK]
    for got, ref in zip(values(filters, jnp.asarray(x)), want):  # (under jit: the gradient's)
        np.testing.assert_allclose(np.asarray(got), ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    grad = jax.grad(loss, argnums=(0, 1))  # (a jit compile costs a second: one mode of each)
    g_filters, g_data = (jax.jit(grad) if mode == "symmetric" else grad)(filters, jnp.asarray(x))
    fixed = jax.grad(lambda v: _loss(leaves(call(bj, v, pywt.Wavelet("sym3"), mode)),
                                     weights))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(g_data), np.asarray(fixed), rtol=0,
                               atol=1e-12 * float(jnp.abs(fixed).max()))

    def pywt_loss(bank):
        return sum(float(np.vdot(w, v)) for w, v in
                   zip(weights, leaves(call(pywt, x, _pywt_wavelet(bank), mode))))
    central = _central_differences(pywt_loss)
    got = np.stack([np.asarray(g) for g in g_filters])
    assert np.max(np.abs(got - central)) <= 1e-6 * max(1.0, np.abs(central).max())


def test_complex_data():
    """A real loss of complex coefficients: the filters' gradient against
    central differences (JAX's convention for complex cotangents)."""
    x = random((2, 17), np.complex128, seed=3)

    def loss(filters):
        a, d = bj.dwt(jnp.asarray(x), tuple(filters), "reflect")
        return (jnp.abs(a) ** 2).sum() + (d.real * d.imag).sum()

    def pywt_loss(bank):
        a, d = pywt.dwt(x, _pywt_wavelet(bank), "reflect")
        return float((np.abs(a) ** 2).sum() + (d.real * d.imag).sum())
    got = np.stack([np.asarray(g) for g in jax.grad(loss)([jnp.asarray(f) for f in BANK])])
    central = _central_differences(pywt_loss)
    assert np.max(np.abs(got - central)) <= 1e-6 * max(1.0, np.abs(central).max())


def test_vmap_over_data_and_over_filters():
    x = jnp.asarray(random((2, 8, 9), seed=4))
    filters = tuple(jnp.asarray(f) for f in BANK)

    def loss(fs, v):
        c = bj.dwt2(v, fs, "symmetric")
        return (c[0] ** 2).sum() + (bj.idwt2(c, fs, "symmetric") ** 3).sum()
    batched = jax.vmap(lambda v: jax.grad(loss)(filters, v))(x)
    for i in range(2):
        one = jax.grad(loss)(filters, x[i])
        for k in range(4):
            np.testing.assert_allclose(np.asarray(batched[k][i]), np.asarray(one[k]), rtol=1e-13)
    stacked = tuple(jnp.stack([f * (1 + 0.05 * i) for i in range(2)]) for f in filters)
    per_bank = jax.vmap(jax.grad(lambda fs: loss(fs, x[0])))(stacked)
    for i in range(2):
        one = jax.grad(lambda fs: loss(fs, x[0]))(tuple(f[i] for f in stacked))
        for k in range(4):
            np.testing.assert_allclose(np.asarray(per_bank[k][i]), np.asarray(one[k]), rtol=1e-13)


def test_a_learned_bank_on_one_axis():
    """One axis learned, the other a fixed wavelet (its filters constants)."""
    x = random((10, 9), seed=5)
    a, (h, v, d) = pywt.dwt2(x, ("db1", _pywt_wavelet(BANK)), "zero")
    weights = [random(t.shape, seed=6 + i) for i, t in enumerate([a, h, v, d])]

    def loss(fs):
        a, (h, v, d) = bj.dwt2(jnp.asarray(x), ("db1", tuple(fs)), "zero")
        return _loss([a, h, v, d], weights)
    g = jax.grad(loss)([jnp.asarray(f) for f in BANK])

    def pywt_loss(bank):
        a, (h, v, d) = pywt.dwt2(x, ("db1", _pywt_wavelet(bank)), "zero")
        return float(sum(np.vdot(w, t) for w, t in zip(weights, [a, h, v, d])))
    got, central = np.stack([np.asarray(t) for t in g]), _central_differences(pywt_loss)
    assert np.max(np.abs(got - central)) <= 1e-6 * max(1.0, np.abs(central).max())


@pytest.mark.parametrize("filters, error, match", [
    ([np.ones(0)] * 4, ValueError, "at least one tap"),
    ([np.ones(4)] * 3 + [np.ones(6)], ValueError, "four 1-D filters of one length"),
    ([np.ones(4, np.int32)] * 4, TypeError, "real floating-point"),
])
def test_bad_banks_are_refused(filters, error, match):
    def loss(fs):
        return bj.dwt(jnp.ones(16), tuple(fs), "zero")[0].sum()
    with pytest.raises(error, match=match):  # (traced under jit: integers take no gradient)
        jax.jit(loss)([jnp.asarray(f) for f in filters])


def test_odd_length_banks_are_padded_as_pywt_pads_them():
    """pywt.Wavelet appends a zero to filters of odd length; a traced bank of
    odd length computes the same coefficients, and its gradient is central
    differences of pywt's transform."""
    rng = np.random.default_rng(13)
    bank = [rng.standard_normal(5) for _ in range(4)]
    x = rng.standard_normal((2, 21))
    weights = [rng.standard_normal(s) for s in
               [c.shape for c in pywt.wavedec(x, pywt.Wavelet("o", filter_bank=bank),
                                              "symmetric", level=2)]]

    def loss(fs):
        c = bj.wavedec(jnp.asarray(x), tuple(fs), "symmetric", 2)
        return sum(jnp.vdot(jnp.asarray(w), t) for w, t in zip(weights, c))

    def pywt_loss(filters):
        c = pywt.wavedec(x, pywt.Wavelet("o", filter_bank=filters), "symmetric", level=2)
        return float(sum(np.vdot(w, t) for w, t in zip(weights, c)))
    value, g = jax.value_and_grad(loss)([jnp.asarray(f) for f in bank])
    assert abs(float(value) - pywt_loss(bank)) <= 1e-12 * max(1.0, abs(pywt_loss(bank)))
    central = filter_central_differences(pywt_loss, bank)  # (rec_*: zero, unused)
    got = np.stack([np.asarray(t) for t in g])
    assert np.max(np.abs(got - central)) <= 1e-6 * max(1.0, np.abs(central).max())


def test_constant_filters_keep_the_fixed_route():
    """Concrete filter arrays (not traced) are a fixed bank: pywt's values on
    the fixed-filter primitives, no gradient to filters needed."""
    x = random((3, 40), seed=8)
    got = bj.wavedec(jnp.asarray(x), tuple(jnp.asarray(f) for f in BANK), "symmetric", 2)
    for g, w in zip(got, pywt.wavedec(x, _pywt_wavelet(BANK), "symmetric", level=2)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=0, atol=1e-12)


# --- forward mode and second order --------------------------------------------------------
# (the three partials of each form are one another's transposes: bridges/jax.py's _Form)

SECOND_ORDER = ["wavedec, waverec", "wavedec2, waverec2", "wavedecn, waverecn over two axes"]


def _cubic_loss(arrays, weights):
    """Not quadratic, so that the Hessian depends on where it is taken."""
    return sum(jnp.vdot(w, v) + (v ** 3).sum() / 3 for w, v in zip(weights, arrays))


def _perturbed(directions, eps):
    """BANK + sum(e * d) for (e, d) in zip(eps, directions), as four arrays."""
    flat = np.concatenate(BANK) + sum(e * d for e, d in zip(eps, directions))
    return np.split(flat, 4)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", SECOND_ORDER)
def test_forward_mode_and_hessian_with_respect_to_filters(case, mode):
    """jax.jvp along a direction of the filters is pywt's central difference
    along it; the Hessian (forward over reverse, and reverse over reverse)
    against second central differences of pywt's loss, on random pairs of
    directions (u' H v)."""
    call, shape = CASES[case]
    x = random(shape, seed=len(case))
    weights = [random(np.shape(v), seed=i)
               for i, v in enumerate(leaves(call(pywt, x, _pywt_wavelet(BANK), mode)))]

    def loss(flat):
        return _cubic_loss(leaves(call(bj, jnp.asarray(x), tuple(jnp.split(flat, 4)), mode)),
                           weights)

    def pywt_loss(bank):
        return sum(float(np.vdot(w, v) + (v ** 3).sum() / 3) for w, v in
                   zip(weights, leaves(call(pywt, x, _pywt_wavelet(bank), mode))))
    flat = jnp.asarray(np.concatenate(BANK))
    rng = np.random.default_rng(7)
    u, v = rng.standard_normal((2, flat.size))
    _, along = jax.jvp(loss, (flat,), (jnp.asarray(u),))
    eps = 1e-6
    central = (pywt_loss(_perturbed([u], [eps])) - pywt_loss(_perturbed([u], [-eps]))) / (2 * eps)
    assert abs(float(along) - central) <= 1e-6 * max(1.0, abs(central))

    hessian = np.asarray(jax.jit(jax.jacfwd(jax.grad(loss)))(flat))  # (eager: a compile per op)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.jacrev(jax.grad(loss)))(flat)), hessian,
                               rtol=0, atol=1e-11 * np.abs(hessian).max())
    np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=1e-11 * np.abs(hessian).max())
    e = 1e-4
    for a, b in [(u, v), (u, u), rng.standard_normal((2, flat.size))]:
        second = (pywt_loss(_perturbed([a, b], [e, e])) - pywt_loss(_perturbed([a, b], [e, -e]))
                  - pywt_loss(_perturbed([a, b], [-e, e]))
                  + pywt_loss(_perturbed([a, b], [-e, -e]))) / (4 * e * e)
        assert abs(a @ hessian @ b - second) <= 1e-5 * max(1.0, abs(second))


@pytest.mark.parametrize("case", ["dwt2, idwt2", "wavedec, waverec"])
def test_mixed_second_derivative_of_data_and_filters(case):
    """d/d(filters) of the data's gradient, in both orders (forward over
    reverse, reverse over reverse), against central differences of the
    fixed-filter route's data gradient (pywt Wavelets of perturbed filters)."""
    call, shape = CASES[case]
    x = jnp.asarray(random(shape, seed=11))
    weights = [random(np.shape(v), seed=20 + i)
               for i, v in enumerate(leaves(call(pywt, np.asarray(x), _pywt_wavelet(BANK),
                                                 "reflect")))]

    def loss(flat, v):
        return _cubic_loss(leaves(call(bj, v, tuple(jnp.split(flat, 4)), "reflect")), weights)
    flat = jnp.asarray(np.concatenate(BANK))
    direction = np.random.default_rng(3).standard_normal(flat.size)
    _, got = jax.jvp(lambda f: jax.grad(loss, argnums=1)(f, x), (flat,), (jnp.asarray(direction),))
    by_reverse = jax.jit(jax.jacrev(jax.grad(loss, argnums=1)))(flat, x) @ jnp.asarray(direction)

    def fixed_data_grad(bank):
        return np.asarray(jax.grad(lambda v: _cubic_loss(
            leaves(call(bj, v, _pywt_wavelet(bank), "reflect")), weights))(x))
    eps = 1e-6
    central = (fixed_data_grad(_perturbed([direction], [eps]))
               - fixed_data_grad(_perturbed([direction], [-eps]))) / (2 * eps)
    scale = np.abs(central).max()
    np.testing.assert_allclose(np.asarray(got), central, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(np.asarray(by_reverse), np.asarray(got), rtol=0,
                               atol=1e-11 * scale)


def test_second_order_of_complex_data():
    """A real loss of complex coefficients: the Hessian in the filters
    against second central differences of pywt's (JAX's complex convention
    all the way through the transposes)."""
    x = random((2, 17), np.complex128, seed=3)

    def loss(flat):
        a, d = bj.dwt(jnp.asarray(x), tuple(jnp.split(flat, 4)), "reflect")
        return (jnp.abs(a) ** 4).sum() + (d.real * d.imag ** 2).sum()

    def pywt_loss(bank):
        a, d = pywt.dwt(x, _pywt_wavelet(bank), "reflect")
        return float((np.abs(a) ** 4).sum() + (d.real * d.imag ** 2).sum())
    flat = jnp.asarray(np.concatenate(BANK))
    hessian = np.asarray(jax.jit(jax.hessian(loss))(flat))
    rng = np.random.default_rng(5)
    e = 1e-4
    for a, b in rng.standard_normal((3, 2, flat.size)):
        second = (pywt_loss(_perturbed([a, b], [e, e])) - pywt_loss(_perturbed([a, b], [e, -e]))
                  - pywt_loss(_perturbed([a, b], [-e, e]))
                  + pywt_loss(_perturbed([a, b], [-e, -e]))) / (4 * e * e)
        assert abs(a @ hessian @ b - second) <= 1e-5 * max(1.0, abs(second))


def test_per_example_banks_in_forward_mode_and_under_nested_vmap():
    """vmap over banks of jvp and of Hessians, and vmap of vmap (the items
    of per-example banks merged with a second batch axis), against one call
    per bank."""
    x = jnp.asarray(random((3, 2, 20), seed=9))
    filters = jnp.asarray(np.concatenate(BANK))
    banks = jnp.stack([filters * (1 + 0.05 * i) for i in range(2)])

    def loss(flat, v):
        c = bj.wavedec(v, tuple(jnp.split(flat, 4)), "symmetric", 2)
        return sum((t ** 2).sum() for t in leaves(c)) + (bj.waverec(
            c, tuple(jnp.split(flat, 4)), "symmetric") ** 3).sum()
    tangent = jnp.asarray(np.random.default_rng(1).standard_normal(filters.size))

    def jvp(flat, v):
        return jax.jvp(lambda f: loss(f, v), (flat,), (tangent,))[1]
    hessian = jax.jit(jax.hessian(loss))
    got_jvp = jax.vmap(jvp, (0, None))(banks, x[0])
    got_hessian = jax.jit(jax.vmap(hessian, (0, None)))(banks, x[0])
    nested = jax.jit(jax.vmap(jax.vmap(jax.grad(loss), (None, 0)), (0, None)))(banks, x)
    for i in range(2):
        assert abs(float(got_jvp[i] - jvp(banks[i], x[0]))) <= 1e-12 * abs(float(got_jvp[i]))
        one = np.asarray(hessian(banks[i], x[0]))
        np.testing.assert_allclose(np.asarray(got_hessian[i]), one, rtol=0,
                                   atol=1e-12 * np.abs(one).max())
        for j in range(3):
            one = np.asarray(jax.grad(loss)(banks[i], x[j]))
            np.testing.assert_allclose(np.asarray(nested[i, j]), one, rtol=0,
                                       atol=1e-12 * np.abs(one).max())


def test_vmap_over_banks_runs_each_level_once():
    """Per-example banks go to the core as per-item banks: one launch per
    operation and level, not one per bank, forward and backward (values and
    gradients against one call per bank:
    test_per_example_banks_in_forward_mode_and_under_nested_vmap)."""
    from cuwavelet import _program
    x = jnp.asarray(random((2, 20), seed=9))
    filters = jnp.asarray(np.concatenate(BANK))
    banks = jnp.stack([filters * (1 + 0.05 * i) for i in range(4)])

    def loss(flat):
        w = tuple(jnp.split(flat, 4))
        return (bj.waverec(bj.wavedec(x, w, "symmetric", 2), w, "symmetric") ** 2).sum()
    with _program.counting() as found:
        got = jax.vmap(loss)(banks)
    assert sum(e["kind"] == "per-axis" for e in found) == 4  # 2 levels each way, not 4 banks
    with _program.counting() as found:
        grads = jax.vmap(jax.grad(loss))(banks)
    # forward 4; backward 2 synthesis adjoints, 1 analysis adjoint (x is a
    # constant: level 1 needs none) and 4 filter gradients
    assert sum(e["kind"] == "per-axis" for e in found) == 7
    assert sum(e["kind"] == "filter-grad" for e in found) == 4
    for i in range(4):
        assert abs(float(got[i] - loss(banks[i]))) <= 1e-12 * abs(float(got[i]))
        one = np.asarray(jax.grad(loss)(banks[i]))
        np.testing.assert_allclose(np.asarray(grads[i]), one, rtol=0,
                                   atol=1e-12 * np.abs(one).max())


def test_fully_separable_transform_with_a_learned_bank():
    """fswavedecn/fswaverecn with a traced bank: pywt's values, the filters'
    gradient against central differences of pywt's; a result holding the
    traced bank cannot leave jit (its wavelets are static)."""
    x = random((8, 10), seed=12)
    weights = random(pywt.fswavedecn(x, "sym3", "smooth").coeffs.shape, seed=13)

    def loss(fs):
        r = bj.fswavedecn(jnp.asarray(x), tuple(fs), "smooth")
        return jnp.vdot(weights, r.coeffs) + (bj.fswaverecn(r) ** 2).sum()
    values = jax.jit(lambda fs: bj.fswavedecn(jnp.asarray(x), tuple(fs), "smooth").coeffs)(
        [jnp.asarray(f) for f in BANK])
    np.testing.assert_allclose(np.asarray(values),
                               pywt.fswavedecn(x, _pywt_wavelet(BANK), "smooth").coeffs,
                               rtol=0, atol=1e-12)
    got = np.stack([np.asarray(g) for g in jax.jit(jax.grad(loss))(
        [jnp.asarray(f) for f in BANK])])

    def pywt_loss(bank):
        r = pywt.fswavedecn(x, _pywt_wavelet(bank), "smooth")
        return float(np.vdot(weights, r.coeffs) + (pywt.fswaverecn(r) ** 2).sum())
    central = _central_differences(pywt_loss)
    assert np.max(np.abs(got - central)) <= 1e-6 * max(1.0, np.abs(central).max())
    with pytest.raises(TypeError, match="cannot leave the traced function"):
        jax.jit(lambda fs: bj.fswavedecn(jnp.asarray(x), tuple(fs)))([jnp.asarray(f)
                                                                       for f in BANK])
