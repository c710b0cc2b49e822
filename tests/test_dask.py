"""Dask arrays through every transform, inverse and adjoint: lazy graphs with
known shapes whose results are pywt's (adjoints: the NumPy adjoints', proven
exact in test_adjoint.py), for chunkings that split batch axes and transform
axes. The sweeps run on the synchronous scheduler; the multi-process
distributed.LocalCluster runs the 2D, 1D and nD decompositions, their
inverses and adjoints again as a real cluster would."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import pywt

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import cuwavelet as cw  # noqa: E402
from conftest import assert_same_structure, leaves, random, rebuild  # noqa: E402

MODES = pywt.Modes.modes
RTOL = 1e-12


def chunk(structure, chunks):
    """Every array of a coefficient structure as a dask array of `chunks`."""
    return rebuild(structure, [da.from_array(a, chunks=chunks) for a in leaves(structure)])


def randn_like(structure, seed):
    return rebuild(structure, [random(a.shape, seed=seed + i) for i, a in enumerate(leaves(structure))])


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# name, data shape, transform arguments, data chunks, coefficient chunks: the
# transform axes are split (odd chunk boundaries included) and so are the batch axes
PROBLEMS = {
    "1d": ("wavedec", "dwt", (3, 301), {"level": 3}, (2, 71), (2, 40)),
    "2d": ("wavedec2", "dwt2", (2, 97, 130), {"level": 2}, (1, 49, 65), (1, 36, 40)),
    "nd": ("wavedecn", "dwtn", (70, 3, 66), {"level": 2, "axes": (0, 2)}, (35, 2, 33), (20, 2, 17)),
}
# filter lengths 2 (no halo for a split), 4, 6, 8, 10 (wider than the halo of
# the next level's shorter chunks); the modes take turns with them
WAVELETS = {"1d": ["haar", "db3", "sym4", "bior2.4"], "2d": ["haar", "db2", "bior2.4"],
            "nd": ["db2", "coif1"]}
PER_MODE = {"1d": 2, "2d": 1, "nd": 1}


def wavelets_for(problem, mode):
    names, k = WAVELETS[problem], PER_MODE[problem]
    start = MODES.index(mode) * k
    return [names[(start + i) % len(names)] for i in range(k)]
INVERSE = {"wavedec": "waverec", "wavedec2": "waverec2", "wavedecn": "waverecn",
           "dwt": "idwt", "dwt2": "idwt2", "dwtn": "idwtn"}


def call(module, name, arg, wavelet, mode, kwargs, **extra):
    """module.name(arg, ...), with (cA, cD) unpacked for idwt and dwt's adjoint."""
    unpack = name == ("dwt" if module is cw.adjoint else "idwt")
    args = (*arg, wavelet, mode) if unpack else (arg, wavelet, mode)
    return quiet(getattr(module, name), *args, **kwargs, **extra)


def single_level(kwargs):
    return {k: v for k, v in kwargs.items() if k != "level"}


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("mode", MODES)
def test_every_function_matches_pywt_and_the_numpy_adjoints(problem, mode):
    multi, single, shape, kwargs, data_chunks, coeff_chunks = PROBLEMS[problem]
    x = random(shape, seed=1)
    xd = da.from_array(x, chunks=data_chunks)
    for wavelet in wavelets_for(problem, mode):
        lazy, expected = {}, {}
        for name, kw in ((multi, kwargs), (single, single_level(kwargs))):
            coeffs = quiet(getattr(pywt, name), x, wavelet, mode, **kw)
            expected[name] = coeffs
            lazy[name] = call(cw, name, xd, wavelet, mode, kw)
            inv_kw = single_level(kw)
            inverse = INVERSE[name]
            expected[inverse] = call(pywt, inverse, coeffs, wavelet, mode, inv_kw)
            lazy[inverse] = call(cw, inverse, chunk(coeffs, coeff_chunks), wavelet, mode, inv_kw)
            # adjoints on random cotangents, against the NumPy adjoints
            cots = randn_like(coeffs, seed=7)
            expected["adj " + name] = call(cw.adjoint, name, cots, wavelet, mode, inv_kw,
                                           data_shape=shape)
            lazy["adj " + name] = call(cw.adjoint, name, chunk(cots, coeff_chunks), wavelet, mode,
                                       inv_kw, data_shape=shape)
            y = random(expected[inverse].shape, seed=3)
            extra = {"coeff_shapes": cw.adjoint.shapes_of(coeffs)} if name == multi else {}
            expected["adj " + inverse] = call(cw.adjoint, inverse, y, wavelet, mode, inv_kw, **extra)
            lazy["adj " + inverse] = call(cw.adjoint, inverse, da.from_array(y, chunks=data_chunks),
                                          wavelet, mode, inv_kw, **extra)
        for leaf in leaves(lazy):
            assert isinstance(leaf, da.Array) and not any(np.isnan(c).any() for c in leaf.chunks)
        got = dask.compute(lazy, scheduler="synchronous")[0]
        for key in expected:
            assert_same_structure(got[key], expected[key], RTOL)


