"""Fused 2D kernels (cuwavelet/_fused.py, kernels/dwt2_fused.cuh).

On NumPy arrays they run through the thread-block emulator
(kernels/block_runtime.cuh) built into cuwavelet._fused_host: the same kernel
bodies as the GPU, each block's threads run as fibers between real barriers
in reversed and in shuffled order, over poisoned shared memory. So these
tests check the tiling, the halos and the barriers of the GPU code against
pywt, and that a missing barrier is caught. Every device specialization is
also compiled by NVRTC for sm_80 and sm_90 (CUWAVELET_REQUIRE_NVRTC=1 makes a
missing NVRTC a failure). Where a GPU exists, the CuPy path is compared too.
"""

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from cuwavelet._arrays import is_cupy
from conftest import assert_same_structure, quiet, random, requires_cuda, to_numpy
from cuwavelet import _fused, _fused_host, _launch, _program, _wavelets
from cuwavelet._fused import Emulation
from cuwavelet._shapes import coeff_len

MODES = pywt.Modes.modes
WAVELETS = ["haar", "db2", "bior2.4", "coif1", "rbio3.1", "sym5"]
RTOL = {np.float64: 1e-12, np.float32: 2e-5, np.complex128: 1e-12, np.complex64: 2e-5}
SCHEDULES = ["reversed", "shuffled"]
# (shape, axes): odd and even lengths, batch dimensions, signals shorter than
# most filters here (down to one sample), images spanning several and partial tiles.
LAYOUTS = [((2, 13, 17), (1, 2)), ((3, 2, 16, 40), (2, 3)), ((5, 3), (0, 1)),
           ((1, 70, 71), (1, 2)), ((4, 1, 9), (0, 2))]




def banks_modes(wavelet, mode, axes):
    banks = [_wavelets.as_filter_bank(w) for w in _wavelets.per_axis(wavelet, axes, "wavelet")]
    modes = [_wavelets.as_mode(m) for m in _wavelets.per_axis(mode, axes, "mode")]
    return banks, modes


def fused(op, operand, wavelet, mode, axes, emulation=_fused.DEFAULT_EMULATION, **kwargs):
    banks, modes = banks_modes(wavelet, mode, axes)
    fn = getattr(_fused, f"{op}_level")
    return fn(operand, list(axes), banks, modes, emulation=emulation, **kwargs)




# --- the emulator itself ------------------------------------------------------

def exchange(shift, with_barrier, schedule, threads=64):
    values = np.arange(1.0, threads + 1)
    out = np.zeros(threads)
    _fused_host.exchange(values.ctypes.data, out.ctypes.data, threads, shift, with_barrier,
                         _fused_host.schedules[schedule])
    index = np.arange(threads) + shift
    expected = values[np.where((index >= 0) & (index < threads), index, np.arange(threads))]
    return np.array_equal(out, expected)


@pytest.mark.parametrize("schedule", ["reversed", "shuffled", "forward"])
@pytest.mark.parametrize("shift", [-1, 1, 5])
def test_emulator_barrier_orders_shared_memory(schedule, shift):
    assert exchange(shift, True, schedule)


@pytest.mark.parametrize("shift, exposed_by", [(-1, {"reversed", "shuffled"}),
                                               (1, {"forward", "shuffled"}),
                                               (5, {"forward", "shuffled"})])
def test_emulator_turns_a_missing_barrier_into_a_wrong_answer(shift, exposed_by):
    """Reading a lower thread's slot is hidden by thread-index order, reading a
    higher one's by reversed order: shuffled order exposes both, which is why
    the tests run reversed and shuffled (never thread-index order alone)."""
    for schedule in ("reversed", "shuffled", "forward"):
        assert exchange(shift, False, schedule) == (schedule not in exposed_by), schedule


def test_emulator_refuses_divergent_barriers_and_overruns():
    with pytest.raises(RuntimeError, match="divergent barrier"):
        _fused_host.divergent_barrier(8)
    # the first byte past a block's shared memory (1 KB), and one far past it
    # (an index nearly twice the size: not taken for a global address)
    for past in (0, 1000):
        with pytest.raises(RuntimeError, match="wrote past"):
            _fused_host.shared_overrun(4, past=past)
        with pytest.raises(RuntimeError, match="read past"):
            _fused_host.shared_overrun(4, read=True, past=past)
    with pytest.raises(RuntimeError, match="wrote past"):  # not through b.store
        _fused_host.shared_overrun(4, past=10, raw=True)
    with pytest.raises(RuntimeError, match="global-memory-only access"):
        _fused_host.streaming_on_shared(4)
    _fused_host.load_16(4, offset=16)  # (aligned: no complaint)
    for offset in (4, 8):
        with pytest.raises(RuntimeError, match="not 16-byte aligned"):
            _fused_host.load_16(4, offset=offset)


@pytest.mark.parametrize("op", ["dwt2", "idwt2", "dwt2_adjoint"])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_dropping_any_barrier_of_the_fused_kernels_gives_a_wrong_answer(op, schedule):
    """Each of the two barriers per tile is needed, and the emulator shows it:
    skip_barrier makes every thread skip its k-th barrier, as if the kernel
    source lacked it."""
    x = random((2, 20, 23))
    kwargs = {}
    if op == "dwt2":
        operand, expected = x, pywt.dwtn(x, "db2", "symmetric", axes=(1, 2))
    else:
        operand = pywt.dwtn(x, "db2", "symmetric", axes=(1, 2))
        if op == "idwt2":
            expected = pywt.idwtn(operand, "db2", "symmetric", axes=(1, 2))
        else:
            kwargs["data_shape"] = x.shape
            expected = cw.adjoint.dwtn(operand, "db2", "symmetric", (1, 2), data_shape=x.shape)
    for grid in (1, 3):  # one block looping over every tile, and several
        for skip, correct in ((-1, True), (0, False), (1, False)):
            em = Emulation(threads=32, grid=grid, schedule=schedule, skip_barrier=skip)
            got = fused(op, operand, "db2", "symmetric", (1, 2), em, **kwargs)
            same = all(np.allclose(g, e) for g, e in zip(leaves(got), leaves(expected)))
            assert same == correct, (grid, skip)


def leaves(result):
    return [result[k] for k in sorted(result)] if isinstance(result, dict) else [result]


# --- against pywt -------------------------------------------------------------

@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("mode", MODES)
def test_dwt2_and_idwt2_match_pywt(mode, wavelet, schedule):
    em = Emulation(schedule=schedule)
    for shape, axes in LAYOUTS:
        for dtype in (np.float64, np.float32):
            x = random(shape, dtype)
            banks, modes = banks_modes(wavelet, mode, axes)
            if not _fused.supports("dwt2", x, axes, banks, modes):
                # only where pywt refuses the signal (reflect modes need 2 samples)
                assert min(shape[a] for a in axes) < 2 and mode in ("reflect", "antireflect")
                continue
            expected = quiet(pywt.dwtn, x, wavelet, mode, axes=axes)
            assert_same_structure(fused("dwt2", x, wavelet, mode, axes, em), expected,
                                  RTOL[dtype])
            # idwt2 of arbitrary coefficients (not only a dwt2's), of odd and even lengths
            c = {k: random(v.shape, dtype, seed=i) for i, (k, v) in enumerate(expected.items())}
            assert_same_structure(fused("idwt2", c, wavelet, mode, axes, em),
                                  quiet(pywt.idwtn, c, wavelet, mode, axes=axes), RTOL[dtype])


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "antireflect"])
def test_idwt2_missing_subbands_are_zeros(mode):
    c = pywt.dwtn(random((3, 11, 14)), "bior2.4", mode, axes=(1, 2))
    for keep in (["aa"], ["ad", "dd"], ["da"]):
        part = {k: (v if k in keep else None) for k, v in c.items()}
        assert_same_structure(fused("idwt2", part, "bior2.4", mode, (1, 2)),
                              pywt.idwtn(part, "bior2.4", mode, axes=(1, 2)), 1e-12)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth"])
def test_layouts_axes_and_dtypes(mode):
    """Any two axes in either order, views of every kind (the x axis of the
    tiles follows the smaller stride), complex data, per-axis wavelets."""
    base = random((4, 9, 3, 22, 2), np.float64)
    cases = [
        (base[..., 0], (3, 1)),                             # axes out of order, not adjacent
        (np.asfortranarray(base[..., 1]), (1, 3)),           # Fortran order: x is axes[0]
        (base[:, ::-1, :, ::2, 0], (1, 3)),                  # reversed and strided views
        (base[:, :, 1, :, :].transpose(0, 3, 2, 1), (2, 3)),  # permuted view
        (base[..., 0].astype(np.complex64) * (1 + 2j), (1, 3)),
        (random((2, 3, 2, 3, 2, 3, 4, 9), np.float32), (0, 7)),  # six batch dimensions
    ]
    for x, axes in cases:
        for wavelet in ("db2", ("haar", "bior2.4")):
            rtol = RTOL[x.dtype.type]
            expected = pywt.dwtn(x, wavelet, mode, axes=axes)
            assert_same_structure(fused("dwt2", x, wavelet, mode, axes), expected, rtol)
            assert_same_structure(fused("idwt2", expected, wavelet, mode, axes),
                                  pywt.idwtn(expected, wavelet, mode, axes=axes), rtol)


