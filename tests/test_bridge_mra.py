"""Multiresolution analysis through the bridges (bridges/_frontend_mra.py):
the parts against pywt.mra/mra2/mran, their sums against pywt's imra*, and
the gradients against pywt's own matrix of the analysis (its columns: pywt
on the unit vectors), through torch and JAX."""
import numpy as np
import pytest
import pywt

from conftest import filter_central_differences, random

CASES = [  # (function, arguments, data shape)
    ("mra", dict(wavelet="db2", level=3), (3, 32)),
    ("mra", dict(wavelet="sym3", transform="dwt", mode="symmetric"), (2, 41)),
    ("mra", dict(wavelet="db1", level=2, axis=0, transform="dwt", mode="zero"), (13, 3)),
    ("mra2", dict(wavelet="db2", level=2), (2, 8, 8)),
    ("mra2", dict(wavelet="db1"), (4, 8)),  # level None: every dimension's deepest, as pywt
    ("mra2", dict(wavelet="bior2.2", level=2, transform="dwt2", mode="reflect"), (2, 19, 14)),
    ("mran", dict(wavelet="db1", level=1, axes=(0, 2)), (4, 3, 8)),
    ("mran", dict(wavelet="db2", level=2, transform="dwtn", mode="periodic"), (9, 10)),
]
INVERSE = {"mra": "imra", "mra2": "imra2", "mran": "imran"}


def _flat(parts):
    """The parts in order (details: tuples, or dicts in their keys' order)."""
    out = []
    for level in parts:
        if isinstance(level, dict):
            out += [level[k] for k in sorted(level)]
        elif isinstance(level, (tuple, list)):
            out += list(level)
        else:
            out.append(level)
    return out


def _kind(level):
    return type(level) if isinstance(level, (tuple, list, dict)) else "array"


def _pywt_matrix(name, kwargs, shape):
    """pywt's analysis as a matrix: data (flattened) -> every part (flattened, in order)."""
    n = int(np.prod(shape))
    columns = []
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1
        columns.append(np.concatenate([p.ravel() for p in
                                       _flat(getattr(pywt, name)(e.reshape(shape), **kwargs))]))
    return np.stack(columns, axis=1)


def _check_parts(got, want, scale, tol):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert np.max(np.abs(g - w)) <= tol * scale


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_torch_mra_matches_pywt(case, dtype):
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    name, kwargs, shape = CASES[case]
    x = random(shape, dtype, seed=case)
    want = getattr(pywt, name)(x, **kwargs)
    got = getattr(bt, name)(torch.from_numpy(x), **kwargs)
    assert [_kind(level) for level in got] == [_kind(level) for level in want]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    scale = max(1.0, float(np.abs(x).max()))
    _check_parts([p.numpy() for p in _flat(got)], _flat(want), scale, tol)
    back = getattr(bt, INVERSE[name])(got).numpy()
    np.testing.assert_allclose(back, getattr(pywt, INVERSE[name])(want), rtol=0,
                               atol=tol * scale * 10)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_torch_mra_gradient_is_the_transpose_of_pywts_matrix(case):
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    name, kwargs, shape = CASES[case]
    matrix = _pywt_matrix(name, kwargs, shape)
    cot = random(matrix.shape[0], seed=100 + case)
    x = torch.from_numpy(random(shape, seed=case)).requires_grad_(True)
    flat = torch.cat([p.reshape(-1) for p in _flat(getattr(bt, name)(x, **kwargs))])
    (grad,) = torch.autograd.grad(flat, x, torch.from_numpy(cot))
    want = matrix.T @ cot
    assert np.max(np.abs(grad.numpy().ravel() - want)) <= 1e-12 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("case", [0, 1, 3, 5, 7])
