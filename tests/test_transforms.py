"""Coefficients and reconstructions equal pywt's, for every wavelet and mode."""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import assert_same_structure, random, requires_cuda, to_numpy

MODES = pywt.Modes.modes
WAVELETS = pywt.wavelist(kind="discrete")
SAMPLE_WAVELETS = ["haar", "db3", "sym4", "coif2", "bior2.4", "rbio3.1", "dmey"]
RTOL = {np.float64: 1e-12, np.float32: 1e-5, np.complex128: 1e-12, np.complex64: 1e-5}


def pywt_or_error(fn, *args, **kwargs):
    """pywt's result, or the exception class it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            return type(exc)


def check(name, xp, data, *args, rtol=1e-12, **kwargs):
    expected = pywt_or_error(getattr(pywt, name), data, *args, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(expected, type):
            with pytest.raises(expected):
                getattr(cw, name)(xp.asarray(data), *args, **kwargs)
            return None
        got = getattr(cw, name)(xp.asarray(data), *args, **kwargs)
    assert_same_structure(got, expected, rtol)
    return expected




@pytest.mark.parametrize("wavelet", WAVELETS)
def test_dwt_idwt_every_wavelet_every_mode(xp, wavelet):
    w = pywt.Wavelet(wavelet)
    lengths = sorted({1, 2, 3, 8, w.dec_len - 1, w.dec_len + 1, 2 * w.dec_len + 3})
    for mode in MODES:
        for n in lengths:
            x = random((2, n), seed=n)
            coeffs = check("dwt", xp, x, wavelet, mode)
            if coeffs is None:
                continue
            expected = pywt.idwt(*coeffs, wavelet, mode)
            assert_same_structure(cw.idwt(xp.asarray(coeffs[0]), xp.asarray(coeffs[1]),
                                          wavelet, mode), expected, 1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_dtypes_and_single_subband_inverse(xp, mode, dtype):
    x = random((3, 37), dtype)
    cA, cD = check("dwt", xp, x, "db4", mode, rtol=RTOL[dtype])
    for a, d in [(cA, None), (None, cD), (cA, cD)]:
        expected = pywt.idwt(a, d, "db4", mode)
        got = cw.idwt(None if a is None else xp.asarray(a), None if d is None else xp.asarray(d),
                      "db4", mode)
        assert_same_structure(got, expected, RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.int64, np.uint8, bool])
def test_dtype_promotion_as_pywt(dtype):
    x = (np.arange(24) % 7).astype(dtype)
    check("dwt", np, x, "db2")
    check("wavedec", np, x, "db2", level=2)


@pytest.mark.parametrize("wavelet", SAMPLE_WAVELETS)
@pytest.mark.parametrize("mode", MODES)
def test_wavedec_waverec_every_level(xp, wavelet, mode):
    for n in (1, 5, 16, 67):
        x = random((3, n), seed=n)
        max_level = pywt.dwt_max_level(n, wavelet)
        for level in range(0, max_level + 2):
            coeffs = check("wavedec", xp, x, wavelet, mode, level=level)
            if coeffs is None or level == 0:
                continue
            expected = pywt.waverec(coeffs, wavelet, mode)
            got = cw.waverec([xp.asarray(c) for c in coeffs], wavelet, mode)
            assert_same_structure(got, expected, 1e-12)
            if wavelet == "dmey":  # dmey's FIR approximation is not perfectly invertible
                continue
            np.testing.assert_allclose(to_numpy(got)[..., :n], x, atol=1e-10)


@pytest.mark.parametrize("wavelet", ["haar", "db2", "bior3.3", "sym5"])
@pytest.mark.parametrize("mode", MODES)
def test_2d(xp, wavelet, mode):
    for shape in [(9, 14), (2, 3, 17, 8), (1, 5)]:
        x = random(shape, np.float32 if len(shape) == 4 else np.float64)
        rtol = RTOL[x.dtype.type]
        c1 = check("dwt2", xp, x, wavelet, mode, rtol=rtol)
        if c1 is not None:
            assert_same_structure(cw.idwt2(_to(xp, c1), wavelet, mode),
                                  pywt.idwt2(c1, wavelet, mode), rtol)
        coeffs = check("wavedec2", xp, x, wavelet, mode, level=2, rtol=rtol)
        if coeffs is not None:
            assert_same_structure(cw.waverec2(_to(xp, coeffs), wavelet, mode),
                                  pywt.waverec2(coeffs, wavelet, mode), rtol)


@pytest.mark.parametrize("mode", MODES)
def test_nd_axes_and_per_axis_wavelets(xp, mode):
    x = random((6, 5, 11))
    for axes in [None, (0, 2), (-1,), (2, 0), (1, 0, 2)]:
        c = check("dwtn", xp, x, "db2", mode, axes=axes)
        if c is not None:
            assert_same_structure(cw.idwtn(_to(xp, c), "db2", mode, axes=axes),
                                  pywt.idwtn(c, "db2", mode, axes=axes), 1e-12)
        coeffs = check("wavedecn", xp, x, "sym3", mode, level=1, axes=axes)
        if coeffs is not None:
            assert_same_structure(cw.waverecn(_to(xp, coeffs), "sym3", mode, axes=axes),
                                  pywt.waverecn(coeffs, "sym3", mode, axes=axes), 1e-12)
    per_axis_w, per_axis_m = ["haar", "db3", "bior1.3"], [mode, "periodization", "zero"]
    c = check("wavedecn", xp, x, per_axis_w, per_axis_m, level=1)
    assert_same_structure(cw.waverecn(_to(xp, c), per_axis_w, per_axis_m),
                          pywt.waverecn(c, per_axis_w, per_axis_m), 1e-12)


def test_3d_multilevel(xp):
    x = random((2, 12, 9, 16), np.float32)
    for mode in ["symmetric", "periodization", "antireflect"]:
        c = check("wavedecn", xp, x, "db2", mode, level=2, axes=(1, 2, 3), rtol=1e-5)
        assert_same_structure(cw.waverecn(_to(xp, c), "db2", mode, axes=(1, 2, 3)),
                              pywt.waverecn(c, "db2", mode, axes=(1, 2, 3)), 1e-5)


def test_memory_layouts(xp):
    """Fortran order, transposes, negative and non-unit strides, broadcasts: no copies
    needed, same values as pywt on the same logical array."""
    base = random((6, 40, 8))
    views = {
        "fortran": np.asfortranarray(base),
        "transposed": base.transpose(2, 0, 1),
        "reversed": base[:, ::-1, :],
        "strided": base[::2, ::3, 1::2],
        "broadcast": np.broadcast_to(base[:1], base.shape),
    }
    for name, v in views.items():
        xv = xp.asarray(v) if xp is np else xp.asarray(np.ascontiguousarray(v))
        if xp is not np:  # rebuild the same layout on the device
            xv = _device_view(xp, base, name)
        for axis in range(v.ndim):
            assert_same_structure(cw.dwt(xv, "db3", "reflect", axis=axis),
                                  pywt.dwt(np.ascontiguousarray(v), "db3", "reflect", axis=axis),
                                  1e-12)
        assert_same_structure(cw.wavedec2(xv, "db2", axes=(0, 1), level=1),
                              pywt.wavedec2(np.ascontiguousarray(v), "db2", axes=(0, 1), level=1),
                              1e-12)


def _device_view(cp, base, name):
    d = cp.asarray(base)
    return {"fortran": cp.asfortranarray(d), "transposed": d.transpose(2, 0, 1),
            "reversed": d[:, ::-1, :], "strided": d[::2, ::3, 1::2],
            "broadcast": cp.broadcast_to(d[:1], d.shape)}[name]


def test_nan_and_inf_propagate_as_pywt():
    x = random((2, 30))
    x[0, 7], x[1, 20] = np.nan, np.inf
    for mode in MODES:
        check("wavedec", np, x, "db2", mode, level=2)


def test_level_warning_and_aliases():
    x = random(20)
    with pytest.warns(UserWarning, match="too high"):
        cw.wavedec(x, "db4", level=5)
    assert_same_structure(cw.dwt(x, "db2", "per"), pywt.dwt(x, "db2", "per"), 1e-12)
    assert_same_structure(cw.dwt(x, "db2", pywt.Modes.smooth), pywt.dwt(x, "db2", "smooth"), 1e-12)


def test_custom_wavelets():
    w = pywt.Wavelet("mine", filter_bank=pywt.Wavelet("bior2.2").filter_bank)
    x = random((3, 21))
    check("wavedec", np, x, w, "smooth", level=2)
    odd = pywt.Wavelet("odd", filter_bank=([1, 2, 1], [1, -2, 1], [1, 2, 1], [-1, 2, -1]))
    check("wavedec", np, x, odd, "antisymmetric", level=2)  # pywt pads odd filters to even
    bank = pywt.Wavelet("db2").filter_bank  # a bare filter bank, as pywt.Wavelet takes it
    assert_same_structure(cw.dwt(x, bank, "zero"),
                          pywt.dwt(x, pywt.Wavelet("b", filter_bank=bank), "zero"), 1e-12)


def test_helpers_match_pywt():
    for n in [1, 2, 7, 64, 1000, 1023]:
        for w in ["haar", "db4", "dmey"]:
            assert cw.dwt_max_level(n, w) == pywt.dwt_max_level(n, w)
            assert cw.dwt_max_level(n, pywt.Wavelet(w).dec_len) == pywt.dwt_max_level(n, w)
            for mode in MODES:
                assert cw.dwt_coeff_len(n, pywt.Wavelet(w), mode) == \
                    pywt.dwt_coeff_len(n, pywt.Wavelet(w), mode)


def _to(xp, c):
    if isinstance(c, dict):
        return {k: _to(xp, v) for k, v in c.items()}
    if isinstance(c, (list, tuple)):
        return type(c)(_to(xp, v) for v in c)
    return xp.asarray(c)


@pytest.mark.parametrize("axes", [(1, 1), (-1, -1), (2, 2, 1), (1, 0, 1), (0, 2, 0, 2)])
def test_repeated_axes_transform_that_axis_again_as_pywt(xp, axes):
    """pywt's dwtn and idwtn (and dwt2 / idwt2 with two axes) transform a
    repeated axis once per mention; on CuPy the fused 2D kernels take only two
    distinct trailing axes, the rest runs separably."""
    x = random((6, 13, 10))
    for mode, wavelet in (("symmetric", "db2"), ("periodization", "bior2.2"), ("smooth", "sym3")):
        c = check("dwtn", xp, x, wavelet, mode, axes=axes)
        got = cw.idwtn({k: xp.asarray(v) for k, v in c.items()}, wavelet, mode, axes=axes)
        assert_same_structure(got, pywt.idwtn(c, wavelet, mode, axes=axes), 1e-12)
        if len(axes) == 2:
            c2 = check("dwt2", xp, x, wavelet, mode, axes=axes)
            c2_xp = (xp.asarray(c2[0]), tuple(xp.asarray(v) for v in c2[1]))
            assert_same_structure(cw.idwt2(c2_xp, wavelet, mode, axes=axes),
                                  pywt.idwt2(c2, wavelet, mode, axes=axes), 1e-12)


def test_waverecn_takes_lists_and_scalars_as_pywt():
    cases = [
        [[[1.0]], {"ad": [[0.0]], "da": [[0.0]], "dd": [[0.5]]}],
        [np.ones(3), {"d": [1.0, 2.0, 3.0]}],
        [[1.0, 2.0], {"d": np.arange(2.0)}],
        [None, {"d": [1.0, -1.0]}],
        [[[1.0, 2.0], [3.0, 4.0]], {"ad": [[0.0, 1.0], [2.0, 3.0]], "da": np.ones((2, 2)),
                                   "dd": [[1.0, 1.0], [0.0, 0.0]]}],
    ]
    for coeffs in cases:
        assert_same_structure(cw.waverecn(coeffs, "db1"), pywt.waverecn(coeffs, "db1"), 1e-12)
    for coeffs in ([1.0, {"a": 1.0, "d": 2.0}], [np.ones(2), {"d": 3.0}]):
        with pytest.raises(ValueError):
            pywt.waverecn(coeffs, "db1")
        with pytest.raises(ValueError):
            cw.waverecn(coeffs, "db1")


def test_waverecn_skips_leading_empty_levels_as_pywt():
    """With no approximation, pywt skips the levels before the first one that
    holds a detail (the bridges: test_bridge_torch.py, test_bridge_jax.py)."""
    x = random((8, 6), seed=4)
    coeffs = pywt.wavedecn(x, "db2", level=2)
    expected = pywt.waverecn([None, {}, dict(coeffs[2])], "db2")
    assert_same_structure(cw.waverecn([None, {}, dict(coeffs[2])], "db2"), expected, 1e-12)
    for m in (cw, pywt):
        with pytest.raises(ValueError, match="valid value"):
            m.waverecn([None, {}, {}], "db2")


def test_more_dimensions_than_a_kernel_walks_work_as_pywt(xp):
    """Views whose dimensions do not merge (here 11 of them, every other
    element of each) take several launches: pywt's values all the same."""
    every_other = (slice(None, None, 2),) * 10
    base = random((3,) * 10 + (12,))
    x, view = base[every_other], xp.asarray(base)[every_other]
    assert x.ndim == 11 and not view.flags.c_contiguous
    for name, args, kwargs in (("dwt", ("db2", "symmetric"), {}),
                               ("wavedec", ("db2", "reflect"), {"level": 2, "axis": 4}),
                               ("dwtn", ("db2", "smooth"), {"axes": (0, 10)}),
                               ("wavedecn", ("haar", "periodization"),
                                {"level": 1, "axes": (3, 7, 10)})):
        expected = pywt_or_error(getattr(pywt, name), x, *args, **kwargs)
        assert_same_structure(getattr(cw, name)(view, *args, **kwargs), expected, 1e-12)
    c = cw.wavedecn(view.astype(xp.complex64), "haar", "periodization", level=1, axes=(3, 7, 10))
    expected = pywt.wavedecn(x.astype(np.complex64), "haar", "periodization", level=1,
                             axes=(3, 7, 10))
    assert_same_structure(c, expected, 1e-5)
    assert_same_structure(cw.waverecn(c, "haar", "periodization", axes=(3, 7, 10)),
                          pywt.waverecn(expected, "haar", "periodization", axes=(3, 7, 10)), 1e-5)


