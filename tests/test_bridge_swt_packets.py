"""The stationary transforms (swt, iswt, swt2, iswt2, swtn, iswtn) and the packet
level transforms (packet_decompose, packet_reconstruct) of bridges.torch and
bridges.jax: values against pywt, gradients against the explicit matrices of
pywt's maps (pywt applied to unit vectors), gradients of gradients, vmap/jit,
zero copy, errors, and the dispatcher ops' schemas (opcheck)."""
import doctest

import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # float64 oracles to 1e-12
import jax.numpy as jnp  # noqa: E402

bt = pytest.importorskip("bridges.torch")
bj = pytest.importorskip("bridges.jax")
from bridges import _torch_ops as ops  # noqa: E402

from conftest import (assert_leaves_match, filter_central_differences, leaves, requires_torch_cuda,  # noqa: E402
                      rebuild)
from cuwavelet._wavelets import as_filter_bank  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of", "ignore:norm=True")

F64 = torch.float64
RNG = np.random.default_rng(7)
MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]


class Torch:
    """A bridge as the tests use it: its module, array conversions and vjp."""
    name, mod, array = "torch", bt, torch.Tensor

    @staticmethod
    def of(a):
        return torch.from_numpy(np.array(a))

    @staticmethod
    def host(t):
        return t.detach().cpu().numpy()

    @staticmethod
    def vjp(fn, x, cot_of):
        """(fn(x), the gradient of <fn(x), cot_of(fn(x))> with respect to x)."""
        xs = [v.detach().requires_grad_(True) for v in leaves(x)]
        out = fn(rebuild(x, xs))
        cots = cot_of(out)
        grads = torch.autograd.grad(leaves(out), xs, leaves(cots), allow_unused=True)
        grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, xs)]
        return out, rebuild(x, grads)


class Jax:
    name, mod, array = "jax", bj, jax.Array

    @staticmethod
    def of(a):
        return jnp.asarray(np.array(a))

    @staticmethod
    def host(t):
        return np.array(t)

    @staticmethod
    def vjp(fn, x, cot_of):
        out, pullback = jax.vjp(fn, x)
        return out, pullback(rebuild(out, [jnp.asarray(c) for c in leaves(cot_of(out))]))[0]


BRIDGES = [Torch, Jax]
bridges = pytest.mark.parametrize("B", BRIDGES, ids=lambda b: b.name)


def assert_close(ours, ref, B, scale=None):
    """Leaves equal to pywt's to 1e-12 of the reference's magnitude."""
    scale = scale or max(1.0, max(float(np.abs(B.host(r) if isinstance(r, B.array) else r).max())
                                  for r in leaves(ref)))
    assert_leaves_match(ours, ref, 1e-12 * scale, B.array, B.host)


def to_framework(c, B):
    return rebuild(c, [B.of(v) for v in leaves(c)])


def matrix(fn, template):
    """The matrix of a linear map on a structure like `template` (leaves()
    order, flattened): fn applied to unit vectors."""
    sizes = [np.size(v) for v in leaves(template)]
    shapes = [np.shape(v) for v in leaves(template)]
    cols = []
    for e in np.eye(sum(sizes)):
        parts = np.split(e, np.cumsum(sizes)[:-1])
        out = fn(rebuild(template, [p.reshape(s) for p, s in zip(parts, shapes)]))
        cols.append(np.concatenate([np.ravel(v) for v in leaves(out)]))
    return np.stack(cols, axis=1)


def flat(c, B=None):
    return np.concatenate([np.ravel(B.host(v) if B else v) for v in leaves(c)])


# --- the cases: (pywt forward, ours, pywt inverse, ours) over one input shape ----------

