"""pywt's wavelet packet trees through the bridges (bridges.torch and
bridges.jax WaveletPacket, WaveletPacket2D and WaveletPacketND): the core's
trees holding the framework's arrays, decomposed and reconstructed node by
node by the bridge's differentiable transforms.

Oracles: pywt's trees for values, paths, orders and edits; the core's
explicit adjoints of the level transforms (cw.adjoint.packet_decompose and
packet_reconstruct, transposes of pywt's matrices in test_packets.py) for
the data's and the nodes' gradients; central differences of pywt's trees
for a learned filter bank's gradient."""
import pickle
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import filter_central_differences, random

KINDS = {"1d": ("WaveletPacket", (3, 37), {}), "2d": ("WaveletPacket2D", (2, 21, 16), {}),
         "nd": ("WaveletPacketND", (4, 10, 10), {"axes": (1, 2)})}
# (pywt's WaveletPacketND fails where its root needs trimming: lengths that
# level 1 reconstructs exactly)
AXES = {"1d": -1, "2d": (-2, -1), "nd": (1, 2)}


class _Torch:
    def __init__(self):
        self.torch = pytest.importorskip("torch")
        self.module = pytest.importorskip("bridges.torch")

    def array(self, x):
        return self.torch.tensor(x)

    def numpy(self, a):
        return a.detach().numpy()

    def vjp(self, fn, x, cotangents):
        """The gradient of sum <fn(x)_i, cotangents_i> in x (x a list of arrays)."""
        leaves = [self.torch.tensor(v, requires_grad=True) for v in x]
        outputs = fn(*leaves)
        grads = self.torch.autograd.grad(outputs, leaves,
                                         [self.torch.tensor(c) for c in cotangents],
                                         allow_unused=True)
        return [np.zeros(v.shape) if g is None else g.numpy() for v, g in zip(x, grads)]


class _Jax:
    def __init__(self):
        self.jax = pytest.importorskip("jax")
        self.jax.config.update("jax_enable_x64", True)
        self.module = pytest.importorskip("bridges.jax")

    def array(self, x):
        return self.jax.numpy.asarray(x)

    def numpy(self, a):
        return np.asarray(a)

    def vjp(self, fn, x, cotangents):
        outputs, pullback = self.jax.vjp(lambda *v: list(fn(*v)), *[self.array(v) for v in x])
        return [np.asarray(g) for g in pullback([self.array(c) for c in cotangents])]


@pytest.fixture(params=["torch", "jax"])
def bridge(request):
    return _Torch() if request.param == "torch" else _Jax()


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_close(got, expected, tol=1e-12):
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=0,
                               atol=tol * max(1.0, float(np.abs(expected).max(initial=0))))


def assert_same_nodes(bridge, ours, theirs, tol=1e-12):
    assert [n.path for n in ours] == [n.path for n in theirs]
    for a, b in zip(ours, theirs):
        assert a.level == b.level and a.node_name == b.node_name
        assert (a.data is None) == (b.data is None)
        if b.data is not None:
            assert_close(bridge.numpy(a.data), b.data, tol)


def trees(bridge, kind, x, wavelet, mode, **kwargs):
    name, _, kw = KINDS[kind]
    return (getattr(pywt, name)(x, wavelet, mode, **kw, **kwargs),
            getattr(bridge.module, name)(bridge.array(x), wavelet, mode, **kw, **kwargs))


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("wavelet, mode", [("db2", "smooth"), ("sym3", "periodization"),
                                           ("bior2.2", "reflect")])
def test_levels_orders_and_reconstruction_as_pywt(bridge, kind, wavelet, mode):
    x = random(KINDS[kind][1], seed=2)
    theirs, ours = trees(bridge, kind, x, wavelet, mode)
    assert ours.maxlevel == theirs.maxlevel and ours.wavelet.name == theirs.wavelet.name
    assert ours.wavelet.filter_bank == theirs.wavelet.filter_bank
    for level in range(ours.maxlevel + 1):
        assert_same_nodes(bridge, ours.get_level(level), theirs.get_level(level))
    level = min(2, ours.maxlevel)
    if kind == "1d":
        assert [n.path for n in ours.get_level(level, "freq")] == \
            [n.path for n in theirs.get_level(level, "freq")]
    if kind == "2d":
        assert [[n.path for n in row] for row in ours.get_level(level, "freq")] == \
            [[n.path for n in row] for row in theirs.get_level(level, "freq")]
    assert_close(bridge.numpy(ours.reconstruct(update=False)), theirs.reconstruct(update=False))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_edits_and_deletions_as_pywt(bridge, kind):
    x = random({"1d": (3, 40), "2d": (2, 24, 16), "nd": (4, 16, 16)}[kind], seed=1)
    pair = trees(bridge, kind, x, "db2", "periodization", maxlevel=3)
    first = {"1d": "d", "2d": "h", "nd": "da"}[kind]
    second = {"1d": "a", "2d": "v", "nd": "ad"}[kind]
    for t in pair:
        t.get_level(3)
        t[second + second] = t[second + second].data * 2   # replaced
        t[first + second] = t[first + second].data * 0
        del t[first + first]
    theirs, ours = pair
    assert_close(bridge.numpy(ours.reconstruct(update=False)), theirs.reconstruct(update=False))
    for t in pair:
        t[first + first + second]  # re-creates the deleted node's parent's subtree
    assert_same_nodes(bridge, ours.get_leaf_nodes(False), theirs.get_leaf_nodes(False))
    assert_close(bridge.numpy(ours.reconstruct()), theirs.reconstruct())
    assert_close(bridge.numpy(ours.data), theirs.data)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("mode", ["symmetric", "periodization", "zero"])
