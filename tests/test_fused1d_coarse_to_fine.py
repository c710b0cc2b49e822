"""Fused multi-level 1D waverec and wavedec adjoint
(cuwavelet/_fused1d_coarse_to_fine.py, kernels/dwt1_coarse_to_fine.cuh).

On NumPy arrays the kernels run through the thread-block emulator
(kernels/block_runtime.cuh): the GPU's kernel bodies, each block's threads as
fibers between real barriers in reversed and shuffled order over NaN-poisoned
shared memory. Oracles: pywt.waverec for the inverse, and for the adjoint the
transpose of pywt.wavedec written out as a matrix (columns = wavedec of unit
vectors), so neither leans on the rest of cuwavelet. Every device
specialization is compiled by NVRTC in tests/test_nvrtc.py.
"""

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import assert_same_structure, pywt_matrix, quiet, random, requires_cuda
from cuwavelet import _fused1d_coarse_to_fine as c2f
from cuwavelet import _launch, _multilevel, _wavelets
from cuwavelet._fused import Emulation

MODES = pywt.Modes.modes
WAVELETS = ["haar", "db2", "db4", "sym5", "bior2.4", "coif1"]
RTOL = {np.float64: 1e-12, np.float32: 2e-5, np.complex128: 1e-12, np.complex64: 2e-5}
SCHEDULES = ["reversed", "shuffled"]






def bank_mode(wavelet, mode):
    return _wavelets.as_filter_bank(wavelet), _wavelets.as_mode(mode)


def random_coeffs(shape, wavelet, mode, level, dtype=np.float64, seed=0):
    """Random arrays of a wavedec's shapes (not a wavedec's values)."""
    template = quiet(pywt.wavedec, np.zeros(shape), wavelet, mode, level=level)
    return [random(c.shape, dtype, seed + i) for i, c in enumerate(template)]


def emulation(i):
    return Emulation(threads=32, grid=3, schedule=SCHEDULES[i % 2])


# --- waverec against pywt ----------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_waverec_levels_match_pywt(mode):
    """Lengths shorter than the filters up to several tiles, odd lengths (the
    trimmed approximations), forced small tiles so that windows overlap at
    every level, and automatic tiles."""
    i = 0
    for wavelet in WAVELETS:
        bank, m = bank_mode(wavelet, mode)
        for N, level in ((1, 1), (5, 2), (16, 3), (33, 4), (100, 3), (257, 5), (1000, 6)):
            if N < 2 and mode in ("reflect", "antireflect"):
                continue  # pywt.wavedec refuses, so there are no shapes to invert
            c = random_coeffs((3, N), wavelet, mode, level, seed=N)
            for tile in (None, 4, 37):
                reason = c2f.why_not_waverec(c[0], c[1:], 1, bank, m, tile=tile)
                if reason:  # only periodization with a trimmed (odd) intermediate level
                    assert mode == "periodization" and "trimmed" in reason
                    continue
                i += 1
                got = c2f.waverec_levels(c[0], c[1:], 1, bank, m, tile=tile,
                                         emulation=emulation(i))
                np.testing.assert_allclose(got, pywt.waverec(c, wavelet, mode), rtol=1e-12,
                                           atol=1e-12)
    assert i > 0


@pytest.mark.parametrize("dtype", [np.float32, np.complex128, np.complex64])
def test_waverec_dtypes_layouts_and_missing_approximation(dtype):
    """Batched, strided, transposed arrays (the axis first), complex data, an
    approximation one sample longer than its details, a None approximation."""
    bank, m = bank_mode("db3", "symmetric")
    c = random_coeffs((4, 2, 301), "db3", "symmetric", 4, dtype)
    views = [np.moveaxis(np.repeat(a, 2, axis=0)[::2], 2, 0) for a in c]  # axis 0, strided
    got = c2f.waverec_levels(views[0], views[1:], 0, bank, m)
    np.testing.assert_allclose(np.moveaxis(got, 0, 2), pywt.waverec(c, "db3", "symmetric"),
                               rtol=RTOL[dtype], atol=RTOL[dtype])
    longer = np.concatenate([c[0], random(c[0].shape[:-1] + (1,), dtype)], axis=-1)
    np.testing.assert_allclose(c2f.waverec_levels(longer, c[1:], 2, bank, m),
                               pywt.waverec([longer] + c[1:], "db3", "symmetric"),
                               rtol=RTOL[dtype], atol=RTOL[dtype])
    np.testing.assert_allclose(c2f.waverec_levels(None, c[1:], 2, bank, m),
                               pywt.waverec([None] + c[1:], "db3", "symmetric"),
                               rtol=RTOL[dtype], atol=RTOL[dtype])


