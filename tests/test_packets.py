"""Wavelet packet trees behave as pywt's (nodes, paths, orders, edits,
deletions, reconstructions, values), a whole level costs one launch per axis,
and the functional transforms' adjoints are the transposes of pywt's matrices."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from cuwavelet._backends import host
from conftest import random, to_numpy

TREES = {"1d": (pywt.WaveletPacket, cw.WaveletPacket, {}),
         "2d": (pywt.WaveletPacket2D, cw.WaveletPacket2D, {}),
         "nd": (pywt.WaveletPacketND, cw.WaveletPacketND, {})}


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_close(got, expected, tol=1e-12):
    got, expected = to_numpy(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=0,
                               atol=tol * max(1.0, float(np.abs(expected).max(initial=0))))


def assert_same_nodes(ours, theirs, tol=1e-12):
    assert [n.path for n in ours] == [n.path for n in theirs]
    for a, b in zip(ours, theirs):
        assert a.level == b.level and a.node_name == b.node_name
        assert (a.data is None) == (b.data is None)
        if b.data is not None:
            assert_close(a.data, b.data, tol)


def data_for(kind, dtype=np.float64, seed=0):
    shape = {"1d": (3, 37), "2d": (2, 21, 16), "nd": (16, 8, 12)}[kind]
    return random(shape, dtype, seed)


@pytest.mark.parametrize("kind", sorted(TREES))
@pytest.mark.parametrize("wavelet, mode", [("db1", "symmetric"), ("db2", "smooth"),
                                           ("sym3", "periodization"), ("bior2.2", "reflect"),
                                           ("coif1", "antireflect")])
def test_levels_leaves_and_reconstruction_as_pywt(xp, kind, wavelet, mode):
    theirs_cls, ours_cls, _ = TREES[kind]
    x = data_for(kind)
    theirs = theirs_cls(x, wavelet, mode)
    ours = ours_cls(xp.asarray(x), wavelet, mode)
    assert ours.maxlevel == theirs.maxlevel
    for level in range(ours.maxlevel + 1):
        assert_same_nodes(ours.get_level(level), theirs.get_level(level))
        if kind != "nd":
            got, expected = ours.get_level(level, "freq"), theirs.get_level(level, "freq")
            if kind == "2d":
                got, expected = sum(got, []), sum(expected, [])
            assert_same_nodes(got, expected)
    assert_same_nodes(ours.get_leaf_nodes(True), theirs.get_leaf_nodes(True))
    try:
        expected = theirs.reconstruct(update=False)
    except (IndexError, ValueError):
        # pywt's nD nodes do not trim their reconstructions to their shapes
        # (its 1D and 2D nodes do), so where lengths do not chain it fails;
        # here every tree trims, and the data comes back
        assert kind == "nd"
        expected = x
    assert_close(ours.reconstruct(update=False), expected, 1e-10)


@pytest.mark.parametrize("kind", sorted(TREES))
@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.complex128, np.int16])
def test_dtypes_as_pywt(kind, dtype):
    theirs_cls, ours_cls, _ = TREES[kind]
    x = (data_for(kind, np.complex128 if np.dtype(dtype).kind == "c" else np.float64) * 10) \
        .astype(dtype)
    theirs, ours = theirs_cls(x, "db1", "periodization"), ours_cls(x, "db1", "periodization")
    assert ours.data is x
    tol = 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12
    assert_same_nodes(ours.get_level(2), theirs.get_level(2), tol)
    assert_close(ours.reconstruct(False), theirs.reconstruct(False), tol)


@pytest.mark.parametrize("kind", sorted(TREES))
def test_edits_deletions_and_partial_trees(kind):
    """The same sequence of edits on both trees gives the same nodes and
    reconstructions: thresholding in place, replacing, deleting (a deleted
    node of a non-empty parent comes back by re-decomposing the parent, which
    also replaces its siblings, as in pywt)."""
    theirs_cls, ours_cls, _ = TREES[kind]
    # periodization on lengths that halve evenly: pywt's nD nodes need
    # reconstructions that need no trimming (see the first test)
    x = random({"1d": (3, 40), "2d": (2, 24, 16), "nd": (16, 16, 8)}[kind], seed=1)
    trees = [theirs_cls(x, "db2", "periodization", maxlevel=3),
             ours_cls(x, "db2", "periodization", maxlevel=3)]
    first = {"1d": "d", "2d": "h", "nd": "dad"}[kind]
    second = {"1d": "a", "2d": "v", "nd": "aad"}[kind]
    for t in trees:
        t.get_level(3)
        node = t[first + second]
        node.data[...] = 0                   # in place
        t[second + second] = t[second + second].data * 2   # replaced
        del t[first + first]
    results = [t.reconstruct(update=False) for t in trees]
    assert_close(results[1], results[0])
    for t in trees:
        t[first + first + second]  # re-creates the deleted node's parent's subtree
    assert_same_nodes(trees[1].get_leaf_nodes(False), trees[0].get_leaf_nodes(False))
    assert_close(trees[1].reconstruct(), trees[0].reconstruct())
    assert_close(trees[1].data, trees[0].data)

    # a tree assembled by path on an empty root (no batch dimensions: an
    # empty root's maxlevel comes from its first subnode's smallest dimension)
    kw = {"1d": {}, "2d": {}, "nd": {"axes": range(3)}}[kind]
    empty = [theirs_cls(None, "db1", "periodization", **kw),
             ours_cls(None, "db1", "periodization", **kw)]
    source = x if kind == "nd" else x[0]
    fulls = [theirs_cls(source, "db1", "periodization"), ours_cls(source, "db1", "periodization")]
    for t, full in zip(empty, fulls):
        t[second] = full[second].data
        t[first + second] = full[first + second].data
        t[first + first] = full[first + first]   # a node: its data is taken
    assert_close(empty[1].reconstruct(update=False), empty[0].reconstruct(update=False))
    assert empty[1].data is None
    assert_same_nodes(empty[1].get_leaf_nodes(False), empty[0].get_leaf_nodes(False))


@pytest.mark.parametrize("kind", sorted(TREES))
def test_copies_and_pickles_keep_the_whole_tree(kind):
    """copy.copy, copy.deepcopy and pickle keep every node, edits and
    deletions included (pywt's 1D and 2D trees pickle the root's data alone,
    and so lose them; its nD tree keeps them): the copy reconstructs what
    pywt's edited tree does, and a deep copy's edits leave the original be."""
    theirs_cls, ours_cls, _ = TREES[kind]
    x = random({"1d": (3, 40), "2d": (2, 24, 16), "nd": (16, 16, 8)}[kind], seed=2)
    edit = {"1d": "ad", "2d": "hv", "nd": "dadaad"}[kind]
    gone = {"1d": "dd", "2d": "dd", "nd": "aadaad"}[kind]
    theirs, ours = theirs_cls(x, "db2", "periodization", maxlevel=2), \
        ours_cls(x, "db2", "periodization", maxlevel=2)
    for t in (theirs, ours):
        t.get_level(2)
        t[edit] = t[edit].data * 0
        del t[gone]
    want = theirs.reconstruct(update=False)
    empty_root = ours_cls(None, "db1", "periodization", **({"axes": range(3)} if kind == "nd" else {}))
    empty_root[edit[:len(edit) // 2]] = ours[edit[:len(edit) // 2]].data
    for copied in (copy.copy(ours), copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert type(copied) is ours_cls and copied[gone[:len(gone) // 2]].has_any_subnode
        assert_close(copied.reconstruct(update=False), want)
        assert_same_nodes(copied.get_leaf_nodes(False), theirs.get_leaf_nodes(False))
    deep = copy.deepcopy(ours)
    deep[edit].data[...] = 1
    assert not np.any(ours[edit].data)
    restored = pickle.loads(pickle.dumps(empty_root))
    assert restored.data is None
    assert_close(restored.reconstruct(update=False), empty_root.reconstruct(update=False))


def test_nd_root_data_is_an_array_as_pywt():
    """pywt's nD tree keeps its root's data as an array (its 1D and 2D trees
    keep what they were given)."""
    tree = cw.WaveletPacketND([[1.0, 2.0], [3.0, 4.0]], "db1", axes=(0, 1))
    want = pywt.WaveletPacketND([[1.0, 2.0], [3.0, 4.0]], "db1", axes=(0, 1))
    assert type(tree.data) is type(want.data) is np.ndarray
    assert_close(tree.data, want.data)


def test_refusals_as_pywt():
    x = random((4, 16))
    for make in (lambda m: m.WaveletPacket(x, "db1", axis=2),
                 lambda m: m.WaveletPacket2D(x[0], "db1"),
                 lambda m: m.WaveletPacket2D(x, "db1", axes=(0, 0)),
                 lambda m: m.WaveletPacketND(None, "db1"),
                 lambda m: m.WaveletPacketND(x, "db1", axes=(0, 0)),
                 lambda m: m.WaveletPacket(x, "db1").get_level(3, "foo"),
                 lambda m: m.WaveletPacket(x, "db1").get_level(9)):
        with pytest.raises(ValueError):
            make(pywt)
        with pytest.raises(ValueError):
            make(cw)
    for m in (pywt, cw):
        wp = m.WaveletPacket(x, "db1")
        with pytest.raises(IndexError):
            wp["a" * 5]
        with pytest.raises(ValueError):
            wp["ax"]
        with pytest.raises(TypeError):
            wp[5]
        e = m.WaveletPacket(None, "db1", "symmetric")
        e["ad"] = np.ones(2)
        del e["ad"]
        with pytest.raises(TypeError):  # the deleted node of an empty parent: None
            e["ad"]
        with pytest.raises(ValueError, match="leaf"):
            e.reconstruct()


@pytest.fixture
def launches(monkeypatch):
    seen = []
    original = host.launch

    def counting(*args, **kwargs):
        seen.append(args[0])
        return original(*args, **kwargs)
    monkeypatch.setattr(host, "launch", counting)
    return seen


@pytest.mark.parametrize("kind, axes_count", [("1d", 1), ("2d", 2), ("nd", 3)])
def test_a_level_is_one_launch_per_axis(launches, kind, axes_count):
    """Every node of a level in one split per axis, however many nodes; an
    untouched tree merges back the same way, from its own level arrays."""
    _, ours_cls, _ = TREES[kind]
    x = data_for(kind)
    wp = ours_cls(x, "db1", "symmetric", maxlevel=3)
    wp.get_level(3)
    assert len(launches) == 3 * axes_count
    launches.clear()
    wp.reconstruct(update=False)
    assert len(launches) == 3 * axes_count


def test_nodes_are_views_of_their_level(xp):
    wp = cw.WaveletPacket(xp.asarray(random(64)), "db2", "periodization")
    nodes = wp.get_level(3)
    nodes[2].data[...] = 0
    expected = pywt.WaveletPacket(random(64), "db2", "periodization")
    expected.get_level(3)[2].data[...] = 0
    assert_close(wp.reconstruct(update=False), expected.reconstruct(update=False))
    assert_close(nodes[3].data, expected.get_level(3)[3].data)


# --- functional forms and adjoints ---------------------------------------------------

def test_packet_decompose_and_reconstruct_as_pywt_nd(xp):
    x = random((2, 13, 10), seed=3)
    for axes in (-1, (1, 2), None):
        pyaxes = (-1,) if axes == -1 else axes
        theirs = pywt.WaveletPacketND(x, "sym2", "smooth", axes=pyaxes)
        for level in range(min(2, theirs.maxlevel) + 1):
            nodes = cw.packet_decompose(xp.asarray(x), "sym2", "smooth", level, axes)
            expected = theirs.get_level(level)
            assert list(nodes) == [n.path for n in expected]
            for node in expected:
                assert_close(nodes[node.path], node.data)
            rec = cw.packet_reconstruct(nodes, "sym2", "smooth", axes, data_shape=x.shape)
            assert_close(rec, x, 1e-10)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth", "zero"])
def test_packet_adjoints_are_transposes_of_pywt_matrices(mode):
    n, level = 13, 2  # pywt's 1D tree (its nD tree does not trim, see the first test)
    like = pywt.WaveletPacket(np.zeros(n), "db2", mode, maxlevel=level).get_level(level)
    paths = [node.path for node in like]
    sizes = [node.data.size for node in like]

    def decompose(x):
        return np.concatenate([node.data for node in
                               pywt.WaveletPacket(x, "db2", mode, maxlevel=level).get_level(level)])
    fwd = np.stack([decompose(e) for e in np.eye(n)], 1)

    def as_nodes(v):
        return dict(zip(paths, np.split(v, np.cumsum(sizes)[:-1])))
    adj = np.stack([cw.adjoint.packet_decompose(as_nodes(e), "db2", mode, data_shape=(n,))
                    for e in np.eye(fwd.shape[0])], 1)
    np.testing.assert_allclose(adj, fwd.T, rtol=0, atol=1e-12)

    def reconstruct(v):
        tree = pywt.WaveletPacket(np.zeros(n), "db2", mode, maxlevel=level)
        tree.get_level(level)
        for path, data in as_nodes(v).items():
            tree[path].data = data
        return tree.reconstruct(update=False)
    inv = np.stack([reconstruct(e) for e in np.eye(fwd.shape[0])], 1)
    ours = np.stack([cw.packet_reconstruct(as_nodes(e), "db2", mode, data_shape=(n,))
                     for e in np.eye(fwd.shape[0])], 1)
    np.testing.assert_allclose(ours, inv, rtol=0, atol=1e-12)
    adj = np.stack([np.concatenate(list(cw.adjoint.packet_reconstruct(
        e, "db2", mode, level=level, data_shape=(n,)).values())) for e in np.eye(n)], 1)
    np.testing.assert_allclose(adj, inv.T, rtol=0, atol=1e-12)


def test_packet_adjoints_dot_product_complex_batched(xp):
    x = random((3, 16, 12), np.complex128, seed=7)
    nodes = cw.packet_decompose(xp.asarray(x), ("db2", "haar"), "reflect", 2, (1, 2))
    c = {k: random(v.shape, np.complex128, seed=i) for i, (k, v) in enumerate(nodes.items())}
    g = cw.adjoint.packet_decompose({k: xp.asarray(v) for k, v in c.items()}, ("db2", "haar"),
                                    "reflect", (1, 2), data_shape=x.shape)
    lhs = sum(np.vdot(to_numpy(nodes[k]), c[k]) for k in c)
    np.testing.assert_allclose(lhs, np.vdot(x, to_numpy(g)), rtol=1e-12)
    y = cw.packet_reconstruct({k: xp.asarray(v) for k, v in c.items()}, ("db2", "haar"),
                              "reflect", (1, 2))
    d = random(y.shape, np.complex128, seed=99)
    gy = cw.adjoint.packet_reconstruct(xp.asarray(d), ("db2", "haar"), "reflect", (1, 2),
                                       level=2)
    np.testing.assert_allclose(np.vdot(to_numpy(y), d),
                               sum(np.vdot(c[k], to_numpy(gy[k])) for k in c), rtol=1e-12)


@pytest.mark.parametrize("shape, axes", [((0, 64), -1), ((3, 0, 16), -1), ((0, 12, 10), (1, 2))])
def test_empty_batches_give_empty_nodes_of_pywts_shape(shape, axes):
    """A batch of no signals decomposes into empty nodes whose transformed
    lengths are pywt's for one signal, and reconstructs to the empty data."""
    x = np.zeros(shape)
    nodes = cw.packet_decompose(x, "db2", "symmetric", level=2, axes=axes)
    one = pywt.WaveletPacketND(np.zeros([shape[a] for a in np.atleast_1d(axes)]), "db2",
                               "symmetric", maxlevel=2, axes=tuple(range(np.size(axes))))
    for path, node in nodes.items():
        want = one[path].data.shape
        assert node.size == 0
        assert tuple(node.shape[a] for a in np.atleast_1d(axes)) == want
    back = cw.packet_reconstruct(nodes, "db2", "symmetric", axes=axes, data_shape=shape)
    assert back.shape == shape


def test_packet_levels_are_checked():
    """Levels that are not integers, negative ones and ones with more nodes
    than any host could hold are refused by the function and its adjoint
    (a level of 40 would make 2**40 node arrays); a level beyond the deepest
    useful one but of reasonable size is computed, as pywt's trees do."""
    for level, error in ((True, TypeError), (1.0, TypeError), (-1, ValueError),
                         (40, ValueError), (13, ValueError)):
        with pytest.raises(error, match="level|Level"):
            cw.packet_decompose(np.ones((2, 2)), "db1", level=level, axes=(0, 1))
        with pytest.raises(error, match="level|Level"):
            cw.adjoint.packet_reconstruct(np.ones((2, 2)), "db1", level=level, axes=(0, 1))
    nodes = cw.packet_decompose(np.ones(2), "db1", level=3)
    tree = pywt.WaveletPacket(np.ones(2), "db1", maxlevel=3)
    assert list(nodes) == [n.path for n in tree.get_level(3, "natural")]
    for node in tree.get_level(3, "natural"):
        np.testing.assert_allclose(nodes[node.path], node.data, rtol=0, atol=1e-12)
