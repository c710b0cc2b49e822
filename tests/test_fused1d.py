"""Fused multi-level 1D wavedec (cuwavelet/_fused1d.py, kernels/dwt1_multilevel.cuh).

On NumPy arrays the kernel runs through the thread-block emulator
(kernels/block_runtime.cuh) built into cuwavelet._fused1d_host: the GPU's
kernel body, each block's threads as fibers between real barriers in
reversed and shuffled order over NaN-poisoned shared memory. These tests
check it against pywt.wavedec in every mode, at tile edges and signal edges,
at the lengths where supports() switches between one tile per line, several
tiles and refusal; that each barrier is needed; that each refusal of the
exactness rule is needed (forced launches give wrong answers); and that every
device specialization compiles with NVRTC for sm_80 and sm_90
(CUWAVELET_REQUIRE_NVRTC=1 makes a missing NVRTC a failure). Where a GPU
exists, the CuPy path is compared too.
"""

import numpy as np
import pytest
import pywt

import cuwavelet as cw

from conftest import assert_same_structure, quiet, random, requires_cuda
from cuwavelet import _fused1d, _multilevel, _wavelets
from cuwavelet._fused import Emulation

MODES = pywt.Modes.modes
WAVELETS = ["haar", "db2", "db3", "db4", "sym4", "bior2.2", "coif1"]
RTOL = {np.float64: 1e-12, np.float32: 2e-5, np.complex128: 1e-12, np.complex64: 2e-5}
SCHEDULES = ["reversed", "shuffled"]
# odd, even, prime, powers of two and their neighbours, shorter than the filters
LENGTHS = [1, 2, 3, 7, 13, 32, 64, 97, 128, 255, 256, 331, 1031]






def bank_mode(wavelet, mode):
    return _wavelets.as_filter_bank(wavelet), _wavelets.as_mode(mode)


def fused(x, wavelet, mode, levels, axis=-1, emulation=_fused1d.DEFAULT_EMULATION, **kwargs):
    bank, m = bank_mode(wavelet, mode)
    return _fused1d.wavedec_levels(x, axis % x.ndim, bank, m, levels, emulation=emulation,
                                   **kwargs)


def expected(x, wavelet, mode, levels, axis=-1):
    return quiet(pywt.wavedec, x, wavelet, mode, level=levels, axis=axis)


def check(x, wavelet, mode, levels, axis=-1, **kwargs):
    assert_same_structure(fused(x, wavelet, mode, levels, axis, **kwargs),
                          expected(x, wavelet, mode, levels, axis), RTOL[x.dtype.type])


def plan(x, wavelet, mode, levels, axis=-1, tile=None):
    bank, m = bank_mode(wavelet, mode)
    return _fused1d._plan(x, axis % x.ndim, bank, m, levels, tile)


# --- against pywt -------------------------------------------------------------

@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("mode", MODES)
def test_wavedec_levels_match_pywt(mode, wavelet):
    """Every length and depth the kernel accepts, with the automatic tiles
    (one per line, or several of min_tile) and with tiles of exactly F (the
    exactness rule's bound) and F + 3, so tile edges fall everywhere."""
    F = pywt.Wavelet(wavelet).dec_len
    accepted = tiled = 0
    for i, N in enumerate(LENGTHS):
        for levels in (1, 2, 3, 5):
            for tile in (None, F, F + 3):
                dtype = (np.float64, np.float32)[(i + levels) % 2]
                x = random((2, N), dtype, seed=i)
                p = plan(x, wavelet, mode, levels, tile=tile)
                if isinstance(p, str):
                    continue
                accepted += 1
                tiled += p.tiles > 1
                em = Emulation(threads=32, grid=3, schedule=SCHEDULES[(i + levels) % 2])
                check(x, wavelet, mode, levels, tile=tile, emulation=em)
    assert accepted > 60 and tiled > 20


