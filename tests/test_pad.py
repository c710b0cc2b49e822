"""cw.pad equals pywt.pad, and cw.adjoint.pad is its exact transpose.

Oracles: pywt.pad for values (float, complex and integer data, every mode,
pads wider than the data), pywt.pad of a wider pad, cut back, where pywt.pad
itself raises (smooth and antisymmetric with nothing padded after an axis);
for the adjoint, the explicit matrix of pywt.pad (its columns are pywt.pad of
the unit arrays) and dot-product tests."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random, to_numpy
from cuwavelet import _padding

MODES = list(pywt.Modes.modes)
# (data shape, pad widths): 1D to 3D, pads wider than the data, one side only
CASES = [
    ((7,), 3),
    ((8,), [(2, 5)]),
    ((3,), [(11, 7)]),
    ((2,), [(6, 9)]),
    ((5,), [(0, 4)]),
    ((4, 5), ((1, 2), (3, 1))),
    ((3, 6), 2),
    ((2, 3, 5), ((2, 1), (0, 3), (4, 4))),
    ((6, 1, 4), ((1, 1), (0, 0), (2, 3))),
]


@pytest.fixture(params=["row loops", "GPU functions"])
def host_route(request, monkeypatch):
    """The CPU's two routes through kernels/pad_math.cuh: its row loops, and
    the GPU kernel's per-element functions (pad_value_at, pad_adjoint_at)."""
    monkeypatch.setattr(_padding, "HOST_RUNS_GPU_FUNCTIONS", request.param == "GPU functions")


def relative_error(got, expected):
    got, expected = np.asarray(to_numpy(got)), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    return np.abs(got - expected).max(initial=0) / max(1.0, np.abs(expected).max(initial=0))


def pywt_pad(x, widths, mode):
    """pywt.pad's result, or None where it raises (smooth and antisymmetric
    with nothing padded after an axis: test_pad_where_pywt_raises_...)."""
    try:
        return pywt.pad(x, widths, mode)
    except ValueError:
        return None


EPS = {np.float32: 1e-6, np.complex64: 1e-6, np.float64: 1e-14, np.complex128: 1e-14}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_pad_matches_pywt(xp, mode, dtype, host_route):
    for shape, widths in CASES:
        if mode == "smooth" and 1 in shape:
            continue  # pywt.pad reads numpy.pad's zero fill there (test below)
        x = random(shape, dtype, seed=len(shape))
        expected = pywt_pad(x, widths, mode)
        if expected is None:
            continue
        assert relative_error(cw.pad(xp.asarray(x), widths, mode), expected) <= 8 * EPS[dtype]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own overflows, in pywt.pad
@pytest.mark.parametrize("mode", MODES)
def test_pad_keeps_integer_dtypes_and_wraps_as_numpy(mode, host_route):
    for dtype in [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                  np.uint64]:
        info = np.iinfo(dtype)
        rng = np.random.default_rng(3)
        # values near the type's ends, so that the extrapolations wrap around
        x = rng.integers(info.min, info.max, size=(3, 5), dtype=dtype, endpoint=True)
        if info.min == 0 and mode == "antisymmetric":  # pywt.pad: an OverflowError
            with pytest.raises(ValueError, match="negates samples"):
                cw.pad(x, ((2, 3), (7, 1)), mode)
            continue
        got = cw.pad(x, ((2, 3), (7, 1)), mode)
        assert got.dtype == dtype
        # pywt.pad of the same data in int64, wrapped to the type (NumPy's own
        # arithmetic in the type, where pywt.pad accepts the type: checked too)
        wide = pywt.pad(x.astype(np.int64), ((2, 3), (7, 1)), mode).astype(dtype)
        np.testing.assert_array_equal(got, wide)
        if dtype == np.uint64 and mode == "smooth":
            continue  # NumPy extrapolates uint64 in float64 (uint64 with int64 promotes)
        np.testing.assert_array_equal(got, pywt.pad(x, ((2, 3), (7, 1)), mode))