def test_gradients_are_the_level_transforms_adjoints(bridge, kind, mode):
    """The data's gradient from every node of a level, and the nodes'
    gradients from a reconstruction, against the core's explicit adjoints."""
    name, shape, kw = KINDS[kind]
    x = random({"1d": shape, "2d": shape, "nd": (3, 20, 16)}[kind], seed=3)
    tree = getattr(bridge.module, name)
    level = 2
    paths = [n.path for n in tree(bridge.array(x), "db2", mode, **kw).get_level(level)]
    # the level transforms' paths: one letter per axis per level (a 2D tree's
    # 'h' is the detail along the first axis)
    level_paths = ["".join({"h": "da", "v": "ad", "a": "aa", "d": "dd"}[c] for c in p)
                   if kind == "2d" else p for p in paths]
    nodes = cw.packet_decompose(x, "db2", mode, level, axes=AXES[kind])
    assert sorted(nodes) == sorted(level_paths)
    cotangents = [random(nodes[p].shape, seed=10 + i) for i, p in enumerate(level_paths)]

    def decompose(v):
        return [n.data for n in tree(v, "db2", mode, **kw).get_level(level)]
    (grad,) = bridge.vjp(decompose, [x], cotangents)
    expected = cw.adjoint.packet_decompose(dict(zip(level_paths, cotangents)), "db2", mode,
                                           axes=AXES[kind], data_shape=x.shape)
    assert_close(grad, expected)

    def reconstruct(*values):  # an empty root: nothing trimmed
        t = tree(None, "db2", mode, maxlevel=level, **kw)
        for p, v in zip(paths, values):
            t[p] = v
        return [t.reconstruct()]
    y = random(cw.packet_reconstruct(nodes, "db2", mode, axes=AXES[kind]).shape, seed=4)
    grads = bridge.vjp(reconstruct, [nodes[p] for p in level_paths], [y])
    expected = cw.adjoint.packet_reconstruct(y, "db2", mode, axes=AXES[kind], level=level)
    for p, g in zip(level_paths, grads):
        assert_close(g, expected[p])


def test_a_learned_filter_bank(bridge):
    """Four framework arrays as the wavelet: values as pywt's tree with a
    Wavelet of the same filters, and the filters' gradient against central
    differences of pywt's tree."""
    bank = [np.asarray(f) for f in pywt.Wavelet("sym2").filter_bank]
    x = random((2, 29), seed=5)
    weights = [random(n.data.shape, seed=6 + i) for i, n in
               enumerate(pywt.WaveletPacket(x, pywt.Wavelet("w", filter_bank=bank)).get_level(2))]

    def pywt_loss(filters):
        wp = pywt.WaveletPacket(x, pywt.Wavelet("w", filter_bank=filters), "symmetric")
        return sum(float(np.vdot(w, n.data)) for w, n in zip(weights, wp.get_level(2)))

    def nodes(*filters):
        wp = bridge.module.WaveletPacket(bridge.array(x), list(filters), "symmetric")
        assert wp.maxlevel == pywt.dwt_max_level(29, 4)
        return [n.data for n in wp.get_level(2)]
    theirs = pywt.WaveletPacket(x, pywt.Wavelet("w", filter_bank=bank), "symmetric").get_level(2)
    for a, b in zip(nodes(*[bridge.array(f) for f in bank]), theirs):
        assert_close(bridge.numpy(a), b.data)
    grads = bridge.vjp(nodes, bank, weights)
    central = filter_central_differences(pywt_loss, bank)
    for k in range(4):
        for i in range(4):
            assert abs(grads[k][i] - central[k, i]) <= 1e-6 * max(1.0, abs(central[k, i]))