@pytest.mark.parametrize("mode", MODES)
def test_one_output_per_thread_matches_pywt(mode, monkeypatch):
    """The kernel's other setting, one output per thread (REGISTER_BLOCK = 1,
    kept to time against register blocking on a GPU), at tiled and untiled
    lengths, both dtypes; its plans carry the setting to the kernel."""
    assert _fused1d.REGISTER_BLOCK > 1  # the default: register-blocked
    monkeypatch.setattr(_fused1d, "REGISTER_BLOCK", 1)
    for wavelet in ("db2", "coif1"):
        F = pywt.Wavelet(wavelet).dec_len
        for i, (N, levels) in enumerate(((97, 3), (331, 2), (1031, 5))):
            for tile in (None, F + 3):
                x = random((2, N), (np.float64, np.float32)[i % 2], seed=N)
                p = plan(x, wavelet, mode, levels, tile=tile)
                if isinstance(p, str):
                    continue
                assert p.block_outputs == 1
                check(x, wavelet, mode, levels, tile=tile,
                      emulation=Emulation(threads=32, grid=3, schedule=SCHEDULES[i % 2]))


def test_block_outputs_setting():
    """CUWAVELET_FUSED1D_BLOCK_OUTPUTS: kRegisterBlock (the default) or 1."""
    R = _fused1d.FAMILY.host.register_block
    assert _fused1d.block_outputs_setting(None) == _fused1d.block_outputs_setting("") == R
    assert _fused1d.block_outputs_setting("1") == 1 and _fused1d.block_outputs_setting(str(R)) == R
    for bad in ("2", "0", "four"):
        with pytest.raises(ValueError, match="CUWAVELET_FUSED1D_BLOCK_OUTPUTS"):
            _fused1d.block_outputs_setting(bad)


def test_launches_short_of_two_waves_take_smaller_tiles():
    """A launch of at least WAVE_BYTES that tiles of min_tile(F) leave under
    TARGET_BLOCKS blocks takes tiles down to wave_tile(F) (W5's deep launch:
    db5 levels 6-10 of 32 lines of 1e6 reached 992 blocks, 1.88 waves), and
    stays exact there; smaller launches keep min_tile(F), and the levels a
    launch may take (the min_tile rule) do not change."""
    db5, zero = bank_mode("db5", "zero")
    F, f32 = db5.length, np.dtype(np.float32)
    assert _fused1d.wave_tile(F) < _fused1d.min_tile(F)
    deep = _fused1d.level_lengths(10 ** 6, F, zero, 5)[-1]  # W5's level-5 approximation
    p = _fused1d._plan_for(f32, (32, deep), 1, db5, zero, 5, None, _fused1d.REGISTER_BLOCK)
    assert p.tile >= _fused1d.wave_tile(F) and 32 * p.tiles >= _fused1d.TARGET_BLOCKS, p
    small = _fused1d._plan_for(f32, (2, deep), 1, db5, zero, 5, None, _fused1d.REGISTER_BLOCK)
    assert small.tile >= _fused1d.min_tile(F), small
    assert _fused1d.plan_wavedec((32, 10 ** 6), 1, db5, zero, 10, f32) == (5, 5)
    x = random((32, 8192), np.float32, seed=3)  # 2 MB moved, 9 tiles of 32 a line
    for mode in ("zero", "symmetric", "antireflect"):
        p = plan(x, "db5", mode, 5)
        assert _fused1d.wave_tile(F) <= p.tile < _fused1d.min_tile(F) and p.tiles > 1, p
        check(x, "db5", mode, 5, emulation=Emulation(threads=64, grid=5))