@pytest.mark.parametrize("mode", ["zero", "constant", "symmetric", "periodic",
                                  "periodization", "reflect"])
def test_pad_of_masks_in_the_modes_that_copy_samples(xp, mode):
    """bool arrays: pywt.pad's values and dtype (NumPy, CuPy and Dask; a list too)."""
    rng = np.random.default_rng(4)
    for shape, widths in CASES:
        mask = rng.random(shape) < 0.5
        expected = pywt.pad(mask, widths, mode)
        got = to_numpy(cw.pad(xp.asarray(mask), widths, mode))
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got, expected)
    assert cw.pad([True, False], 1, mode).dtype == np.bool_
    da = pytest.importorskip("dask.array")
    lazy = cw.pad(da.from_array(mask, chunks=2), widths, mode)
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(), expected)


def test_pad_float16_is_float32_rounded_once():
    x = random((4, 9), np.float16)
    for mode in MODES:
        got = cw.pad(x, 3, mode)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, pywt.pad(x.astype(np.float32), 3, mode)
                                      .astype(np.float16))


@pytest.mark.parametrize("mode", MODES)
def test_pad_where_pywt_raises_is_a_wider_pad_cut_back(mode):
    """pywt.pad raises for smooth and antisymmetric when an axis gets nothing
    after it; every mode's extension of an axis does not depend on the widths."""
    x = random((5, 6), seed=4)
    widths = ((3, 0), (0, 0))
    wider = pywt.pad(x, ((3, 1), (0, 1)), mode)
    np.testing.assert_allclose(cw.pad(x, widths, mode), wider[:-1, :-1], rtol=1e-14, atol=1e-14)


def test_pad_smooth_extends_one_sample_as_a_constant():
    """pywt.pad's smooth reads numpy.pad's zero fill on an axis of one sample;
    the transforms' smooth extension of one sample is a constant."""
    x = np.array([[2.5], [-1.0]])
    np.testing.assert_array_equal(cw.pad(x, ((0, 0), (2, 3)), "smooth"),
                                  pywt.pad(x, ((0, 0), (2, 3)), "constant"))


def test_pad_of_strided_views(xp, host_route):
    """Views are read through their strides (negative, transposed, the real
    part of complex data), not copied."""
    base = random((9, 12), np.complex128, seed=5)
    on_device = xp.asarray(base)
    for index in [np.s_[::2, 1::3], np.s_[::-1, ::-2], np.s_[3:5, 2:9]]:
        for take in [lambda a: a[index], lambda a: a[index].T, lambda a: a[index].real]:
            view, device_view = take(base), take(on_device)
            for mode in MODES:
                assert relative_error(cw.pad(device_view, 2, mode),
                                      pywt.pad(view, 2, mode)) <= 1e-14


def test_pad_width_formats_as_pywt():
    x = random((4, 5), seed=6)
    for widths in [2, (2,), [(2, 2)], ((1, 2),), [[1, 2], [0, 3]], 1.6, np.array([[1, 0], [2, 2]])]:
        np.testing.assert_array_equal(cw.pad(x, widths, "periodic"),
                                      pywt.pad(x, widths, "periodic"))
    assert cw.pad(np.float64(3.0), 2, "symmetric").shape == ()


def test_pad_of_empty_arrays():
    x = np.zeros((0, 3))
    np.testing.assert_array_equal(cw.pad(x, 2, "zero"), pywt.pad(x, 2, "zero"))
    assert cw.pad(x, ((0, 0), (1, 1)), "symmetric").shape == (0, 5)
    with pytest.raises(ValueError, match="empty axis 0"):
        cw.pad(x, 1, "symmetric")