def test_outputs_written_in_place():
    bank, m = bank_mode("db2", "zero")
    c = random_coeffs((2, 50), "db2", "zero", 3)
    store = np.full((2, 120), np.nan)
    got = c2f.waverec_levels(c[0], c[1:], 1, bank, m, out=store[:, 10:110:2])
    assert np.shares_memory(got, store)
    np.testing.assert_allclose(store[:, 10:110:2], pywt.waverec(c, "db2", "zero"), atol=1e-12)
    assert np.isnan(store[:, 11::2]).all()


# --- wavedec's adjoint against pywt's matrix ------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_wavedec_adjoint_is_the_transpose_of_pywts_matrix(mode):
    """Short signals (extensions bouncing several times), lengths around the
    filter length, several tiles (the boundary folds land in some tiles and
    not in others), every thread schedule."""
    i = 0
    for wavelet, N, level in (("db2", 9, 2), ("bior2.4", 21, 3), ("haar", 7, 2),
                              ("sym5", 12, 2), ("coif1", 30, 3), ("db4", 3, 1)):
        if mode in ("reflect", "antireflect") and N < 2:
            continue
        bank, m = bank_mode(wavelet, mode)
        A = pywt_matrix(lambda e: quiet(pywt.wavedec, e, wavelet, mode, level=level), (N,))
        shapes = [c.shape for c in quiet(pywt.wavedec, np.zeros(N), wavelet, mode, level=level)]
        cot = random(A.shape[0], seed=N)
        parts = np.split(cot, np.cumsum([s[0] for s in shapes])[:-1])
        for tile in (None, 3, 8):
            i += 1
            got = c2f.wavedec_adjoint_levels(parts[0], parts[1:], 0, bank, m, N, tile=tile,
                                             emulation=emulation(i))
            np.testing.assert_allclose(got, A.T @ cot, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_wavedec_adjoint_on_long_lines(mode):
    """Many tiles per line, complex and float32 data, None cotangents; the
    per-level adjoint (itself checked against pywt's matrix) is the reference."""
    for wavelet, shape, level, dtype in (("db4", (2, 3000), 6, np.float64),
                                         ("bior2.4", (3, 1001), 4, np.float32),
                                         ("sym5", (2, 777), 3, np.complex128)):
        bank, m = bank_mode(wavelet, mode)
        c = random_coeffs(shape, wavelet, mode, level, dtype)
        c[2] = None
        reason = c2f.why_not_wavedec_adjoint(c[0], c[1:], 1, bank, m, shape[1])
        if reason:  # a far-end fold on a line too long for one window
            assert mode in ("periodic", "periodization") and "exceed" in reason
            continue
        got = c2f.wavedec_adjoint_levels(c[0], c[1:], 1, bank, m, shape[1])
        cots = [c[0]] + [{"d": d} for d in c[1:]]
        want = _multilevel.wavedec_adjoint(cots, [1], [bank], [m], shape)
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype])


def test_dot_product_identity():
    """<wavedec x, c> == <x, wavedec^T c> with the transpose fused."""
    for mode in ("symmetric", "smooth", "antireflect"):
        bank, m = bank_mode("db3", mode)
        x = random((2, 500))
        c = random_coeffs(x.shape, "db3", mode, 5, seed=3)
        ax = pywt.wavedec(x, "db3", mode, level=5)
        atc = c2f.wavedec_adjoint_levels(c[0], c[1:], 1, bank, m, 500, tile=64)
        assert np.isclose(sum(np.vdot(a, b) for a, b in zip(ax, c)), np.vdot(x, atc),
                          rtol=1e-12)


# --- barriers, refusals, records ----------------------------------------------------------

@pytest.mark.parametrize("schedule", SCHEDULES)
def test_dropping_any_barrier_gives_a_wrong_answer(schedule):
    """A tile has a barrier after one thread writes the tile's table, one after
    the load and one after each level but level 0: L + 1 (the next tile's
    table barrier keeps its load from overwriting what level 0 reads). Tiles
    of 256 give every one of the 32 threads a pair at level L-1."""
    for op in ("waverec", "adjoint"):
        for level in (1, 2, 3):
            bank, m = bank_mode("db2", "symmetric")
            c = random_coeffs((2, 600), "db2", "symmetric", level)
            if op == "waverec":
                want = pywt.waverec(c, "db2", "symmetric")
            else:
                want = c2f.wavedec_adjoint_levels(c[0], c[1:], 1, bank, m, 600)
            barriers = level + 1
            for grid in (1, 3):
                for skip in range(-1, barriers):
                    em = Emulation(threads=32, grid=grid, schedule=schedule, skip_barrier=skip)
                    if op == "waverec":
                        got = c2f.waverec_levels(c[0], c[1:], 1, bank, m, tile=256, emulation=em)
                    else:
                        got = c2f.wavedec_adjoint_levels(c[0], c[1:], 1, bank, m, 600, tile=256,
                                                         emulation=em)
                    assert np.allclose(got, want) == (skip == -1), (op, level, grid, skip)


