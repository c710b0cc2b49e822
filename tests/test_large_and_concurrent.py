"""Robustness beyond small contiguous arrays: 64-bit element offsets, calls from
several threads (and CUDA streams), the thread safety of the caches, and
resident memory over many calls."""
import gc
import mmap
import os
import sys
import threading
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

from collections import OrderedDict

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random as _random
from conftest import assert_same_structure, leaves, requires_cuda, to_numpy
from cuwavelet import _primitives as prim
from cuwavelet import _wavelets
from cuwavelet._backends import cuda as cuda_backend




def _assert_identical(got, expected):
    got, expected = leaves(got), leaves(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


# --- 64-bit element offsets -----------------------------------------------------
#
# Operands are strided views into a sparse anonymous mapping (MAP_NORESERVE):
# hundreds of GiB of address space of which only the pages holding the few
# dozen elements of each view are ever touched, so the tests need a few MiB of
# RAM. Every offset the kernels form (line starts, positions along the axis at
# the edges and in the interior fast paths, filter taps, the host's blocked
# walk) exceeds 2**32 elements, for reads and for writes, and for each of the
# four operations. Checked by mutation: each of 16 single 32-bit truncations of
# an offset in dwt_math.cuh / dwt_host.cpp makes these tests fail (and none of
# test_transforms.py or test_adjoint.py). Not covered: an iteration count
# (Geometry.total) above 2**31, which needs more than 2**31 outputs.

MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)  # Linux value; Python < 3.12 lacks it
LINE_STRIDE = 2**32 + 4099   # elements between neighbouring lines (> 2**32)
AXIS_STRIDE = 2**28 + 3      # elements between samples: > 2**31 from sample 8, > 2**32 from 16
MAX_EXTENT = 5 * LINE_STRIDE + 23 * AXIS_STRIDE  # of any view below (at most 6 x 24)
ORIGIN = 2**31 + MAX_EXTENT  # where views start, in elements from the mapping's start
SAMPLES = 24  # long enough for every operation's interior (fast) path with filters <= 8 taps
CASES = [("haar", "symmetric"), ("db2", "periodization"), ("db3", "antireflect"),
         ("sym4", "smooth"), ("db2", "zero")]


@pytest.fixture
def sparse():
    """sparse(shape, dtype, strides) -> a new view with those element strides
    (at most MAX_EXTENT elements from its first to its last element either way)
    into a sparse mapping of 2 * ORIGIN elements (0.2 to 0.9 TiB of address
    space, a few pages of memory). Views start near ORIGIN, 4096 elements
    apart, so that every offset truncated to 32 bits (int: >= -2**31, unsigned:
    < 2**32) still lands inside the mapping: a truncation gives wrong values,
    not a crash."""
    if not sys.platform.startswith("linux"):
        pytest.skip("needs Linux's MAP_NORESERVE for a sparse mapping")
    maps, count = {}, [0]

    def make(shape, dtype, strides):
        dtype = np.dtype(dtype)
        assert sum((n - 1) * abs(s) for n, s in zip(shape, strides)) <= MAX_EXTENT
        mm = maps.get(dtype.itemsize)
        if mm is None:
            nbytes = 2 * ORIGIN * dtype.itemsize
            try:
                mm = mmap.mmap(-1, nbytes, prot=mmap.PROT_READ | mmap.PROT_WRITE,
                               flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE)
            except (OSError, OverflowError) as exc:
                pytest.skip(f"cannot reserve {nbytes / 2**30:.0f} GiB of address space: {exc}")
            maps[dtype.itemsize] = mm
        count[0] += 1
        first = ORIGIN + count[0] * 4096  # views never share an element
        return np.ndarray(shape, dtype, buffer=mm, offset=first * dtype.itemsize,
                          strides=[s * dtype.itemsize for s in strides])

    yield make
    gc.collect()
    for mm in maps.values():
        try:
            mm.close()
        except BufferError:  # a view is still referenced (a failure's traceback): unmapped at exit
            pass