@pytest.mark.parametrize("dtype, chunks", [(np.float32, (2, 33, 40)), (np.complex128, (4, 50, 31))])
def test_dtypes_and_transform_axes_whole_or_rechunked(dtype, chunks):
    """float32 and complex data; transform axes whole (one task per block) and,
    with the config set to 'rechunk', split axes taken whole instead of by halos."""
    x = random((4, 70, 83), dtype, seed=5)
    rtol = 1e-5 if dtype == np.float32 else RTOL
    expected = pywt.wavedec2(x, "db3", "periodization", level=2)
    whole = da.from_array(x, chunks=(1, 70, 83))
    lazy = {"halo": cw.wavedec2(da.from_array(x, chunks=chunks), "db3", "periodization", level=2),
            "whole": cw.wavedec2(whole, "db3", "periodization", level=2)}
    with dask.config.set({"cuwavelet.chunked-transform-axes": "rechunk"}):
        lazy["rechunked"] = cw.wavedec2(da.from_array(x, chunks=chunks), "db3", "periodization",
                                        level=2)
    assert lazy["whole"][0].numblocks == (4, 1, 1)
    assert lazy["rechunked"][0].numblocks == (4 // chunks[0], 1, 1)
    got = dask.compute(lazy, scheduler="synchronous")[0]
    for key in lazy:
        assert_same_structure(got[key], expected, rtol)


@pytest.mark.parametrize("dtype", [np.int32, np.bool_])
def test_level_zero_inverses_keep_the_dtype(dtype):
    """A coefficient list of the approximation alone (level 0) is the data as
    given, in its dtype, as pywt returns it, with its transform axes split."""
    x = (np.arange(3 * 70) % 5).astype(dtype).reshape(3, 70)
    lazy = da.from_array(x, chunks=(3, 35))
    for fn in (cw.waverec, cw.waverec2, cw.waverecn):
        got = fn([lazy], "db2")
        want = getattr(pywt, fn.__name__)([x], "db2")
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got.compute(scheduler="synchronous"), want)


def test_rechunking_a_large_transform_axis_whole_warns():
    x = da.zeros((4, 4096, 4096), chunks=(1, 1024, 1024))
    with dask.config.set({"cuwavelet.chunked-transform-axes": "rechunk", "array.chunk-size": "64MiB"}):
        with pytest.warns(da.PerformanceWarning, match="transform axes"):
            cw.wavedec2(x, "haar", level=1)
    with dask.config.set({"cuwavelet.chunked-transform-axes": "anything"}):
        with pytest.raises(ValueError, match="chunked-transform-axes"):
            cw.wavedec2(x, "haar", level=1)


def _never(block):
    raise AssertionError("a block was computed while the graph was built")


def test_lazy_with_shapes_known():
    """No block is computed by any call, and every shape is pywt's."""
    shape, chunks = (2, 150, 96), (1, 64, 40)  # even lengths: the inverses give them back
    poison = da.zeros(shape, chunks=chunks).map_blocks(_never, meta=np.empty((0, 0, 0)))
    zeros = np.zeros(shape)
    for multi, kwargs in (("wavedec", {"level": 3}), ("wavedec2", {"level": 2}),
                          ("wavedecn", {"level": 2, "axes": (1, 2)})):
        expected = pywt.__dict__[multi](zeros, "db2", "symmetric", **kwargs)
        inv_kw = single_level(kwargs)
        coeffs = cw.__dict__[multi](poison, "db2", "symmetric", **kwargs)
        poisoned = rebuild(expected, [da.zeros(a.shape, chunks=40).map_blocks(_never, meta=zeros[:0])
                                      for a in leaves(expected)])
        results = [coeffs,
                   cw.__dict__[INVERSE[multi]](poisoned, "db2", "symmetric", **inv_kw),
                   cw.adjoint.__dict__[multi](poisoned, "db2", "symmetric", data_shape=shape, **inv_kw),
                   cw.adjoint.__dict__[INVERSE[multi]](poison, "db2", "symmetric", **inv_kw,
                                                       coeff_shapes=cw.adjoint.shapes_of(expected))]
        for got, want in zip(results, [expected, zeros, zeros, expected]):
            assert [tuple(a.shape) for a in leaves(got)] == [a.shape for a in leaves(want)]
            assert all(isinstance(a, da.Array) for a in leaves(got))