@pytest.mark.parametrize("mode", MODES)
def test_lengths_at_the_tile_and_refusal_thresholds(mode):
    """One tile per line (N_L <= T), two tiles of which the last owns a
    single coefficient (N_L = T + 1: its window is shifted left), the deepest
    efficient launch on a long line and one level more (refused there, fine
    on a line that fits one tile)."""
    for wavelet in ("db2", "coif1"):
        F = pywt.Wavelet(wavelet).dec_len
        for N in (200, 203, 256):
            x = random((3, N), seed=N)
            for levels in (2, 3):
                NL = plan(x, wavelet, mode, levels, tile=N).lens[-1]
                for tile in (NL, NL - 1, max(F, NL // 2)):
                    p = plan(x, wavelet, mode, levels, tile=tile)
                    if isinstance(p, str):  # only the far-end modes refuse tiled lines
                        assert mode in ("periodic", "periodization") and tile < NL
                        continue
                    check(x, wavelet, mode, levels, tile=tile)
        deepest = _fused1d.max_levels(F, 4)
        T = _fused1d.tile_capacity(deepest, F, 4)
        long_line = random((1, (T + 1) * 2 ** deepest), np.float32)
        assert isinstance(plan(long_line, wavelet, mode, deepest + 1), str)
        if mode not in ("periodic", "periodization"):
            p = plan(long_line, wavelet, mode, deepest)
            assert p.tiles > 1 and p.tile >= _fused1d.min_tile(F)
            check(long_line, wavelet, mode, deepest, emulation=Emulation(threads=64, grid=2))
        short_line = random((2, 3 * 2 ** (deepest + 1)), np.float32)
        assert plan(short_line, wavelet, mode, deepest + 1).tiles == 1
        check(short_line, wavelet, mode, deepest + 1)


def test_periodization_cascade_needs_even_intermediate_lengths():
    """Tiled periodization runs as the cascade where N_1..N_{L-1} are even
    (N_0 and N_L may be odd), and takes one tile per line (or is refused)
    where one is odd."""
    for N, levels, cascade in ((1000, 3, True), (1007, 3, True), (1000, 4, False),
                               (1002, 3, False), (2 ** 12, 6, True)):
        x = random((2, N))
        p = plan(x, "db2", "periodization", levels)
        assert p.cascade == cascade and (p.tiles > 1) == cascade
        check(x, "db2", "periodization", levels)
        refused = plan(x, "db2", "periodization", levels, tile=16)
        assert isinstance(refused, str) != cascade
    check(random((2, 1000)), "db4", "periodization", 3, tile=1)  # the cascade: any tile


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth", "antireflect"])
def test_layouts_axes_and_dtypes(mode):
    """Any axis of batched arrays, views of every kind, complex data."""
    base = random((4, 3, 300, 2))
    cases = [
        (base[..., 0], 2), (base[..., 0], 1), (base[0, 0, :, 0], 0),
        (np.asfortranarray(base[..., 1]), 2),                       # Fortran order
        (base[:, ::-1, ::-2, 0], 2),                                 # reversed, strided
        (base[..., 0].transpose(2, 0, 1), 0),                        # the axis first
        (base[..., 0].astype(np.complex64) * (1 - 2j), 2),
        (base[..., 0].astype(np.complex128) + 1j * base[..., 1], 1),
        (random((2, 1, 3, 1, 2, 2, 1, 2, 97), np.float32), 8),       # size-1 and many dims
    ]
    for x, axis in cases:
        for wavelet in ("db2", "bior2.2"):
            for levels in (1, 3):
                if isinstance(plan(x, wavelet, mode, levels, axis), str):
                    assert mode == "periodization" and levels > 1
                    continue
                check(x, wavelet, mode, levels, axis)


def test_outputs_written_in_place_through_views():
    """out= takes preallocated, strided arrays: a wavedec can write each
    level's details straight into its final storage."""
    x = random((3, 500))
    want = expected(x, "db3", "reflect", 3)
    store = np.full((4, 3, 2 * 260), np.nan)
    out = [store[i, :, ::2][:, :len(c[0])] for i, c in enumerate(want)]
    got = fused(x, "db3", "reflect", 3, out=out)
    for g, o, w in zip(got, out, want):
        assert g is o
        np.testing.assert_allclose(o, w, rtol=1e-12, atol=1e-12)
    assert np.isnan(store[:, :, 1::2]).all()
    partial = fused(x, "db3", "reflect", 3, out=[None, None, out[2], None])
    assert partial[2] is out[2]
    with pytest.raises(ValueError, match="shape"):
        fused(x, "db3", "reflect", 3, out=[np.empty((3, 7))] + [None] * 3)


def test_outputs_follow_the_input_memory_order():
    x = np.asfortranarray(random((300, 4)))
    c = fused(x, "db2", "symmetric", 2, axis=0)
    assert all(a.flags.f_contiguous for a in c)
    assert all(a.flags.c_contiguous for a in fused(random((4, 300)), "db2", "symmetric", 2))


# --- the barriers and the exactness rule --------------------------------------

@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("wavelet, mode", [("db2", "symmetric"), ("db4", "periodization"),
                                           ("coif1", "antireflect")])
def test_dropping_any_barrier_gives_a_wrong_answer(wavelet, mode, schedule):
    """A tile has a barrier after its load and after each level but the last,
    plus one after the last where the next tile's load would overwrite what
    it reads (odd L, the block has another tile). skip_barrier makes every
    thread skip its k-th barrier, as if the kernel source lacked it. (Few
    threads: each then computes positions of several sweeps of a level, some
    of which read what a later-scheduled thread writes.)"""
    x = random((2, 320))
    for levels in (1, 2, 3):
        want = expected(x, wavelet, mode, levels)
        barriers = levels + (levels % 2)  # in the first tile of a block with more
        for grid in (1, 3):
            for skip in range(-1, barriers):
                em = Emulation(threads=8, grid=grid, schedule=schedule, skip_barrier=skip)
                got = fused(x, wavelet, mode, levels, emulation=em)
                same = all(np.allclose(g, w) for g, w in zip(got, want))
                assert same == (skip == -1), (levels, grid, skip)


def forced(x, wavelet, mode, levels, tile, cascade):
    """Run a launch supports() refuses, planned by hand: whether it gives
    pywt's values (one whose windows are too small for what it reads, and
    that the emulator stops reading past its shared memory, does not)."""
    bank, m = bank_mode(wavelet, mode)
    lens = _fused1d.level_lengths(x.shape[-1], bank.length, m, levels)
    p = _fused1d._Plan(m, x.ndim - 1, x.shape, x.dtype, bank, levels, lens, tile,
                       -(-lens[-1] // tile), cascade, _fused1d.REGISTER_BLOCK)
    try:
        got = _fused1d._run(p, x, None, Emulation(threads=32, grid=3))
    except RuntimeError as e:
        if "past its" not in str(e):
            raise
        return False
    return all(np.allclose(g, w, atol=1e-9) for g, w in
               zip(got, expected(x, wavelet, mode, levels)))


def test_each_refusal_of_the_exactness_rule_is_needed():
    """The refused launches really are inexact: the extension of an
    intermediate level in periodic mode, or in periodization with an odd
    intermediate length, reads the far end of a line the tile does not hold;
    near-edge modes need tiles wide enough to hold an edge's extension
    (T >= F is what supports() asks; reflect breaks below F/2 + 1)."""
    x = random((2, 1000))
    assert isinstance(plan(x, "db2", "periodic", 3, tile=16), str)
    assert not forced(x, "db2", "periodic", 3, 16, False)
    odd = random((2, 1002))  # N_1 = 501
    assert isinstance(plan(odd, "db2", "periodization", 3, tile=16), str)
    assert not forced(odd, "db2", "periodization", 3, 16, False)
    assert not forced(odd, "db2", "periodization", 3, 16, True)
    assert forced(x, "db2", "periodization", 3, 16, True)
    for mode in ("symmetric", "reflect", "antireflect", "smooth"):
        assert isinstance(plan(x, "db4", mode, 3, tile=7), str)
        assert not forced(x, "db4", mode, 3, 1, False), mode
    assert forced(x, "db4", "reflect", 3, 5, False) and not forced(x, "db4", "reflect", 3, 4, False)


def test_supports_says_when_to_fall_back():
    x = random((2, 1000))
    db2, sym = bank_mode("db2", "symmetric")
    assert _fused1d.supports(x, 1, db2, sym, 3)
    reasons = {
        "long filter": _fused1d.why_not(x, 1, *bank_mode("db20", "symmetric"), 2),
        "too deep": _fused1d.why_not(random((1, 10 ** 5), np.float32), 1, db2, sym, 9),
        "levels": _fused1d.why_not(x, 1, db2, sym, 0),
        "dtype": _fused1d.why_not(x.astype(np.int32), 1, db2, sym, 2),
        "reflect on 1 sample": _fused1d.why_not(random((2, 1)), 1,
                                                *bank_mode("db2", "reflect"), 1),
        "axis": _fused1d.why_not(x, -1, db2, sym, 2),
    }
    for what, reason in reasons.items():
        assert isinstance(reason, str), what
    with pytest.raises(ValueError, match="cannot run"):
        _fused1d.wavedec_levels(x, 1, db2, sym, 0)


def test_levels_per_launch_fit_shared_memory():
    """What max_levels promises fits, with efficient tiles, and tile_capacity
    is the largest tile that does (sizes from the kernel's own layout)."""
    for F in (2, 4, 10, 16, 32):
        for itemsize, dtype in ((4, np.float32), (8, np.float64)):
            L = _fused1d.max_levels(F, itemsize)
            T = _fused1d.tile_capacity(L, F, itemsize)
            assert T >= _fused1d.min_tile(F)
            assert _fused1d.shared_bytes(L, T, F, dtype) <= _fused1d.SHARED_BUDGET
            assert _fused1d.shared_bytes(L, T + 1, F, dtype) > _fused1d.SHARED_BUDGET


# --- a whole wavedec ------------------------------------------------------------

def test_plan_wavedec_launch_counts():
    """W5 = (32, 1e6) f32 db5, 10 levels: 2 launches (10 per level today);
    W1 = (256, 4096) f32 db4, 5 levels: 1. Periodic and periodization fall
    back to single levels where a tiled launch is not exact."""
    db5, db4 = _wavelets.as_filter_bank("db5"), _wavelets.as_filter_bank("db4")

    def steps(shape, bank, mode, level):
        return _fused1d.plan_wavedec(shape, 1, bank, _wavelets.as_mode(mode), level, np.float32)

    assert steps((32, 10 ** 6), db5, "symmetric", 10) == (5, 5)
    assert steps((256, 4096), db4, "symmetric", 5) == (5,)
    assert steps((32, 10 ** 6), db5, "periodization", 10) == (6, 1, 3)
    assert steps((32, 10 ** 6), db5, "periodic", 10) == (1,) * 7 + (3,)
    assert steps((32, 10 ** 6), _wavelets.as_filter_bank("db20"), "zero", 3) == (0, 0, 0)


@pytest.mark.parametrize("mode", MODES)
def test_wavedec_as_a_few_launches_matches_pywt(mode):
    """_fused1d.wavedec with the per-level path as fallback: what
    cuwavelet._multilevel.wavedec will run for CuPy arrays once wired in."""
    for wavelet, shape, level in (("db2", (2, 3000), 9), ("sym4", (3, 777), 6),
                                  ("db20", (1, 200), 2), ("haar", (2, 4096), 12)):
        x = random(shape)
        bank, m = bank_mode(wavelet, mode)
        got = _fused1d.wavedec(x, 1, bank, m, level,
                               level_fallback=lambda a: _multilevel.dwtn(a, [1], [bank], [m]))
        assert_same_structure(got, expected(x, wavelet, mode, level), 1e-12)


# --- the device build -------------------------------------------------------------

# (every device specialization is compiled by tests/test_nvrtc.py)


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("mode", MODES)
def test_cuda_fused1d_matches_pywt(mode):
    import cupy
    for wavelet in ("db2", "db5", "bior2.2"):
        for shape, axis, levels in (((3, 1031), 1, 4), ((2, 5000), 1, 7), ((700, 2), 0, 3),
                                    ((2, 2, 40000), 2, 10)):
            for dtype in (np.float32, np.float64):
                x = random(shape, dtype)
                bank, m = bank_mode(wavelet, mode)
                got = _fused1d.wavedec(cupy.asarray(x), axis, bank, m, levels,
                                       level_fallback=lambda a: _multilevel.dwtn(
                                           a, [axis], [bank], [m]))
                assert_same_structure(got, expected(x, wavelet, mode, levels, axis), RTOL[dtype])
                if _fused1d.supports(x, axis, bank, m, min(levels, 3)):
                    got = _fused1d.wavedec_levels(cupy.asarray(x), axis, bank, m, min(levels, 3))
                    assert_same_structure(got, expected(x, wavelet, mode, min(levels, 3), axis),
                                          RTOL[dtype])


@pytest.mark.filterwarnings("ignore:Level value")
def test_public_wavedec_routes_through_the_fused_levels(monkeypatch):
    """cuwavelet._multilevel.wavedec sends CuPy arrays through _fused1d.wavedec;
    treating NumPy arrays as CuPy ones runs that routing here (via the
    emulator): cw.wavedec and single-axis cw.wavedecn must still equal pywt's,
    and the fused launches must actually have been used."""
    from cuwavelet import _multilevel as ml
    calls = []
    fused_wavedec = _fused1d.wavedec

    def recording(*args, **kwargs):
        calls.append(args[4])  # the level count
        return fused_wavedec(*args, **kwargs)
    monkeypatch.setattr(_fused1d, "wavedec", recording)
    monkeypatch.setattr(ml, "is_cupy", lambda a: True)
    x = np.random.default_rng(5).standard_normal((3, 301))
    for mode in pywt.Modes.modes:
        for wavelet in ("db2", "bior2.2"):
            expected = pywt.wavedec(x, wavelet, mode, level=4)
            got = cw.wavedec(x, wavelet, mode, level=4)
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12 * np.abs(e).max())
    got = cw.wavedecn(x, "db3", "symmetric", level=3, axes=(1,))
    expected = pywt.wavedecn(x, "db3", "symmetric", level=3, axes=(1,))
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12, atol=1e-12)
    for g, e in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(g["d"], e["d"], rtol=1e-12, atol=1e-12)
    assert calls and all(level in (3, 4) for level in calls)


@pytest.mark.filterwarnings("ignore:Level value")
def test_public_waverec_adjoint_runs_as_a_fused_wavedec(monkeypatch):
    """waverec's adjoint is a zero-mode wavedec with the transposed filters
    (periodization where nothing is trimmed): cuwavelet._multilevel sends
    CuPy lines through _fused1d.wavedec that way. Treating NumPy arrays as
    CuPy ones runs it here (via the emulator); the per-level adjoint, itself
    checked against pywt's matrix in test_adjoint.py, is the reference."""
    from cuwavelet import _multilevel as ml
    calls = []
    fused_wavedec = _fused1d.wavedec

    def recording(*args, **kwargs):
        calls.append(args[3])  # the mode
        return fused_wavedec(*args, **kwargs)
    monkeypatch.setattr(_fused1d, "wavedec", recording)
    for n in (301, 512):
        x = random((3, n), seed=n)
        for mode in MODES:
            for wavelet in ("db2", "bior2.2"):
                c = pywt.wavedec(x, wavelet, mode, level=4)
                shapes = cw.adjoint.shapes_of(c)
                y = random(pywt.waverec(c, wavelet, mode).shape, seed=1)
                monkeypatch.setattr(ml, "is_cupy", lambda a: True)
                got = cw.adjoint.waverec(y, wavelet, mode, coeff_shapes=shapes)
                monkeypatch.setattr(ml, "is_cupy", lambda a: False)
                assert_same_structure(got, cw.adjoint.waverec(y, wavelet, mode,
                                                              coeff_shapes=shapes), 1e-12)
    zero, per = _wavelets.as_mode("zero"), _wavelets.PERIODIZATION
    assert zero in calls and per in calls and set(calls) <= {zero, per}
