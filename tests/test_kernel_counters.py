"""The emulator's counters (kernels/block_runtime.cuh Counts, collected by
cuwavelet._program.counting): what the fused kernels move and compute per
launch, which benchmarks/kernel_traffic.py sets against the minimum.

The counts come from the kernels' own loads, stores and multiply-adds (the
block's load / store / mul_add, which the GPU build compiles to the bare
expressions), so these tests check them against what must hold whatever the
kernel does: every output written exactly once (a store that bypassed the
counter would show as an output written less), every input read, at least the
minimum work (exactly the minimum where no halo exists), and sampling one
batch item equal to running every block.
"""
import numpy as np
import pytest

import cuwavelet as cw
from cuwavelet import _fused1d, _launch, _multilevel, _program, _wavelets
from cuwavelet import _fused1d_coarse_to_fine as c2f

FIELDS = ("global_load_bytes", "global_store_bytes", "shared_loads", "shared_stores",
          "multiply_adds")


@pytest.fixture
def gpu_route(monkeypatch):
    """The fused routing on for NumPy arrays (plans recorded afresh)."""
    monkeypatch.setattr(_multilevel, "is_cupy", lambda a: True)


def counted(fn, *args, sample=True, **kwargs):
    with _program.counting(sample=sample) as found:
        result = fn(*args, **kwargs)
    return result, found


def calls(rng):
    """Every fused family and operation, on small batched arrays: (name, thunk)."""
    x1 = rng.standard_normal((3, 1500))
    c1 = cw.wavedec(x1, "db3", "symmetric", level=4)
    x2 = rng.standard_normal((3, 70, 60)).astype(np.float32)
    c2 = cw.wavedec2(x2, "db2", "reflect", level=3)
    return [
        ("wavedec", lambda: cw.wavedec(x1, "db3", "symmetric", level=4)),
        ("waverec", lambda: cw.waverec(c1, "db3", "symmetric")),
        ("adjoint.wavedec", lambda: cw.adjoint.wavedec(c1, "db3", "symmetric",
                                                       data_shape=x1.shape)),
        ("wavedec2", lambda: cw.wavedec2(x2, "db2", "reflect", level=3)),
        ("waverec2", lambda: cw.waverec2(c2, "db2", "reflect")),
        ("adjoint.wavedec2", lambda: cw.adjoint.wavedec2(c2, "db2", "reflect",
                                                         data_shape=x2.shape)),
    ]


def test_every_fused_family_is_counted_and_writes_each_output_once(gpu_route):
    rng = np.random.default_rng(0)
    families = set()
    for name, call in calls(rng):
        _, found = counted(call)
        assert found, name
        for e in found:
            assert not e.get("uncounted"), (name, e)
            if e["kind"] in ("fill", "copy"):
                continue
            info = e["info"]
            families.add(info.family)
            # each output element stored once, from contiguous outputs: bytes and sectors
            # (each output array's run of a batch item may start and end inside a
            # 32-byte sector: under 2 sectors more per array and item, counted on
            # the first item and scaled by the batch; at most 13 arrays a launch)
            assert e["global_store_bytes"] == info.output_bytes, (name, info.kernel)
            assert (info.output_bytes <= 32 * e["global_store_sectors"]
                    < info.output_bytes + 64 * 13 * info.items), (name, info.kernel)
            # every input read (zero-padded modes may skip nothing here: no input is all halo)
            assert e["global_load_bytes"] >= info.input_bytes
            assert 32 * e["global_load_sectors"] >= info.input_bytes
            assert e["multiply_adds"] >= info.minimum_work > 0
            assert e["blocks"] == info.blocks
    assert families == set(_launch.FAMILIES)


@pytest.mark.parametrize("which", range(6))
def test_sampling_one_batch_item_equals_every_block(gpu_route, which):
    """Counts of one item's blocks, scaled, are those of the whole grid."""
    name, call = calls(np.random.default_rng(1))[which]
    _, sampled = counted(call, sample=True)
    _, full = counted(call, sample=False)
    assert [e["kind"] for e in sampled] == [e["kind"] for e in full]
    for s, f in zip(sampled, full):
        for field in FIELDS:
            assert s.get(field) == f.get(field), (name, s["kind"], field)
        if "global_store_sectors" in f:  # distinct sectors: items share a boundary sector per operand
            bound = f["info"].items * _launch.FAMILIES[f["info"].family].operands
            assert abs(s["global_store_sectors"] - f["global_store_sectors"]) <= bound