def test_bad_arguments_raise_at_the_call():
    x = da.zeros((4, 64), chunks=(2, 32))
    with pytest.raises(ValueError, match="Unknown wavelet name"):
        cw.wavedec(x, "db99")
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else ValueError):
        cw.dwt(x, "db2", axis=2)
    with pytest.raises(ValueError, match="coefficient shape mismatch"):
        cw.adjoint.dwt(x, x, "db2", data_shape=(4, 50))
    with pytest.warns(UserWarning, match="Level value of 9 is too high"):
        cw.wavedec(x, "db2", level=9)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        cw.dwt(x[x[:, 0] > 0], "db2")
    with pytest.raises(TypeError, match="cannot be planned"):
        cw.get_plan(cw.wavedec, x, "db2")


def test_mixed_numpy_and_dask_coefficients():
    x = random((3, 200), seed=2)
    coeffs = pywt.wavedec(x, "sym3", "reflect", level=3)
    mixed = [da.from_array(coeffs[0], chunks=(1, 16))] + coeffs[1:]
    y = cw.waverec(mixed, "sym3", "reflect")
    assert isinstance(y, da.Array)
    assert_same_structure(y.compute(scheduler="synchronous"), pywt.waverec(coeffs, "sym3", "reflect"),
                          RTOL)


@pytest.mark.parametrize("chunks", [(2, 64, 12), (2, 16, 5)])
def test_stationary_transforms_take_their_axes_whole(chunks):
    """The stationary family (periodic along whole lines) runs per block with
    its transform axes rechunked whole, lazily, with pywt's values."""
    x = random((4, 64, 12), seed=3)
    lazy = da.from_array(x, chunks=chunks)
    got = cw.swt(lazy, "db2", 2, axis=1)
    assert all(isinstance(a, da.Array) for a in leaves(got))
    assert_same_structure([tuple(a.compute(scheduler="synchronous") for a in level) for level in got],
                          pywt.swt(x, "db2", 2, axis=1), RTOL)
    got2 = cw.swt2(lazy[:, :32], "sym3", 1, axes=(1, 2), trim_approx=True)
    expected2 = pywt.swt2(x[:, :32], "sym3", 1, axes=(1, 2), trim_approx=True)
    assert_same_structure(dask.compute(got2, scheduler="synchronous")[0], expected2, RTOL)
    back = cw.iswt(got, "db2", axis=1)
    assert isinstance(back, da.Array)
    np.testing.assert_allclose(back.compute(scheduler="synchronous"), x, rtol=1e-12, atol=1e-12)


def test_thresholds_are_lazy_and_elementwise():
    x = random((6, 40), seed=4) * 3
    lazy = da.from_array(x, chunks=(2, 15))
    for mode in ("soft", "hard", "garrote", "greater", "less"):
        got = cw.threshold(lazy, 1.0, mode, substitute=0.5)
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(scheduler="synchronous"),
                                   pywt.threshold(x, 1.0, mode, substitute=0.5), rtol=1e-12)
    firm = cw.threshold_firm(lazy.astype(np.float32), 0.5, 2.0)
    assert isinstance(firm, da.Array) and firm.dtype == np.float32
    np.testing.assert_allclose(firm.compute(scheduler="synchronous"),
                               pywt.threshold_firm(x.astype(np.float32), 0.5, 2.0), rtol=1e-6)
    with pytest.raises(ValueError, match="mode parameter"):
        cw.threshold(lazy, 1.0, "medium")