def stationary_cases(B):
    m = B.mod
    return {
        "swt": ((12, 16), lambda x: pywt.swt(x, "db2", level=2, axis=-1),
                lambda x: m.swt(x, "db2", level=2, axis=-1),
                lambda c: pywt.iswt(c, "db2", axis=-1), lambda c: m.iswt(c, "db2", axis=-1)),
        "swt_axis0_start_trim_norm": (
            (8, 3), lambda x: pywt.swt(x, "sym3", level=1, start_level=1, axis=0,
                                       trim_approx=True, norm=True),
            lambda x: m.swt(x, "sym3", level=1, start_level=1, axis=0, trim_approx=True,
                            norm=True),
            None, None),
        "swt_trim": ((2, 8), lambda x: pywt.swt(x, "bior2.2", level=3, trim_approx=True),
                     lambda x: m.swt(x, "bior2.2", level=3, trim_approx=True),
                     lambda c: pywt.iswt(c, "bior2.2"), lambda c: m.iswt(c, "bior2.2")),
        "swt2": ((4, 8), lambda x: pywt.swt2(x, "db2", level=2),
                 lambda x: m.swt2(x, "db2", level=2),
                 lambda c: pywt.iswt2(c, "db2"), lambda c: m.iswt2(c, "db2")),
        "swt2_axes_trim_norm": (
            (4, 3, 4), lambda x: pywt.swt2(x, ("db1", "db2"), level=1, axes=(2, 0),
                                           trim_approx=True, norm=True),
            lambda x: m.swt2(x, ("db1", "db2"), level=1, axes=(2, 0), trim_approx=True,
                             norm=True),
            lambda c: pywt.iswt2(c, ("db1", "db2"), norm=True, axes=(2, 0)),
            lambda c: m.iswt2(c, ("db1", "db2"), norm=True, axes=(2, 0))),
        "swtn": ((4, 2, 4), lambda x: pywt.swtn(x, "db2", level=2, axes=(0, 2)),
                 lambda x: m.swtn(x, "db2", level=2, axes=(0, 2)),
                 lambda c: pywt.iswtn(c, "db2", axes=(0, 2)),
                 lambda c: m.iswtn(c, "db2", axes=(0, 2))),
        "swtn_trim_start": ((4, 4), lambda x: pywt.swtn(x, "haar", level=1, start_level=1,
                                                        trim_approx=True),
                            lambda x: m.swtn(x, "haar", level=1, start_level=1,
                                             trim_approx=True),
                            None, None),
    }


STATIONARY = list(stationary_cases(Torch))


@bridges
@pytest.mark.parametrize("case", STATIONARY)
def test_stationary_values_match_pywt(B, case):
    shape, fwd_ref, fwd, inv_ref, inv = stationary_cases(B)[case]
    x = RNG.standard_normal(shape)
    ref = fwd_ref(x)
    ours = fwd(B.of(x))
    assert_close(ours, ref, B)
    if inv is not None:
        c = rebuild(ref, [RNG.standard_normal(np.shape(v)) for v in leaves(ref)])
        assert_close(inv(to_framework(c, B)), inv_ref(c), B)


@bridges
@pytest.mark.parametrize("case", STATIONARY)
def test_stationary_gradients_are_transposes_of_pywt_matrices(B, case):
    shape, fwd_ref, fwd, inv_ref, inv = stationary_cases(B)[case]
    x = RNG.standard_normal(shape)
    _check_vjp_against_matrix(B, fwd, x, matrix(fwd_ref, x))
    if inv is not None:
        template = fwd_ref(x)
        _check_vjp_against_matrix(B, inv, template, matrix(inv_ref, template))


def _check_vjp_against_matrix(B, fn, x, M):
    """The vjp of fn at x against a random cotangent c is M^T c."""
    seen = []

    def cot_of(out):
        c = rebuild(out, [B.of(RNG.standard_normal(tuple(v.shape))) for v in leaves(out)])
        seen.append(c)
        return c
    _, g = B.vjp(fn, to_framework(x, B), cot_of)
    c = flat(seen[0], B)
    expected = M.T @ c
    np.testing.assert_allclose(flat(g, B), expected, rtol=0,
                               atol=1e-12 * max(1.0, np.abs(expected).max()))


# --- packets ------------------------------------------------------------------------

PACKET_CASES = [  # shape, wavelet, mode, level, axes
    ((2, 13), "db2", "symmetric", 2, -1),
    ((9, 3), "bior2.2", "periodization", 2, 0),
    ((5, 6), "db1", "reflect", 1, None),
    ((2, 7, 6), ("db2", "db1"), ("antireflect", "zero"), 1, (1, 2)),
]