def test_refusals_say_why():
    db2, sym = bank_mode("db2", "symmetric")
    c = random_coeffs((2, 1000), "db2", "symmetric", 3)
    assert c2f.why_not_waverec(c[0], c[1:], 1, db2, sym) is None
    reasons = {
        "trimmed periodization": c2f.why_not_waverec(
            *(lambda k: (k[0], k[1:]))(random_coeffs((2, 1002), "db2", "periodization", 3)), 1,
            db2, _wavelets.PERIODIZATION),
        "far-end fold": c2f.why_not_wavedec_adjoint(
            *(lambda k: (k[0], k[1:]))(random_coeffs((2, 10 ** 5), "db2", "periodic", 2)), 1,
            db2, _wavelets.as_mode("periodic"), 10 ** 5),
        "shapes do not chain": c2f.why_not_waverec(c[0], [c[1], c[3], c[2]], 1, db2, sym),
        "batch differs": c2f.why_not_waverec(c[0][:1], c[1:], 1, db2, sym),
        "dtype differs": c2f.why_not_waverec(c[0].astype(np.float32), c[1:], 1, db2, sym),
        "long filter": c2f.why_not_waverec(c[0], c[1:], 1, *bank_mode("db20", "symmetric")),
        "wrong data_len": c2f.why_not_wavedec_adjoint(c[0], c[1:], 1, db2, sym, 1010),
        "a None detail": c2f.why_not_waverec(c[0], [c[1], None, c[3]], 1, db2, sym),
        "axis": c2f.why_not_waverec(c[0], c[1:], -1, db2, sym),
    }
    for what, reason in reasons.items():
        assert isinstance(reason, str), what
    with pytest.raises(ValueError, match="cannot run"):
        c2f.waverec_levels(c[0][:1], c[1:], 1, db2, sym)


def test_windows_fit_shared_memory():
    # the windows fit the budget the planner promises (W5- and W1-like lines)
    for shape, wavelet, level in (((32, 10 ** 6), "db5", 10), ((256, 4096), "db4", 5)):
        for op, mode in ((c2f.SYNTHESIS, "symmetric"), (c2f.ANALYSIS_ADJOINT, "symmetric"),
                         (c2f.ANALYSIS_ADJOINT, "zero")):
            bank, m = bank_mode(wavelet, mode)
            lens = c2f.wavedec_lens(shape[1], level, bank.length, m)
            if op == c2f.SYNTHESIS:
                lens = c2f.waverec_lens(lens[:0:-1], bank.length, m)
            for dtype in (np.float32, np.float64):
                plan = c2f._plan_for(op, np.dtype(dtype), (shape[0], lens[0]), 1, bank, m,
                                     tuple(lens), None)
                assert isinstance(plan, c2f._Plan), plan
                assert _launch.shared_bytes(c2f.FAMILY, op, plan.mode, dtype,
                                            plan.prepared_record) <= c2f.SHARED_BUDGET
                assert plan.tile >= min(c2f.MIN_TILE, lens[0])