def _far_apart(sparse, values, strides):
    """A copy of `values` laid out with the given (huge) element strides."""
    view = sparse(values.shape, values.dtype, strides)
    view[...] = values
    return view


def _nan_output(sparse, shape, dtype, strides):
    view = sparse(shape, dtype, strides)
    view[...] = np.nan
    return view


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
@pytest.mark.parametrize("signs", [(1, 1), (-1, -1), (1, -1)])
def test_inputs_whose_element_offsets_exceed_32_bits(sparse, dtype, signs):
    """The CPU kernels read operands whose element offsets exceed 2**32.

    x is 3 lines of 24 samples, > 2**32 elements between lines and 2**28 + 3
    between samples (and with negated strides). Transformed along its samples
    (x, axis 1), along its lines (x, axis 0) and along its samples as the first
    axis of x.T (the host walks blocks of neighbouring lines together then),
    by dwt, idwt and both adjoints, for filters of 2 to 8 taps: line start
    offsets, positions times strides at the edges and in the interior fast
    paths, filter taps. Were any of those formed in 32 bits, the truncated
    offset would point elsewhere in the mapping (zeros or other samples), and
    the values would differ from pywt's on a contiguous copy, or from the
    adjoint on a contiguous copy."""
    rng = np.random.default_rng(1)
    values = rng.standard_normal((3, SAMPLES)).astype(dtype)
    if values.dtype.kind == "c":
        values = values + 1j * rng.standard_normal(values.shape).astype(dtype)
    strides = (signs[0] * LINE_STRIDE, signs[1] * AXIS_STRIDE)
    rtol = 1e-5 if values.real.dtype == np.float32 else 1e-12
    for transposed, axis in [(False, 1), (False, 0), (True, 0)]:
        data = values.T if transposed else values

        def far(a):  # a laid out as the (transposed) view
            return _far_apart(sparse, a.T, strides).T if transposed else _far_apart(sparse, a, strides)

        x = far(data)
        for wavelet, mode in CASES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = pywt.dwt(data, wavelet, mode, axis=axis)
            assert_same_structure(cw.dwt(x, wavelet, mode, axis=axis), expected, rtol)
            cA, cD = (far(c) for c in expected)
            assert_same_structure(cw.idwt(cA, cD, wavelet, mode, axis=axis),
                                  pywt.idwt(*expected, wavelet, mode, axis=axis), rtol)
            _assert_identical(cw.adjoint.dwt(cA, cD, wavelet, mode, axis=axis,
                                             data_shape=x.shape),
                              cw.adjoint.dwt(*expected, wavelet, mode, axis=axis,
                                             data_shape=x.shape))
            even = data[tuple(slice(n - n % 2) if d == axis else slice(None)
                              for d, n in enumerate(data.shape))]
            _assert_identical(cw.adjoint.idwt(far(even), wavelet, mode, axis=axis),
                              cw.adjoint.idwt(even, wavelet, mode, axis=axis))
        np.testing.assert_array_equal(x, data)  # the input is only read
    assert_same_structure(cw.wavedec2(_far_apart(sparse, values, strides), "haar", level=1),
                          pywt.wavedec2(values, "haar", level=1), rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("wavelet, mode", CASES)
def test_outputs_whose_element_offsets_exceed_32_bits(sparse, dtype, axis, wavelet, mode):
    """The four kernels write into (and read from) operands whose element
    offsets all exceed 2**32, given as the primitives' output arguments.

    Every operand of each operation (signal, cA, cD) is a view with > 2**32
    elements between lines and 2**28 + 3 between samples (24 samples: edges
    and interior), pre-filled with NaN. A store at a 32-bit-truncated offset
    would leave NaN where the value belongs (and put it somewhere else), so
    each result must equal the same operation on contiguous arrays exactly
    (the arithmetic is the same; only the addresses differ)."""
    bank, mode = _wavelets.as_filter_bank(wavelet), _wavelets.as_mode(mode)
    strides = (LINE_STRIDE, AXIS_STRIDE) if axis == 1 else (AXIS_STRIDE, LINE_STRIDE)
    shape = (3, SAMPLES) if axis == 1 else (SAMPLES, 3)
    x = _random(shape, dtype, seed=2)
    lo, hi = prim.analysis(x, bank, mode, axis)
    lo_far = _nan_output(sparse, lo.shape, dtype, strides)
    hi_far = _nan_output(sparse, hi.shape, dtype, strides)
    prim.analysis(_far_apart(sparse, x, strides), bank, mode, axis, lo=lo_far, hi=hi_far)
    _assert_identical((lo_far, hi_far), (lo, hi))

    y = prim.synthesis(lo, hi, bank, mode, axis)
    y_far = _nan_output(sparse, y.shape, dtype, strides)
    prim.synthesis(lo_far, hi_far, bank, mode, axis, out=y_far)
    _assert_identical(y_far, y)

    gx = prim.analysis_adjoint(lo, hi, bank, mode, axis, signal_len=shape[axis])
    gx_far = _nan_output(sparse, gx.shape, dtype, strides)
    prim.analysis_adjoint(lo_far, hi_far, bank, mode, axis, out=gx_far)
    _assert_identical(gx_far, gx)

    ga, gd = prim.synthesis_adjoint(y, bank, mode, axis)
    ga_far = _nan_output(sparse, ga.shape, dtype, strides)
    gd_far = _nan_output(sparse, gd.shape, dtype, strides)
    prim.synthesis_adjoint(y_far, bank, mode, axis, lo=ga_far, hi=gd_far)
    _assert_identical((ga_far, gd_far), (ga, gd))


# --- threads -----------------------------------------------------------------------

def _workload():
    """(name, thunk) pairs: small and multi-threaded-sized calls of every family."""
    img = _random((6, 96, 80), seed=3)
    sig = _random((40, 500), np.complex64, seed=4)
    c2 = cw.wavedec2(img, "db3", level=3)
    c2_by_mode = {m: cw.wavedec2(img, "db3", m, level=3) for m in pywt.Modes.modes}
    cn = cw.wavedecn(img, "bior2.4", "periodization", level=2, axes=(1, 2))
    c1 = cw.wavedec(sig, "sym5", "smooth", level=4)
    tasks = []
    for i, mode in enumerate(pywt.Modes.modes):
        tasks += [
            (f"dwt/{mode}", lambda m=mode: cw.dwt(sig, "db4", m)),
            (f"wavedec2/{mode}", lambda m=mode: cw.wavedec2(img, "db3", m, level=2)),
            (f"adj-wavedec2/{mode}", lambda m=mode: cw.adjoint.wavedec2(
                c2_by_mode[m], "db3", m, data_shape=img.shape)),
            (f"small/{mode}", lambda m=mode: cw.wavedecn(img[0, :9, :7], "haar", m, level=1)),
        ]
    tasks += [
        ("waverec2", lambda: cw.waverec2(c2, "db3")),
        ("waverecn", lambda: cw.waverecn(cn, "bior2.4", "periodization", axes=(1, 2))),
        ("waverec", lambda: cw.waverec(c1, "sym5", "smooth")),
        ("adj-waverecn", lambda: cw.adjoint.waverecn(img, "bior2.4", "periodization", axes=(1, 2),
                                                    coeff_shapes=cw.adjoint.shapes_of(cn))),
        ("axis0", lambda: cw.dwt(img, "coif2", "reflect", axis=0)),
    ]
    return tasks


def test_threads_reproduce_single_threaded_results_bit_for_bit():
    """Eight Python threads running a shuffled mix of transforms and adjoints at
    once (the kernels release the GIL and share the extension's worker threads) give
    exactly the results of running them one after the other."""
    tasks = _workload()
    expected = {name: to_numpy(fn()) for name, fn in tasks}
    order = [tasks[i] for i in np.random.default_rng(5).permutation(len(tasks) * 4) % len(tasks)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: (t[0], to_numpy(t[1]())), order))
    assert len(results) == len(order)
    for name, got in results:
        _assert_identical(got, expected[name])