def _pywt_level(x, wavelet, mode, level, axes):
    """{path: node} of a level in natural order by pywt.dwtn, a level at a time
    (pywt's packet trees take one wavelet and mode for all axes)."""
    axes = tuple(range(x.ndim)) if axes is None else (axes,) if np.isscalar(axes) else axes
    nodes = {"": x}
    for _ in range(level):
        nodes = {p + k: c[k] for p, v in nodes.items()
                 for c in [pywt.dwtn(v, wavelet, mode, axes)] for k in sorted(c)}
    return nodes


def _pywt_reconstruct(nodes, shape, wavelet, mode, level, axes):
    """The packet trees' reconstruction by pywt.idwtn, level by level, each
    level trimmed to the shape pywt's decomposition gave it (pywt's own nD tree
    does not trim with the installed NumPy)."""
    axes = tuple(range(len(shape))) if axes is None else (axes,) if np.isscalar(axes) else axes
    k = len(axes)
    shapes = [tuple(shape)] + [next(iter(_pywt_level(np.zeros(shape), wavelet, mode, j,
                                                     axes).values())).shape
                               for j in range(1, level + 1)]
    for j in range(level, 0, -1):
        nodes = {parent: pywt.idwtn({p[-k:]: v for p, v in nodes.items() if p[:-k] == parent},
                                    wavelet, mode, axes)[tuple(slice(n) for n in shapes[j - 1])]
                 for parent in {p[:-k] for p in nodes}}
    return nodes[""]


@bridges
@pytest.mark.parametrize("case", range(len(PACKET_CASES)))
def test_packet_values_match_pywt(B, case):
    shape, wavelet, mode, level, axes = PACKET_CASES[case]
    x = RNG.standard_normal(shape)
    ref = _pywt_level(x, wavelet, mode, level, axes)
    assert_close(B.mod.packet_decompose(B.of(x), wavelet, mode, level, axes), ref, B)
    nodes = {p: RNG.standard_normal(v.shape) for p, v in ref.items()}
    expected = _pywt_reconstruct(nodes, shape, wavelet, mode, level, axes)
    ours = B.mod.packet_reconstruct(to_framework(nodes, B), wavelet, mode, axes,
                                    data_shape=shape)
    assert_close(ours, expected, B)


@bridges
@pytest.mark.parametrize("mode", MODES)
def test_packet_gradients_are_transposes_of_pywt_matrices(B, mode):
    shape, level = (2, 11), 2
    x = RNG.standard_normal(shape)
    A = matrix(lambda v: _pywt_level(v, "db2", mode, level, -1), x)
    _check_vjp_against_matrix(
        B, lambda v: B.mod.packet_decompose(v, "db2", mode, level), x, A)
    template = _pywt_level(x, "db2", mode, level, -1)
    R = matrix(lambda c: _pywt_reconstruct(c, shape, "db2", mode, level, -1), template)
    _check_vjp_against_matrix(
        B, lambda c: B.mod.packet_reconstruct(c, "db2", mode, data_shape=shape), template, R)


@bridges
def test_untrimmed_reconstruction_and_its_gradient(B):
    """Without data_shape every level is the full idwt (pywt's idwt chained)."""
    nodes = {p: RNG.standard_normal((3, 5)) for p in ("aa", "ad", "da", "dd")}

    def ref(c):
        up = [pywt.idwt(c[p + "a"], c[p + "d"], "db3", "smooth") for p in "ad"]
        return pywt.idwt(up[0], up[1], "db3", "smooth")
    ours = B.mod.packet_reconstruct(to_framework(nodes, B), "db3", "smooth")
    assert_close(ours, ref(nodes), B)
    _check_vjp_against_matrix(B, lambda c: B.mod.packet_reconstruct(c, "db3", "smooth"),
                              {p: v[:1] for p, v in nodes.items()}, matrix(ref, {
                                  p: v[:1] for p, v in nodes.items()}))


@bridges
def test_missing_nodes_are_zeros(B):
    x = RNG.standard_normal((3, 16))
    nodes = B.mod.packet_decompose(B.of(x), "db2", "periodization", 2)
    partial = {"ad": nodes["ad"], "dd": None}
    ref = _pywt_reconstruct({"aa": np.zeros((3, 4)), "ad": B.host(nodes["ad"]),
                             "da": np.zeros((3, 4)), "dd": np.zeros((3, 4))},
                            (3, 16), "db2", "periodization", 2, -1)
    assert_close(B.mod.packet_reconstruct(partial, "db2", "periodization", data_shape=(3, 16)),
                 ref, B)