@pytest.mark.filterwarnings("ignore:Level value of")
@pytest.mark.parametrize("fn, kwargs", [
    ("mra", dict(level=2, axis=1)),
    ("mra", dict(axis=-1, transform="dwt", mode="symmetric")),
    ("mra2", dict(level=2, axes=(1, 2))),
    ("mra2", dict(level=1, axes=(2, 1), transform="dwt2", mode="smooth")),
    ("mran", dict(level=1, axes=(1, 2))),
    ("mran", dict(level=2, axes=(0, 2), transform="dwtn", mode="antireflect")),
])
def test_multiresolution_analysis_is_lazy(fn, kwargs):
    """mra, mra2 and mran run per block with their axes whole (split ones
    rechunked), every part a dask array with pywt's values; the inverses,
    sums, stay lazy."""
    x = random((6, 64, 40), seed=5)
    lazy = da.from_array(x, chunks=(2, 20, 13))
    got = getattr(cw, fn)(lazy, "db2", **kwargs)
    assert all(isinstance(a, da.Array) for a in leaves(got))
    expected = quiet(getattr(pywt, fn), x, "db2", **kwargs)
    assert_same_structure(dask.compute(got, scheduler="synchronous")[0], expected, RTOL)
    back = getattr(cw, "i" + fn)(got)
    assert isinstance(back, da.Array)
    np.testing.assert_allclose(back.compute(scheduler="synchronous"), x, rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="periodization|unrecognized"):
        getattr(cw, fn)(lazy, "db2", transform="swt", mode="zero")