# --- the host thread pool ----------------------------------------------------------

def _in_subprocess(code, env=None):
    """Runs `code` in a fresh interpreter (the pool is created once per
    process) that imports the cuwavelet this process imported; returns its
    stdout and stderr. A hang fails the test through the timeout."""
    import subprocess
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(cw.__file__)))
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    full_env = {**os.environ, "PYTHONPATH": path, **(env or {})}
    done = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True,
                          text=True, timeout=120, cwd=package_root)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


_POOL_REPORT = """
import os, numpy as np, pywt, cuwavelet as cw
from cuwavelet import _host_kernels
x = np.random.default_rng(0).standard_normal((64, 4096))
got, ref = cw.wavedec(x, "db4", level=3), pywt.wavedec(x, "db4", level=3)
assert all(np.allclose(g, r, rtol=1e-12, atol=1e-12) for g, r in zip(got, ref))
print(_host_kernels.pool_threads(), _host_kernels.machine_cores(), len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
@pytest.mark.parametrize("setting", ["100000", "99999999999999999999"])
def test_a_huge_thread_setting_warns_and_is_capped_at_the_cores(setting):
    out, err = _in_subprocess(_POOL_REPORT, {"CUWAVELET_NUM_THREADS": setting})
    pool, cores, tasks = map(int, out.split())
    assert pool == cores
    assert tasks <= cores + 8  # the pool's threads and a few of the interpreter's, not thousands
    assert f"CUWAVELET_NUM_THREADS={setting} is more than this machine's {cores} cores" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_a_small_or_invalid_thread_setting_is_used_silently():
    out, err = _in_subprocess(_POOL_REPORT, {"CUWAVELET_NUM_THREADS": "1"})
    assert out.split()[0] == "1" and "CUWAVELET_NUM_THREADS" not in err
    out, err = _in_subprocess(_POOL_REPORT, {"CUWAVELET_NUM_THREADS": "many"})
    pool, cores, _ = map(int, out.split())
    assert pool == cores and "CUWAVELET_NUM_THREADS" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_AS")
@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                    reason="AddressSanitizer needs address space of its own beyond any limit")
def test_threads_that_cannot_start_leave_a_smaller_pool_that_works():
    """With no address space left for a thread's stack, the pool starts with
    the calling thread alone; the transforms still run, and give pywt's values."""
    out, _ = _in_subprocess("""
import resource, numpy as np, pywt, cuwavelet as cw
from cuwavelet import _host_kernels
x = np.random.default_rng(0).standard_normal((64, 512))
ref = pywt.wavedec(x, "db4", level=3)
used = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (used + (2 << 20), resource.RLIM_INFINITY))
got = cw.wavedec(x, "db4", level=3)  # the first call starts the pool
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
assert all(np.allclose(g, r, rtol=1e-12, atol=1e-12) for g, r in zip(got, ref))
print(_host_kernels.pool_threads())
""", {"CUWAVELET_NUM_THREADS": "2"})
    assert out.split() == ["1"]