def test_views_whose_dimensions_do_not_merge():
    """A strided view of more dimensions than a kernel walks: the launch is
    split along its outermost dimension (real and complex), pywt's values."""
    x = random((4,) * 8 + (9,), seed=40)[(slice(None, None, 2),) * 8]
    for data in (x, x + 1j * x[..., ::-1]):
        for got, want in zip(cw.dwt(data, "db2"), pywt.dwt(data, "db2")):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_wavelet_names_in_any_case():
    """pywt takes a wavelet's name in any case ('Haar', 'DB2')."""
    x = random((3, 20), seed=41)
    for name in ("Haar", "DB2", "Bior2.2"):
        assert_same_structure(cw.wavedec(x, name, level=2), pywt.wavedec(x, name, level=2), 1e-12)


def test_misaligned_views_are_read_as_copies():
    """A view at an odd byte offset and a packed record's field (strides that
    are no multiple of the element size): the kernels load whole aligned
    elements, so such inputs are copied first; pywt's values."""
    buf = np.zeros(8 * 40 + 1, np.uint8)
    x = buf[1:].view(np.float64)
    x[:] = random(40, seed=42)
    record = np.zeros(40, dtype=[("flag", "u1"), ("value", "f8")])
    record["value"] = random(40, seed=43)
    for data in (x, record["value"]):
        assert not data.flags.aligned
        assert_same_structure(cw.wavedec(data, "db2", level=2), pywt.wavedec(data, "db2", level=2),
                              1e-12)
        assert_same_structure(cw.swt(data, "db1", level=2), pywt.swt(data, "db1", level=2), 1e-12)
        halves = [data[:20], data[20:]]
        np.testing.assert_allclose(cw.waverec(halves, "haar"), pywt.waverec(halves, "haar"),
                                   rtol=0, atol=1e-12)