@pytest.mark.parametrize("axes", [-1, (1, 2), (2, 0)])
def test_packet_level_functions_are_lazy(axes):
    """packet_decompose, packet_reconstruct and their adjoints per block with
    the transformed axes whole: dask arrays out, the NumPy results' values
    (themselves checked against pywt's trees in test_packets.py)."""
    x = random((4, 33, 50), seed=6)
    lazy = da.from_array(x, chunks=(2, 11, 20))
    nodes = cw.packet_decompose(lazy, "db2", "symmetric", 2, axes=axes)
    expected = cw.packet_decompose(x, "db2", "symmetric", 2, axes=axes)
    assert list(nodes) == list(expected) and all(isinstance(v, da.Array) for v in nodes.values())
    assert_same_structure(dask.compute(nodes, scheduler="synchronous")[0], expected, RTOL)
    some = {k: (None if k.endswith("d") else v) for k, v in nodes.items()}
    for data_shape in (x.shape, None):
        back = cw.packet_reconstruct(some, "db2", "symmetric", axes=axes, data_shape=data_shape)
        assert isinstance(back, da.Array)
        np.testing.assert_allclose(back.compute(scheduler="synchronous"), cw.packet_reconstruct(
            {k: (None if k.endswith("d") else v) for k, v in expected.items()}, "db2",
            "symmetric", axes=axes, data_shape=data_shape), rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(
        cw.packet_reconstruct(nodes, "db2", "symmetric", axes=axes, data_shape=x.shape)
        .compute(scheduler="synchronous"), x, rtol=1e-10, atol=1e-10)
    grad = cw.adjoint.packet_decompose(nodes, "db2", "symmetric", axes=axes, data_shape=x.shape)
    assert isinstance(grad, da.Array)
    np.testing.assert_allclose(grad.compute(scheduler="synchronous"), cw.adjoint.packet_decompose(
        expected, "db2", "symmetric", axes=axes, data_shape=x.shape), rtol=RTOL, atol=RTOL)
    cots = cw.adjoint.packet_reconstruct(lazy, "db2", "symmetric", axes=axes, level=2,
                                         data_shape=x.shape)
    assert all(isinstance(v, da.Array) for v in cots.values())
    assert_same_structure(dask.compute(cots, scheduler="synchronous")[0],
                          cw.adjoint.packet_reconstruct(x, "db2", "symmetric", axes=axes, level=2,
                                                        data_shape=x.shape), RTOL)


def test_packet_reconstruct_of_nodes_chunked_apart():
    """Nodes each chunked their own way: nothing is computed at the call (a
    node's ndim is read lazily), the graph stays small (every node takes one
    chunking before they are stacked, not the intersection of all of
    theirs), and the values are the NumPy path's."""
    x = random((40, 6, 36), seed=9)
    nodes = cw.packet_decompose(x, "db3", "symmetric", 2, axes=(0, 2))
    computed = []

    def watched(block):  # (dask calls it on empty blocks to learn its meta)
        if block.size:
            computed.append(1)
        return block
    lazy = {}
    for i, (p, v) in enumerate(nodes.items()):
        cuts = [np.unique(np.r_[0, np.random.default_rng(i).integers(1, n, 4), n])
                for n in v.shape]
        lazy[p] = da.from_array(v, chunks=tuple(tuple(np.diff(c)) for c in cuts)).map_blocks(
            watched, dtype=v.dtype)
    back = cw.packet_reconstruct(lazy, "db3", "symmetric", axes=(0, 2), data_shape=x.shape)
    assert computed == [] and isinstance(back, da.Array)
    assert len(back.__dask_graph__()) < 20_000
    np.testing.assert_allclose(back.compute(scheduler="synchronous"), x, rtol=1e-10, atol=1e-10)


def test_packet_trees_are_lazy():
    """The trees on dask data decompose node by node (each a lazy DWT) and
    reconstruct node by node: every value a dask array, pywt's trees' values,
    nodes deleted and edited as pywt's."""
    x = random((4, 50), seed=7)
    tree = cw.WaveletPacket(da.from_array(x, chunks=(2, 20)), "db2", "symmetric", maxlevel=3)
    ref = pywt.WaveletPacket(x, "db2", "symmetric", maxlevel=3)
    nodes, ref_nodes = tree.get_level(3, "freq"), ref.get_level(3, "freq")
    assert [n.path for n in nodes] == [n.path for n in ref_nodes]
    assert all(isinstance(n.data, da.Array) for n in nodes)
    for ours, theirs in zip(dask.compute([n.data for n in nodes], scheduler="synchronous")[0],
                            ref_nodes):
        np.testing.assert_allclose(ours, theirs.data, rtol=RTOL, atol=RTOL)
    del tree["ad"], ref["ad"]
    tree["da"], ref["da"] = tree["da"].data * 2, ref["da"].data * 2
    rec = tree.reconstruct()
    assert isinstance(rec, da.Array)
    np.testing.assert_allclose(rec.compute(scheduler="synchronous"), ref.reconstruct(),
                               rtol=1e-10, atol=1e-10)
    x2 = random((3, 17, 20), seed=8)
    tree2 = cw.WaveletPacket2D(da.from_array(x2, chunks=(1, 17, 20)), "db1", "periodization",
                               maxlevel=2)
    ref2 = pywt.WaveletPacket2D(x2, "db1", "periodization", maxlevel=2)
    assert_same_structure([n.data.compute(scheduler="synchronous") for n in tree2.get_level(2)],
                          [n.data for n in ref2.get_level(2)], RTOL)
    tree2["hv"], ref2["hv"] = tree2["hv"].data * 0, ref2["hv"].data * 0
    np.testing.assert_allclose(tree2.reconstruct().compute(scheduler="synchronous"),
                               ref2.reconstruct(), rtol=1e-10, atol=1e-10)


def test_layouts_partial_and_fully_separable_transforms_are_lazy():
    """coeffs_to_array, ravel_coeffs and their inverses, downcoef, upcoef,
    fswavedecn and fswaverecn keep Dask arrays lazy (no block computed by the
    calls: the data's blocks raise if run) and give pywt's values."""
    x = random((40, 36), seed=7)
    chunks = (16, 20)
    poison = da.zeros(x.shape, chunks=chunks).map_blocks(_never, meta=np.empty((0, 0)))
    lazy = da.from_array(x, chunks=chunks)

    def check(got, want):
        assert all(isinstance(a, da.Array) for a in leaves(got))
        assert_same_structure(dask.compute(got, scheduler="synchronous")[0], want, RTOL)
    coeffs, ref = cw.wavedec2(lazy, "db2", level=2), pywt.wavedec2(x, "db2", level=2)
    packed, slices = cw.coeffs_to_array(coeffs, padding=-1.5)
    want, want_slices = pywt.coeffs_to_array(ref, padding=-1.5)
    assert slices == want_slices
    check(packed, want)
    check(cw.array_to_coeffs(packed, slices, "wavedec2"), pywt.array_to_coeffs(want, slices,
                                                                                "wavedec2"))
    raveled, rslices, rshapes = cw.ravel_coeffs(coeffs)
    want = pywt.ravel_coeffs(ref)
    assert (rslices, rshapes) == want[1:]
    check(raveled, want[0])
    check(cw.unravel_coeffs(raveled, rslices, rshapes, "wavedec2"), ref)
    check(cw.downcoef("d", lazy, "sym3", "reflect", 2, axis=1),
          np.stack([pywt.downcoef("d", v, "sym3", "reflect", 2) for v in x]))
    check(cw.upcoef("a", lazy, "db2", 2, take=60, axis=0),
          np.stack([pywt.upcoef("a", v, "db2", 2, take=60) for v in x.T], axis=1))
    result = cw.fswavedecn(lazy, ("db2", "haar"), ("symmetric", "zero"), levels=(2, 1))
    reference = pywt.fswavedecn(x, ("db2", "haar"), ("symmetric", "zero"), levels=(2, 1))
    assert result.coeff_slices == reference.coeff_slices
    check(result.coeffs, reference.coeffs)
    check(cw.fswaverecn(result), x)
    # nothing computed at the calls
    poisoned = cw.wavedec2(poison, "db2", level=2)
    for lazy_result in (cw.coeffs_to_array(poisoned)[0], cw.ravel_coeffs(poisoned)[0],
                        cw.downcoef("a", poison, "db2", axis=0),
                        cw.upcoef("d", poison, "db2", axis=1),
                        cw.fswaverecn(cw.fswavedecn(poison, "db1"))):
        assert isinstance(lazy_result, da.Array)


def test_partial_and_fully_separable_adjoints_are_lazy():
    """cw.adjoint's downcoef, upcoef, fswavedecn and fswaverecn keep Dask
    cotangents lazy (the poisoned blocks raise if computed at the calls) and
    give the NumPy adjoints' values (exact: test_partial_transforms.py,
    test_fully_separable.py)."""
    x = random((30, 41), seed=9)
    chunks = (16, 20)
    as_lazy = lambda a: da.from_array(a, chunks=chunks[:a.ndim])  # noqa: E731

    def check(got, want):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(scheduler="synchronous"), want, rtol=RTOL,
                                   atol=RTOL * np.abs(want).max())
    for part, mode, level in (("d", "smooth", 2), ("a", "periodization", 3)):
        g = random(cw.downcoef(part, x, "sym3", mode, level, axis=1).shape, seed=10)
        check(cw.adjoint.downcoef(part, as_lazy(g), "sym3", mode, level, data_shape=x.shape,
                                  axis=1),
              cw.adjoint.downcoef(part, g, "sym3", mode, level, data_shape=x.shape, axis=1))
    for part, level, take in (("a", 2, 50), ("d", 1, 0)):
        y = random(cw.upcoef(part, x, "db3", level, take, axis=0).shape, seed=11)
        check(cw.adjoint.upcoef(part, as_lazy(y), "db3", level, take, coeffs_shape=x.shape,
                                axis=0),
              cw.adjoint.upcoef(part, y, "db3", level, take, coeffs_shape=x.shape, axis=0))
    like = cw.fswavedecn(x, ("db2", "haar"), ("symmetric", "zero"), levels=(2, 1))
    y = random(cw.fswaverecn(like).shape, seed=12)
    check(cw.adjoint.fswaverecn(as_lazy(y), like).coeffs, cw.adjoint.fswaverecn(y, like).coeffs)
    cot = cw.FswavedecnResult(as_lazy(like.coeffs), like.coeff_slices, like.wavelets, like.modes,
                              like.axes)
    check(cw.adjoint.fswavedecn(cot, data_shape=x.shape),
          cw.adjoint.fswavedecn(like, data_shape=x.shape))
    # nothing computed at the calls
    poison = da.zeros((30, 42), chunks=chunks).map_blocks(_never, meta=np.empty((0, 0)))
    for lazy_result in (
            cw.adjoint.downcoef("a", poison[:, :23], "db2", data_shape=(30, 43), axis=1),
            cw.adjoint.upcoef("d", poison, "db2", coeffs_shape=(30, 20), axis=1),
            cw.adjoint.fswaverecn(poison, like).coeffs):
        assert isinstance(lazy_result, da.Array)


