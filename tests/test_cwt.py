"""cw.cwt equals pywt.cwt, and cw.adjoint.cwt is its exact adjoint.

Oracles: pywt.cwt for values (every continuous wavelet, parameters and
bounds as set on a ContinuousWavelet, float32/64 and complex data, scales
from below a sample to longer than the data, any axis) and frequencies;
for the adjoint, the explicit matrix of pywt.cwt (its columns are pywt.cwt
of the unit vectors) and dot-product tests.

Tolerances are per scale, on that scale's own size: |x| |h_s|, the largest a
coefficient of x can be, with |h_s| the norm of pywt's response to an
impulse (every tap of the scale's filter). float32 data: pywt's own sums
(numpy.convolve over up to thousands of taps) and ours (FFTs) round
differently by up to ~1e-5 of that."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import quiet, random, requires_cuda, to_numpy
from cuwavelet import _cwt

CONTINUOUS = pywt.wavelist(kind="continuous")
WITH_PARAMETERS = ["cmor1.5-1.0", "cmor0.5-2.5", "shan0.5-2.0", "fbsp3-1.5-0.5"]
# below a sample (the filters' shortest: 2 and 3 taps), fractional, longer than the data
SCALES = np.array([0.1, 0.5, 1, 2, 3.3, 10, 64, 200])
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.complex128): 1e-12,
        np.dtype(np.float32): 3e-5, np.dtype(np.complex64): 3e-5}


def impulse_norms(wavelet, scales, precision=12):
    """|h_s| per scale: the norm of pywt.cwt of an impulse in a signal long
    enough to hold every tap (the wavelets live on at most [-20, 20])."""
    n = int(80 * float(np.max(scales))) + 65
    d = np.zeros(n)
    d[n // 2] = 1
    r, _ = quiet(pywt.cwt, d, scales, wavelet, precision=precision)
    return np.sqrt((np.abs(r) ** 2).sum(axis=-1))


@pytest.fixture(params=["scipy", "numpy"])
def cpu_fft(request, monkeypatch):
    """The CPU's two FFT libraries (numpy.fft where SciPy is not installed)."""
    if request.param == "scipy":
        pytest.importorskip("scipy.fft")
    monkeypatch.setattr(_cwt, "CPU_FFT", request.param)


def assert_matches(got, ref, x, wavelet, scales, axis=-1, precision=12):
    got = to_numpy(got)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    norms = impulse_norms(wavelet, scales, precision)
    data = np.moveaxis(np.asarray(x, dtype=np.complex128), axis, -1)
    size = np.sqrt((np.abs(data) ** 2).sum(axis=-1)).max() * norms  # per scale
    err = np.abs(got - ref).reshape(len(scales), -1).max(axis=1)
    bad = err > RTOL[np.dtype(ref.dtype)] * size
    assert not bad.any(), f"scales {np.asarray(scales)[bad]}: errors {err[bad]} of {size[bad]}"