def test_jax_mra_values_and_gradient(case):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    name, kwargs, shape = CASES[case]
    x = random(shape, seed=case)
    want = getattr(pywt, name)(x, **kwargs)
    got = getattr(bj, name)(jnp.asarray(x), **kwargs)
    scale = max(1.0, float(np.abs(x).max()))
    _check_parts([np.asarray(p) for p in _flat(got)], _flat(want), scale, 1e-12)
    matrix = _pywt_matrix(name, kwargs, shape)
    cot = random(matrix.shape[0], seed=100 + case)

    def loss(v):
        flat = jnp.concatenate([p.reshape(-1) for p in _flat(getattr(bj, name)(v, **kwargs))])
        return jnp.vdot(flat, jnp.asarray(cot))
    grad = np.asarray(jax.jit(jax.grad(loss))(jnp.asarray(x)))
    want_grad = matrix.T @ cot
    assert np.max(np.abs(grad.ravel() - want_grad)) <= 1e-12 * max(1.0, np.abs(want_grad).max())
    np.testing.assert_allclose(np.asarray(getattr(bj, INVERSE[name])(got)),
                               getattr(pywt, INVERSE[name])(want), rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("call, message", [
    (lambda m, x: m.mra(x, "db1", transform="wavelet"), "unrecognized transform"),
    (lambda m, x: m.mra2(x, "db1", transform="swt"), "unrecognized transform"),
    (lambda m, x: m.mra(x, "db1", mode="symmetric"), "only supports mode='periodization'"),
    (lambda m, x: m.mran(x, "db1", mode="zero"), "only supports mode='periodization'"),
])
def test_bad_arguments_raise_pywts_errors(call, message):
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    x = np.zeros((8, 8))
    with pytest.raises(ValueError, match=message):
        call(pywt, x)
    with pytest.raises(ValueError, match=message):
        call(bt, torch.from_numpy(x))


@pytest.mark.filterwarnings("ignore:norm=True, but the wavelets used are not orthogonal")
@pytest.mark.parametrize("case", range(len(CASES)))
def test_learned_banks_give_pywts_parts_and_filter_gradients(case):
    """A filter bank of tensors (torch) or traced arrays (JAX, under jit):
    pywt's parts with the same filters (through the learned DWT and
    stationary routes), and the filters' gradient of <cot, parts> against
    central differences of pywt's."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bt, bj = pytest.importorskip("bridges.torch"), pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    name, kwargs, shape = CASES[case]
    bank = [np.asarray(f) for f in pywt.Wavelet(kwargs["wavelet"]).filter_bank]
    rest = {k: v for k, v in kwargs.items() if k != "wavelet"}

    def pywt_parts(filters):
        return _flat(getattr(pywt, name)(x, pywt.Wavelet("learned", filter_bank=filters),
                                         **rest))
    x = random(shape, seed=case)
    want = pywt_parts(bank)
    cot = [random(p.shape, seed=200 + i) for i, p in enumerate(want)]
    scale = max(1.0, float(np.abs(x).max()))
    fs = [torch.tensor(f, requires_grad=True) for f in bank]
    got = _flat(getattr(bt, name)(torch.from_numpy(x), tuple(fs), **rest))
    _check_parts([p.detach().numpy() for p in got], want, scale, 1e-12)
    sum((p * torch.from_numpy(c)).sum() for p, c in zip(got, cot)).backward()
    g_torch = np.stack([np.zeros(len(f)) if f.grad is None else f.grad.numpy() for f in fs])

    def loss(filters):
        parts = _flat(getattr(bj, name)(jnp.asarray(x), tuple(filters), **rest))
        return sum(jnp.vdot(jnp.asarray(c), p) for c, p in zip(cot, parts))
    g_jax = np.stack([np.asarray(g) for g in jax.jit(jax.grad(loss))(
        [jnp.asarray(f) for f in bank])])
    central = filter_central_differences(
        lambda filters: sum(np.vdot(c, p) for c, p in zip(cot, pywt_parts(filters))), bank)
    tol = 1e-6 * max(1.0, np.abs(central).max())
    assert np.max(np.abs(g_torch - central)) <= tol
    assert np.max(np.abs(g_jax - central)) <= tol