def test_pad_refusals():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match="pad_widths must be > 0"):
        cw.pad(x, -2, "periodic")
    with pytest.raises(ValueError):
        cw.pad(x, (1, 1, 1), "periodic")
    with pytest.raises(ValueError, match="unsupported mode: sym"):
        cw.pad(x, 2, "sym")  # pywt.pad takes the full names only
    with pytest.raises(ValueError, match="unsupported mode"):
        cw.pad(x, 2, None)
    for mode in ["smooth", "antisymmetric", "antireflect"]:
        with pytest.raises(TypeError, match=f"dtype bool; {mode} mode computes new values"):
            cw.pad(x > 1, 2, mode)
    unsigned = np.arange(4, dtype=np.uint8)
    with pytest.raises(ValueError, match="uint8; antisymmetric mode negates samples"):
        cw.pad(unsigned, 1, "antisymmetric")
    np.testing.assert_array_equal(cw.pad(unsigned, 0, "antisymmetric"), unsigned)
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match="negates samples"):  # at the call, not at compute
        cw.pad(da.from_array(unsigned, chunks=2), 1, "antisymmetric")


# --- the adjoint ----------------------------------------------------------------------------

def pad_matrix(shape, widths, mode):
    """pywt.pad as a matrix: column k is pywt.pad of the k-th unit array."""
    n = int(np.prod(shape))
    return np.stack([pywt.pad(np.eye(n)[k].reshape(shape), widths, mode).ravel()
                     for k in range(n)], axis=1)


ADJOINT_CASES = CASES + [((1,), [(3, 2)]), ((1, 3), ((2, 1), (1, 4)))]


@pytest.mark.parametrize("mode", MODES)
def test_pad_adjoint_is_the_transpose_of_pywt_pad(xp, mode, host_route):
    for shape, widths in ADJOINT_CASES:
        if (mode == "smooth" and 1 in shape) or pywt_pad(np.zeros(shape), widths, mode) is None:
            continue
        matrix = pad_matrix(shape, widths, mode)
        out_shape = pywt.pad(np.zeros(shape), widths, mode).shape
        y = random(out_shape, np.complex128, seed=7)
        expected = (matrix.T @ y.ravel()).reshape(shape)
        got = cw.adjoint.pad(xp.asarray(y), widths, mode, data_shape=shape)
        assert relative_error(got, expected) <= 1e-14
        y32 = y.real.astype(np.float32)
        got = cw.adjoint.pad(xp.asarray(y32), widths, mode, data_shape=shape)
        assert relative_error(got, (matrix.T @ y32.astype(np.float64).ravel())
                              .reshape(shape).astype(np.float32)) <= 1e-6


@pytest.mark.parametrize("mode", MODES)
def test_pad_adjoint_dot_product(mode, host_route):
    x = random((3, 40, 33), seed=8)
    widths = ((0, 0), (5, 17), (40, 2))
    y = random(cw.pad(x, widths, mode).shape, seed=9)
    forward = np.vdot(cw.pad(x, widths, mode), y)
    backward = np.vdot(x, cw.adjoint.pad(y, widths, mode, data_shape=x.shape))
    scale = np.linalg.norm(cw.pad(x, widths, mode)) * np.linalg.norm(y)
    assert abs(forward - backward) <= 1e-13 * scale


@pytest.mark.parametrize("mode", ["zero", "smooth", "antireflect", "periodization"])
def test_cores_write_into_a_destination_that_can_hold_the_result(xp, mode):
    """pad_core and pad_adjoint_core (what the JAX bridge calls with XLA's
    output buffers) return the destination they were given when it has the
    result's shape, dtype and C layout, holding pywt.pad's values (and the
    explicit matrix's transpose); a destination that cannot hold it (float16,
    computed in float32; strided; another shape) is left alone."""
    shape, widths = (3, 6, 5), ((1, 2), (3, 1), (0, 4))  # smooth/antireflect: two launches
    checked = _padding.pad_widths_of(widths, 3)
    number = _padding.mode_of(mode)
    x = random(shape, np.complex128, seed=12)
    expected = pywt.pad(x, widths, mode)
    into = xp.full(expected.shape, np.nan, dtype=np.complex128)
    got = _padding.pad_core(xp.asarray(x), checked, number, into=into)
    assert got is into and relative_error(got, expected) <= 1e-14
    y = random(expected.shape, np.float64, seed=13)
    matrix = pad_matrix(shape, widths, mode)
    back = xp.full(shape, np.nan)
    got = _padding.pad_adjoint_core(xp.asarray(y), checked, number, shape, into=back)
    assert got is back and relative_error(got, (matrix.T @ y.ravel()).reshape(shape)) <= 1e-14
    unpadded = xp.full((2, 6, 2), np.nan, dtype=np.complex128)  # (even: periodization too)
    same = _padding.pad_core(xp.asarray(x[:2, :, :2]), [(0, 0)] * 3, number, into=unpadded)
    assert same is unpadded and relative_error(same, x[:2, :, :2]) == 0
    for refused, data in [(xp.zeros(expected.shape, np.float16), x.real.astype(np.float16)),
                          (xp.zeros(expected.shape[::-1], np.complex128).T, x),
                          (xp.zeros((1,) + expected.shape, np.complex128), x)]:
        got = _padding.pad_core(xp.asarray(data), checked, number, into=refused)
        assert got is not refused and not xp.any(refused)
        assert relative_error(got, pywt.pad(data, widths, mode)) <= 1e-3