@pytest.fixture
def fast_switching():
    """Make the interpreter switch threads every microsecond (races show up)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _custom_wavelet(i):
    rng = np.random.default_rng(1000 + i)
    length = 2 * (1 + i % 8)
    return pywt.Wavelet(f"custom{i}", filter_bank=[rng.standard_normal(length) for _ in range(4)])


def test_filter_cache_under_concurrent_first_use(monkeypatch, fast_switching):
    """Sixteen threads released together each make the first use of 96 custom
    wavelets (same banks in every thread, different orders) and of named
    wavelets with both caches emptied: every result equals pywt's, and the
    cache ends with one entry per (bank, direction, dtype), holding that
    bank's filters."""
    monkeypatch.setattr(_wavelets, "_device_filters", OrderedDict())
    monkeypatch.setattr(_wavelets, "_banks", {})
    wavelets = [_custom_wavelet(i) for i in range(96)] + ["db2", "sym7", "bior3.5", "coif3"]
    x = _random((2, 37), seed=6)
    expected = [pywt.dwt(x, w, "symmetric") for w in wavelets]
    expected_rec = [pywt.idwt(*e, w, "symmetric") for e, w in zip(expected, wavelets)]
    start = threading.Barrier(16)

    def run(t):
        start.wait()
        order = np.random.default_rng(t).permutation(len(wavelets))
        return {int(i): (cw.dwt(x, wavelets[i], "symmetric"),
                         cw.idwt(*expected[i], wavelets[i], "symmetric")) for i in order}

    with ThreadPoolExecutor(16) as pool:
        per_thread = list(pool.map(run, range(16)))
    for results in per_thread:
        for i, (coeffs, rec) in results.items():
            assert_same_structure(coeffs, expected[i], 1e-12)
            assert_same_structure(rec, expected_rec[i], 1e-12)
    cache = _wavelets._device_filters
    assert len(cache) == 2 * len(wavelets)
    for (bank, synthesis, _, _), (lo, hi) in cache.items():
        np.testing.assert_array_equal(lo, bank.rec_lo if synthesis else bank.dec_lo)
        np.testing.assert_array_equal(hi, bank.rec_hi if synthesis else bank.dec_hi)


