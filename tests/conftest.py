"""Shared fixtures: the array module under test (NumPy always; CuPy where a
CUDA device exists) and comparison helpers with pywt as the oracle."""
import numpy as np
import pytest


def _cuda_available() -> bool:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


HAS_CUDA = _cuda_available()
NO_GPU = "no CUDA GPU visible to CuPy (the GPU tests run where there is one, with the cuda12 or cuda13 extra)"


def gpu_skip(available: bool, what_else: str = ""):
    """skipif for a GPU test: one reason, NO_GPU, wherever there is no GPU at all;
    `what_else` it needs (a CUDA build of torch, say) where there is one."""
    return pytest.mark.skipif(not available, reason=NO_GPU if not HAS_CUDA else f"needs {what_else}")


requires_cuda = gpu_skip(HAS_CUDA)


def requires_torch_cuda():
    """gpu_skip for a test of the torch bridge on the GPU: a device and a CUDA
    build of torch (imported here only where there is a device)."""
    available = False
    if HAS_CUDA:
        try:
            import torch
            available = torch.cuda.is_available()
        except Exception:
            pass
    return gpu_skip(available, "torch.cuda (a CUDA build of torch)")


# The README runs the suite on every core (pytest-xdist, `--dist loadfile`: each
# file whole on one worker, so a module fixture's work is done once). Workers take
# files in collection order, so the longest files go first and the workers finish
# together; with two cores these five are about 60% of the suite's time.
LONGEST_FILES_FIRST = ["test_nvrtc.py", "test_properties.py", "test_pywt_suite.py",
                       "test_bridge_jax.py", "test_large_and_concurrent.py"]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FILES_FIRST.index(name) if name in LONGEST_FILES_FIRST \
            else len(LONGEST_FILES_FIRST)
    items.sort(key=rank)  # stable: the order within a file and among the rest stays


@pytest.fixture(autouse=True)
def fresh_plans():
    """Each test starts without cached plans: a test that swaps an internal
    function (to count launches, say) sees it called while its plan records,
    and a plan recorded under such a swap never serves another test."""
    from cuwavelet import _program
    _program.clear_cache()
    yield
    _program.clear_cache()


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=[pytest.mark.gpu, requires_cuda])])
def xp(request):
    if request.param == "numpy":
        return np
    import cupy
    return cupy


@pytest.fixture
def xla_landings(monkeypatch):
    """A list the JAX bridge's calls on XLA's buffers append to: per call,
    whether each result is the output buffer itself (written in place, no
    copy; bridges.jax._written_into)."""
    bj = pytest.importorskip("bridges.jax")
    landed = []
    original = bj._written_into

    def spy(fn, ins, targets):
        results = original(fn, ins, targets)
        landed.append([r is t for r, t in zip(results, targets)])
        return results
    monkeypatch.setattr(bj, "_written_into", spy)
    return landed