# --- gradients of gradients, torch.func, vmap, jit ---------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: bt.swt(x, "db2", level=2)[0][1],
    lambda x: bt.swtn(x, "db1", level=1, axes=(0, 1), trim_approx=True)[1]["ad"],
    lambda x: bt.iswt(bt.swt(x, "sym2", level=1), "sym2") * x,
    lambda x: bt.packet_decompose(x, "db2", "smooth", 2, axes=(0, 1))["adda"],
    lambda x: bt.packet_reconstruct(bt.packet_decompose(x, "db2", "zero", 1), "db2", "zero",
                                    data_shape=x.shape) ** 2,
], ids=["swt", "swtn", "iswt", "packet_decompose", "packet_reconstruct"])
def test_torch_gradcheck_and_gradgradcheck(fn):
    x = torch.randn(4, 8, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,))
    assert torch.autograd.gradgradcheck(fn, (x,))


def _forward_mode_case(case):
    """(input structure, pywt's linear map, ours) for the jvp test."""
    x = RNG.standard_normal((2, 16))
    if case == "swt":
        return (x, lambda v: pywt.swt(v, "db2", level=2, trim_approx=True),
                lambda v: bj.swt(v, "db2", level=2, trim_approx=True))
    if case == "iswt":
        return (pywt.swt(x, "db2", level=2, trim_approx=True), lambda c: pywt.iswt(c, "db2"),
                lambda c: bj.iswt(c, "db2"))
    if case == "packet_decompose":
        return (x, lambda v: [n.data for n in pywt.WaveletPacket(
                    v, "db2", "symmetric", maxlevel=2, axis=-1).get_level(2)],
                lambda v: list(bj.packet_decompose(v, "db2", "symmetric", 2).values()))
    keys = ["aa", "ad", "da", "dd"]

    def pywt_reconstruct(nodes):
        wp = pywt.WaveletPacket(np.zeros((2, 13)), "db2", "symmetric", maxlevel=2, axis=-1)
        for key, node in zip(keys, nodes):
            wp[key] = node
        return wp.reconstruct(update=False)
    nodes = [np.asarray(n.data) for n in pywt.WaveletPacket(
        x[:, :13], "db2", "symmetric", maxlevel=2, axis=-1).get_level(2)]
    return (nodes, pywt_reconstruct,
            lambda n: bj.packet_reconstruct(dict(zip(keys, n)), "db2", "symmetric",
                                            data_shape=(2, 13)))


@pytest.mark.parametrize("case", ["swt", "iswt", "packet_decompose", "packet_reconstruct"])
def test_jax_forward_mode_equals_the_pywt_matrix(case):
    """jvp: the operation applied to the tangent (they are linear primitives),
    eager and under jit, equal to the explicit matrix of pywt's map."""
    x, ref, ours = _forward_mode_case(case)
    M = matrix(ref, x)
    primal = rebuild(x, [jnp.asarray(v) for v in leaves(x)])
    for transform in (lambda f: f, jax.jit):
        tangent = rebuild(x, [jnp.asarray(RNG.standard_normal(np.shape(v))) for v in leaves(x)])
        _, out_tangent = jax.jvp(transform(ours), (primal,), (tangent,))
        np.testing.assert_allclose(flat(out_tangent, Jax), M @ flat(tangent, Jax),
                                   rtol=1e-12, atol=1e-12)


def test_jax_second_order_and_jit():
    from jax.test_util import check_grads
    x = jnp.asarray(RNG.standard_normal((3, 16)))
    check_grads(lambda v: bj.swt2(v[:2], "db2", level=1)[0][1][2], (x,), order=2,
                modes=["fwd", "rev"])
    check_grads(lambda v: bj.iswt(bj.swt(v, "db2", level=3), "db2"), (x,), order=2,
                modes=["fwd", "rev"])
    check_grads(lambda v: bj.packet_reconstruct(bj.packet_decompose(v[:, :13], "db3", level=2),
                                                "db3", data_shape=(3, 13)), (x,), order=2,
                modes=["fwd", "rev"])
    loss = lambda v: sum(jnp.sum(jnp.sin(t)) for t in leaves(bj.swt(v, "db2", level=2)))
    np.testing.assert_allclose(np.asarray(jax.jit(jax.grad(loss))(x)),
                               np.asarray(jax.grad(loss)(x)), rtol=0, atol=1e-12)