def test_dtypes(bridge):
    """Floating and complex nodes keep their dtype; integer data and values
    set on a node become the default float (as pywt's float64)."""
    m = bridge.module
    for dtype in (np.float32, np.complex128):
        wp = m.WaveletPacket(bridge.array(random((16,), dtype)), "db1")
        assert wp["ad"].data.dtype == wp.data.dtype
        assert_close(bridge.numpy(wp["ad"].data),
                     pywt.WaveletPacket(random((16,), dtype), "db1")["ad"].data,
                     1e-6 if dtype == np.float32 else 1e-12)
    wp = m.WaveletPacket(bridge.array(np.arange(16)), "db1")
    assert_close(bridge.numpy(wp["a"].data), pywt.WaveletPacket(np.arange(16), "db1")["a"].data)
    wp["a"] = [1, 2, 3, 4, 5, 6, 7, 8]
    assert bridge.numpy(wp["a"].data).dtype == np.float64


def test_torch_trees_pickle_and_refuse_as_pywt():
    _Torch()
    import bridges.torch as bt
    import torch
    x = torch.tensor(random((4, 16)))
    wp = pickle.loads(pickle.dumps(bt.WaveletPacket(x, "db2", maxlevel=2)))
    assert type(wp) is bt.WaveletPacket and isinstance(wp.data, torch.Tensor)
    assert_close(wp["ad"].data.numpy(), pywt.WaveletPacket(x.numpy(), "db2", maxlevel=2)["ad"].data)
    wp["ad"] = wp["ad"].data * 0  # a copy keeps the edit, and the tree's tensors
    theirs = pywt.WaveletPacket(x.numpy(), "db2", maxlevel=2)
    theirs["ad"] = theirs["ad"].data * 0
    edited = pickle.loads(pickle.dumps(wp))
    assert type(edited["aa"].data) is torch.Tensor
    assert_close(edited.reconstruct(update=False).numpy(), theirs.reconstruct(update=False))
    for make in (lambda: bt.WaveletPacket(x, "db1", axis=2),
                 lambda: bt.WaveletPacket2D(x[0], "db1"),
                 lambda: bt.WaveletPacketND(None, "db1"),
                 lambda: bt.WaveletPacket(x, "db1").get_level(9)):
        with pytest.raises(ValueError):
            make()
    with pytest.raises(IndexError):
        bt.WaveletPacket(x, "db1")["a" * 5]
    empty = bt.WaveletPacket(None, "db1", "symmetric")
    empty["ad"] = torch.ones(2)
    del empty["ad"]
    with pytest.raises(ValueError, match="leaf"):
        empty.reconstruct()


def test_jax_trees_under_jit():
    bridge = _Jax()
    jax, bj = bridge.jax, bridge.module
    x = random((2, 24), seed=7)

    @jax.jit
    def energies(v):
        wp = bj.WaveletPacket2D(v, "db2", "periodization", maxlevel=2)
        return jax.numpy.stack([(n.data ** 2).sum() for n in wp.get_level(2)])
    theirs = pywt.WaveletPacket2D(x, "db2", "periodization", maxlevel=2).get_level(2)
    assert_close(np.asarray(energies(bridge.array(x))),
                 np.array([(n.data ** 2).sum() for n in theirs]))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_torch_trees_under_compile_fullgraph(kind):
    """A tree built inside a compiled function (its pywt.Wavelet made while
    torch.compile traces, which has no source to guard): values against
    pywt's tree and the gradient against the eager call's."""
    bridge = _Torch()
    torch, bt = bridge.torch, bridge.module
    name, shape, kw = KINDS[kind]
    x = random(shape, seed=8)

    def energies(v):
        wp = getattr(bt, name)(v, "db2", "symmetric", maxlevel=2, **kw)
        e = torch.stack([(n.data ** 2).sum() for n in wp.get_level(2)])
        return e, wp.reconstruct()
    theirs = getattr(pywt, name)(x, "db2", "symmetric", maxlevel=2, **kw).get_level(2)
    compiled = torch.compile(lambda v: energies(v)[0], fullgraph=True, backend="aot_eager")
    xt = bridge.array(x).requires_grad_(True)
    got = compiled(xt)
    assert_close(bridge.numpy(got), np.array([(n.data ** 2).sum() for n in theirs]))
    rebuilt = torch.compile(lambda v: energies(v)[1], fullgraph=True, backend="aot_eager")(xt)
    assert_close(bridge.numpy(rebuilt), x)
    (grad,) = torch.autograd.grad(got.sum(), xt)
    (eager,) = torch.autograd.grad(energies(xt)[0].sum(), xt)
    assert_close(bridge.numpy(grad), bridge.numpy(eager))
