"""Kernel launches per public call on the GPU path, counted on the CPU.

cuwavelet._multilevel routes CuPy arrays through the fused kernels. Treating
NumPy arrays as CuPy ones runs that routing here, with each fused kernel
going through its emulator and each per-axis kernel through the host build;
the call's plan (cuwavelet/_program.py) lists every launch the GPU would see,
which this test counts. The expected numbers are the design's (README, "On
the GPU"): one launch per 2D level, forward, inverse and both adjoints; 1D
multilevel transforms in as many launches as their planners say (one for a
W1-like line), never one per level where a fused launch fits.
"""
import numpy as np
import pytest

import cuwavelet as cw
from cuwavelet import _fused1d, _multilevel, _program, _wavelets
from cuwavelet import _fused1d_coarse_to_fine as c2f

# the names plans give the launches (kernel families of cuwavelet/_launch.py)
KINDS = {"per-axis": "per-axis", "dwt2": "fused-2d", "dwt2_two_levels": "fused-2d-two-levels",
         "idwt2_two_levels": "fused-2d-two-level-synthesis",
         "wavedec1d": "wavedec-1d", "coarse_to_fine1d": "coarse-to-fine-1d"}


@pytest.fixture
def launches(monkeypatch):
    """The fused routing on for NumPy arrays (plans recorded afresh)."""
    monkeypatch.setattr(_multilevel, "is_cupy", lambda a: True)
    return []


def count(seen, fn, *args, **kwargs):
    """fn's result, and the kinds of the launches its plan makes (its fills
    and copies included: each is a launch on the GPU too)."""
    result = fn(*args, **kwargs)
    program, _ = fn.program_for(args, kwargs)  # the plan that just ran (cached)
    seen[:] = [KINDS[s.kernel] if isinstance(s, _program._Launch) else type(s).__name__[1:].lower()
               for s in program.steps]
    return result, list(seen)


@pytest.mark.parametrize("mode", ["symmetric", "zero", "periodization", "reflect"])
def test_2d_levels_are_one_launch_each(launches, mode):
    """wavedec2: levels 1 and 2 in one launch (64 x 64 float32 images: one
    two-level tile spans each, so every mode qualifies), level 3 in another;
    waverec2 level 3 alone, then levels 2 and 1 in one launch; wavedec2's
    adjoint likewise in zero mode and periodization (two syntheses with the
    transposed filters), else one launch per level; waverec2's
    adjoint is a zero-mode wavedec2 (periodization: periodization) with the
    transposed filters, so it takes wavedec2's launches, with no fill or copy
    where the forward trimmed an approximation (db2 on 64: 33 -> 34)."""
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64), dtype=np.float32)  # W3, smaller
    c, seen = count(launches, cw.wavedec2, x, "db2", mode, level=3)
    assert seen == ["fused-2d-two-levels", "fused-2d"]
    _, seen = count(launches, cw.waverec2, c, "db2", mode)
    assert seen == ["fused-2d", "fused-2d-two-level-synthesis"]
    _, seen = count(launches, cw.adjoint.wavedec2, c, "db2", mode, data_shape=x.shape)
    assert seen == (["fused-2d", "fused-2d-two-level-synthesis"]
                    if mode in ("zero", "periodization") else ["fused-2d"] * 3)
    shapes = cw.adjoint.shapes_of(c)
    _, seen = count(launches, cw.adjoint.waverec2, x, "db2", mode, coeff_shapes=shapes)
    assert seen == ["fused-2d-two-levels", "fused-2d"]


@pytest.mark.parametrize("mode", ["symmetric", "zero", "smooth"])
def test_1d_multilevel_transforms_take_a_launch_or_two(launches, mode):
    """W1-like lines: every transform and adjoint in ONE launch for 5 levels;
    longer lines with 9 levels: as many launches as the planners make."""
    rng = np.random.default_rng(1)
    for shape, wavelet, level in (((16, 512), "db4", 5), ((2, 20000), "db5", 9)):
        x = rng.standard_normal(shape)
        bank, m = _wavelets.as_filter_bank(wavelet), _wavelets.as_mode(mode)
        c, seen = count(launches, cw.wavedec, x, wavelet, mode, level=level)
        plan = _fused1d.plan_wavedec(shape, 1, bank, m, level, x.dtype)
        assert seen == ["wavedec-1d"] * len(plan) and 0 not in plan
        _, seen = count(launches, cw.waverec, c, wavelet, mode)
        steps = c2f.waverec_steps(c[0], c[1:], 1, bank, m)
        assert seen == ["coarse-to-fine-1d"] * len(steps) and 0 not in steps
        _, seen = count(launches, cw.adjoint.wavedec, c, wavelet, mode, data_shape=shape)
        assert seen == ["coarse-to-fine-1d"] * len(steps)
        y = rng.standard_normal(pywt_rec_shape(c, wavelet, mode))
        _, seen = count(launches, cw.adjoint.waverec, y, wavelet, mode,
                        coeff_shapes=cw.adjoint.shapes_of(c))
        assert seen and set(seen) == {"wavedec-1d"} and len(seen) <= len(plan) + 1
        if level == 5:
            assert len(seen) == 1 and len(steps) == 1 and len(plan) == 1