@bridges
def test_vmap_matches_a_batched_call(B):
    x = RNG.standard_normal((3, 2, 16))
    if B is Torch:
        vmap, xs = torch.func.vmap, B.of(x)
    else:
        vmap, xs = jax.vmap, B.of(x)
    swt = vmap(lambda v: B.mod.swt(v, "db2", level=2))(xs)
    assert_close(swt, B.mod.swt(xs, "db2", level=2), B)
    nodes = vmap(lambda v: B.mod.packet_decompose(v, "db2", "symmetric", 2))(xs)
    assert_close(nodes, B.mod.packet_decompose(xs, "db2", "symmetric", 2), B)
    rec = vmap(lambda c: B.mod.packet_reconstruct(c, "db2", "symmetric", data_shape=(2, 16)))(
        nodes)
    assert_close(rec, x, B)
    y = vmap(lambda c: B.mod.iswt(c, "db2"))(swt)
    assert_close(y, x, B)


def test_torch_func_grad_and_jvp_match_autograd():
    x = torch.randn(2, 16, dtype=F64)
    f = lambda v: (bt.swt(v, "db2", level=2, trim_approx=True)[1] ** 2).sum()  # noqa: E731
    g = torch.func.grad(f)(x)
    xr = x.clone().requires_grad_(True)
    (g_ref,) = torch.autograd.grad(f(xr), xr)
    torch.testing.assert_close(g, g_ref, rtol=0, atol=1e-12)
    t = torch.randn_like(x)
    lin = lambda v: bt.packet_decompose(v, "db2", "symmetric", 2)["da"]  # noqa: E731
    _, tangent = torch.func.jvp(lin, (x,), (t,))
    torch.testing.assert_close(tangent, lin(t), rtol=0, atol=1e-12)  # linear: J t = f(t)


def test_torch_compile_fullgraph_values_and_gradients():
    def f(v):
        c = bt.swt2(v, "db2", level=2, norm=True)
        nodes = bt.packet_decompose(v, "bior2.2", "reflect", 1, axes=(-2, -1))
        return (bt.iswt2(c, "db2", norm=True) * 2
                + bt.packet_reconstruct(nodes, "bior2.2", "reflect", (-2, -1), data_shape=v.shape))
    # aot_eager: Dynamo and AOT autograd on the ops' fake implementations, as inductor
    # has them (tests/test_bridge_torch.py compiles one model with inductor itself)
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    x = torch.randn(2, 8, 8, dtype=F64, requires_grad=True)
    torch.testing.assert_close(compiled(x), 3 * x.detach(), rtol=0, atol=1e-12)
    (g_compiled,) = torch.autograd.grad(compiled(x).square().sum(), x)
    (g_eager,) = torch.autograd.grad(f(x).square().sum(), x)
    torch.testing.assert_close(g_compiled, g_eager, rtol=0, atol=1e-12)


def test_torch_modules_match_the_functions_and_compile():
    x = torch.randn(3, 2, 16, dtype=F64)
    swt1, iswt1 = bt.SWT1D("db2", level=2, axis=-1, norm=True), bt.ISWT1D("db2", norm=True)
    assert not list(swt1.parameters()) and "db2" in repr(swt1)
    assert_close(swt1(x), bt.swt(x, "db2", level=2, norm=True), Torch)
    torch.testing.assert_close(iswt1(swt1(x)), x, rtol=0, atol=1e-12)
    swt2, iswt2 = bt.SWT2D("sym2", level=1, axes=(0, 2), trim_approx=True), bt.ISWT2D(
        "sym2", axes=(0, 2))
    ref = pywt.swt2(x.numpy()[:2], "sym2", level=1, axes=(0, 2), trim_approx=True)
    assert_close(swt2(x[:2]), ref, Torch)
    compiled = torch.compile(lambda v: iswt2(swt2(v)), fullgraph=True, backend="aot_eager")
    # sym2's filters are pywt's to ~1e-13: perfect reconstruction on that scale
    torch.testing.assert_close(compiled(x[:2]), x[:2], rtol=0,
                               atol=1e-11 * float(x.abs().max()))
    learned = bt.SWT1D("db2", level=2, learnable=True, dtype=torch.float64)
    assert [name for name, _ in learned.named_parameters()] == ["dec_lo", "dec_hi", "rec_lo",
                                                                 "rec_hi"]
    assert_close(learned(x), bt.swt(x, "db2", level=2), Torch)  # (values: pywt's, above)
    inverse = bt.ISWT1D("db2", learnable=True, dtype=torch.float64)
    torch.testing.assert_close(inverse(learned(x)), x, rtol=0, atol=1e-12)
    (inverse(learned(x)) ** 2).sum().backward()
    assert learned.dec_lo.grad is not None and inverse.rec_hi.grad is not None