def _cupy_at_byte_offset(values: np.ndarray, offset: int, memory_of):
    """A CuPy array of `values` whose first element lies `offset` bytes past
    an allocation's start; memory_of(nbytes) -> (address, owner)."""
    import cupy
    address, owner = memory_of(values.nbytes + offset)
    memory = cupy.cuda.UnownedMemory(address + offset, values.nbytes, owner, 0)
    return cupy.ndarray(values.shape, values.dtype, cupy.cuda.MemoryPointer(memory, 0))


def test_misaligned_cupy_views_are_found():
    """A CuPy view at an odd byte offset (a load of it faults on a GPU) is
    found by the check the core and its plans make before their kernels run
    (here over host memory: CuPy arrays need no device to exist)."""
    pytest.importorskip("cupy")
    from cuwavelet._arrays import is_aligned
    host = []

    def memory_of(nbytes):
        host.append(np.zeros(nbytes + 16, np.uint8))
        start = -host[-1].ctypes.data % 16  # (from a 16-byte boundary)
        return host[-1].ctypes.data + start, host[-1]

    values = random(8, seed=44)
    assert is_aligned(_cupy_at_byte_offset(values, 0, memory_of))
    assert is_aligned(_cupy_at_byte_offset(values, 8, memory_of))
    for offset in (1, 4):
        assert not is_aligned(_cupy_at_byte_offset(values, offset, memory_of))
    assert not is_aligned(_cupy_at_byte_offset(values.astype(np.complex128), 8, memory_of))


@requires_cuda
def test_misaligned_cupy_views_are_read_as_copies():
    """On the GPU the same views give pywt's values (copied as bytes first:
    CuPy's own copy would load the misaligned elements), contiguous or not."""
    import cupy
    keep = []

    def memory_of(nbytes):
        keep.append(cupy.zeros(nbytes, cupy.uint8))
        return keep[-1].data.ptr, keep[-1]

    values = random((6, 40), seed=45)
    for offset in (1, 4):
        x = _cupy_at_byte_offset(values, offset, memory_of)
        x.set(values)  # (the copy to the device writes bytes)
        for data, host in ((x, values), (x[::2, 1::3], values[::2, 1::3])):
            assert_same_structure(cw.wavedec(data, "db2", level=2),
                                  pywt.wavedec(host, "db2", level=2), 1e-12)
            assert_same_structure(cw.dwt2(data, "db1"), pywt.dwt2(host, "db1"), 1e-12)
