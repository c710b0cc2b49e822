"""bridges.jax.pad: cuwavelet.pad's values on JAX arrays, eager and under jit;
reverse and forward mode equal the explicit matrix of pywt.pad; vmap is one
batched call; dtypes kept."""
import doctest

import numpy as np
import pytest
import pywt

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # float64 oracles
import jax.numpy as jnp  # noqa: E402

bj = pytest.importorskip("bridges.jax")

import cuwavelet as cw  # noqa: E402
from conftest import random  # noqa: E402

MODES = list(pywt.Modes.modes)
WIDTHS = ((1, 2), (3, 1))


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_values_and_both_derivatives_are_pywt_pads_matrix(mode, jit):
    shape = (3, 4)
    x = jnp.asarray(random(shape, seed=1))
    fn = lambda t: bj.pad(t, WIDTHS, mode)  # noqa: E731
    fn = jax.jit(fn) if jit else fn
    y = fn(x)
    np.testing.assert_array_equal(np.asarray(y), cw.pad(np.asarray(x), WIDTHS, mode))
    matrix = np.stack([pywt.pad(np.eye(12)[k].reshape(shape), WIDTHS, mode).ravel()
                       for k in range(12)], axis=1)
    for jac in (jax.jacrev(fn)(x), jax.jacfwd(fn)(x)):
        np.testing.assert_allclose(np.asarray(jac).reshape(y.size, x.size), matrix,
                                   rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("mode", ["symmetric", "antireflect"])
def test_jit_writes_pad_and_its_adjoint_into_xla_outputs(mode, xla_landings):
    """Under jit the pad and its adjoint (the gradient) write into XLA's
    output buffers (the cores' `into`): no copy, and pywt.pad's values."""
    x = random((2, 9, 7), seed=5)
    weights = jnp.asarray(random(pywt.pad(x, ((0, 0), (4, 3), (2, 5)), mode).shape, seed=6))
    fn = jax.jit(lambda t: bj.pad(t, ((0, 0), (4, 3), (2, 5)), mode))
    expected = pywt.pad(x, ((0, 0), (4, 3), (2, 5)), mode)
    np.testing.assert_allclose(np.asarray(fn(jnp.asarray(x))), expected, rtol=0,
                               atol=1e-14 * np.abs(expected).max())
    grad = jax.jit(jax.grad(lambda t: jnp.vdot(weights, fn(t))))(jnp.asarray(x))
    np.testing.assert_array_equal(np.asarray(grad), cw.adjoint.pad(
        np.asarray(weights), ((0, 0), (4, 3), (2, 5)), mode, data_shape=x.shape))
    assert len(xla_landings) == 2 and all(all(c) for c in xla_landings), xla_landings


def test_vmap_and_complex_gradients():
    x = jnp.asarray(random((5, 3, 4), np.complex128, seed=2))
    mapped = jax.vmap(lambda t: bj.pad(t, WIDTHS, "antisymmetric"))(x)
    np.testing.assert_array_equal(np.asarray(mapped),
                                  cw.pad(np.asarray(x), ((0, 0),) + WIDTHS, "antisymmetric"))
    cot = jnp.asarray(random(mapped.shape, np.complex128, seed=3))
    _, vjp = jax.vjp(lambda t: bj.pad(t, ((0, 0),) + WIDTHS, "smooth"), x)
    (grad,) = vjp(cot)
    np.testing.assert_allclose(np.asarray(grad), cw.adjoint.pad(
        np.asarray(cot), ((0, 0),) + WIDTHS, "smooth", data_shape=x.shape), rtol=1e-14, atol=1e-14)


def test_dtypes_are_kept():
    assert bj.pad(jnp.ones(3, dtype=jnp.bfloat16), 1, "smooth").dtype == jnp.bfloat16
    ints = bj.pad(jnp.arange(4, dtype=jnp.int16), (2, 1), "antireflect")
    assert ints.dtype == jnp.int16
    np.testing.assert_array_equal(np.asarray(ints), pywt.pad(np.arange(4, dtype=np.int16),
                                                             (2, 1), "antireflect"))
    mask = np.random.default_rng(2).random((3, 4)) < 0.5  # masks: the modes that copy
    got = bj.pad(jnp.asarray(mask), ((1, 2), (3, 0)), "symmetric")
    assert got.dtype == bool
    np.testing.assert_array_equal(np.asarray(got), pywt.pad(mask, ((1, 2), (3, 0)), "symmetric"))
    with pytest.raises(TypeError, match="dtype bool; smooth mode computes new values"):
        bj.pad(jnp.asarray(mask), 1, "smooth")


def test_docstring_example_runs():
    tests = doctest.DocTestFinder().find(bj.pad, "pad", globs={"pad": bj.pad})
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert tests[0].examples and runner.failures == 0


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_vmap_never_pads_the_batch(batch):
    """vmap's batch dimension (in front or not) is neither padded nor, in
    periodization, made even (pywt extends every odd data axis): the values
    and the gradients of one call per item, for odd batches too."""
    x = jnp.asarray(random((batch, 7, 5), seed=7))
    pad = lambda t: bj.pad(t, ((4, 4), (4, 0)), "periodization")  # noqa: E731
    for fn, data in ((jax.vmap(pad), x), (jax.jit(jax.vmap(pad, in_axes=2)), x.transpose(1, 2, 0))):
        mapped = fn(data)
        assert mapped.shape == (batch, 16, 10)
        for i in range(batch):
            np.testing.assert_array_equal(np.asarray(mapped[i]), pywt.pad(
                np.asarray(x[i]), ((4, 4), (4, 0)), "periodization"))
    grads = jax.vmap(jax.grad(lambda t: (pad(t) ** 2).sum()))(x)
    assert grads.shape == x.shape
    for i in range(batch):
        one = jax.grad(lambda t: (pad(t) ** 2).sum())(x[i])
        np.testing.assert_allclose(np.asarray(grads[i]), np.asarray(one), rtol=0, atol=1e-13)
