"""bridges.torch.pad: cuwavelet.pad's values on tensors, and its exact
adjoint as the gradient (checked against explicit matrices of pywt.pad, by
gradcheck to second order, in forward mode and under vmap)."""
import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")

import cuwavelet as cw  # noqa: E402
from bridges import torch as bt  # noqa: E402
from conftest import random  # noqa: E402

MODES = list(pywt.Modes.modes)
WIDTHS = ((1, 2), (3, 1))


@pytest.mark.parametrize("mode", MODES)
def test_values_are_cuwavelets(mode):
    x = random((4, 5), seed=1)
    np.testing.assert_array_equal(bt.pad(torch.from_numpy(x), WIDTHS, mode).numpy(),
                                  cw.pad(x, WIDTHS, mode))


@pytest.mark.parametrize("mode", MODES)
def test_gradient_is_the_transpose_of_pywt_pad(mode):
    shape = (3, 4)
    matrix = np.stack([pywt.pad(np.eye(12)[k].reshape(shape), WIDTHS, mode).ravel()
                       for k in range(12)], axis=1)
    x = torch.from_numpy(random(shape, seed=2)).requires_grad_()
    y = bt.pad(x, WIDTHS, mode)
    cotangent = torch.from_numpy(random(tuple(y.shape), seed=3))
    (grad,) = torch.autograd.grad(y, x, cotangent)
    np.testing.assert_allclose(grad.numpy(), (matrix.T @ cotangent.numpy().ravel()).reshape(shape),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_to_second_order_and_forward_mode(mode):
    x = torch.from_numpy(random((2, 3, 4), np.complex128, seed=4)).requires_grad_()
    fn = lambda t: bt.pad(t, ((0, 0), (2, 1), (1, 3)), mode)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(fn, (x,))


def test_vmap_folds_into_one_call_with_the_same_values():
    x = torch.from_numpy(random((5, 3, 4), seed=5))
    mapped = torch.func.vmap(lambda t: bt.pad(t, WIDTHS, "antireflect"))(x)
    np.testing.assert_array_equal(mapped.numpy(), cw.pad(x.numpy(), ((0, 0),) + WIDTHS,
                                                         "antireflect"))
    jac = torch.func.jacrev(lambda t: bt.pad(t, 2, "smooth"))(torch.ones(3, dtype=torch.float64))
    expected = np.stack([cw.pad(np.eye(3)[k], 2, "smooth") for k in range(3)], axis=1)
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-14, atol=1e-14)


def test_dtypes_are_kept():
    half = bt.pad(torch.ones(3, dtype=torch.float16), 1, "smooth")
    assert half.dtype == torch.float16
    ints = bt.pad(torch.arange(4, dtype=torch.int16), (2, 1), "antireflect")
    assert ints.dtype == torch.int16
    np.testing.assert_array_equal(ints.numpy(), pywt.pad(np.arange(4, dtype=np.int16), (2, 1),
                                                         "antireflect"))
    mask = np.random.default_rng(2).random((3, 4)) < 0.5  # masks: the modes that copy
    got = bt.pad(torch.tensor(mask), ((1, 2), (3, 0)), "symmetric")
    assert got.dtype == torch.bool
    np.testing.assert_array_equal(np.asarray(got), pywt.pad(mask, ((1, 2), (3, 0)), "symmetric"))
    with pytest.raises(TypeError, match="dtype bool; smooth mode computes new values"):
        bt.pad(torch.tensor(mask), 1, "smooth")
    with pytest.raises(ValueError, match="unsupported mode"):
        bt.pad(torch.ones(3), 1, "sym")


def test_compiles_whole():
    fn = torch.compile(lambda t: bt.pad(t, 2, "symmetric").square().sum(), fullgraph=True,
                       backend="aot_eager")  # (inductor itself: tests/test_bridge_torch.py)
    x = torch.from_numpy(random((3, 5), seed=6)).requires_grad_()
    fn(x).backward()
    y = bt.pad(x.detach(), 2, "symmetric")
    expected = cw.adjoint.pad(2 * y.numpy(), 2, "symmetric", data_shape=(3, 5))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_vmap_never_pads_the_batch(batch):
    """vmap's batch dimension is neither padded nor, in periodization, made
    even (pywt extends every odd data axis): the values and the gradients of
    one call per item, for odd batches too."""
    x = torch.from_numpy(random((batch, 7, 5), seed=7))
    pad = lambda t: bt.pad(t, ((4, 4), (4, 0)), "periodization")  # noqa: E731
    mapped = torch.func.vmap(pad)(x)
    assert mapped.shape == (batch, 16, 10)
    for i in range(batch):
        np.testing.assert_array_equal(mapped[i].numpy(), pywt.pad(x[i].numpy(), ((4, 4), (4, 0)),
                                                                  "periodization"))
    grads = torch.func.vmap(torch.func.grad(lambda t: pad(t).square().sum()))(x)
    assert grads.shape == x.shape
    for i in range(batch):
        one = torch.func.grad(lambda t: pad(t).square().sum())(x[i])
        np.testing.assert_allclose(grads[i].numpy(), one.numpy(), rtol=0, atol=1e-13)