def test_pad_cwt_and_stationary_adjoints_are_lazy():
    """cw.adjoint's pad, cwt, swt, swt2 and swtn keep Dask cotangents lazy
    (they computed every block at the call and returned NumPy arrays) and give
    the NumPy adjoints' values (exact: test_pad.py, test_cwt.py,
    test_stationary.py), chunked along their transformed axes too."""
    def check(got, want):
        assert isinstance(got, da.Array) and got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got.compute(scheduler="synchronous"), want, rtol=RTOL,
                                   atol=RTOL * np.abs(want).max())
    y = random((6, 38), seed=13)
    for mode in ("symmetric", "smooth", "periodization", "antireflect"):
        check(cw.adjoint.pad(da.from_array(y, chunks=(4, 10)), ((0, 0), (3, 3)), mode,
                             data_shape=(6, 32)),
              cw.adjoint.pad(y, ((0, 0), (3, 3)), mode, data_shape=(6, 32)))
    c = random((3, 5, 64), seed=14)
    for wavelet, axis in (("mexh", -1), ("cmor1.5-1.0", 0)):
        check(cw.adjoint.cwt(da.from_array(c, chunks=(1, 2, 16)), [1, 2, 4], wavelet, axis=axis),
              cw.adjoint.cwt(c, [1, 2, 4], wavelet, axis=axis))
    x = random((32, 6), seed=15)
    levels = cw.swt(x, "sym3", level=3, axis=0)
    check(cw.adjoint.swt([tuple(da.from_array(v, chunks=(8, 4)) for v in lv) for lv in levels],
                         "sym3", axis=0),
          cw.adjoint.swt(levels, "sym3", axis=0))
    x = random((3, 16, 8), seed=16)
    levels = cw.swt2(x, "db1", level=2, start_level=1)
    lazy = [(da.from_array(a, chunks=(1, 8, 8)), tuple(da.from_array(d, chunks=(2, 16, 4)) for d in ds))
            for a, ds in levels]
    check(cw.adjoint.swt2(lazy, "db1", start_level=1), cw.adjoint.swt2(levels, "db1", start_level=1))
    levels = cw.swtn(x, "db2", level=1, axes=(1, 2), trim_approx=True)
    lazy = [da.from_array(levels[0], chunks=(1, 4, 8))] + [
        {k: da.from_array(v, chunks=(2, 8, 8)) for k, v in levels[1].items()}]
    check(cw.adjoint.swtn(lazy, "db2", axes=(1, 2)), cw.adjoint.swtn(levels, "db2", axes=(1, 2)))
    # nothing computed at the calls
    poison = da.zeros((6, 38), chunks=(3, 19)).map_blocks(_never, meta=np.empty((0, 0)))
    for lazy_result in (
            cw.adjoint.pad(poison, ((0, 0), (3, 3)), "smooth", data_shape=(6, 32)),
            cw.adjoint.cwt(poison[None], [1.0], "morl"),
            cw.adjoint.swt([(poison[:, :32], poison[:, :32])], "db1"),
            cw.adjoint.swt2([(poison[:, :32], (poison[:, :32],) * 3)], "db1"),
            cw.adjoint.swtn([{"aa": poison[:, :32], "dd": poison[:, :32]}], "db1")):
        assert isinstance(lazy_result, da.Array)