# --- whole transforms and the public routing -------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_whole_transforms_as_a_few_launches(mode):
    """More levels than one launch holds (haar, 13 levels), and the per-level
    fallback where a launch is refused (periodization's trimmed levels)."""
    for wavelet, N, level in (("haar", 2 ** 13, 13), ("db2", 3000, 8)):
        bank, m = bank_mode(wavelet, mode)
        c = random_coeffs((1, N), wavelet, mode, level)
        steps = []

        def rec_step(a, d):
            steps.append(1)
            return _multilevel.idwtn({"a": _multilevel.trim_to(a, d.shape), "d": d}, [1],
                                     [bank], [m])
        got = c2f.waverec(c[0], c[1:], 1, bank, m, rec_step)
        np.testing.assert_allclose(got, pywt.waverec(c, wavelet, mode), rtol=1e-10, atol=1e-10)
        lens = c2f.wavedec_lens(N, level, bank.length, m)

        def adj_step(a_bar, d_bar, n):
            return _multilevel.dwtn_adjoint({"a": a_bar, "d": d_bar}, [1], [bank], [m], (1, n))
        got = c2f.wavedec_adjoint(c[0], c[1:], 1, bank, m, lens, adj_step)
        want = cw.adjoint.wavedec(c, wavelet, mode, data_shape=(1, N))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
        rec_steps = c2f.waverec_steps(c[0], c[1:], 1, bank, m)
        assert sum(t or 1 for t in rec_steps) == level
        assert len(steps) == rec_steps.count(0)  # the fallback ran where the plan said
        if mode != "periodization":
            assert rec_steps == ((12, 1) if level == 13 else (level,))
        if level == 13:  # shapes that break between two launches: pywt's error, per level
            broken = c[:-1] + [c[-1][:, :-2]]
            with pytest.raises(ValueError, match="shape mismatch"):
                c2f.waverec(broken[0], broken[1:], 1, bank, m, rec_step)
        adj_steps = c2f.wavedec_adjoint_steps(c[0], c[1:], 1, bank, m, lens)
        assert sum(t or 1 for t in adj_steps) == level
        if mode not in ("periodic", "periodization"):
            assert adj_steps == rec_steps


@pytest.mark.filterwarnings("ignore:Level value")
def test_public_transforms_route_through_the_fused_levels(monkeypatch):
    """cuwavelet._multilevel sends CuPy waverec / wavedec adjoints here;
    treating NumPy arrays as CuPy ones runs that routing (via the emulator):
    results must equal pywt's and the per-level adjoint, and the fused
    launches must have been used."""
    used = []
    for name in ("waverec_levels", "wavedec_adjoint_levels"):
        fn = getattr(c2f, name)

        def recording(*args, _fn=fn, _name=name, **kwargs):
            used.append(_name)
            return _fn(*args, **kwargs)
        monkeypatch.setattr(c2f, name, recording)
    x = random((3, 301))
    for mode in MODES:
        for wavelet in ("db2", "bior2.2"):
            c = pywt.wavedec(x, wavelet, mode, level=4)
            reference = cw.adjoint.wavedec(c, wavelet, mode, data_shape=x.shape)
            monkeypatch.setattr(_multilevel, "is_cupy", lambda a: True)
            rec = cw.waverec(c, wavelet, mode)
            adj = cw.adjoint.wavedec(c, wavelet, mode, data_shape=x.shape)
            partial = cw.adjoint.wavedec([None] + c[1:3] + [None, None], wavelet, mode,
                                         data_shape=x.shape)
            with pytest.raises(ValueError, match="shape mismatch"):
                cw.adjoint.wavedec(c[:1] + [c[1][:2]] + c[2:], wavelet, mode, data_shape=x.shape)
            monkeypatch.setattr(_multilevel, "is_cupy", lambda a: False)
            np.testing.assert_allclose(rec, pywt.waverec(c, wavelet, mode), rtol=1e-12,
                                       atol=1e-12)
            np.testing.assert_allclose(adj, reference, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(partial, cw.adjoint.wavedec(
                [None] + c[1:3] + [None, None], wavelet, mode, data_shape=x.shape),
                rtol=1e-12, atol=1e-12)
    assert {"waverec_levels", "wavedec_adjoint_levels"} <= set(used)


# --- the device build -------------------------------------------------------------------

@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("mode", MODES)
def test_cuda_coarse_to_fine_matches_pywt(mode):
    import cupy
    for wavelet in ("db2", "db5", "bior2.4"):
        for shape, level in (((3, 1031), 4), ((2, 40000), 10)):
            for dtype in (np.float32, np.float64):
                bank, m = bank_mode(wavelet, mode)
                c = random_coeffs(shape, wavelet, mode, level, dtype)
                g = [cupy.asarray(a) for a in c]
                # (on the scale of the transform: smooth and antireflect extrapolate,
                # so a few outputs are far larger than the rest)
                if c2f.why_not_waverec(g[0], g[1:], 1, bank, m) is None:
                    got = c2f.waverec_levels(g[0], g[1:], 1, bank, m).get()
                    assert_same_structure(got, pywt.waverec(c, wavelet, mode), RTOL[dtype])
                if c2f.why_not_wavedec_adjoint(g[0], g[1:], 1, bank, m, shape[1]) is None:
                    got = c2f.wavedec_adjoint_levels(g[0], g[1:], 1, bank, m, shape[1]).get()
                    want = cw.adjoint.wavedec(c, wavelet, mode, data_shape=shape)
                    assert_same_structure(got, want, RTOL[dtype])
