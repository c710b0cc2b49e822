"""The coefficient layouts (coeffs_to_array, array_to_coeffs, ravel_coeffs,
unravel_coeffs) and the partial and fully separable transforms (downcoef,
upcoef, fswavedecn, fswaverecn) through the torch and JAX bridges
(bridges/_frontend_layout.py, bridges/_frontend_partial.py).

Each case is one function of one array, written twice: with pywt's functions
on NumPy arrays (the oracle) and with a bridge's on its arrays. The values
must be pywt's, and the gradient (a vector-Jacobian product) must be the
transpose of pywt's own matrix of the case (its columns: pywt on the unit
vectors, less pywt at zero where the case is affine) applied to the
cotangent."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw

from conftest import assert_leaves_match, random

# --- the cases: (name, data shape, pywt's function, the bridge's function) -------------
# The bridge's function gets the bridge module `b`; both return one flat array.

_SLICES = {}  # layouts of the unpacking cases, from pywt on data of their shape


def _packed_slices(shape, wavelet, level, mode="symmetric", **kw):
    key = (shape, wavelet, level, mode)
    if key not in _SLICES:
        c = pywt.wavedec2(np.zeros(shape), wavelet, mode, level, **kw)
        _SLICES[key] = pywt.coeffs_to_array(c)
    return _SLICES[key]


def _axis_lines(fn, x, axis):
    """pywt's 1D-only downcoef/upcoef applied to every line along `axis`."""
    return np.apply_along_axis(fn, axis, x)


_RAVELED = pywt.ravel_coeffs(pywt.wavedec(np.zeros(50), "db3", level=2))

CASES = {
    "coeffs_to_array 2D, gaps padded with 0": (
        (10, 13), lambda b, x: b.coeffs_to_array(b.wavedec2(x, "db2", level=2))[0]),
    "coeffs_to_array 2D, gaps padded with 1.5": (
        (9, 7), lambda b, x: b.coeffs_to_array(b.wavedec2(x, "sym3", "periodic", 2),
                                               padding=1.5)[0]),
    "coeffs_to_array 1D": (
        (27,), lambda b, x: b.coeffs_to_array(b.wavedec(x, "sym3", level=2))[0]),
    "coeffs_to_array of a batch, axes=(1,)": (
        (3, 21), lambda b, x: b.coeffs_to_array(b.wavedecn(x, "db2", level=2, axes=(1,)),
                                                axes=(1,))[0]),
    "coeffs_to_array 3D, tight (padding=None)": (
        (5, 6, 7), lambda b, x: b.coeffs_to_array(b.wavedecn(x, "haar", "zero", 1),
                                                  padding=None)[0]),
    "ravel_coeffs 2D": (
        (9, 12), lambda b, x: b.ravel_coeffs(b.wavedec2(x, "db2", level=2))[0]),
    "ravel_coeffs of a batch, axes=(0,)": (
        (11, 4), lambda b, x: b.ravel_coeffs(b.wavedecn(x, "db1", "reflect", 2, axes=(0,)),
                                             axes=(0,))[0]),
    "array_to_coeffs then waverec2": (
        _packed_slices((10, 13), "db2", 2)[0].shape, lambda b, x: b.waverec2(
            b.array_to_coeffs(x, _packed_slices((10, 13), "db2", 2)[1], "wavedec2"), "db2")),
    "array_to_coeffs (wavedecn) then waverecn": (
        _packed_slices((11, 14), "db1", 2)[0].shape, lambda b, x: b.waverecn(
            b.array_to_coeffs(x, _packed_slices((11, 14), "db1", 2)[1]), "db1")),
    "unravel_coeffs then waverec": (
        _RAVELED[0].shape, lambda b, x: b.waverec(b.unravel_coeffs(
            x, *_RAVELED[1:], output_format="wavedec"), "db3")),
    "downcoef a, level 2": (
        (23,), lambda b, x: b.downcoef("a", x, "db2", level=2)),
    "downcoef d, periodization": (
        (20,), lambda b, x: b.downcoef("d", x, "sym3", "periodization")),
    "upcoef a, level 2": (
        (5,), lambda b, x: b.upcoef("a", x, "db2", level=2)),
    "upcoef d, take 7": (
        (6,), lambda b, x: b.upcoef("d", x, "sym3", take=7)),
    "fswavedecn 2D, levels (1, 2)": (
        (6, 9), lambda b, x: b.fswavedecn(x, "db2", levels=(1, 2)).coeffs),
    "fswavedecn 3D, axes (0, 2), a wavelet and mode per axis": (
        (4, 5, 6), lambda b, x: b.fswavedecn(x, ("haar", "db2"), ("zero", "periodic"),
                                             axes=(0, 2)).coeffs),
}