# --- dtypes, errors -----------------------------------------------------------------------

@bridges
def test_float32_and_complex(B):
    x = RNG.standard_normal((2, 16)).astype(np.float32)
    c = B.mod.swt(B.of(x), "db2", level=2)
    assert all(str(v.dtype).endswith("float32") for v in leaves(c))
    assert_leaves_match(c, pywt.swt(x, "db2", level=2), 1e-5, B.array, B.host)
    z = RNG.standard_normal((2, 16)) + 1j * RNG.standard_normal((2, 16))
    assert_close(B.mod.swt(B.of(z), "db2", level=2), pywt.swt(z, "db2", level=2), B)
    nodes = B.mod.packet_decompose(B.of(z), "db2", "zero", 2)
    assert_close(nodes, _pywt_level(z, "db2", "zero", 2, -1), B)


@bridges
def test_errors_like_pywt(B):
    m = B.mod
    with pytest.raises(ValueError, match="even"):
        m.swt(B.of(np.ones(7)), "db1", level=1)
    with pytest.raises(ValueError, match="Level value too high"):
        m.swt(B.of(np.ones(8)), "db1", level=4)
    with pytest.raises(ValueError, match="unique"):
        m.swt2(B.of(np.ones((4, 4))), "db1", 1, axes=(0, 0))
    with pytest.raises(ValueError, match="multiple of 4"):
        m.iswt([B.of(np.ones(6)), B.of(np.ones(6)), B.of(np.ones(6))], "db1")
    with pytest.raises(ValueError, match="too low"):
        m.packet_decompose(B.of(np.ones(8)), "db1", level=-1)
    with pytest.raises(ValueError, match="Invalid node paths"):
        m.packet_reconstruct({"ax": B.of(np.ones(4))}, "db1")
    with pytest.raises(ValueError, match="coefficient shape mismatch"):
        m.packet_reconstruct({"a": B.of(np.ones(4)), "d": B.of(np.ones(4))}, "db1",
                             data_shape=(9,))