def test_unknown_chunk_sizes_are_refused_by_name():
    """A dask array of unknown chunk sizes (NaN in its shape, from a boolean
    index) gets the one message that says what to do, in the functions that
    lay results out by shape (some said 'shape mismatch' between equal NaN
    shapes, or 'cannot convert float NaN to integer')."""
    x = da.from_array(random((8, 64), seed=17), chunks=(4, 32))
    rows, columns = x[x[:, 0] > -10], x[:, x[0] > -10]
    nodes = {k: v[v[:, 0] > -10] for k, v in cw.packet_decompose(x, "db2", level=2).items()}
    for call in (lambda: cw.wavedec(rows, "db2"), lambda: cw.packet_decompose(rows, "db2", level=2),
                 lambda: cw.packet_reconstruct(nodes, "db2"),
                 lambda: cw.adjoint.packet_reconstruct(rows, "db2", level=2),
                 lambda: cw.coeffs_to_array([columns[0], columns[1]]),
                 lambda: cw.ravel_coeffs([columns[0], columns[1]]),
                 lambda: cw.adjoint.upcoef("a", rows, "db2", coeffs_shape=(8, 33), axis=1),
                 lambda: cw.adjoint.downcoef("a", rows, "db2", data_shape=(8, 64), axis=1),
                 lambda: cw.pad(rows, 2, "symmetric"),
                 lambda: cw.adjoint.pad(rows, 2, "symmetric", data_shape=(8, 60)),
                 lambda: cw.adjoint.swt([(rows, rows)], "db1")):
        with pytest.raises(ValueError, match="unknown chunk sizes.*compute_chunk_sizes"):
            call()