def test_cuda_kernel_cache_compiles_once_per_device_under_contention(monkeypatch, fast_switching):
    """The NVRTC kernel cache (cuwavelet/_backends/cuda.py) is thread safe: 48
    threads on two (fake) devices asking for kernels at the same moment build
    exactly one module per (device, specialization), each holding only that
    specialization, and every thread gets its device's kernel. A stand-in for
    CuPy whose compile takes 50 ms widens the race window; no GPU is needed."""
    built, device = [], threading.local()

    class FakeModule:
        def __init__(self, code, options, name_expressions):
            assert len(name_expressions) == 1
            assert name_expressions[0] in cuda_backend.all_kernel_names()
            self.device, self.name = device.id, name_expressions[0]
            threading.Event().wait(0.05)
            built.append(self)

        def get_function(self, name):
            assert name == self.name
            return (self, name)

    fake = types.SimpleNamespace(
        RawModule=FakeModule,
        cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDevice=lambda: device.id)))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(cuda_backend.DWT_KERNELS, "_functions", {})
    start = threading.Barrier(48)

    def run(t):
        device.id = t % 2
        start.wait()
        args = (t % 4 // 2, t % 3, np.float32)  # 6 specializations, each on both devices
        return t % 2, cuda_backend.kernel_name(*args), cuda_backend._function(*args)

    with ThreadPoolExecutor(48) as pool:
        got = list(pool.map(run, range(48)))
    wanted = {(dev, name) for dev, name, _ in got}
    assert len(wanted) == 12
    assert sorted((m.device, m.name) for m in built) == sorted(wanted)
    for dev, name, (module, got_name) in got:
        assert (module.device, module.name, got_name) == (dev, name, name)


@pytest.mark.gpu
@requires_cuda
def test_cupy_streams_from_threads_match_cpu(monkeypatch):
    """Four threads, each on its own non-blocking CuPy stream, run multilevel
    transforms and adjoints at once (starting from an empty kernel cache, so the
    first compile is contended too); each result equals the CPU path's."""
    import cupy
    monkeypatch.setattr(cuda_backend.DWT_KERNELS, "_functions", {})
    img = _random((4, 64, 72), seed=7)
    expected = cw.wavedec2(img, "db3", "symmetric", level=3)
    expected_adj = cw.adjoint.wavedec2(expected, "db3", "symmetric", data_shape=img.shape)
    streams = [cupy.cuda.Stream(non_blocking=True) for _ in range(4)]
    start = threading.Barrier(4)

    def run(t):
        start.wait()
        results = []
        with streams[t]:
            for _ in range(5):
                c = cw.wavedec2(cupy.asarray(img), "db3", "symmetric", level=3)
                g = cw.adjoint.wavedec2(c, "db3", "symmetric", data_shape=img.shape)
                results.append((to_numpy(c), cupy.asnumpy(g, stream=streams[t])))
            streams[t].synchronize()
        return results

    with ThreadPoolExecutor(4) as pool:
        for results in pool.map(run, range(4)):
            for c, g in results:
                assert_same_structure(c, expected, 1e-12)
                assert_same_structure(g, expected_adj, 1e-12)


# --- resident memory ------------------------------------------------------------------

def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_ten_thousand_small_transforms_keep_resident_memory_flat():
    """10,000 small calls (dwt, idwt, wavedec2, waverec2, the adjoints, and
    refused inputs) after a warm-up grow resident memory by less than 2 MiB:
    no per-call leak of an array (>= 200 bytes each) in Python or the
    extension."""
    x = _random((4, 33), seed=8)
    img = _random((24, 21), np.float32, seed=9)
    xc = _random((3, 20), np.complex128, seed=10)
    c2 = {m: cw.wavedec2(img, "sym3", m, level=2) for m in pywt.Modes.modes}
    cA, cD = cw.dwt(x, "db2")
    modes = pywt.Modes.modes

    def call(i):
        k, mode = i % 8, modes[i % len(modes)]
        if k == 0:
            return cw.dwt(x, "db2", mode)
        if k == 1:
            return cw.idwt(cA, cD, "db2", "symmetric")
        if k == 2:
            return cw.wavedec2(img, "sym3", mode, level=2)
        if k == 3:
            return cw.waverec2(c2[mode], "sym3", mode)
        if k == 4:
            return cw.adjoint.wavedec2(c2[mode], "sym3", mode, data_shape=img.shape)
        if k == 5:
            return cw.adjoint.idwt(xc[:, :20], "db2", mode)
        if k == 6:
            return cw.adjoint.dwt(cA, None, "db2", "zero", data_shape=x.shape)
        with pytest.raises(ValueError):
            cw.idwt(cA, cD[:, :-1], "db2")

    for i in range(2000):
        call(i)
    gc.collect()
    before = _rss()
    for i in range(10_000):
        call(i)
    gc.collect()
    growth = _rss() - before
    assert growth < 2 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB"


def test_distinct_custom_filter_banks_do_not_accumulate():
    """Transforms with 2,000 different custom filter banks (filters being
    learned, say) leave less than 1 MiB behind: the filter cache is bounded
    (a bank kept would cost its four arrays and their cache entry, over 500
    bytes: 2,000 of them exceed the bound).
    Measured after a warm-up of the same loop, which fills the cache to its
    bound and takes the one-time allocations of NumPy and pywt (about 1 to
    2 MiB, whatever the number of calls), so only growth with the number of
    banks counts."""
    import tracemalloc
    x = _random((2, 64), seed=11)
    rng = np.random.default_rng(12)

    def transforms(count):
        for _ in range(count):
            f = rng.standard_normal(8)
            cw.dwt(x, (f, f[::-1], f, f[::-1]), "zero")

    tracemalloc.start()
    try:
        transforms(4 * _wavelets.DEVICE_FILTER_CACHE_SIZE)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        transforms(2000)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert growth < 2**20, f"{growth / 2**20:.1f} MiB left behind"


@pytest.mark.parametrize("call", [lambda x: cw.wavedec(x, "db2", level=4),
                                  lambda x: cw.wavedecn(x, "db2", level=4, axes=(1,))],
                         ids=["wavedec", "wavedecn-one-axis"])
def test_multilevel_result_holds_only_its_coefficients(call):
    """The arrays a 1D decomposition returns keep alive no more memory than
    their own size (pywt's do not either): no intermediate approximation stays
    reachable through a coefficient's base buffer."""
    coeffs = call(_random((4, 4096), seed=13))
    arrays = leaves(coeffs)
    held = {id(a.base if a.base is not None else a): (a.base if a.base is not None else a).nbytes
            for a in arrays}
    assert sum(held.values()) <= sum(a.nbytes for a in arrays)