# downcoef and upcoef along an axis of a batch: pywt's 1D functions line by line.
LINE_CASES = {
    "downcoef d of every line, axis 1": (
        (3, 17), lambda x: _axis_lines(lambda v: pywt.downcoef("d", v, "db1", "smooth", 3), x, 1),
        lambda b, x: b.downcoef("d", x, "db1", "smooth", 3, axis=1)),
    "downcoef a of every line, axis 0": (
        (12, 2), lambda x: _axis_lines(lambda v: pywt.downcoef("a", v, "bior2.4", "reflect"),
                                       x, 0),
        lambda b, x: b.downcoef("a", x, "bior2.4", "reflect", axis=0)),
    "upcoef d of every line, axis 1": (
        (2, 4), lambda x: _axis_lines(lambda v: pywt.upcoef("d", v, "haar", level=3), x, 1),
        lambda b, x: b.upcoef("d", x, "haar", level=3, axis=1)),
    "upcoef a of every line, axis 0, take 5": (
        (4, 3), lambda x: _axis_lines(lambda v: pywt.upcoef("a", v, "db3", take=5), x, 0),
        lambda b, x: b.upcoef("a", x, "db3", take=5, axis=0)),
}


def _oracle(name):
    """(data shape, pywt's function of a NumPy array -> flat NumPy array)."""
    if name in LINE_CASES:
        shape, fn, _ = LINE_CASES[name]
        return shape, lambda x: fn(x).reshape(-1)
    shape, fn = CASES[name]
    return shape, lambda x: np.asarray(fn(pywt, x)).reshape(-1)


def _bridge_fn(name):
    return LINE_CASES[name][2] if name in LINE_CASES else CASES[name][1]


def _pywt_matrix(fn, shape):
    """fn's matrix (fn affine: its columns are fn(e_i) - fn(0))."""
    n = int(np.prod(shape))
    at_zero = fn(np.zeros(shape))
    columns = []
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1
        columns.append(fn(e.reshape(shape)) - at_zero)
    return np.stack(columns, axis=1), at_zero


ALL = list(CASES) + list(LINE_CASES)
# also under jax.jit (a compile each: one case of each kind)
JITTED = {"coeffs_to_array 2D, gaps padded with 1.5", "array_to_coeffs then waverec2",
          "unravel_coeffs then waverec", "downcoef d of every line, axis 1",
          "upcoef a of every line, axis 0, take 5",
          "fswavedecn 3D, axes (0, 2), a wavelet and mode per axis"}


def _close(got, want, tol=1e-12):
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    assert np.max(np.abs(got - want), initial=0) <= tol * scale


@pytest.mark.parametrize("name", ALL)
def test_torch_values_and_gradient_are_pywts(name):
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    shape, oracle = _oracle(name)
    fn = _bridge_fn(name)
    x = random(shape, seed=len(name))
    _close(fn(bt, torch.from_numpy(x)).reshape(-1).detach().numpy(), oracle(x))
    matrix, _ = _pywt_matrix(oracle, shape)
    cot = random(matrix.shape[0], seed=7)
    xt = torch.from_numpy(x).requires_grad_(True)
    (grad,) = torch.autograd.grad(fn(bt, xt).reshape(-1), xt, torch.from_numpy(cot))
    _close(grad.numpy().reshape(-1), matrix.T @ cot)