@pytest.mark.parametrize("mode", ["zero", "periodization"])
def test_one_level_without_halo_does_exactly_the_minimum(mode):
    """One level along a line that one tile holds, in a mode that extends
    nothing the filters read from outside (zero: outside samples are not
    loaded; periodization wraps): one multiply-add per tap per output, each
    input sample read exactly once."""
    x = np.random.default_rng(2).standard_normal((4, 64))
    bank, m = _wavelets.as_filter_bank("db2"), _wavelets.as_mode(mode)
    n = _fused1d.level_lengths(64, 4, m, 1)[1]
    _, found = counted(_fused1d.wavedec_levels, x, 1, bank, m, 1, tile=n, sample=False)
    (e,) = found
    assert e["blocks"] == 4  # a tile per line
    assert e["multiply_adds"] == e["info"].minimum_work == 4 * 2 * n * 4
    if mode == "zero":
        assert e["global_load_bytes"] == x.nbytes
    assert e["global_store_bytes"] == 2 * 4 * n * 8


def test_waverec_counts_follow_the_levels():
    """Coarse-to-fine synthesis: the minimum is one multiply-add per tap per
    output sample of every level; the kernel's windows add only halos."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4096))
    c = cw.wavedec(x, "db4", "zero", level=3)
    bank = _wavelets.as_filter_bank("db4")
    _, found = counted(c2f.waverec_levels, c[0], c[1:], 1, bank, _wavelets.as_mode("zero"),
                       sample=False)
    (e,) = found
    lens = [d.shape[1] for d in c[1:]][::-1]  # n_1 .. n_3
    expected = 8 * 2 * (4096 + lens[0] + lens[1])
    assert e["info"].minimum_work == expected
    assert expected <= e["multiply_adds"] <= 1.1 * expected
    assert e["global_load_bytes"] >= sum(a.nbytes for a in c)


def test_counts_are_the_kernel_s_own():
    """A launch's counts change with what the kernel does: a second launch on
    the same arrays counts the same, a launch of more levels counts more
    multiply-adds, and no count is left over between launches."""
    x = np.random.default_rng(4).standard_normal((2, 4096))
    bank, m = _wavelets.as_filter_bank("db2"), _wavelets.as_mode("symmetric")
    _, a = counted(_fused1d.wavedec_levels, x, 1, bank, m, 3)
    _, b = counted(_fused1d.wavedec_levels, x, 1, bank, m, 3)
    _, deeper = counted(_fused1d.wavedec_levels, x, 1, bank, m, 5)
    assert a[0] == b[0]
    assert deeper[0]["multiply_adds"] > a[0]["multiply_adds"]
    assert deeper[0]["global_store_bytes"] > a[0]["global_store_bytes"]


def test_fills_copies_and_other_launches_are_reported(gpu_route):
    """What is not a fused kernel is still listed: copies and fills with their
    bytes, per-axis launches as uncounted."""
    x = np.random.default_rng(5).standard_normal((2, 3, 33, 31))
    # three axes: the first runs the per-axis kernel, the last two the fused one
    _, found = counted(cw.dwtn, x, "db2", "symmetric", axes=(1, 2, 3))
    kinds = [e["kind"] for e in found]
    assert "per-axis" in kinds and "dwt2" in kinds
    assert all(e.get("uncounted") for e in found if e["kind"] == "per-axis")


def test_outside_counting_nothing_is_collected():
    x = np.random.default_rng(6).standard_normal((2, 256))
    bank, m = _wavelets.as_filter_bank("db2"), _wavelets.as_mode("zero")
    assert _program.counts() == (None, True)
    _fused1d.wavedec_levels(x, 1, bank, m, 2)  # runs, collects nothing
    with _program.counting() as found:
        pass
    assert found == []


@pytest.mark.parametrize("wavelet", ["db2", "db3", "db5"])
def test_two_level_work_model_agrees_with_the_counted_work(gpu_route, wavelet):
    """_fused.two_level_work (which decides whether wavedec2 takes two levels
    per launch) against the emulator's multiply-adds of a two-level launch:
    zero mode, float32, an image of whole tiles about 500 samples wide, where
    edge tiles (which skip positions past the image) are a small part."""
    from cuwavelet import _fused
    banks = [_wavelets.as_filter_bank(wavelet)] * 2
    modes = [_wavelets.as_mode("zero")] * 2
    for n in range(480, 560):
        x = np.zeros((1, n, n), np.float32)
        plan = _fused._two_level_plan(x, [1, 2], banks, modes)
        if all(m % t == 0 for m, t in zip(plan.len2, plan.tile)):
            break
    x = np.random.default_rng(3).standard_normal(x.shape).astype(np.float32)
    _, found = counted(_fused.dwt2_two_levels, x, [1, 2], banks, modes)
    (launch,) = found
    counted_ratio = launch["multiply_adds"] / launch["info"].minimum_work
    model = _fused.two_level_work(plan.tile, [banks[0].length] * 2, plan.step)
    assert abs(counted_ratio / model - 1) < 0.05, (counted_ratio, model, plan.tile)


@pytest.mark.parametrize("wavelet", ["db2", "db5"])
def test_two_level_synthesis_work_model_agrees_with_the_counted_work(gpu_route, wavelet):
    """_fused.two_level_synthesis_work (which decides whether waverec2 takes
    two levels per launch) against the emulator's multiply-adds of such a
    launch: float32, a batch of 512 x 384 images."""
    from cuwavelet import _fused
    from cuwavelet._shapes import coeff_len
    banks = [_wavelets.as_filter_bank(wavelet)] * 2
    modes = [_wavelets.as_mode("symmetric")] * 2
    F, rng = banks[0].length, np.random.default_rng(3)
    n1 = [coeff_len(n, F, modes[0]) for n in (512, 384)]
    n2 = [coeff_len(n, F, modes[0]) for n in n1]
    level1 = {k: rng.standard_normal((24, *n1)).astype(np.float32) for k in ("da", "ad", "dd")}
    level2 = {k: rng.standard_normal((24, *n2)).astype(np.float32) for k in ("aa", "da", "ad", "dd")}
    plan = _fused._two_level_synthesis_plan(level2, level1, [1, 2], banks, modes)
    _, found = counted(_fused.idwt2_two_levels, level2, level1, [1, 2], banks, modes)
    (launch,) = found
    counted_ratio = launch["multiply_adds"] / launch["info"].minimum_work
    model = _fused.two_level_synthesis_work(plan.tile, [F] * 2, plan.step)
    assert abs(counted_ratio / model - 1) < 0.05, (counted_ratio, model, plan.tile)


def test_wavedec2_takes_two_levels_per_launch_for_short_filters_only(gpu_route):
    """db2 and db5 (two-level work 1.07x and 1.27x the minimum on 96 x 96
    images): levels 1 and 2 in one launch; db8 (1.79x): one level per launch
    (TWO_LEVEL_MAX_WORK)."""
    x = np.random.default_rng(4).standard_normal((2, 96, 96)).astype(np.float32)
    for wavelet, kinds in (("db2", ["dwt2_two_levels", "dwt2"]),
                           ("db5", ["dwt2_two_levels", "dwt2"]), ("db8", ["dwt2"] * 3)):
        _, found = counted(cw.wavedec2, x, wavelet, "symmetric", level=3)
        assert [e["kind"] for e in found] == kinds, wavelet


def test_wavedec2_of_complex_images_plans_the_real_ones_it_launches(gpu_route):
    """A complex image is two real ones to the kernels: the two-level launch
    of 2 x 300 x 300 complex128 images, big enough for the wave rule, is
    planned on float64 (it raised on the complex itemsize), and equals pywt."""
    import pywt
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 300, 300)) + 1j * rng.standard_normal((2, 300, 300))
    got, found = counted(cw.wavedec2, x, "db2", "symmetric", level=2, sample=False)
    assert [e["kind"] for e in found] == ["dwt2_two_levels"]
    want = pywt.wavedec2(x, "db2", "symmetric", level=2)
    for g, w in zip([got[0], *got[1], *got[2]], [want[0], *want[1], *want[2]]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12 * np.abs(w).max())


def test_waverec2_takes_two_levels_per_launch_for_short_filters_only(gpu_route):
    """db2 and db5 (two-level synthesis work 1.07x and 1.12x the minimum on a
    96 x 96 image, one strip and one segment): levels 2 and 1 in one launch,
    and so the zero-mode adjoint of wavedec2; db8 (1.21x): one level per
    launch (TWO_LEVEL_SYNTHESIS_MAX_WORK; the family 'dwt2' runs the
    single-level analysis, synthesis and adjoint)."""
    x = np.random.default_rng(5).standard_normal((2, 96, 96)).astype(np.float32)
    for wavelet, kinds in (("db2", ["dwt2", "idwt2_two_levels"]),
                           ("db5", ["dwt2", "idwt2_two_levels"]), ("db8", ["dwt2"] * 3)):
        c = cw.wavedec2(x, wavelet, "zero", level=3)
        for call, kwargs in ((cw.waverec2, {}), (cw.adjoint.wavedec2, dict(data_shape=x.shape))):
            _, found = counted(call, c, wavelet, "zero", **kwargs)
            assert [e["kind"] for e in found] == kinds, (wavelet, call)


def test_folded_two_level_adjoint_stores_each_sample_once(gpu_route):
    """adjoint.wavedec2 in symmetric mode with a1's cotangent on chip: the
    level-2 adjoint on a ring of a1's cotangent (a part of it), the level-1
    adjoint on the image's edge ring and the two-level synthesis on its
    interior, which together store each image sample once; equal to the
    one-level-per-launch adjoint."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((1, 300, 280)).astype(np.float32)
    c = cw.wavedec2(x, "db2", "symmetric", level=2)
    got, found = counted(cw.adjoint.wavedec2, c, "db2", "symmetric", data_shape=x.shape,
                         sample=False)
    assert [e["kind"] for e in found] == ["dwt2", "dwt2", "idwt2_two_levels"]
    a1_bytes = x.itemsize * c[2][0].size
    assert 0 < found[0]["global_store_bytes"] < a1_bytes / 2
    assert found[1]["global_store_bytes"] + found[2]["global_store_bytes"] == x.nbytes
    assert found[1]["global_store_bytes"] < x.nbytes / 2
    with pytest.MonkeyPatch.context() as m:  # the separable path
        m.setattr(_multilevel, "is_cupy", lambda a: False)
        want = cw.adjoint.wavedec2(c, "db2", "symmetric", data_shape=x.shape)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("mode", ["symmetric", "smooth", "periodic"])