@pytest.mark.parametrize("axes, level", [(-1, 2), ((0, 2), 1)])
def test_packet_level_transforms_with_a_learned_bank(axes, level):
    """A filter bank of tensors (torch) or traced arrays (JAX): pywt's nodes
    in natural order, the trimmed reconstruction pywt's, and the filters'
    gradient of <cot, nodes> + <cot2, reconstruction> against central
    differences of pywt's."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    x = RNG.standard_normal((7, 3, 10))
    bank = [np.asarray(f) for f in pywt.Wavelet("db2").filter_bank]

    def wavelet(filters):
        return pywt.Wavelet("learned", filter_bank=filters)
    want = _pywt_level(x, wavelet(bank), "smooth", level, axes)
    cot = {p: RNG.standard_normal(v.shape) for p, v in want.items()}
    cot2 = RNG.standard_normal(x.shape)

    def pywt_loss(filters):
        nodes = _pywt_level(x, wavelet(filters), "smooth", level, axes)
        rec = _pywt_reconstruct(nodes, x.shape, wavelet(filters), "smooth", level, axes)
        return sum(np.vdot(cot[p], v) for p, v in nodes.items()) + np.vdot(cot2, rec)
    fs = [torch.tensor(f, requires_grad=True) for f in bank]
    nodes = bt.packet_decompose(torch.from_numpy(x), tuple(fs), "smooth", level, axes)
    assert list(nodes) == list(want)
    for p in want:
        np.testing.assert_allclose(nodes[p].detach().numpy(), want[p], rtol=0, atol=1e-12)
    rec = bt.packet_reconstruct(nodes, tuple(fs), "smooth", axes, data_shape=x.shape)
    np.testing.assert_allclose(rec.detach().numpy(), x, rtol=0, atol=1e-12)
    (sum((v * torch.from_numpy(cot[p])).sum() for p, v in nodes.items())
     + (rec * torch.from_numpy(cot2)).sum()).backward()

    def loss(filters):
        n = bj.packet_decompose(jnp.asarray(x), tuple(filters), "smooth", level, axes)
        r = bj.packet_reconstruct(n, tuple(filters), "smooth", axes, data_shape=x.shape)
        return sum(jnp.vdot(cot[p], v) for p, v in n.items()) + jnp.vdot(cot2, r)
    g_jax = jax.jit(jax.grad(loss))([jnp.asarray(f) for f in bank])
    central = filter_central_differences(pywt_loss, bank)
    tol = 1e-6 * max(1.0, np.abs(central).max())
    assert np.max(np.abs(np.stack([f.grad.numpy() for f in fs]) - central)) <= tol
    assert np.max(np.abs(np.stack([np.asarray(g) for g in g_jax]) - central)) <= tol


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_learned_packet_levels_run_every_node_at_once(framework):
    """With a learned bank each level of packet_decompose is one split of all
    its nodes (one launch per level and axis, not per node), and of
    packet_reconstruct one merge; missing nodes are zeros (pywt's values)."""
    from cuwavelet import _program
    x = RNG.standard_normal((2, 40))
    bank = [np.asarray(f) for f in pywt.Wavelet("db2").filter_bank]
    w = pywt.Wavelet("learned", filter_bank=bank)
    m, arr = (bt, torch.from_numpy) if framework == "torch" else (bj, jnp.asarray)
    filters = tuple(arr(f) for f in bank) if framework == "torch" else None
    with _program.counting() as found:
        if framework == "torch":
            nodes = m.packet_decompose(arr(x), filters, "smooth", 3)
            given = {p: v for i, (p, v) in enumerate(nodes.items()) if i not in (1, 2, 6)}
            rec = m.packet_reconstruct(given, filters, "smooth", data_shape=x.shape)
        else:  # (traced filters: the learned route)
            def run(fs):
                n = m.packet_decompose(arr(x), tuple(fs), "smooth", 3)
                g = {p: v for i, (p, v) in enumerate(n.items()) if i not in (1, 2, 6)}
                return n, m.packet_reconstruct(g, tuple(fs), "smooth", data_shape=x.shape)
            nodes, rec = jax.jit(run)([arr(f) for f in bank])
    # three levels each way, not 1 + 2 + 4 splits and 4 + 2 + 1 merges
    assert sum(e["kind"] == "per-axis" for e in found) == 6
    want = _pywt_level(x, w, "smooth", 3, -1)
    for p in want:
        np.testing.assert_allclose(np.asarray(nodes[p]), want[p], rtol=0, atol=1e-12)
    zeros = {p: (np.zeros_like(v) if i in (1, 2, 6) else v) for i, (p, v) in enumerate(want.items())}
    expected = _pywt_reconstruct(zeros, x.shape, w, "smooth", 3, -1)
    np.testing.assert_allclose(np.asarray(rec), expected, rtol=0, atol=1e-12)


# --- zero copy on the CPU ------------------------------------------------------------------

def test_torch_shares_memory_with_the_core(monkeypatch):
    seen = {}
    for name in ("swtn_levels", "decompose_level"):
        original = getattr(ops, name)

        def spy(x, *args, _original=original, _name=name):
            out = _original(x, *args)
            seen[_name] = (x, out)
            return out
        monkeypatch.setattr(ops, name, spy)
    base = torch.randn(16, 3, dtype=F64)
    x = base.t()  # non-contiguous: passed with its strides
    (cA, cD), = bt.swt(x, "db2", level=1)
    given, out = seen["swtn_levels"]
    assert given.ctypes.data == x.data_ptr() and np.shares_memory(given, base.numpy())
    assert cA.data_ptr() == out[0]["a"].ctypes.data and cD.data_ptr() == out[0]["d"].ctypes.data
    nodes = bt.packet_decompose(x, "db2", level=2)
    given, rows = seen["decompose_level"]
    assert given.ctypes.data == x.data_ptr()
    assert nodes["ad"].data_ptr() == rows[1].ctypes.data  # views of the core's level array


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled primitive", "dlpack"])
@pytest.mark.parametrize("axes", [(-1,), (-2, -1)], ids=["1 axis", "2 axes"])
def test_jax_input_reaches_the_core_without_a_copy(monkeypatch, compiled, axes):
    """Both eager routes read the input in place, and the results are the
    core's own arrays: the compiled primitive (the core on XLA's buffers)
    writes every subband into XLA's outputs (each is an array of its own),
    the DLPack route hands XLA the core's aligned arrays."""
    monkeypatch.setattr(bj, "EAGER_COMPILED", compiled)
    seen = {}
    original = bj.swtn_levels

    def spy(x, *args):
        out = original(x, *args)
        seen["x"], seen["out"] = x, out
        return out
    monkeypatch.setattr(bj, "swtn_levels", spy)
    x = jnp.asarray(RNG.standard_normal((4, 64, 64)))
    (level,) = bj.swtn(x, "db2", level=1, axes=axes)
    first = level["a" * len(axes)]
    assert seen["x"].ctypes.data == x.unsafe_buffer_pointer()
    core = seen["out"][0]["a" * len(axes)]
    np.testing.assert_array_equal(np.asarray(first), core)
    assert first.unsafe_buffer_pointer() == core.ctypes.data


# --- the dispatcher ops ---------------------------------------------------------------------

def _leaf(*shape, dtype=F64, seed=0):
    return torch.randn(*shape, dtype=dtype, generator=torch.Generator().manual_seed(seed))


def _op_cases():
    lengths, filters = ops.encode_banks([as_filter_bank("db2"), as_filter_bank("db1")])
    two = ([0, 2], [5, 5], list(lengths), list(filters))  # periodization on axes 0 and 2
    one = ([-1], [2], [4], list(ops.encode_banks([as_filter_bank("db2")])[1]))  # symmetric
    o = torch.ops.cuwavelet
    return [
        (o.swtn, (_leaf(8, 2, 4), 0, 2, *two)),
        (o.swtn_adjoint, ([_leaf(8, 2, 4), _leaf(8, 2, 4, seed=1)], [0, 5], 0, 2, *two)),
        (o.iswtn, ([_leaf(8, 2, 4), _leaf(8, 2, 4, seed=1)], [0, 4], 2, *two)),
        (o.iswtn_adjoint, (_leaf(8, 2, 4, dtype=torch.complex128), 2, *two)),
        (o.packet_decompose, (_leaf(3, 13), 2, *one)),
        (o.packet_decompose_adjoint, (_leaf(4, 3, 5), 2, *one, [13])),
        (o.packet_reconstruct, (_leaf(4, 3, 5), 2, *one, [13])),
        (o.packet_reconstruct, (_leaf(4, 3, 5), 2, *one, [])),
        (o.packet_reconstruct_adjoint, (_leaf(3, 13), 2, *one, [13])),
    ]


@pytest.mark.parametrize("case", range(9))
def test_opcheck(case):
    op, args = _op_cases()[case]
    torch.library.opcheck(op, args)


def test_jax_docstring_examples_run():
    result = doctest.testmod(bj, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 16 and result.failed == 0


# --- GPU (skipped without a device) ----------------------------------------------------------

@requires_torch_cuda()
@pytest.mark.gpu
def test_torch_cuda_values_and_gradients_match_cpu():
    x = _leaf(2, 3, 16, 16)
    for fn in (lambda v: bt.swt2(v, "db2", level=2),
               lambda v: bt.packet_decompose(v, "bior2.2", "antireflect", 2, axes=(-2, -1))):
        cpu = fn(x.clone().requires_grad_(True))
        xc = x.cuda().requires_grad_(True)
        gpu = fn(xc)
        for a, b in zip(leaves(gpu), leaves(cpu)):
            torch.testing.assert_close(a.cpu(), b.detach(), rtol=0, atol=1e-12)
        cots = [torch.randn_like(t) for t in leaves(cpu)]
        xr = x.clone().requires_grad_(True)
        (g_cpu,) = torch.autograd.grad(leaves(fn(xr)), xr, cots)
        (g_gpu,) = torch.autograd.grad(leaves(gpu), xc, [c.cuda() for c in cots])
        torch.testing.assert_close(g_gpu.cpu(), g_cpu, rtol=0, atol=1e-12)