def test_outputs_written_in_place_through_views():
    """out= takes preallocated, strided subbands: a multilevel transform can
    write details straight to their final arrays."""
    x = random((2, 30, 26))
    expected = pywt.dwtn(x, "db2", "zero", axes=(1, 2))
    store = np.full((4, 2, 17, 2 * 14), np.nan)  # subbands are (2, 16, 14)
    out = {k: store[i, :, :, ::2][:, :16, :] for i, k in enumerate(sorted(expected))}
    got = fused("dwt2", x, "db2", "zero", (1, 2), out=out)
    for k in expected:
        assert got[k] is out[k]
        np.testing.assert_allclose(out[k], expected[k], rtol=1e-12, atol=1e-12)
    image = np.full((2, 60, 40), np.nan)
    y = fused("idwt2", expected, "db2", "zero", (1, 2), out=image[:, ::2, 5:31])
    np.testing.assert_allclose(y, x, atol=1e-12)
    assert np.isnan(image[:, 1::2]).all()


@pytest.mark.parametrize("mode", MODES)
def test_dwt2_tiles_inside_the_image_match_pywt(mode):
    """Images of four tiles per axis: the inner tiles' input windows lie inside
    the image and are loaded without the boundary extension (their own path in
    load_input_window, offsets from the window's corner in 32 bits), the outer
    ones with it; every coefficient is pywt's, with the image's fast axis along
    y or along x, and its rows in reverse (negative strides)."""
    for i, (wavelet, axes, dtype, reverse) in enumerate((("db2", (1, 2), np.float64, False),
                                                         ("sym5", (2, 1), np.float64, False),
                                                         ("sym5", (1, 2), np.float32, False),
                                                         ("db3", (1, 2), np.float64, True))):
        x = random((2, 210, 200), dtype, seed=i)
        if reverse:
            x = x[:, ::-1]
        banks, modes = banks_modes(wavelet, mode, axes)
        plan = _fused._plan("dwt2", x, axes, banks, modes)
        assert all(-(-n // t) >= 4 for n, t in zip(plan.coeff_len, plan.tile)), plan.tile
        expected = quiet(pywt.dwtn, x, wavelet, mode, axes=axes)
        assert_same_structure(fused("dwt2", x, wavelet, mode, axes), expected, RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dwt2_interior_windows_load_16_bytes_at_a_time(dtype):
    """Interior windows whose rows are contiguous and 16-byte aligned load 16
    bytes per load instruction (gather_rows_16); a row's first and last loads
    overhang the window by up to 3 floats or 1 double. Against pywt: every
    overhang (the filter length and the mode set where a window starts in its
    16-byte group), and the layouts that must load a value at a time: rows
    starting off the 16-byte grid (a view one column in), and rows padded to
    16 bytes in a buffer that ends with the image's last sample, where a
    window reaching the last sample of a row with an odd width must not load
    past it (the sanitizer run sees such a read)."""
    itemsize = np.dtype(dtype).itemsize
    lanes = 16 // itemsize
    parent = random((2, 210, 208), dtype, seed=5)
    ny, nx, pitch = 193, 193, 196  # (periodization's windows reach the last row and column)
    flat = random(((2 * ny - 1) * pitch + nx,), dtype, seed=6)
    tight = np.lib.stride_tricks.as_strided(flat, (2, ny, nx),
                                            (ny * pitch * itemsize, pitch * itemsize, itemsize))
    layouts = {"aligned": (parent[:, :, :200], True),
               "rows off the 16-byte grid": (parent[:, :, 1:201], False),
               "padded rows, the buffer ending at the last sample": (tight, None)}
    for wavelet, mode in (("haar", "zero"), ("db2", "zero"), ("db2", "periodization"),
                          ("db4", "periodization"), ("sym5", "symmetric")):
        for name, (x, vector) in layouts.items():
            with _program.counting(sample=False) as found:
                got = fused("dwt2", x, wavelet, mode, (1, 2))
            assert_same_structure(got, quiet(pywt.dwtn, x, wavelet, mode, axes=(1, 2)),
                                  RTOL[dtype])
            (launch,) = found
            values_per_load = launch["global_load_bytes"] / launch["global_loads"] / itemsize
            if vector is not None:  # (the inner tiles at `lanes` values per load, the others 1)
                assert (values_per_load > 1.2) == vector, (wavelet, mode, name, values_per_load)
                assert values_per_load <= lanes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_coefficient_windows_load_16_bytes_at_a_time(dtype):
    """The synthesis (idwt2) and the zero-mode analysis adjoint load their
    inner tiles' coefficient windows 16 bytes at a time from subbands whose
    rows are contiguous and 16-byte aligned, a value at a time from subbands
    whose rows start off that grid; against pywt and the separable adjoint."""
    itemsize = np.dtype(dtype).itemsize
    x = random((2, 210, 200), dtype, seed=7)
    for op, wavelet, mode in (("idwt2", "haar", "zero"), ("idwt2", "sym5", "zero"),
                              ("idwt2", "db2", "periodization"),
                              ("idwt2", "sym5", "symmetric"),
                              ("dwt2_adjoint", "haar", "zero"), ("dwt2_adjoint", "sym5", "zero")):
        c = pywt.dwtn(x, wavelet, mode, axes=(1, 2))
        width = c["aa"].shape[-1]
        assert width % (16 // itemsize) == 0  # (rows of whole 16-byte groups)
        shifted = {}
        for k, v in c.items():  # the same values, each row one value off the grid
            parent = np.empty(v.shape[:-1] + (width + 16 // itemsize,), dtype)
            shifted[k] = parent[..., 1:width + 1]
            shifted[k][...] = v
        if op == "idwt2":
            expected = pywt.idwtn(c, wavelet, mode, axes=(1, 2))
            run = lambda coeffs: fused(op, coeffs, wavelet, mode, (1, 2))  # noqa: E731
        else:
            expected = cw.adjoint.dwtn(c, wavelet, mode, (1, 2), data_shape=x.shape)
            run = lambda coeffs: fused(op, coeffs, wavelet, mode, (1, 2),  # noqa: E731
                                       data_shape=x.shape)
        for name, coeffs, vector in (("aligned", c, True), ("off the grid", shifted, False)):
            with _program.counting(sample=False) as found:
                got = run(coeffs)
            np.testing.assert_allclose(got, expected, rtol=RTOL[dtype],
                                       atol=RTOL[dtype] * np.abs(expected).max())
            values_per_load = sum(e["global_load_bytes"] for e in found) / sum(
                e["global_loads"] for e in found) / itemsize
            assert (values_per_load > 1.2) == vector, (op, wavelet, mode, name, values_per_load)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "antireflect"])
def test_deep_level_batches_take_smaller_tiles(mode):
    """A launch over many small images (the deep levels of a batch) moving
    over WAVE_BYTES takes tiles smaller than the default, so that it has more
    blocks than the GPU runs at once; the values stay pywt's, the adjoints
    the separable path's. Few images keep the default tiles. (float32: in
    float64 the kernels hold 2 blocks per SM, and 300 such images fill two
    waves with the default tiles.)"""
    axes, wavelet = (1, 2), "db3"
    banks, modes = banks_modes(wavelet, mode, axes)
    x = random((300, 30, 34), np.float32)
    c = pywt.dwtn(x, wavelet, mode, axes=axes)
    for op, operand, data_shape, default in (
            ("dwt2", x, None, _fused.ANALYSIS_TILE), ("idwt2", c, None, _fused.SYNTHESIS_TILE),
            ("dwt2_adjoint", c, x.shape, _fused.SYNTHESIS_TILE)):
        plan = _fused._plan(op, operand, axes, banks, modes, data_shape)
        out_len = plan.coeff_len if op == "dwt2" else plan.signal_len
        few = (operand[:2] if op == "dwt2" else {k: v[:2] for k, v in operand.items()})
        few_plan = _fused._plan(op, few, axes, banks, modes,
                                None if data_shape is None else (2,) + data_shape[1:])
        assert all(t <= f for t, f in zip(plan.tile, few_plan.tile)), op
        assert np.prod(few_plan.tile) <= np.prod(default), op

        def tiles(tile):
            return 300 * int(np.prod([-(-n // t) for n, t in zip(out_len, tile)]))

        # two waves of the GPU at the kernel's resident blocks: the default
        # tiles where they reach them (the periodization adjoint: 2 per SM),
        # else smaller ones that do
        waves = 2 * 132 * _fused._resident_blocks(plan.kernel_op, plan.mode, True, 4)
        if tiles(few_plan.tile) >= waves:
            assert plan.tile == few_plan.tile and mode == "periodization", op
        else:
            assert np.prod(plan.tile) < np.prod(few_plan.tile), op
            assert tiles(plan.tile) >= waves, (op, plan.tile, tiles(plan.tile))
    assert_same_structure(fused("dwt2", x, wavelet, mode, axes), c, 2e-5)
    np.testing.assert_allclose(fused("idwt2", c, wavelet, mode, axes),
                               pywt.idwtn(c, wavelet, mode, axes=axes), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(fused("dwt2_adjoint", c, wavelet, mode, axes, data_shape=x.shape),
                               cw.adjoint.dwtn(c, wavelet, mode, axes, data_shape=x.shape),
                               rtol=2e-5, atol=2e-5)


def test_resident_blocks_follow_the_launch_bounds():
    """The planner's blocks per SM come from the kernels' own launch bounds
    (Dwt2MinBlocks, fused_launch.cuh), through the registers they leave
    (fused_device.cu's table: float syntheses 6, zero-mode analysis and
    adjoint 5, symmetric ones 4, periodization adjoint 2, doubles 2)."""
    A, S, J = _fused.ANALYSIS, _fused.SYNTHESIS, _fused.ANALYSIS_ADJOINT
    sym, per = _wavelets.as_mode("symmetric"), _wavelets.PERIODIZATION
    expected = {(S, sym, 4): 6, (A, _fused.ZERO, 4): 5, (J, _fused.ZERO, 4): 5,
                (A, sym, 4): 4, (J, sym, 4): 4, (J, per, 4): 2, (S, sym, 8): 2}
    for (op, mode, itemsize), blocks in expected.items():
        assert _fused._resident_blocks(op, mode, True, itemsize) == blocks, (op, mode, itemsize)


def test_min_blocks_refuses_unknown_operations_and_itemsizes():
    """(A C++ exception: not in the sanitizer run, whose ASan runtime cannot
    follow one out of the extensions.)"""
    with pytest.raises(ValueError, match="operation"):
        _fused_host.min_blocks(3, 0, True, 4)
    with pytest.raises(ValueError, match="itemsize"):
        _fused_host.min_blocks(0, 0, True, 2)


@pytest.mark.parametrize("mode", ["symmetric", "zero", "periodization", "smooth"])
def test_filters_by_address_match_filters_by_value(mode):
    """The kernels take a bank's taps by value; filter arrays (learned ones) and
    filters over max_taps by address, through the same pair loops rolled:
    both agree with pywt, for every level operation and the two-level kernel."""
    from cuwavelet import _launch
    axes = (1, 2)
    x = random((2, 37, 30))
    for wavelet in ("db2", "bior2.4"):
        bank = _wavelets.as_filter_bank(wavelet)
        banks, modes = banks_modes(wavelet, mode, axes)
        assert _launch.by_value_filters(_launch.FAMILIES["dwt2"], banks)
        analysis = [_wavelets.FilterPair(np.array(bank.dec_lo), np.array(bank.dec_hi))] * 2
        synthesis = [_wavelets.FilterPair(np.array(bank.rec_lo), np.array(bank.rec_hi))] * 2
        c = _fused.dwt2_level(x, axes, analysis, modes)
        assert_same_structure(c, pywt.dwtn(x, wavelet, mode, axes=axes), 1e-12)
        np.testing.assert_allclose(_fused.idwt2_level(c, axes, synthesis, modes),
                                   pywt.idwtn(c, wavelet, mode, axes=axes), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            _fused.dwt2_adjoint_level(c, axes, analysis, modes, x.shape),
            _fused.dwt2_adjoint_level(c, axes, banks, modes, x.shape), rtol=1e-12, atol=1e-12)
        if _fused.why_not_two_levels(x, axes, banks, modes) is None:
            by_value = _fused.dwt2_two_levels(x, axes, banks, modes)
            by_address = _fused.dwt2_two_levels(x, axes, analysis, modes)
            for got, want in zip(by_address, by_value):
                assert_same_structure(got, want, 1e-12)
    long_banks, modes = banks_modes("db17", mode, axes)  # 34 taps: by address
    assert not _launch.by_value_filters(_launch.FAMILIES["dwt2"], long_banks)
    y = random((1, 70, 66))
    if _fused.supports("dwt2", y, axes, long_banks, modes):
        assert_same_structure(_fused.dwt2_level(y, axes, long_banks, modes),
                              quiet(pywt.dwtn, y, "db17", mode, axes=axes), 1e-12)


# --- adjoints -----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_idwt2_adjoint_matches_the_separable_adjoint(mode):
    for wavelet in ("db2", "bior2.4"):
        for shape in ((2, 12, 18), (4, 6)):
            axes = (len(shape) - 2, len(shape) - 1)
            y = random(shape)
            assert_same_structure(fused("idwt2_adjoint", y, wavelet, mode, axes),
                                  cw.adjoint.idwtn(y, wavelet, mode, axes), 1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_dwt2_adjoint_is_the_transpose_of_pywts_matrix(mode):
    """The analysis-adjoint kernel folds every boundary extension back: compare
    it with the transpose of pywt.dwt2 written out as a matrix, on images
    shorter than the filters (several reflections), odd and even sizes, one
    and several tiles, every thread schedule."""
    from conftest import pywt_matrix
    cases = [("db2", (5, 6)), ("bior2.4", (3, 7)), ("haar", (3, 4)), ("sym5", (9, 2)),
             ("coif1", (2, 1)), (("db2", "rbio3.1"), (4, 5))]
    for i, (wavelet, shape) in enumerate(cases):
        if mode in ("reflect", "antireflect") and min(shape) < 2:
            continue
        A = pywt_matrix(lambda e: quiet(pywt.dwt2, e, wavelet, mode), shape)
        coeffs = pywt.dwt2(np.zeros(shape), wavelet, mode)
        shapes = [coeffs[0].shape] + [d.shape for d in coeffs[1]]
        cot = random(A.shape[0], seed=i)
        parts = np.split(cot, np.cumsum([np.prod(s) for s in shapes])[:-1])
        c = dict(zip(("aa", "ad", "da", "dd"), (p.reshape(s) for p, s in zip(parts, shapes))))
        # pywt.dwt2's leaves are (cA, (cH, cV, cD)) = aa, da, ad, dd in dwtn keys
        flat = np.concatenate([c[k].ravel() for k in ("aa", "da", "ad", "dd")])
        expected = (A.T @ flat).reshape(shape)
        em = Emulation(threads=32, grid=2, schedule=SCHEDULES[i % 2])
        got = fused("dwt2_adjoint", c, wavelet, mode, (0, 1), em, data_shape=shape)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_dwt2_adjoint_matches_the_separable_adjoint(mode):
    """Many tiles (halo windows on some, not on others), float32 and complex,
    strided and transposed operands, missing subbands."""
    for wavelet in ("db2", "bior2.4", "haar", "sym5"):
        for shape, dtype in (((2, 12, 18), np.float64), ((4, 6), np.float32),
                             ((3, 11, 7), np.complex128), ((1, 70, 131), np.float64)):
            axes = (len(shape) - 2, len(shape) - 1)
            c = {k: random(v.shape, dtype, seed=i) for i, (k, v) in
                 enumerate(pywt.dwtn(np.zeros(shape), wavelet, mode, axes=axes).items())}
            got = fused("dwt2_adjoint", c, wavelet, mode, axes, data_shape=shape)
            assert_same_structure(got, to_numpy(cw.adjoint.dwtn(c, wavelet, mode, axes,
                                                                data_shape=shape)), RTOL[dtype])
    x = random((6, 3, 33))[:, ::-1, :].transpose(2, 1, 0)  # y = axis 2 walks memory fastest
    c = pywt.dwtn(x, "db2", mode, axes=(0, 2))
    c["ad"] = None
    got = fused("dwt2_adjoint", c, "db2", mode, (0, 2), data_shape=x.shape)
    np.testing.assert_allclose(got, cw.adjoint.dwtn(c, "db2", mode, (0, 2), data_shape=x.shape),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("wavelet", ["haar", "db2", "db5", "sym8", ("db3", "bior2.4")])
def test_zero_mode_adjoint_two_pairs_per_thread(wavelet, adjoint_tile, monkeypatch):
    """The zero-mode analysis adjoint in float32 with filters by value takes
    two pairs of positions per thread in both passes (kTwoPairs of
    dwt2_fused.cuh; a row's or column's last pair alone where their count is
    odd): the separable adjoint of the same cotangents in float64, on full
    tiles (64 x 32, the fixed pitch) and narrow ones starting at odd and even
    positions. Each position sums its taps in the one-pair order, so the
    interior split off a symmetric-mode level (the one-pair path in its own
    kernel) is bit for bit one launch's result."""
    monkeypatch.setattr(_fused, "SPLIT_MIN_INTERIOR", 0.0)
    axes = (1, 2)
    for tile in ((64, 32), (10, 6), (7, 9)):
        adjoint_tile(tile)
        for i, shape in enumerate([(2, 150, 97), (1, 37, 70)]):
            c = {k: random(v.shape, np.float32, seed=i) for k, v in
                 pywt.dwtn(np.zeros(shape), wavelet, "zero", axes=axes).items()}
            em = Emulation(threads=64, grid=3, schedule=SCHEDULES[i % 2])
            got = fused("dwt2_adjoint", c, wavelet, "zero", axes, em, data_shape=shape)
            assert got.dtype == np.float32
            c64 = {k: v.astype(np.float64) for k, v in c.items()}
            want = cw.adjoint.dwtn(c64, wavelet, "zero", axes, data_shape=shape)
            np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max(),
                                       err_msg=f"{tile} {shape}")
            with _fused.split_edge_tiles(False):
                whole = fused("dwt2_adjoint", c, wavelet, "symmetric", axes, em,
                              data_shape=shape)
            with _fused.split_edge_tiles():
                split = fused("dwt2_adjoint", c, wavelet, "symmetric", axes, em,
                              data_shape=shape)
            np.testing.assert_array_equal(split, whole, err_msg=f"{tile} {shape}")


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization", "smooth"])
def test_synthesis_two_pairs_per_thread(mode, adjoint_tile):
    """The synthesis in float32 with filters by value merges two pairs of
    outputs per thread along x and along y (a last pair alone where their
    count is odd): pywt's idwt2 of the same coefficients in float64, on full
    tiles (64 x 32, the fixed pitch) and narrow ones, for wavelets whose
    synthesis shift is odd and even."""
    axes = (1, 2)
    for tile in ((64, 32), (10, 6), (6, 14)):
        adjoint_tile(tile)  # (SYNTHESIS_TILE, the synthesis' too)
        for i, (wavelet, shape) in enumerate([("haar", (2, 150, 97)), ("db5", (1, 37, 70)),
                                              ("sym8", (1, 66, 41)), ("bior2.4", (2, 31, 33))]):
            c = {k: random(v.shape, np.float32, seed=i) for k, v in
                 pywt.dwtn(np.zeros(shape), wavelet, mode, axes=axes).items()}
            em = Emulation(threads=64, grid=3, schedule=SCHEDULES[i % 2])
            got = fused("idwt2", c, wavelet, mode, axes, em)
            assert got.dtype == np.float32
            want = pywt.idwtn({k: v.astype(np.float64) for k, v in c.items()}, wavelet, mode,
                              axes=axes)
            np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max(),
                                       err_msg=f"{tile} {wavelet}")


@pytest.fixture
def adjoint_tile(monkeypatch):
    """Sets the analysis adjoint's tile (SYNTHESIS_TILE) for a test, and forgets
    the plans made with it afterwards."""
    def set_tile(tile):
        monkeypatch.setattr(_fused, "SYNTHESIS_TILE", tile)
        _fused._plan_for.cache_clear()
    yield set_tile
    monkeypatch.undo()
    _fused._plan_for.cache_clear()


@pytest.mark.parametrize("mode", [m for m in MODES if m != "zero"])
def test_dwt2_adjoint_tiles_hold_the_halo_windows_they_can_need(mode, adjoint_tile):
    """A tile takes the window of both halos (the positions whose extension
    folds onto it from either end) only where it can overlap both fold
    ranges; otherwise shared memory holds its own window and the larger halo
    window. Tiles of a few samples on axes shorter than, as long as and longer
    than the gap between the two ranges: values equal the separable adjoint's,
    and the emulator, which refuses any access past a block's shared memory,
    finds none."""
    axes = (0, 1)
    for wavelet in ("db2", "sym5"):
        F = pywt.Wavelet(wavelet).dec_len
        for tile in ((4, 6), (8, 8)):
            adjoint_tile(tile)
            for n_x in range(tile[1], 3 * tile[1] + 2 * F):
                shape = (2 * tile[0], n_x)
                c = {k: random(v.shape, seed=i) for i, (k, v) in
                     enumerate(pywt.dwtn(np.zeros(shape), wavelet, mode, axes=axes).items())}
                got = fused("dwt2_adjoint", c, wavelet, mode, axes,
                            Emulation(threads=32, grid=3, schedule="shuffled"), data_shape=shape)
                np.testing.assert_allclose(
                    got, cw.adjoint.dwtn(c, wavelet, mode, axes, data_shape=shape),
                    rtol=1e-12, atol=1e-12, err_msg=f"{wavelet} {tile} {shape}")


def test_dwt2_adjoint_splits_levels_with_enough_interior_tiles():
    """By default (CUWAVELET_SPLIT_EDGE_TILES unset) an analysis adjoint
    level runs its interior with the zero-mode kernel where at least
    SPLIT_MIN_INTERIOR of its tiles are interior: W6's (32, 1000, 1000) db5
    symmetric levels 1 and 2 (82%, 66%), not 3 to 5 (45%, 14%, 10%)."""
    assert _fused.split_edge_tiles_setting(None) and _fused.split_edge_tiles_setting("1")
    assert _fused.split_edge_tiles_setting("") and not _fused.split_edge_tiles_setting("0")
    with pytest.raises(ValueError, match="CUWAVELET_SPLIT_EDGE_TILES"):
        _fused.split_edge_tiles_setting("yes")
    bank, sym = _wavelets.as_filter_bank("db5"), _wavelets.as_mode("symmetric")
    interior = []
    N = 1000
    for level in range(1, 6):
        n = coeff_len(N, bank.length, sym)
        bands = {k: np.empty((32, n, n), np.float32) for k in ("aa", "ad", "da", "dd")}
        plan = _fused._plan("dwt2_adjoint", bands, [1, 2], [bank] * 2, [sym] * 2, (32, N, N))
        strides = ((32 * N * N * 4, N * 4, 4),) + tuple(b.strides for b in bands.values())
        launches = _fused._level_launches(plan, strides, _fused.SPLIT_MIN_INTERIOR)
        whole = _fused._level_launches(plan, strides, None)
        assert sum(t for _, _, t in launches) == whole[0][2]
        if len(launches) == 2:
            assert [m for m, _, _ in launches] == [_fused.ZERO, sym]
            interior.append(launches[0][2] / whole[0][2])
        else:
            assert len(launches) == 1 and launches[0][0] == sym
        N = n
    assert len(interior) == 2 and min(interior) >= _fused.SPLIT_MIN_INTERIOR, interior


@pytest.mark.parametrize("mode", MODES)
def test_dwt2_adjoint_split_into_interior_and_edge_launches(mode, adjoint_tile, monkeypatch):
    """With SPLIT_EDGE_TILES the analysis adjoint runs its interior tiles with
    the zero-mode kernel and the ring of edge tiles with the mode's own (every
    mode but zero and periodization): the transpose of pywt's matrix, the
    same bits as one launch over every tile, and each tile in exactly one of
    the two launches."""
    from conftest import pywt_matrix
    launches = []
    real_launch = _launch.launch

    def counting_launch(family, op, mode_number, dtype, record, tiles, *args, **kwargs):
        launches.append((mode_number, tiles, record.copy()))
        return real_launch(family, op, mode_number, dtype, record, tiles, *args, **kwargs)

    monkeypatch.setattr(_launch, "launch", counting_launch)
    monkeypatch.setattr(_fused, "SPLIT_MIN_INTERIOR", 0.0)  # (small grids: mostly ring)
    adjoint_tile((4, 6))
    default = _fused.SPLIT_EDGE_TILES
    splits = mode not in ("zero", "periodization")
    cases = [("db2", (2, 26, 31), np.float64), ("sym5", (37, 44), np.float64),
             ("haar", (3, 17, 25), np.complex128), ("bior2.4", (2, 36, 30), np.float32)]
    for i, (wavelet, shape, dtype) in enumerate(cases):
        axes = (len(shape) - 2, len(shape) - 1)
        c = {k: random(v.shape, dtype, seed=i) for k, v in
             pywt.dwtn(np.zeros(shape), wavelet, mode, axes=axes).items()}
        em = Emulation(threads=32, grid=3, schedule=SCHEDULES[i % 2])
        launches.clear()
        with _fused.split_edge_tiles(False):
            whole = fused("dwt2_adjoint", c, wavelet, mode, axes, em, data_shape=shape)
        assert len(launches) == 1
        everything = launches[0][1]
        launches.clear()
        with _fused.split_edge_tiles():
            split = fused("dwt2_adjoint", c, wavelet, mode, axes, em, data_shape=shape)
        np.testing.assert_array_equal(split, whole)
        if not splits:
            assert len(launches) == 1
            continue
        (inner_mode, inner_tiles, inner), (edge_mode, edge_tiles, edge) = launches
        assert (inner_mode, edge_mode) == (_fused.ZERO, _wavelets.as_mode(mode))
        assert inner_tiles + edge_tiles == everything and inner_tiles > 0
        assert tuple(inner["tile0"]) == tuple(edge["ring"]) and not any(inner["ring"])
        if i == 1:  # the transpose of pywt's matrix, on a single image
            A = pywt_matrix(lambda e: quiet(pywt.dwt2, e, wavelet, mode), shape)
            flat = np.concatenate([c[k].ravel() for k in ("aa", "da", "ad", "dd")])
            np.testing.assert_allclose(split, (A.T @ flat).reshape(shape), rtol=1e-12,
                                       atol=1e-12)
    assert _fused.SPLIT_EDGE_TILES == default  # the context managers restored it


def test_dwt2_adjoint_takes_larger_tiles_where_no_tile_needs_both_halos():
    """W6's backward level in symmetric mode (db5, 1000 x 1000, float32): the
    default tile fits shared memory with its own window and one halo window
    per axis (with both it would take 53 KB and shrink)."""
    mode = _wavelets.as_mode("symmetric")
    tile = _fused._choose_tile(_fused.ANALYSIS_ADJOINT, mode, (1000, 1000), (10, 10),
                               np.dtype(np.float32), images=32)
    assert tile == _fused.SYNTHESIS_TILE
    n = pywt.dwt_coeff_len(1000, 10, "symmetric")
    reach = _fused._fold_reach(mode, (1000, 1000), (n, n), (10, 10))
    one_halo = _launch.shared_bytes(_fused.LEVEL, _fused.ANALYSIS_ADJOINT, mode, np.float32,
                                    _fused._tile_record(_fused.LEVEL, tile, (10, 10), reach))
    both_halos = _launch.shared_bytes(_fused.LEVEL, _fused.ANALYSIS_ADJOINT, mode, np.float32,
                                      _fused._tile_record(_fused.LEVEL, tile, (10, 10)))
    assert one_halo <= _fused.SHARED_BUDGET < both_halos


@pytest.mark.parametrize("mode", MODES)
def test_dot_product_identity_of_the_fused_adjoints(mode):
    """<A x, c> == <x, A^T c> with A and A^T both fused."""
    axes = (1, 2)
    x = random((2, 14, 10))
    ax = fused("dwt2", x, "bior2.4", mode, axes)
    c = {k: random(v.shape, seed=i) for i, (k, v) in enumerate(ax.items())}
    atc = fused("dwt2_adjoint", c, "bior2.4", mode, axes, data_shape=x.shape)
    assert np.isclose(sum(np.vdot(ax[k], c[k]) for k in c), np.vdot(x, atc), rtol=1e-12)
    s = fused("idwt2", c, "bior2.4", mode, axes)
    y = random(s.shape, seed=7)
    sty = fused("idwt2_adjoint", y, "bior2.4", mode, axes)
    assert np.isclose(np.vdot(s, y), sum(np.vdot(c[k], sty[k]) for k in c), rtol=1e-12)


# --- two levels per launch -----------------------------------------------------

def two_levels(x, wavelet, mode, axes, emulation=_fused.DEFAULT_EMULATION):
    banks, modes = banks_modes(wavelet, mode, axes)
    return _fused.dwt2_two_levels(x, list(axes), banks, modes, emulation=emulation)


def as_wavedec2(first, second):
    """dwt2_two_levels' result in pywt.wavedec2's structure."""
    return [second["aa"], tuple(second[k] for k in ("da", "ad", "dd")),
            tuple(first[k] for k in ("da", "ad", "dd"))]


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("mode", MODES)
def test_two_levels_match_pywt(mode, schedule):
    """Levels 1 and 2 of wavedec2 in one launch: every supported case equals
    pywt (float64 to 1e-12; float32 to 2e-5 of the largest coefficient, the
    level-1 extension rounding as pywt's does), and the near-edge modes run
    two-level launches on images of many tiles."""
    em = Emulation(threads=32, grid=5, schedule=schedule)
    ran = 0
    for wavelet in ("haar", "db2", "db5", "bior2.4", "sym4"):
        for shape, axes in (((2, 40, 37), (1, 2)), ((1, 100, 131), (1, 2)), ((3, 9, 12), (1, 2)),
                            ((70, 2, 71), (2, 0))):
            for dtype in (np.float64, np.float32):
                x = random(shape, dtype)
                banks, modes = banks_modes(wavelet, mode, axes)
                if _fused.why_not_two_levels(x, axes, banks, modes):
                    continue
                ran += 1
                got = as_wavedec2(*two_levels(x, wavelet, mode, axes, em))
                want = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                scale = max(np.abs(v).max() for v in leaves_of(want))
                for g, w in zip(leaves_of(got), leaves_of(want)):
                    np.testing.assert_allclose(g, w, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)
    assert ran >= (20 if mode in ("zero", "symmetric", "constant", "smooth") else 1)


def leaves_of(c):
    return [c[0]] + [a for level in c[1:] for a in level]


@pytest.mark.parametrize("mode", MODES)
def test_two_levels_walk_segments_and_strips_as_pywt(mode):
    """Images of several segments and strips, on a grid of fewer blocks than
    that (a block walks several): segments that start inside the image fill
    their rings first, the image's last pass is shorter, and the passes at
    its edges extend A1 along both axes. Equal to pywt as above."""
    em = Emulation(threads=64, grid=3, schedule="shuffled")
    ran = 0
    for wavelet in ("db2", "db5", "bior2.4"):
        for shape in ((2, 301, 150), (1, 517, 70)):
            for dtype in (np.float64, np.float32):
                x = random(shape, dtype)
                banks, modes = banks_modes(wavelet, mode, (1, 2))
                plan = _fused._two_level_plan(x, (1, 2), banks, modes)
                if isinstance(plan, str):
                    continue
                assert plan.len2[0] > plan.tile[0]  # several segments
                ran += 1
                got = as_wavedec2(*two_levels(x, wavelet, mode, (1, 2), em))
                want = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=(1, 2))
                scale = max(np.abs(v).max() for v in leaves_of(want))
                for g, w in zip(leaves_of(got), leaves_of(want)):
                    np.testing.assert_allclose(g, w, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)
    periodic = mode in ("periodic", "periodization")
    assert ran == 0 if periodic else ran >= 4, ran  # periodic: one pass must span the image


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_dropping_any_barrier_of_the_two_level_kernel_gives_a_wrong_answer(schedule):
    """A block's passes down its segment: each has barriers after the input
    rows, level 1 along x, along y, the extension of A1 along x past the
    strip's edges (blocks at an image's side), along y past the image's top
    or bottom (passes that reach them), level 2 along x and, where it writes
    level 2, before the next pass moves the rings; a block's last pass lacks
    that one. Two segments, one block each: the second starts inside the
    image, so its first pass (which writes nothing) fills rings its later
    passes read, and dropping any of its barriers gives a wrong answer
    somewhere (the first segment's first pass reads only rows above the
    image), but one: the first pass's last (its level-2 rows along x are the
    F - 2 the next pass moves, cell for cell by the same threads)."""
    x = random((1, 296, 60), np.float32)
    banks, modes = banks_modes("db2", "symmetric", (1, 2))
    plan = _fused._two_level_plan(x, [1, 2], banks, modes)
    (segment, strip), step = plan.tile, plan.step
    assert plan.len2 == (76, 17) and strip == 17 and 76 / 2 <= segment < 76 and step >= 4
    assert _fused._two_level_passes(segment, 4, step) == 1 + segment // step
    # the first segment's block (one strip: at both sides of the image): a
    # pass that fills the rings, then passes that write, the first at the top
    barriers = 5 + 6 * (segment // step) - 1 + 1
    want = quiet(pywt.wavedec2, x, "db2", "symmetric", level=2, axes=(1, 2))
    for skip in range(-1, barriers + 1):
        em = Emulation(threads=64, grid=2, schedule=schedule, skip_barrier=skip)
        got = as_wavedec2(*two_levels(x, "db2", "symmetric", (1, 2), em))
        same = all(np.allclose(g, w, rtol=1e-4, atol=1e-4)
                   for g, w in zip(leaves_of(got), leaves_of(want)))
        assert same == (skip in (-1, 4, barriers)), skip


def test_two_levels_take_db5_symmetric_images_of_every_height():
    """An image's last pass is shorter than the others, and its window must
    hold the targets of the extension past the image's bottom: the planner
    picks a step (up to three times the least) whose passes all do, so db5
    pairs levels in symmetric mode whatever the height."""
    banks, modes = banks_modes("db5", "symmetric", (1, 2))
    for height in range(40, 700, 7):
        x = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (1, height, 256), (0, 0, 0))
        assert _fused.why_not_two_levels(x, (1, 2), banks, modes) is None, height


def test_two_level_refusals_and_layout():
    x = random((2, 300, 300), np.float32)
    sym, per = banks_modes("db2", "symmetric", (1, 2)), banks_modes("db2", "periodic", (1, 2))
    assert _fused.why_not_two_levels(x, (1, 2), *sym) is None
    assert "extension" in _fused.why_not_two_levels(x, (1, 2), *per)  # far end, many tiles
    assert _fused.why_not_two_levels(x, (1, 2), *banks_modes("coif5", "zero", (1, 2)))


# --- two levels of waverec2 per launch -------------------------------------------

def two_level_synthesis_operands(c, axes):
    """pywt.wavedec2's coefficients of two levels -> (level-2 subbands with the
    approximation trimmed as waverec2 trims it, level-1 details), keys as
    idwt2_level's (one letter per axis in axes order: H is 'da', V 'ad')."""
    a2, (h2, v2, d2), (h1, v1, d1) = c
    a2 = a2[tuple(slice(0, h2.shape[d]) if d in axes else slice(None) for d in range(a2.ndim))]
    return {"aa": a2, "da": h2, "ad": v2, "dd": d2}, {"da": h1, "ad": v1, "dd": d1}


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_two_level_synthesis_matches_pywt(schedule):
    """Levels 2 and 1 of waverec2 in one launch equal pywt.waverec2 of the two
    levels in every mode but periodization (float64 to 1e-12, float32 to 2e-5 of
    the largest sample), approximations one sample longer than the details
    trimmed, on images of one tile and of many, and with subbands missing (zeros);
    in periodization where the level-1 length is twice level 2's (even lengths)."""
    em = Emulation(threads=32, grid=5, schedule=schedule)
    ran = 0
    for wavelet in ("haar", "db2", "db5", "bior2.4", "sym4"):
        for shape, axes in (((2, 40, 37), (1, 2)), ((1, 150, 131), (1, 2)), ((3, 9, 12), (1, 2)),
                            ((70, 2, 71), (2, 0)), ((1, 136, 104), (1, 2)), ((40, 3, 32), (2, 0))):
            for dtype in (np.float64, np.float32):
                for mode in ("symmetric", "zero", "reflect", "antireflect", "periodization"):
                    x = random(shape, dtype)
                    c = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                    level2, level1 = two_level_synthesis_operands(c, axes)
                    banks, modes = banks_modes(wavelet, mode, axes)
                    assert _fused.why_not("idwt2", level1, list(axes), banks, modes) is None
                    reason = _fused._two_level_synthesis_plan(level2, level1, axes, banks, modes)
                    if isinstance(reason, str):
                        assert mode == "periodization" and "periodization" in reason
                        continue
                    ran += 1
                    got = _fused.idwt2_two_levels(level2, level1, axes, banks, modes, emulation=em)
                    want = pywt.waverec2(c, wavelet, mode, axes=axes)
                    scale = np.abs(want).max()
                    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)
    assert ran == 5 * 6 * 2 * 4 + 5 * 2 * 2 * 1  # periodization: the two even layouts
    # complex data: real and imaginary parts alike (a batch dimension of 2 to the kernel)
    for dtype in (np.complex128, np.complex64):
        x = random((2, 70, 90), dtype)
        c = pywt.wavedec2(x, "db2", "symmetric", level=2, axes=(1, 2))
        banks, modes = banks_modes("db2", "symmetric", (1, 2))
        got = _fused.idwt2_two_levels(*two_level_synthesis_operands(c, (1, 2)), (1, 2), banks,
                                      modes, emulation=em)
        want = pywt.waverec2(c, "db2", "symmetric", axes=(1, 2))
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * np.abs(want).max())
    # missing subbands are zeros, as pywt's None
    x = random((2, 60, 50))
    c = pywt.wavedec2(x, "db3", "symmetric", level=2, axes=(1, 2))
    level2, level1 = two_level_synthesis_operands(c, (1, 2))
    del level2["dd"], level1["ad"]
    c[1] = (c[1][0], c[1][1], None)
    c[2] = (c[2][0], None, c[2][2])
    banks, modes = banks_modes("db3", "symmetric", (1, 2))
    got = _fused.idwt2_two_levels(level2, level1, (1, 2), banks, modes, emulation=em)
    np.testing.assert_allclose(got, pywt.waverec2(c, "db3", "symmetric", axes=(1, 2)),
                               rtol=1e-12, atol=1e-12)


@pytest.fixture
def short_synthesis_walks(monkeypatch):
    """Two-level synthesis plans of short segments and narrow strips: many
    blocks per image (the planner's cache cleared before and after)."""
    monkeypatch.setattr(_fused, "TWO_LEVEL_SYNTHESIS_SEGMENT", 24)
    monkeypatch.setattr(_fused, "TWO_LEVEL_SYNTHESIS_STRIP", 14)
    _fused._two_level_synthesis_plan_for.cache_clear()
    yield
    _fused._two_level_synthesis_plan_for.cache_clear()


def test_two_level_synthesis_walks_segments_and_strips(short_synthesis_walks):
    """Images of several segments (each starting with warm passes inside the
    image, the last one short) and strips (the last one narrow), with fewer
    blocks than segments x strips, equal pywt.waverec2 of the two levels in
    zero-padded and periodization synthesis, for filters of 2 to 12 taps, and
    heights and widths of every residue against the passes and strips; the
    transposed filters' launch is the adjoint of two analysis levels
    (dot-product test)."""
    em = Emulation(threads=64, grid=3, schedule="shuffled")
    ran = 0
    for wavelet in ("haar", "db2", "bior2.4", "db5", "coif2"):
        for mode in ("symmetric", "periodization"):
            banks, modes = banks_modes(wavelet, mode, (1, 2))
            for height, width in ((61, 45), (64, 40), (90, 33), (37, 70)):
                x = random((2, height, width))
                c = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=(1, 2))
                level2, level1 = two_level_synthesis_operands(c, (1, 2))
                plan = _fused._two_level_synthesis_plan(level2, level1, (1, 2), banks, modes)
                if isinstance(plan, str):
                    assert mode == "periodization" and "periodization" in plan
                    continue
                (segment, strip), step = plan.tile, plan.step
                assert segment % (4 * step) == 0 and strip % 2 == 0
                assert x.shape[1] > segment and x.shape[2] > strip
                ran += 1
                got = _fused.idwt2_two_levels(level2, level1, (1, 2), banks, modes, emulation=em)
                want = pywt.waverec2(c, wavelet, mode, axes=(1, 2))
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
                if mode == "symmetric":  # the adjoint: zero mode
                    banks, modes = banks_modes(wavelet, "zero", (1, 2))
                    c = quiet(pywt.wavedec2, x, wavelet, "zero", level=2, axes=(1, 2))
                    cots = [random(a.shape, seed=7 + i) for i, a in enumerate(leaves_of(c))]
                    cots = [cots[0], tuple(cots[1:4]), tuple(cots[4:])]
                    level2, level1 = two_level_synthesis_operands(cots, (1, 2))
                    level2["aa"] = cots[0]
                    got = _fused.dwt2_adjoint_two_levels(level2, level1, (1, 2), banks, modes,
                                                         x.shape, emulation=em)
                    lhs = sum(np.vdot(a, b) for a, b in zip(leaves_of(c), leaves_of(cots)))
                    assert abs(lhs - np.vdot(x, got)) <= 1e-12 * np.linalg.norm(x) * np.sqrt(
                        sum(np.vdot(v, v) for v in leaves_of(cots)))
                    banks, modes = banks_modes(wavelet, mode, (1, 2))
    assert ran >= 5 * 4 + 5, ran  # periodization: the even layouts


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_dropping_any_barrier_of_the_two_level_synthesis_gives_a_wrong_answer(schedule):
    """A block's passes down its segment: each has barriers after the
    coefficient rows (and the rings' moves), level 2 along x, along y, level 1
    along x and, where it writes image rows, before the next pass moves the
    rings; a block's last pass lacks that one. Two segments, one block each:
    the second starts inside the image, so its warm pass fills rings that its
    first writing pass reads, and dropping any barrier gives a wrong answer."""
    x = random((1, 300, 60), np.float32)
    c = quiet(pywt.wavedec2, x, "db2", "symmetric", level=2, axes=(1, 2))
    want = pywt.waverec2(c, "db2", "symmetric", axes=(1, 2))
    level2, level1 = two_level_synthesis_operands(c, (1, 2))
    banks, modes = banks_modes("db2", "symmetric", (1, 2))
    plan = _fused._two_level_synthesis_plan(level2, level1, (1, 2), banks, modes)
    (segment, strip), step = plan.tile, plan.step
    assert strip == 60 and 150 <= segment < 300 and segment % (4 * step) == 0
    # db2: a segment's first pass that writes makes its level-1 rows from 2
    # and level-2 rows from 2; its image rows read level-1 rows from -1 (made
    # in pairs from -2), which read level-2 rows from -2: one warm pass makes
    # level-1 rows [-2, 2) and level-2 rows [-2, 2).
    assert _fused_host.two_level_synthesis_warm_rows(0, 4) == (4, 4)
    passes = 1 + segment // (4 * step)
    barriers = 4 * passes + segment // (4 * step) - 1  # the first segment's block
    for skip in range(-1, barriers + 1):
        em = Emulation(threads=64, grid=2, schedule=schedule, skip_barrier=skip)
        got = _fused.idwt2_two_levels(level2, level1, (1, 2), banks, modes, emulation=em)
        assert np.allclose(got, want, rtol=1e-4, atol=1e-4) == (skip in (-1, barriers)), skip


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_two_level_adjoint_is_the_transpose_of_two_zero_mode_analysis_levels(schedule):
    """dwt2_adjoint_two_levels (the two-level synthesis with transposed filters)
    against pywt's forward: <wavedec2(x), c> = <x, adjoint(c)> for images of
    odd and even lengths (the image one sample shorter than the reconstruction,
    or not), one tile and many, float64 and float32 (to its rounding); the same
    in periodization, on even lengths."""
    em = Emulation(threads=32, grid=5, schedule=schedule)
    cases = [("zero", ((2, 40, 37), (1, 2))), ("zero", ((1, 150, 131), (1, 2))),
             ("zero", ((70, 3, 71), (2, 0))), ("periodization", ((2, 40, 48), (1, 2))),
             ("periodization", ((1, 136, 104), (1, 2))), ("periodization", ((40, 3, 32), (2, 0)))]
    for wavelet in ("haar", "db2", "db5", "bior2.4"):
        for mode, (shape, axes) in cases:
            for dtype in (np.float64, np.float32):
                x = random(shape, dtype)
                c = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                cots = [random(c[0].shape, dtype, seed=3)] + [
                    tuple(random(a.shape, dtype, seed=4 + i) for i, a in enumerate(d)) for d in c[1:]]
                level2, level1 = two_level_synthesis_operands(cots, axes)
                level2["aa"] = cots[0]  # (the forward's approximation, untrimmed)
                banks, modes = banks_modes(wavelet, mode, axes)
                got = _fused.dwt2_adjoint_two_levels(level2, level1, axes, banks, modes, x.shape,
                                                     emulation=em)
                assert got.shape == x.shape
                lhs = sum(np.vdot(a.astype(np.float64), b) for a, b in
                          zip(leaves_of(c), leaves_of(cots)))
                rhs = np.vdot(x.astype(np.float64), got)
                scale = np.linalg.norm(x) * np.sqrt(sum(np.vdot(v, v) for v in leaves_of(cots)))
                assert abs(lhs - rhs) <= (1e-12 if dtype == np.float64 else 1e-5) * scale


@pytest.fixture
def unset_outputs(monkeypatch):
    """The fused path's new arrays filled with NaN: a launch that reads what
    no launch wrote, or leaves an output sample unwritten, gives NaN."""
    allocate = _fused.empty

    def nan_filled(xp, shape, dtype):
        a = allocate(xp, shape, dtype)
        a[...] = np.nan
        return a

    monkeypatch.setattr(_fused, "empty", nan_filled)


@pytest.mark.parametrize("mode", ["symmetric", "reflect", "constant", "smooth", "antireflect",
                                  "periodic"])
def test_folded_two_level_adjoint_is_the_transpose_of_two_analysis_levels(mode, unset_outputs):
    """In the modes whose adjoint folds the extension back, the two-level
    adjoint (a1's cotangent exact on a ring at its edges, the image's edge
    ring by the one-level adjoint, its interior by the zero-mode two-level
    synthesis) satisfies <wavedec2(x), c> = <x, adjoint(c)> with pywt's
    forward, and equals the one-level-per-launch adjoint to rounding: every
    image sample written, nothing read that no launch wrote (NaN-filled
    outputs), on images of odd and even lengths, either axis order."""
    em = Emulation(threads=64, grid=3, schedule="shuffled")
    ran = 0
    for wavelet in ("haar", "db2", "db5", "bior2.4"):
        for shape, axes in (((2, 300, 200), (1, 2)), ((1, 331, 257), (1, 2)),
                            ((283, 2, 262), (2, 0))):
            for dtype in (np.float64, np.float32):
                x = random(shape, dtype)
                banks, modes = banks_modes(wavelet, mode, axes)
                c = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                cots = [random(a.shape, dtype, seed=7 + i) for i, a in enumerate(leaves_of(c))]
                cots = [cots[0], tuple(cots[1:4]), tuple(cots[4:])]
                level2, level1 = two_level_synthesis_operands(cots, axes)
                level2["aa"] = cots[0]
                reason = _fused._folded_two_level_adjoint_plan(level2, level1, axes, banks,
                                                               modes, x.shape)
                if isinstance(reason, str):
                    assert "interior" in reason or "every tile" in reason, reason
                    continue
                ran += 1
                got = _fused.dwt2_adjoint_two_levels(level2, level1, axes, banks, modes, x.shape,
                                                     emulation=em)
                lhs = sum(np.vdot(a.astype(np.float64), b) for a, b in
                          zip(leaves_of(c), leaves_of(cots)))
                scale = np.linalg.norm(x) * np.sqrt(sum(np.vdot(v, v) for v in leaves_of(cots)))
                assert abs(lhs - np.vdot(x.astype(np.float64), got)) <= RTOL[dtype] * scale
                want = cw.adjoint.wavedec2(cots, wavelet, mode, axes=axes, data_shape=x.shape)
                np.testing.assert_allclose(got, want, rtol=RTOL[dtype],
                                           atol=RTOL[dtype] * np.abs(want).max())
    assert ran >= 12, ran


def test_folded_two_level_adjoint_plans():
    """The rings are about as thin as the folds allow. W6 (32 x 1000 x 1000,
    db5, symmetric): the level-1 folds reach samples [0, 8) and [992, 1000);
    the level-2 folds reach a1's [0, 8) and [496, 504), which the analysis
    windows of image samples [-8, 16) and [984, 1008) read: rings of 16 to
    32 samples (whole tiles of 16 or more), and of a1's cotangent the rows
    the ring tiles read. Small images, whose interior would be under half,
    take one level per launch."""
    banks, modes = banks_modes("db5", "symmetric", (1, 2))

    def stand_in(n):  # (planning reads shapes and strides only)
        return np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (32, n, n), (4 * n * n, 4 * n, 4))

    level1 = {k: stand_in(504) for k in ("ad", "da", "dd")}
    level2 = {k: stand_in(256) for k in ("aa", "ad", "da", "dd")}
    plan = _fused._folded_two_level_adjoint_plan(level2, level1, (1, 2), banks, modes,
                                                 (32, 1000, 1000))
    assert _fused.why_not_dwt2_adjoint_two_levels_pays(level2, level1, (1, 2), banks, modes,
                                                       (32, 1000, 1000)) is None
    for a in range(2):
        origin, end = plan.interior.origin[a], plan.interior.level1.signal_len[a]
        assert 16 <= origin <= 32 and 968 <= end <= 984
        assert origin == plan.ring1[a] * plan.level1.tile[a]
        top = (origin - 1 + 10 - 2) // 2  # a1's rows read by image samples [0, origin)
        assert top < plan.ring2[a] * plan.level2.tile[a] <= 2 * top
    c = pywt.wavedec2(random((2, 96, 96)), "db5", "symmetric", level=2, axes=(1, 2))
    level2, level1 = two_level_synthesis_operands(c, (1, 2))
    level2["aa"] = c[0]
    reason = _fused.why_not_dwt2_adjoint_two_levels_pays(level2, level1, (1, 2), banks, modes,
                                                         (2, 96, 96))
    assert "every tile" in reason or "interior" in reason


def test_two_level_synthesis_refusals():
    x = random((2, 120, 120))
    per = banks_modes("db2", "periodization", (1, 2))
    c = pywt.wavedec2(x, "db2", "periodization", level=2, axes=(1, 2))  # 120 -> 60 -> 30
    assert _fused.why_not_two_level_synthesis_pays(*two_level_synthesis_operands(c, (1, 2)),
                                                   (1, 2), *per) is None
    c = pywt.wavedec2(x[:, :118], "db2", "periodization", level=2, axes=(1, 2))  # 118 -> 59 -> 30
    assert "periodization" in _fused.why_not_two_level_synthesis_pays(
        *two_level_synthesis_operands(c, (1, 2)), (1, 2), *per)
    sym = banks_modes("db2", "symmetric", (1, 2))
    c = pywt.wavedec2(x, "db2", "symmetric", level=2, axes=(1, 2))
    level2, level1 = two_level_synthesis_operands(c, (1, 2))
    assert _fused.why_not_two_level_synthesis_pays(level2, level1, (1, 2), *sym) is None
    short = {k: v[:, :-2] for k, v in level2.items()}  # reconstructs 4 samples short
    assert "length" in _fused.why_not_two_level_synthesis_pays(short, level1, (1, 2), *sym)
    with pytest.raises(ValueError, match="cannot run"):
        _fused.idwt2_two_levels(short, level1, (1, 2), *sym)
    # (symmetric mode folds: its two-level adjoint runs the interior as zero mode's)
    assert _fused.why_not_dwt2_adjoint_two_levels_pays(
        level2, level1, (1, 2), *sym, data_shape=x.shape) is None
    assert "image shape" in _fused.why_not_dwt2_adjoint_two_levels_pays(
        level2, level1, (1, 2), *banks_modes("db2", "zero", (1, 2)), data_shape=(2, 118, 120))
    # tiny images: the recomputed halo dominates
    c = pywt.wavedec2(random((2, 24, 24)), "db5", "symmetric", level=2, axes=(1, 2))
    level2, level1 = two_level_synthesis_operands(c, (1, 2))
    db5 = banks_modes("db5", "symmetric", (1, 2))
    assert "minimum" in _fused.why_not_two_level_synthesis_pays(level2, level1, (1, 2), *db5)


# --- what runs fused, and what falls back ------------------------------------

def test_supports_says_when_to_fall_back():
    x = random((2, 40, 40))
    db2, sym = banks_modes("db2", "symmetric", (1, 2))
    assert _fused.supports("dwt2", x, [1, 2], db2, sym)
    reasons = {
        "modes": _fused.why_not("dwt2", x, [1, 2], db2, [2, 5]),
        "axes": _fused.why_not("dwt2", x, [0, 1, 2], db2 + db2[:1], sym + sym[:1]),
        "long filters": _fused.why_not("dwt2", x, [1, 2], *banks_modes("coif17", "zero", (1, 2))),
        "short signal": _fused.why_not("dwt2", x[:, :1], [1, 2], *banks_modes("db2", "reflect",
                                                                               (1, 2))),
        "adjoint of another shape": _fused.why_not("dwt2_adjoint", pywt.dwtn(x, "db2", axes=(1, 2)),
                                                   [1, 2], db2, sym, data_shape=(2, 44, 40)),
        "dtype": _fused.why_not("dwt2", x.astype(np.int64), [1, 2], db2, sym),
    }
    for what, reason in reasons.items():
        assert isinstance(reason, str), what
    with pytest.raises(ValueError, match="cannot run"):
        _fused.dwt2_level(x, [1, 2], db2, [2, 5])
    # a long filter in float32 still fits (smaller tiles); in float64 it does not
    db20 = banks_modes("db20", "zero", (1, 2))
    assert _fused.supports("dwt2", x.astype(np.float32), [1, 2], *db20)
    assert not _fused.supports("dwt2", x, [1, 2], *db20)
    assert_same_structure(fused("dwt2", x.astype(np.float32), "db20", "zero", (1, 2)),
                          pywt.dwtn(x.astype(np.float32), "db20", "zero", axes=(1, 2)), 2e-5)


# --- the device build ---------------------------------------------------------

# (every device specialization is compiled by tests/test_nvrtc.py)


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("mode", MODES)
def test_cuda_fused_matches_pywt(mode):
    import cupy
    for wavelet in ("db2", "bior2.4"):
        for shape, axes in LAYOUTS[:4]:
            for dtype in (np.float32, np.float64):
                x = random(shape, dtype)
                if not _fused.supports("dwt2", x, axes, *banks_modes(wavelet, mode, axes)):
                    continue
                expected = pywt.dwtn(x, wavelet, mode, axes=axes)
                got = fused("dwt2", cupy.asarray(x), wavelet, mode, axes)
                assert_same_structure(to_numpy(got), expected, RTOL[dtype])
                c = {k: cupy.asarray(v) for k, v in expected.items()}
                assert_same_structure(to_numpy(fused("idwt2", c, wavelet, mode, axes)),
                                      pywt.idwtn(expected, wavelet, mode, axes=axes), RTOL[dtype])
                if _fused.why_not_two_levels(x, axes, *banks_modes(wavelet, mode, axes)) is None:
                    got = as_wavedec2(*two_levels(cupy.asarray(x), wavelet, mode, axes))
                    want = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                    scale = max(np.abs(v).max() for v in leaves_of(want))
                    for g, w in zip(leaves_of(got), leaves_of(want)):
                        np.testing.assert_allclose(to_numpy(g), w, rtol=RTOL[dtype],
                                                   atol=RTOL[dtype] * scale)
                c = quiet(pywt.wavedec2, x, wavelet, mode, level=2, axes=axes)
                level2, level1 = two_level_synthesis_operands(
                    [cupy.asarray(c[0])] + [tuple(map(cupy.asarray, d)) for d in c[1:]], axes)
                banks, modes = banks_modes(wavelet, mode, axes)
                if _fused.why_not_two_level_synthesis_pays(level2, level1, axes, banks, modes) is None:
                    got = _fused.idwt2_two_levels(level2, level1, axes, banks, modes)
                    want = pywt.waverec2(c, wavelet, mode, axes=axes)
                    np.testing.assert_allclose(to_numpy(got), want, rtol=RTOL[dtype],
                                               atol=RTOL[dtype] * np.abs(want).max())


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("mode", ["zero", "symmetric", "reflect", "periodic"])
def test_cuda_two_level_adjoint_and_synthesis_match_the_host(mode):
    """On the device: the strip-walking two-level synthesis (waverec2) and the
    two-level adjoint (zero mode one launch; the modes that fold, rings and
    interior) against pywt.waverec2 and the host's per-level adjoint, on an
    image of several segments and strips."""
    import cupy
    x = random((2, 300, 280), np.float32)
    axes = (1, 2)
    banks, modes = banks_modes("db5", mode, axes)
    c = quiet(pywt.wavedec2, x, "db5", mode, level=2, axes=axes)
    on_gpu = [cupy.asarray(c[0])] + [tuple(map(cupy.asarray, d)) for d in c[1:]]
    level2, level1 = two_level_synthesis_operands(on_gpu, axes)
    got = _fused.idwt2_two_levels(level2, level1, axes, banks, modes)
    want = pywt.waverec2(c, "db5", mode, axes=axes)
    np.testing.assert_allclose(to_numpy(got), want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    level2["aa"] = on_gpu[0]
    got = _fused.dwt2_adjoint_two_levels(level2, level1, axes, banks, modes, x.shape)
    want = cw.adjoint.wavedec2(c, "db5", mode, axes=axes, data_shape=x.shape)
    np.testing.assert_allclose(to_numpy(got), want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


# --- the integration in cuwavelet._multilevel ---------------------------------

@pytest.mark.filterwarnings("ignore:Level value")
def test_public_transforms_with_the_fused_levels_wired_in(monkeypatch):
    """cuwavelet._multilevel routes 2D levels of CuPy arrays through the fused
    kernels wherever supports() allows. Making it treat NumPy arrays as CuPy
    ones runs that exact routing here, through the emulator: every public 2D
    transform and adjoint must still give pywt's, or the separable path's,
    results, and every fused operation must have been used."""
    from cuwavelet import _multilevel as ml
    used = set()
    for op in _fused.OPS:
        level_fn = getattr(_fused, f"{op}_level")

        def recording(*args, _op=op, _fn=level_fn, **kwargs):
            used.add(_op)
            return _fn(*args, **kwargs)
        monkeypatch.setattr(_fused, f"{op}_level", recording)

    def wire_fused(enabled):
        monkeypatch.setattr(ml, "is_cupy", (lambda a: True) if enabled else is_cupy)

    def adjoints(c, y, y_coeff_shapes, wavelet, mode):
        return (cw.adjoint.wavedec2(c, wavelet, mode, data_shape=x.shape),
                cw.adjoint.waverec2(y, wavelet, mode, coeff_shapes=y_coeff_shapes))

    x = random((2, 3, 37, 30))
    y = random((2, 3, 36, 30), seed=1)
    for mode in ("symmetric", "periodization", "zero"):
        for wavelet in ("db2", "bior2.4"):
            y_shapes = cw.adjoint.shapes_of(cw.wavedec2(y, wavelet, mode, level=2))
            wire_fused(True)
            c = cw.wavedec2(x, wavelet, mode, level=2)
            assert_same_structure(c, quiet(pywt.wavedec2, x, wavelet, mode, level=2), 1e-12)
            assert_same_structure(cw.waverec2(c, wavelet, mode),
                                  pywt.waverec2(c, wavelet, mode), 1e-12)
            assert_same_structure(cw.dwt2(x, wavelet, mode), pywt.dwt2(x, wavelet, mode), 1e-12)
            got = adjoints(c, y, y_shapes, wavelet, mode)
            wire_fused(False)
            assert_same_structure(got, adjoints(c, y, y_shapes, wavelet, mode), 1e-12)
    assert used == set(_fused.OPS)

    # nD: the last two axes of each level fused, the axes before them separable
    used.clear()
    x3 = random((2, 9, 14, 11))
    for mode in ("symmetric", "zero", "periodization"):
        wire_fused(True)
        c = cw.wavedecn(x3, "db2", mode, level=2, axes=(1, 2, 3))
        rec = cw.waverecn(c, "db2", mode, axes=(1, 2, 3))
        adj = cw.adjoint.wavedecn(c, "db2", mode, axes=(1, 2, 3), data_shape=x3.shape)
        shapes = cw.adjoint.shapes_of(c)
        adj_rec = cw.adjoint.waverecn(rec, "db2", mode, axes=(1, 2, 3), coeff_shapes=shapes)
        wire_fused(False)
        assert_same_structure(c, quiet(pywt.wavedecn, x3, "db2", mode, level=2, axes=(1, 2, 3)),
                              1e-12)
        assert_same_structure(rec, pywt.waverecn(c, "db2", mode, axes=(1, 2, 3)), 1e-12)
        assert_same_structure(adj, cw.adjoint.wavedecn(c, "db2", mode, axes=(1, 2, 3),
                                                       data_shape=x3.shape), 1e-12)
        assert_same_structure(adj_rec, cw.adjoint.waverecn(rec, "db2", mode, axes=(1, 2, 3),
                                                           coeff_shapes=shapes), 1e-12)
    assert used == set(_fused.OPS)