@pytest.mark.parametrize("wavelet", CONTINUOUS + WITH_PARAMETERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_values_match_pywt(wavelet, dtype):
    for n in (1, 2, 7, 64, 301):
        x = random((2, n), dtype, seed=n)
        ref, ref_freqs = quiet(pywt.cwt, x, SCALES, wavelet)
        got, freqs = quiet(cw.cwt, x, SCALES, wavelet)
        assert_matches(got, ref, x, wavelet, SCALES)
        np.testing.assert_array_equal(freqs, ref_freqs)


@pytest.mark.parametrize("method", ["conv", "fft"])
def test_long_signals_and_both_methods(method, cpu_fft):
    x = random((3, 5000), np.float32, seed=1)
    scales = np.geomspace(1, 300, 40)
    ref, _ = pywt.cwt(x, scales, "cmor1.5-1.0", method=method)
    got, _ = cw.cwt(x, scales, "cmor1.5-1.0", method=method)
    assert_matches(got, ref, x, "cmor1.5-1.0", scales)


@pytest.mark.parametrize("axis", [0, 1, -1, -3])
def test_any_axis_of_a_batch(axis):
    x = random((5, 6, 7), seed=2)
    ref, _ = pywt.cwt(x, [1, 2.5, 6], "mexh", axis=axis)
    got, _ = cw.cwt(x, [1, 2.5, 6], "mexh", axis=axis)
    assert_matches(got, ref, x, "mexh", [1, 2.5, 6], axis=axis)


def test_a_single_signal_whatever_the_axis():
    """As pywt: a 1-D signal is transformed whatever integer axis is given."""
    x = random(30, seed=3)
    ref, _ = pywt.cwt(x, [1, 2], "mexh")
    for axis in (0, -1, 1, 5):
        assert_matches(cw.cwt(x, [1, 2], "mexh", axis=axis)[0], ref, x, "mexh", [1, 2])


def test_strided_and_reversed_views():
    base = random((6, 40), seed=3)
    x = base[::2, ::-1]
    ref, _ = pywt.cwt(np.ascontiguousarray(x), [2, 5], "gaus2")
    got, _ = cw.cwt(x, [2, 5], "gaus2")
    assert_matches(got, ref, x, "gaus2", [2, 5])


@pytest.mark.parametrize("scales", [3, 2.5, [1, 2, 3], np.arange(1, 9),
                                    np.array([0.7, 3.1, 77.7], np.float32),
                                    np.array([1, 9, 200], np.uint8), np.array([3, 150], np.int16),
                                    np.array([0.7, 33.3], np.float16)])
def test_scales_of_every_kind(scales):
    # float32, float16 and small integer scales take pywt's index arithmetic
    # in float32 with float32 data: other taps
    x = random(128, np.float32, seed=4)
    ref, ref_freqs = pywt.cwt(x, scales, "morl")
    got, freqs = cw.cwt(x, scales, "morl")
    assert_matches(got, ref, x, "morl", np.atleast_1d(scales))
    np.testing.assert_array_equal(freqs, ref_freqs)


@pytest.mark.parametrize("sampling_period", [1.0, 2, np.float64(0.1), np.float32(0.3)])
@pytest.mark.parametrize("scales", [np.array([1, 2.5], np.float32), [1, 2], 3])
def test_frequencies_are_pywts(scales, sampling_period):
    """Exactly, dtype included (float32 scales keep float32 frequencies)."""
    for wavelet in ("morl", "cmor1.5-1.0"):
        _, got = cw.cwt(random(16), scales, wavelet, sampling_period=sampling_period)
        _, ref = pywt.cwt(random(16), scales, wavelet, sampling_period=sampling_period)
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("dtype", [np.float16, np.int32, bool, np.complex64])
def test_dtypes_as_pywt(dtype):
    x = (random(50, seed=5) > 0) if dtype is bool else (random(50, seed=5) * 10).astype(dtype)
    ref, _ = pywt.cwt(x, [1, 4], "cgau3")
    got, _ = cw.cwt(x, [1, 4], "cgau3")
    assert_matches(got, ref, np.asarray(x, np.complex128), "cgau3", [1, 4])


@pytest.mark.parametrize("precision", [6, 10, 14])
def test_precision(precision):
    x = random(100, seed=6)
    ref, ref_freqs = pywt.cwt(x, [1, 3, 20], "shan1.5-1.0", precision=precision)
    got, freqs = cw.cwt(x, [1, 3, 20], "shan1.5-1.0", precision=precision)
    assert_matches(got, ref, x, "shan1.5-1.0", [1, 3, 20], precision=precision)
    np.testing.assert_array_equal(freqs, ref_freqs)


def test_a_wavelet_object_as_set():
    """Parameters and bounds set on a ContinuousWavelet after it was made
    (its name does not show them) are the ones used."""
    w = quiet(pywt.ContinuousWavelet, "cmor")
    w.bandwidth_frequency, w.center_frequency = 2.0, 0.75
    w.lower_bound, w.upper_bound = -5.0, 6.0
    x = random(90, seed=7)
    ref, ref_freqs = pywt.cwt(x, [1, 2, 7], w, sampling_period=0.01)
    got, freqs = cw.cwt(x, [1, 2, 7], w, sampling_period=0.01)
    assert got.dtype == ref.dtype
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_array_equal(freqs, ref_freqs)
    # and the same wavelet by name gives other values (the bounds count)
    other, _ = cw.cwt(x, [1, 2, 7], "cmor2.0-0.75")
    assert np.abs(other - got).max() > 1e-3 * np.abs(got).max()


@pytest.mark.parametrize("family, value", [("cmor", 1e-5), ("shan", 3e16), ("fbsp", 2.5e-7)])
def test_parameters_of_any_size(family, value):
    """A parameter too small or large for a plain decimal name (pywt reads
    a parametric wavelet's values from its name: no exponent fits there) is
    used as set."""
    w = quiet(pywt.ContinuousWavelet, {"cmor": "cmor1.5-1.0", "shan": "shan1.5-1.0",
                                       "fbsp": "fbsp2-1.0-0.5"}[family])
    w.center_frequency = value
    x = random(64, seed=10)
    ref = pywt.cwt(x, [1, 2, 4], w)[0]
    got = cw.cwt(x, [1, 2, 4], w)[0]
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_bad_parameters_and_bounds_are_refused():
    with pytest.raises(ValueError, match="positive"):
        _cwt.parametric_name("cmor", (1.5, -1.0))
    with pytest.raises(ValueError, match="positive integer"):
        _cwt.parametric_name("fbsp", (2.5, 1.0, 0.5))
    for lower, upper in ((3.0, -3.0), (2.0, 2.0), (-np.inf, 1.0)):
        w = pywt.ContinuousWavelet("mexh")
        w.lower_bound, w.upper_bound = lower, upper
        with pytest.raises(ValueError, match="lower_bound < upper_bound"):
            cw.cwt(random(16, seed=11), [1], w)


def test_chunks_of_scales_and_no_cached_spectra(monkeypatch):
    x = random((4, 300), np.complex128, seed=8)
    scales = np.geomspace(0.5, 50, 17)
    whole, _ = cw.cwt(x, scales, "fbsp2-1.0-0.5")
    c = random((17, 4, 300), np.complex128, seed=9)
    adjoint = cw.adjoint.cwt(c, scales, "fbsp2-1.0-0.5")
    monkeypatch.setattr(_cwt, "WORK_BYTES", 1)  # one scale per chunk
    monkeypatch.setattr(_cwt, "GPU_WORK_BYTES", 1)
    monkeypatch.setattr(_cwt, "SPECTRA_CACHE_BYTES", 0)
    _cwt._spectra_cache.clear()
    chunked, _ = cw.cwt(x, scales, "fbsp2-1.0-0.5")
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-13 * np.abs(whole).max())
    np.testing.assert_allclose(cw.adjoint.cwt(c, scales, "fbsp2-1.0-0.5"), adjoint, rtol=0,
                               atol=1e-13 * np.abs(adjoint).max())