def test_edge_ring_split_counts_the_same_work_once(mode, monkeypatch):
    """A 2D analysis adjoint level split into its interior (zero-mode kernel)
    and its ring of edge tiles (SPLIT_EDGE_TILES) runs the same tiles with
    the same loads and stores as one launch over the grid and no more
    multiply-adds, and the level's minimum work is counted once across the two."""
    from cuwavelet import _fused
    monkeypatch.setattr(_fused, "SYNTHESIS_TILE", (8, 8))
    monkeypatch.setattr(_fused, "SPLIT_MIN_INTERIOR", 0.0)
    _fused._plan_for.cache_clear()
    rng = np.random.default_rng(5)
    shape, axes = (2, 61, 50), [1, 2]
    banks = [_wavelets.as_filter_bank("db3")] * 2
    modes = [_wavelets.as_mode(mode)] * 2
    c = {k: rng.standard_normal(v.shape) for k, v in
         cw.dwtn(np.zeros(shape), "db3", mode, axes=axes).items()}
    try:
        with _fused.split_edge_tiles(False):
            whole, (e,) = counted(_fused.dwt2_adjoint_level, c, axes, banks, modes, shape,
                                  sample=False)
        with _fused.split_edge_tiles():
            split, (inner, edge) = counted(_fused.dwt2_adjoint_level, c, axes, banks, modes,
                                           shape, sample=False)
    finally:
        monkeypatch.undo()
        _fused._plan_for.cache_clear()
    np.testing.assert_array_equal(split, whole)
    assert inner["info"].kernel.startswith("fused_dwt2_kernel<2, 0,")  # zero mode
    assert inner["blocks"] + edge["blocks"] == e["blocks"]
    for field in ("global_load_bytes", "global_store_bytes"):
        assert inner[field] + edge[field] == e[field], field
    # (no more work: one launch also folds halo cotangents into the spare
    # sample of a pair that sticks out of a tile next to the ring, never stored)
    assert e["info"].minimum_work <= inner["multiply_adds"] + edge["multiply_adds"] \
        <= e["multiply_adds"]
    assert inner["info"].minimum_work + edge["info"].minimum_work == e["info"].minimum_work