@pytest.mark.parametrize("mode", MODES)
def test_pad_of_more_dimensions_than_a_launch_walks(mode):
    """8 and 9 dimensions (complex: one more in the kernels' view) pad one
    axis at a time, numpy.pad's order: pywt's values, and the adjoint is the
    transpose (dot products)."""
    rng = np.random.default_rng(5)
    for shape, dtype in (((2, 3, 2, 2, 3, 2, 2, 3), np.complex128),
                         ((2, 3, 2, 2, 3, 2, 2, 3, 2), np.float64),
                         ((2, 3, 2, 2, 3, 2, 2, 3), np.int32)):
        x = (rng.standard_normal(shape) * 10).astype(dtype)
        if dtype == np.complex128:
            x = x + 1j * rng.standard_normal(shape)
        widths = [(i % 2, 1 + i % 3) for i in range(len(shape))]
        expected = pywt.pad(x, widths, mode)
        got = cw.pad(x, widths, mode)
        assert got.dtype == expected.dtype
        assert relative_error(got, expected) <= 1e-13
        if dtype == np.int32:
            continue
        y = rng.standard_normal(got.shape)
        g = cw.adjoint.pad(y, widths, mode, data_shape=shape)
        lhs, rhs = np.vdot(y, got), np.vdot(g, x)
        assert abs(lhs - rhs) <= 1e-12 * abs(lhs)


def test_pad_adjoint_refusals():
    y = np.zeros(9)
    with pytest.raises(TypeError, match="data_shape"):
        cw.adjoint.pad(y, 2, "zero", data_shape=None)
    with pytest.raises(ValueError, match="pads to"):
        cw.adjoint.pad(y, 2, "zero", data_shape=(4,))
    with pytest.raises(ValueError, match="dimensions"):
        cw.adjoint.pad(y, 2, "zero", data_shape=(5, 1))
    # an odd and the next even length pad to the same size in periodization
    assert cw.adjoint.pad(y[:8], 2, "periodization", data_shape=(3,)).shape == (3,)
    assert cw.adjoint.pad(y[:8], 2, "periodization", data_shape=(4,)).shape == (4,)


def test_pad_dask_is_lazy_and_matches_numpy():
    da = pytest.importorskip("dask.array")
    x = random((10, 12, 7), seed=10)
    for mode in ["symmetric", "smooth", "periodization"]:
        lazy = cw.pad(da.from_array(x, chunks=(4, 5, 7)), ((0, 0), (3, 2), (1, 1)), mode)
        assert isinstance(lazy, da.Array)
        assert lazy.chunks[0] == (4, 4, 2)  # unpadded axes keep their chunks
        np.testing.assert_array_equal(lazy.compute(), cw.pad(x, ((0, 0), (3, 2), (1, 1)), mode))


def test_geometry_layout_matches_host_build():
    """The NumPy record the kernels receive has the C++ struct's size."""
    from cuwavelet import _pad_host, _padding
    assert _padding.PAD_GEOMETRY_DTYPE.itemsize == _pad_host.geometry_size