def test_clear_plan_cache_frees_the_spectra():
    cw.cwt(random(64), [1, 2], "morl")
    assert _cwt._spectra_cache._bytes > 0
    cw.clear_plan_cache()
    assert _cwt._spectra_cache._bytes == 0 and not _cwt._spectra_cache._entries


def test_fft_lengths_are_the_least_7_smooth_ones():
    def smooth(m):
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        return m == 1
    for n in range(1, 3000):
        m = _cwt.fft_length(n)
        assert m >= n and smooth(m)
        assert not any(smooth(k) for k in range(n, m)), n


# --- the adjoint ------------------------------------------------------------------------

@pytest.mark.parametrize("wavelet", ["morl", "gaus3", "cmor1.5-1.0", "cgau2", "fbsp2-1.0-0.5"])
@pytest.mark.parametrize("n", [1, 6, 13])
def test_adjoint_is_the_conjugate_transpose_of_pywts_matrix(wavelet, n, cpu_fft):
    scales = [0.4, 1, 2.5, 9]
    columns = [quiet(pywt.cwt, e.astype(np.complex128), scales, wavelet)[0].ravel()
               for e in np.eye(n)]
    A = np.stack(columns, axis=1)  # (scales * n, n), complex: pywt on complex unit vectors
    c = random((len(scales), n), np.complex128, seed=n)
    expected = A.conj().T @ c.ravel()
    got = quiet(cw.adjoint.cwt, c, scales, wavelet)
    np.testing.assert_allclose(got, expected, rtol=0,
                               atol=1e-12 * np.abs(A).max() * np.abs(c).sum())
    if not pywt.ContinuousWavelet(wavelet).complex_cwt:  # a real cotangent stays real
        real = quiet(cw.adjoint.cwt, c.real, scales, wavelet)
        assert real.dtype == np.float64
        np.testing.assert_allclose(real, A.real.T @ c.real.ravel(), rtol=0,
                                   atol=1e-12 * np.abs(A).max() * np.abs(c).sum())


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize("wavelet", ["mexh", "shan1.5-1.0"])
def test_dot_product_identity(axis, dtype, wavelet):
    x = random((4, 37, 3), dtype, seed=axis)
    scales = np.geomspace(0.6, 30, 6)
    y, _ = cw.cwt(x, scales, wavelet, axis=axis)
    c = random(y.shape, y.dtype, seed=10 + axis)
    back = cw.adjoint.cwt(c, scales, wavelet, axis=axis)
    assert back.shape == x.shape
    lhs, rhs = np.vdot(c, y), np.vdot(back, x)
    tol = 10 * RTOL[np.dtype(dtype)] * np.linalg.norm(c) * np.linalg.norm(x) \
        * impulse_norms(wavelet, scales).max() * len(scales)
    assert abs(lhs - rhs) <= tol