def random(shape, dtype=np.float64, seed=0):
    """Standard-normal test data of a dtype (complex: independent real and imaginary parts)."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in np.atleast_1d(shape))
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def quiet(fn, *args, **kwargs):
    """fn(*args, **kwargs) with warnings silenced (pywt's "Level value too high")."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def to_numpy(a):
    """Host copy of an array or of a pywt-style coefficient structure."""
    if a is None:
        return None
    if isinstance(a, dict):
        return {k: to_numpy(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return type(a)(to_numpy(v) for v in a)
    return a.get() if type(a).__module__.startswith("cupy") else np.asarray(a)


def fused_kind(t):
    """The kind of learned transform (bridges/_torch_ops.py: _LearnedRun; bridges/_learned_kinds.py)
    whose one autograd node made tensor t, by class name; None where t came
    from another node (the per-operation route's)."""
    kind = getattr(t.grad_fn, "kind", None)
    return None if kind is None else type(kind).__name__


def central_differences(loss, arrays, eps=1e-6):
    """d loss / d every element of `arrays` (a list of arrays; loss takes
    such a list), by central differences around them in float64: a list of
    arrays of their shapes (the oracle of learned filters' gradients)."""
    arrays = [np.array(a, np.float64) for a in arrays]
    out = [np.zeros_like(a) for a in arrays]
    for k, a in enumerate(arrays):
        for idx in np.ndindex(a.shape):
            up, down = [b.copy() for b in arrays], [b.copy() for b in arrays]
            up[k][idx] += eps
            down[k][idx] -= eps
            out[k][idx] = (loss(up) - loss(down)) / (2 * eps)
    return out


def filter_central_differences(loss, bank, eps=1e-6):
    """d loss / d (every tap of a filter bank), shape (4, F): central
    differences of loss(four filter arrays) around `bank` (loss computed by
    pywt)."""
    return np.stack(central_differences(loss, bank, eps))


def leaves(c):
    """Leaves of a pywt coefficient structure in a fixed order (dict keys sorted)."""
    if isinstance(c, dict):
        return [x for k in sorted(c) for x in leaves(c[k])]
    if isinstance(c, (list, tuple)):
        return [x for v in c for x in leaves(v)]
    return [c]


def rebuild(template, values):
    """template's structure with its leaves replaced by values (in leaves() order)."""
    it = iter(values)

    def go(t):
        if isinstance(t, dict):
            out = {k: go(t[k]) for k in sorted(t)}
            return {k: out[k] for k in t}
        if isinstance(t, (list, tuple)):
            return type(t)(go(v) for v in t)
        return next(it)
    return go(template)


def assert_same_structure(got, expected, rtol, atol=0.0):
    """Same nesting, keys, shapes and dtypes as pywt's result, values within
    rtol of the largest magnitude in the whole result (subbands that cancel to
    ~0 are compared on the scale of the transform, not their own), plus atol."""
    got = to_numpy(got)
    finite = [np.abs(e[np.isfinite(e)]) for e in leaves(expected)]
    scale = max([float(f.max()) for f in finite if f.size] + [1.0])
    _compare(got, expected, rtol, rtol * scale + atol, "")


def _compare(got, expected, rtol, atol, where):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), where
        for k in expected:
            _compare(got[k], expected[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(expected, (list, tuple)):
        assert isinstance(got, type(expected)) and len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            _compare(g, e, rtol, atol, f"{where}[{i}]")
    else:
        assert got.shape == expected.shape, f"{where}: shape {got.shape} != {expected.shape}"
        assert got.dtype == expected.dtype, f"{where}: dtype {got.dtype} != {expected.dtype}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=where)


def assert_leaves_match(ours, ref, atol, leaf_type, to_host):
    """Same nesting, keys and shapes as pywt's `ref`; every leaf of `ours` is a
    `leaf_type` (a framework's array) whose host copy is within atol."""
    if isinstance(ref, dict):
        assert isinstance(ours, dict) and list(ours) == list(ref)
        for k in ref:
            assert_leaves_match(ours[k], ref[k], atol, leaf_type, to_host)
    elif isinstance(ref, (list, tuple)):
        assert isinstance(ours, type(ref)) and len(ours) == len(ref)
        for o, r in zip(ours, ref):
            assert_leaves_match(o, r, atol, leaf_type, to_host)
    else:
        assert isinstance(ours, leaf_type) and tuple(ours.shape) == ref.shape
        np.testing.assert_allclose(to_host(ours), ref, rtol=0, atol=atol)


def pywt_matrix(fn, in_shape):
    """Matrix of a linear pywt function on arrays of in_shape, flattening outputs by leaves()."""
    n = int(np.prod(in_shape))
    cols = [np.concatenate([np.ravel(v) for v in leaves(fn(e.reshape(in_shape)))])
            for e in np.eye(n)]
    return np.stack(cols, axis=1)


def assert_dwt_and_idwt_every_length(run, bridge, mode):
    """A bridge's dwt and idwt run by `run(fn, *arrays)` (which returns NumPy
    structures: a captured program, say) against pywt, for lengths below, at
    and above the filter lengths: the extension wraps several times on the
    shortest, and periodization repeats odd lengths' last sample."""
    import pywt
    for wavelet in ("haar", "db3", "bior3.5"):
        for n in (1, 2, 3, 5, 13, 40):
            if n < 2 and mode in ("reflect", "antireflect"):
                continue
            x = random((2, n), seed=n)
            expected = pywt.dwt(x, wavelet, mode=mode)
            assert_same_structure(run(lambda x: bridge.dwt(x, wavelet, mode=mode), x),
                                  expected, 1e-12)
            got = run(lambda a, d: bridge.idwt(a, d, wavelet, mode=mode), *expected)
            assert_same_structure(got, pywt.idwt(*expected, wavelet, mode=mode), 1e-12)