@pytest.mark.parametrize("name", ALL)
def test_jax_values_and_gradient_are_pywts(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    shape, oracle = _oracle(name)
    fn = _bridge_fn(name)
    x = random(shape, seed=len(name))
    _close(fn(bj, jnp.asarray(x)).reshape(-1), oracle(x))
    matrix, _ = _pywt_matrix(oracle, shape)
    cot = jnp.asarray(random(matrix.shape[0], seed=7))
    want = matrix.T @ np.asarray(cot)

    def vjp(v):
        return jax.vjp(lambda u: fn(bj, u).reshape(-1), v)[1](cot)[0]
    _close(vjp(jnp.asarray(x)).reshape(-1), want)
    if name in JITTED:
        _close(jax.jit(vjp)(jnp.asarray(x)).reshape(-1), want)


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_layouts_are_pywts(framework):
    """The slices, shapes and structures that come with the arrays."""
    b, to = _bridge(framework)
    leaf = type(to(np.zeros(1)))
    x = random((3, 10, 13), seed=1)
    c = pywt.wavedecn(x, "db2", level=2, axes=(1, 2))
    arr, slices = pywt.coeffs_to_array(c, axes=(1, 2))
    got_arr, got_slices = b.coeffs_to_array(b.wavedecn(to(x), "db2", level=2, axes=(1, 2)),
                                            axes=(1, 2))
    assert got_slices == slices
    _close(np.asarray(got_arr), arr)
    flat, rslices, rshapes = pywt.ravel_coeffs(c, axes=(1, 2))
    got = b.ravel_coeffs(b.wavedecn(to(x), "db2", level=2, axes=(1, 2)), axes=(1, 2))
    assert got[1:] == (rslices, rshapes)
    _close(np.asarray(got[0]), flat)
    for fmt in ("wavedecn", "wavedec2"):
        assert_leaves_match(b.array_to_coeffs(to(arr), slices, fmt),
                            pywt.array_to_coeffs(arr, slices, fmt), 0, leaf, np.asarray)
    for fmt in ("wavedecn", "wavedec2", "swt2"):
        assert_leaves_match(b.unravel_coeffs(to(flat), rslices, rshapes, fmt),
                            pywt.unravel_coeffs(flat, rslices, rshapes, fmt), 0, leaf,
                            np.asarray)
    # a single approximation: pywt hands back the array itself
    a = to(x[0])
    assert b.coeffs_to_array([a])[0] is a
    assert b.ravel_coeffs([a])[2] == pywt.ravel_coeffs([x[0]])[2]


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_fswavedecn_results_are_pywts(framework):
    b, to = _bridge(framework)
    x = random((6, 9, 4), seed=2)
    want = pywt.fswavedecn(x, ("db2", "haar"), ("symmetric", "zero"), levels=(2, 1), axes=(1, 0))
    got = b.fswavedecn(to(x), ("db2", "haar"), ("symmetric", "zero"), levels=(2, 1),
                       axes=(1, 0))
    assert isinstance(got, cw.FswavedecnResult)
    assert got.coeff_slices == want.coeff_slices and got.axes == want.axes
    assert got.levels == want.levels and got.modes == want.modes
    assert got.detail_keys() == want.detail_keys()
    for key in [(0, 0)] + want.detail_keys():
        _close(np.asarray(got[key]), want[key])
    _close(np.asarray(b.fswaverecn(got)), pywt.fswaverecn(want))


def test_fswavedecn_result_is_a_jax_pytree():
    """jit returns it and takes it; results of one layout share a tree
    structure (so a jitted function of them compiles once)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    x = random((8, 10), seed=3)
    r = jax.jit(lambda v: bj.fswavedecn(v, "db2", levels=(1, 2)))(jnp.asarray(x))
    want = pywt.fswavedecn(x, "db2", levels=(1, 2))
    _close(np.asarray(r.coeffs), want.coeffs)
    assert r.coeff_slices == want.coeff_slices
    again = bj.fswavedecn(jnp.asarray(x) + 1, "db2", levels=(1, 2))
    assert jax.tree_util.tree_structure(r) == jax.tree_util.tree_structure(again)
    other = bj.fswavedecn(jnp.asarray(x), "db2", levels=(2, 2))
    assert jax.tree_util.tree_structure(r) != jax.tree_util.tree_structure(other)
    _close(np.asarray(jax.jit(bj.fswaverecn)(r)), x)
    doubled = jax.tree_util.tree_map(lambda c: 2 * c, r)
    _close(np.asarray(doubled[1, 2]), 2 * want[1, 2])


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_bad_arguments_raise_pywts_errors(framework):
    b, to = _bridge(framework)
    gaps = pywt.wavedec2(np.ones((10, 13)), "db2", level=2)
    with pytest.raises(ValueError, match="cannot be tightly packed"):
        pywt.coeffs_to_array(gaps, padding=None)
    with pytest.raises(ValueError, match="cannot be tightly packed"):
        b.coeffs_to_array([to(gaps[0])] + [tuple(to(d) for d in level) for level in gaps[1:]],
                          padding=None)
    with pytest.raises(ValueError, match="only supports 1d data"):
        b.downcoef("a", to(np.ones((4, 8))), "db1")
    with pytest.raises(ValueError, match="Argument 1 must be 'a' or 'd'"):
        pywt.upcoef("x", np.ones(4), "db1")
    with pytest.raises(ValueError, match="Argument 1 must be 'a' or 'd'"):
        b.upcoef("x", to(np.ones(4)), "db1")
    with pytest.raises(ValueError, match="Unrecognized output format"):
        b.array_to_coeffs(to(np.ones((4, 4))), pywt.coeffs_to_array(
            pywt.wavedec2(np.ones((4, 4)), "db1", level=1))[1], "swt")
    with pytest.raises(TypeError, match="expects an FswavedecnResult"):
        b.fswaverecn(to(np.ones((4, 4))))


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_absent_and_overlapping_subbands(framework):
    """A level dict without some keys leaves padding there, as pywt; a subband
    larger than its block is refused (pywt writes it over its neighbours),
    by the core too."""
    b, to = _bridge(framework)
    x = random((9, 10), seed=4)
    c = pywt.wavedecn(x, "db2", level=2)
    del c[1]["ad"], c[2]["da"]
    want, slices = pywt.coeffs_to_array(c, padding=-1.0)
    tc = [to(c[0])] + [{k: to(v) for k, v in level.items()} for level in c[1:]]
    got, got_slices = b.coeffs_to_array(tc, padding=-1.0)
    assert got_slices == slices
    _close(np.asarray(got), want)
    big = pywt.wavedec2(x, "db2", level=2)
    big[1] = (np.ones((big[1][0].shape[0] + 1, big[1][0].shape[1])),) + big[1][1:]
    with pytest.raises(ValueError, match="does not fit its block"):
        cw.coeffs_to_array(big)
    with pytest.raises(ValueError, match="does not fit its block"):
        b.coeffs_to_array([to(big[0])] + [tuple(to(d) for d in level) for level in big[1:]])


def test_torch_vmap_and_compile():
    """The layouts are functional (no in-place writes): torch.func.vmap batches
    them; torch.compile takes them and the partial and fully separable
    transforms whole (pywt's wavelet objects as constants)."""
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    x = random((3, 10, 13), seed=5)

    def packed(v):
        return bt.coeffs_to_array(bt.wavedec2(v, "db2", level=2))[0]
    want = np.stack([pywt.coeffs_to_array(pywt.wavedec2(v, "db2", level=2))[0] for v in x])
    _close(torch.func.vmap(packed)(torch.from_numpy(x)).numpy(), want)
    raveled = torch.func.vmap(lambda v: bt.ravel_coeffs(bt.wavedec(v, "db1", level=2))[0])
    _close(raveled(torch.from_numpy(x[:, 0])).numpy(),
           np.stack([pywt.ravel_coeffs(pywt.wavedec(v, "db1", level=2))[0] for v in x[:, 0]]))

    def loss(v):
        arr = bt.coeffs_to_array(bt.wavedec2(v, "db2", level=2), axes=(-2, -1))[0]
        fs = bt.fswavedecn(v, ["haar", "db2"], ["zero", "symmetric"], levels=[1, 2], axes=[1, 2])
        return (arr.abs().sum() + fs.coeffs.square().sum() + bt.fswaverecn(fs).square().sum()
                + bt.downcoef("d", v, "db2", level=2, axis=2).sum()
                + bt.upcoef("a", v[0, 0], "sym3", level=2, take=20).sum())
    xt = torch.from_numpy(random((3, 16, 16), seed=5)).requires_grad_(True)
    (got,) = torch.autograd.grad(torch.compile(loss, fullgraph=True, backend="eager")(xt), xt)
    (eager,) = torch.autograd.grad(loss(xt), xt)
    _close(got.numpy(), eager.numpy())


def test_jax_vmap():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    x = random((3, 10, 13), seed=6)
    got = jax.vmap(lambda v: bj.coeffs_to_array(bj.wavedec2(v, "db2", level=2))[0])(
        jnp.asarray(x))
    want = np.stack([pywt.coeffs_to_array(pywt.wavedec2(v, "db2", level=2))[0] for v in x])
    _close(np.asarray(got), want)
    got = jax.vmap(lambda v: bj.fswavedecn(v, "db1", levels=(1, 2)))(jnp.asarray(x))
    want = np.stack([pywt.fswavedecn(v, "db1", levels=(1, 2)).coeffs for v in x])
    _close(np.asarray(got.coeffs), want)


def test_torch_refuses_arrays_of_another_library():
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    c = bt.wavedec2(torch.ones(8, 8, dtype=torch.float64), "db1", level=1)
    with pytest.raises(ValueError, match="first list element must be a torch.Tensor"):
        bt.coeffs_to_array([np.ones((4, 4))] + c[1:])
    with pytest.raises(ValueError, match="not a torch.Tensor"):
        bt.ravel_coeffs([c[0], (c[1][0], np.ones((4, 4)), c[1][2])])


def test_wavedecn_size_counts_arrays_of_any_library():
    """An integer tensor is an array, not a shape (its values are no lengths)."""
    torch = pytest.importorskip("torch")
    coeffs = [torch.arange(4), {"d": torch.arange(1, 4)}]
    assert cw.wavedecn_size(coeffs) == pywt.wavedecn_size([np.arange(4), {"d": np.arange(1, 4)}])


def _bridge(framework):
    if framework == "torch":
        torch = pytest.importorskip("torch")
        return pytest.importorskip("bridges.torch"), torch.from_numpy
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    return pytest.importorskip("bridges.jax"), jnp.asarray