def test_adjoint_of_a_real_map_is_the_real_part():
    """Real data, complex wavelet: the transform is real-linear; its adjoint
    (for <c, y> = Re sum conj(c) y) is the real part of cw.adjoint.cwt."""
    x = random(50, seed=11)
    c = random((3, 50), np.complex128, seed=12)
    y, _ = cw.cwt(x, [1, 3, 8], "cmor1.5-1.0")
    back = cw.adjoint.cwt(c, [1, 3, 8], "cmor1.5-1.0")
    assert np.isclose(np.vdot(c, y).real, np.dot(back.real, x), rtol=1e-12)


# --- arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda x: cw.cwt(x, [1], "db2"), ValueError, "continuous wavelet"),
    (lambda x: cw.cwt(x, [1], "nonsense"), ValueError, "Unknown wavelet"),
    (lambda x: cw.cwt(x, [1], pywt.Wavelet("haar")), ValueError, "continuous wavelet"),
    (lambda x: cw.cwt(x, [1, 0], "morl"), ValueError, "positive"),
    (lambda x: cw.cwt(x, [1, -2], "morl"), ValueError, "positive"),
    (lambda x: cw.cwt(x, [1, np.nan], "morl"), ValueError, "finite"),
    (lambda x: cw.cwt(x, [1, np.inf], "morl"), ValueError, "finite"),
    (lambda x: cw.cwt(x, [[1, 2]], "morl"), ValueError, "1-D"),
    (lambda x: cw.cwt(x, [], "morl"), ValueError, "empty"),
    (lambda x: cw.cwt(x, ["a"], "morl"), TypeError, "real numbers"),
    (lambda x: cw.cwt(x, [0.05], "morl"), ValueError, "too small"),
    (lambda x: cw.cwt(x, [1], "morl", method="auto"), ValueError, "method"),
    (lambda x: cw.cwt(x, [1], "morl", axis=2), Exception, "Axis 2 is out of range"),
    (lambda x: cw.cwt(x[0], [1], "morl", axis=True), TypeError, "axis"),
    (lambda x: cw.cwt(x, [1], "morl", axis=1.0), TypeError, "axis"),
    (lambda x: cw.cwt(x, [1], "morl", precision=0), ValueError, "precision"),
    (lambda x: cw.cwt(x, [1], "morl", precision=12.5), ValueError, "precision"),
    (lambda x: cw.cwt(x[:, :0], [1], "morl"), ValueError, "no samples"),
    (lambda x: cw.cwt(np.float64(1.0), [1], "morl"), ValueError, "1-D"),
    (lambda x: cw.adjoint.cwt(np.zeros((3, 10)), [1, 2], "morl"), ValueError, "2 scales"),
    (lambda x: cw.adjoint.cwt(np.zeros(10), [1], "morl"), ValueError, "2-D"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call(random((2, 16)))


def test_a_scale_too_small_is_pywts_error():
    with pytest.raises(ValueError) as ours:
        cw.cwt(random(16), [1, 0.05], "morl")
    with pytest.raises(ValueError) as theirs:
        pywt.cwt(random(16), [1, 0.05], "morl")
    assert str(ours.value) == str(theirs.value)


# --- other arrays -------------------------------------------------------------------------

def test_dask_arrays_lazily():
    da = pytest.importorskip("dask.array")
    x = random((6, 200), np.float32, seed=13)
    lazy, freqs = cw.cwt(da.from_array(x, chunks=(2, 50)), [1, 4, 16], "cmor1.5-1.0")
    assert isinstance(lazy, da.Array) and lazy.dtype == np.complex64
    eager, _ = cw.cwt(x, [1, 4, 16], "cmor1.5-1.0")
    np.testing.assert_allclose(lazy.compute(), eager, rtol=0, atol=1e-6 * np.abs(eager).max())
    with pytest.raises(ValueError, match="too small"):  # at the call, not at compute time
        cw.cwt(da.from_array(x, chunks=(2, 50)), [0.01], "morl")


def test_jax_arrays_come_back_as_jax_arrays():
    jnp = pytest.importorskip("jax.numpy")
    x = random((2, 64), np.float32, seed=14)
    got, _ = cw.cwt(jnp.asarray(x), [1, 2], "morl")
    assert type(got).__module__.startswith("jax")
    ref, _ = pywt.cwt(x, [1, 2], "morl")
    assert_matches(np.asarray(got), ref, x, "morl", [1, 2])


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("wavelet", ["morl", "cmor1.5-1.0"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_on_cuda(wavelet, dtype):
    import cupy
    x = random((3, 1000), dtype, seed=15)
    scales = np.geomspace(0.5, 100, 24)
    ref, _ = pywt.cwt(x, scales, wavelet)
    got, _ = cw.cwt(cupy.asarray(x), scales, wavelet)
    assert isinstance(got, cupy.ndarray)
    assert_matches(got, ref, x, wavelet, scales)
    c = random(ref.shape, ref.dtype, seed=16)
    np.testing.assert_allclose(cw.adjoint.cwt(cupy.asarray(c), scales, wavelet).get(),
                               cw.adjoint.cwt(c, scales, wavelet),
                               rtol=0, atol=RTOL[np.dtype(ref.dtype)] * np.abs(c).sum()
                               * impulse_norms(wavelet, scales).max())


def test_the_benchmark_script_runs(capsys):
    """benchmarks/bench_cwt.py on small shapes: every implementation's values
    are checked against pywt's before anything is timed."""
    pytest.importorskip("torch")
    import sys
    from pathlib import Path
    folder = str(Path(__file__).resolve().parent.parent / "benchmarks")
    sys.path.insert(0, folder)
    try:
        import bench_cwt
        bench_cwt.main(["--smoke", "--rounds", "1"])
    finally:
        sys.path.remove(folder)
    out = capsys.readouterr().out
    assert "not timed" not in out and out.count("cuwavelet ") >= 3