def test_numpy_calls_do_not_import_dask():
    code = ("import sys, numpy as np, cuwavelet as cw; cw.wavedec2(np.ones((4, 16, 16)), 'haar'); "
            "cw.waverec([np.ones(8), np.ones(8)], 'haar'); print('dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.gpu
def test_cupy_chunks_match_pywt(xp):
    if xp is np:
        pytest.skip("the CuPy-chunk variant of the sweep above")
    x = random((2, 97, 130), seed=1)
    xd = da.from_array(xp.asarray(x), chunks=(1, 40, 45))
    whole = da.from_array(xp.asarray(x), chunks=(1, 97, 130))
    expected = pywt.wavedec2(x, "db2", "symmetric", level=2)
    lazy = [cw.wavedec2(xd, "db2", "symmetric", level=2), cw.wavedec2(whole, "db2", "symmetric", level=2)]
    lazy.append(cw.waverec2(lazy[0], "db2", "symmetric"))
    got = dask.compute(lazy, scheduler="synchronous")[0]
    assert all(type(a).__module__.startswith("cupy") for a in leaves(got))
    assert_same_structure(got[0], expected, RTOL)
    assert_same_structure(got[1], expected, RTOL)
    assert_same_structure(got[2], pywt.waverec2(expected, "db2", "symmetric"), RTOL)


def test_bench_dask_prints_throughput_per_worker(monkeypatch, capsys):
    pytest.importorskip("distributed")
    from cuwavelet.cli import dask_bench, main
    monkeypatch.setattr(dask_bench, "IMAGE", (64, 64))
    monkeypatch.setattr(dask_bench, "CHUNK_SAMPLES", 1 << 15)   # 6 chunks: halos at every level
    monkeypatch.setattr(dask_bench, "SIZES", {True: (64 * 64 * 4 * 48, 256 << 20)})
    assert main(["bench", "--dask", "1", "--quick", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "images: wavedec2 db2 L3 symmetric of float32 (48, 64, 64)" in out
    assert "signal: wavedec db4 L5 periodization of float32 (196608,)" in out
    table = out.split("max rel err\n")[1].split("\n\n")[0].splitlines()
    assert [row.split()[:2] for row in table] == [["images", "1"], ["signal", "1"]]
    for row in table:
        seconds, total, per_worker, data_only, err = map(float, row.split()[2:])
        assert per_worker == total > 0 and err < 1e-6
    with pytest.raises(SystemExit):
        main(["bench", "--dask", "2", "--json", "out.json"])
    assert "no --json" in capsys.readouterr().err


# --- a real cluster: several worker processes ----------------------------------

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import logging
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        yield client


# few blocks each: a task costs milliseconds on a cluster of processes
@pytest.mark.parametrize("multi, shape, kwargs, chunks", [
    ("wavedec2", (4, 130, 97), {"level": 2}, (2, 65, 49)),
    ("wavedec2", (4, 64, 64), {"level": 3}, (2, 64, 64)),       # transform axes whole
    ("wavedec", (2, 3000), {"level": 3}, (1, 1000)),             # a long signal in chunks
    ("wavedecn", (40, 3, 50), {"level": 2, "axes": (0, 2)}, (20, 3, 25)),
])
def test_on_a_local_cluster_of_processes(client, multi, shape, kwargs, chunks):
    import os
    assert len({pid for pid in client.run(os.getpid).values()} - {os.getpid()}) == 2
    x = random(shape, seed=4)
    wavelet, mode = "db4", "symmetric"  # the circular modes take more tasks: the sweeps cover them
    inverse, inv_kw = INVERSE[multi], single_level(kwargs)
    coeffs = pywt.__dict__[multi](x, wavelet, mode, **kwargs)
    cots = randn_like(coeffs, seed=9)
    reconstruction = pywt.__dict__[inverse](coeffs, wavelet, mode, **inv_kw)
    y = random(reconstruction.shape, seed=8)
    coeff_shapes = cw.adjoint.shapes_of(coeffs)
    expected = {"forward": coeffs, "inverse": reconstruction,
                "adjoint": cw.adjoint.__dict__[multi](cots, wavelet, mode, data_shape=shape, **inv_kw),
                "adjoint of inverse": cw.adjoint.__dict__[inverse](y, wavelet, mode, **inv_kw,
                                                                   coeff_shapes=coeff_shapes)}
    coeff_chunks = chunks
    lazy = {"forward": cw.__dict__[multi](da.from_array(x, chunks=chunks), wavelet, mode, **kwargs),
            "inverse": cw.__dict__[inverse](chunk(coeffs, coeff_chunks), wavelet, mode, **inv_kw),
            "adjoint": cw.adjoint.__dict__[multi](chunk(cots, coeff_chunks), wavelet, mode,
                                                  data_shape=shape, **inv_kw),
            "adjoint of inverse": cw.adjoint.__dict__[inverse](da.from_array(y, chunks=chunks), wavelet,
                                                               mode, **inv_kw, coeff_shapes=coeff_shapes)}
    got = dask.compute(lazy)[0]  # the client is the default scheduler
    for key in expected:
        assert_same_structure(got[key], expected[key], RTOL)