def pywt_rec_shape(c, wavelet, mode):
    import pywt
    return pywt.waverec(c, wavelet, mode).shape


def test_every_allocation_on_the_gpu_path_goes_through_the_allocator(launches):
    """cw.allocator routes every array the transforms allocate on the GPU path
    (outputs and intermediates) to the caller: here an arena of one buffer,
    which every leaf of every result must live in, and the hook must have
    been called. (NumPy arrays treated as CuPy ones, as above.)"""
    arena = np.empty(1 << 22)
    used = [0]

    def from_arena(xp, shape, dtype):
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        start = (used[0] + 63) // 64 * 64
        used[0] = start + n
        assert used[0] <= arena.nbytes, "arena too small for this test"
        return arena.view(np.uint8)[start:start + n].view(dtype).reshape(shape)

    rng = np.random.default_rng(2)
    x2 = rng.standard_normal((2, 37, 30))
    x1 = rng.standard_normal((4, 700))
    with cw.allocator(from_arena):
        results = []
        c2 = cw.wavedec2(x2, "db2", "symmetric", level=2)
        results += [c2, cw.waverec2(c2, "db2", "symmetric"),
                    cw.adjoint.wavedec2(c2, "db2", "symmetric", data_shape=x2.shape)]
        c1 = cw.wavedec(x1, "db3", "smooth", level=4)
        results += [c1, cw.waverec(c1, "db3", "smooth"),
                    cw.adjoint.wavedec(c1, "db3", "smooth", data_shape=x1.shape)]
    assert used[0] > 0
    for r in results:
        for leaf in (r if isinstance(r, list) else [r]):
            for a in (leaf if isinstance(leaf, tuple) else [leaf]):
                assert np.shares_memory(a, arena)


@pytest.mark.parametrize("axes, fused", [((1, 1), 0), ((2, 1, 2), 2), ((1, 2, 2), 0)])
def test_repeated_axes_reach_the_fused_2d_kernels_only_as_two_distinct_axes(launches, axes,
                                                                           fused):
    """dwtn / idwtn and their adjoints transform a repeated axis again, as
    pywt; the fused 2D kernel takes the last two axes only where they differ
    (once per subband of the axes before them)."""
    import pywt
    from conftest import assert_same_structure
    x = np.random.default_rng(0).standard_normal((3, 20, 18))
    c, seen = count(launches, cw.dwtn, x, "db2", "symmetric", axes=axes)
    assert seen.count("fused-2d") == fused
    expected = pywt.dwtn(x, "db2", "symmetric", axes=axes)
    assert_same_structure(c, expected, 1e-12)
    y, seen = count(launches, cw.idwtn, c, "db2", "symmetric", axes=axes)
    assert seen.count("fused-2d") == fused
    assert_same_structure(y, pywt.idwtn(expected, "db2", "symmetric", axes=axes), 1e-12)
    # the adjoints against the separable (host) route, i.e. without the routing
    g, seen = count(launches, cw.adjoint.dwtn, c, "db2", "symmetric", axes, data_shape=x.shape)
    assert seen.count("fused-2d") == fused
    h, _ = count(launches, cw.adjoint.idwtn, y, "db2", "symmetric", axes)
    launches_off = pytest.MonkeyPatch()
    launches_off.setattr(_multilevel, "is_cupy", lambda a: False)
    try:
        assert_same_structure(g, cw.adjoint.dwtn(c, "db2", "symmetric", axes, data_shape=x.shape),
                              1e-12)
        assert_same_structure(h, cw.adjoint.idwtn(y, "db2", "symmetric", axes), 1e-12)
    finally:
        launches_off.undo()
