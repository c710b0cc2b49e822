"""Boundary extensions evaluated for accuracy and locality, on every kernel route.

pywt evaluates `smooth` as x_e + k (x_e - x_next) and `antireflect` as
differences from the edge samples, so rounding scales with the differences of
the samples, and a non-finite sample reaches only the extended positions whose
extension uses it. cuwavelet's kernels evaluate every extension through one
function (extension_value of kernels/dwt_math.cuh); these tests check it on
every route that extends a signal: the separable host kernels, and through the
thread-block emulator the fused 2D level, the two-level 2D kernel and the fused
multi-level 1D kernel (whose intermediate levels are extended on chip).

* Accuracy: float32 results are no further from a float64 reference than
  pywt's own float32 results are (within a factor 4, over a set of inputs that
  stress the extensions: short signals, deep levels, a large mean).
* Locality: with one infinite or NaN sample, exactly the coefficients pywt
  makes non-finite are non-finite, in every mode and at every position.
* The adjoint routes (separable, fused 2D, fused coarse-to-fine) fold the same
  terms back: their float32 results are within a few ulps of the scale
  (|A|^T |y|) of the float64 transpose of pywt's matrix.
"""
import itertools

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import leaves, pywt_matrix, quiet
from cuwavelet import _fused, _fused1d, _multilevel, _wavelets
from cuwavelet import _fused1d_coarse_to_fine as c2f

MODES = pywt.Modes.modes
EPS32 = float(np.finfo(np.float32).eps)


def banks_modes(wavelet, mode, n):
    return [_wavelets.as_filter_bank(wavelet)] * n, [_wavelets.as_mode(mode)] * n


def as_wavedec2(level1, level2):
    """Two levels of {key: subband} in pywt.wavedec2's structure."""
    return [level2["aa"], tuple(level2[k] for k in ("da", "ad", "dd")),
            tuple(level1[k] for k in ("da", "ad", "dd"))]


# --- the routes: each returns pywt's structure, or None where it does not run ---

def sep1d(x, wavelet, mode, level):
    return cw.wavedec(x, wavelet, mode, level=level)


def fused1d(x, wavelet, mode, level):
    banks, modes = banks_modes(wavelet, mode, 1)
    if not _fused1d.supports(x, x.ndim - 1, banks[0], modes[0], level):
        return None
    return _fused1d.wavedec_levels(x, x.ndim - 1, banks[0], modes[0], level)


def sep2d(x, wavelet, mode, level=2):
    return cw.wavedec2(x, wavelet, mode, level=level)


def fused2d(x, wavelet, mode, level=2):
    """One single-level fused launch per level."""
    banks, modes = banks_modes(wavelet, mode, 2)
    details = []
    for _ in range(level):
        if not _fused.supports("dwt2", x, [0, 1], banks, modes):
            return None
        c = _fused.dwt2_level(x, [0, 1], banks, modes)
        x = c["aa"]
        details.insert(0, (c["da"], c["ad"], c["dd"]))
    return [x] + details


def two_levels(x, wavelet, mode, level=2):
    """Two levels per launch (an even level)."""
    banks, modes = banks_modes(wavelet, mode, 2)
    details = []
    for _ in range(level // 2):
        if _fused.why_not_two_levels(x, [0, 1], banks, modes) is not None:
            return None
        c = as_wavedec2(*_fused.dwt2_two_levels(x, [0, 1], banks, modes))
        x = c[0]
        details[:0] = c[1:]
    return [x] + details


ROUTES_1D = {"separable": sep1d, "fused multi-level": fused1d}
ROUTES_2D = {"separable": sep2d, "fused 2D": fused2d, "two-level 2D": two_levels}


# --- accuracy -------------------------------------------------------------------------

def relative_error(got, ref):
    scale = max(float(np.abs(r).max()) for r in leaves(ref))
    return max(float(np.abs(np.asarray(g, np.float64) - r).max())
               for g, r in zip(leaves(got), leaves(ref))) / scale


SEEDS = range(6)


def stressing_inputs(shapes):
    """float32 data with a large mean and small variations (the extension's
    differences are small, its weights large), in groups of a few draws of
    one shape and mean."""
    for shape, offset in itertools.product(shapes, (0.12573022, 100.0)):
        yield [(offset + 1e-3 * np.random.default_rng(seed).standard_normal(shape))
               .astype(np.float32) for seed in SEEDS]


def assert_no_worse_than_pywt(route, mode, groups):
    """groups: lists of (ours, pywt's float32 result, float64 reference) for
    draws of one configuration. Rounding errors grow from level to level by
    the extension's weights, so which of two equally good evaluations ends
    closer is luck: per group, the worst error over its draws, ours against
    pywt's."""
    groups = [g for g in groups if g]
    assert groups, f"{route} never ran in {mode} mode"
    for runs in groups:
        ours = max(relative_error(got, ref) for got, _, ref in runs)
        theirs = max(relative_error(p32, ref) for _, p32, ref in runs)
        assert ours <= 4 * max(theirs, 4 * EPS32), \
            f"{route}, {mode}, {runs[0][2][0].shape}: float32 error {ours / EPS32:.1f} eps of " \
            f"the transform's scale, pywt's {theirs / EPS32:.1f} eps"


def accuracy_groups(route, forward, mode, wavelets, shapes):
    """Four levels of `route` and of pywt's `forward` on stressing_inputs."""
    for wavelet in wavelets:
        for draws in stressing_inputs(shapes):
            if min(draws[0].shape) < 2 and mode in ("reflect", "antireflect"):
                continue
            runs = []
            for x in draws:
                got = quiet(route, x, wavelet, mode, 4)
                if got is not None:
                    runs.append((got, quiet(forward, x, wavelet, mode, level=4),
                                 quiet(forward, x.astype(np.float64), wavelet, mode, level=4)))
            yield runs


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("route", ROUTES_1D)
def test_wavedec_float32_is_as_accurate_as_pywt(route, mode):
    shapes = [(2, n) for n in (1, 2, 3, 5, 9, 20)]
    assert_no_worse_than_pywt(route, mode, accuracy_groups(
        ROUTES_1D[route], pywt.wavedec, mode, ("db2", "coif4", "sym6", "bior3.5"), shapes))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("route", ROUTES_2D)
def test_wavedec2_float32_is_as_accurate_as_pywt(route, mode):
    shapes = [(1, 1), (1, 2), (2, 2), (2, 3), (5, 6)]
    assert_no_worse_than_pywt(route, mode, accuracy_groups(
        ROUTES_2D[route], pywt.wavedec2, mode, ("db2", "db4", "coif4", "sym6", "bior3.5"), shapes))


def test_the_reported_cases():
    """A single sample decomposed deep into the smooth extension."""
    for fn, x, wavelet in ((cw.wavedec2, np.array([[0.12573022]], np.float32), "coif4"),
                           (cw.wavedec, np.array([0.12573022], np.float32), "coif10")):
        ref = quiet(getattr(pywt, fn.__name__), x.astype(np.float64), wavelet, "smooth", level=4)
        theirs = quiet(getattr(pywt, fn.__name__), x, wavelet, "smooth", level=4)
        ours = quiet(fn, x, wavelet, "smooth", level=4)
        assert relative_error(ours, ref) <= 3 * max(relative_error(theirs, ref), 4 * EPS32)


# --- locality of non-finite samples ----------------------------------------------------

def non_finite(result):
    return [~np.isfinite(np.asarray(v)) for v in leaves(result)]


def assert_same_locality(got, expected, where):
    assert got is not None
    for g, e in zip(non_finite(got), non_finite(expected)):
        np.testing.assert_array_equal(g, e, err_msg=where)


@pytest.mark.parametrize("mode", MODES)
def test_a_non_finite_sample_spreads_as_in_pywt_1d(mode):
    """Every position of a short and a longer line (the extension of a long
    filter bounces over the whole short one), one and two levels, on both routes."""
    ran = 0
    for wavelet, n in (("db2", 8), ("sym6", 5), ("coif2", 23)):
        for i, bad in itertools.product(range(n), (np.inf, np.nan)):
            x = np.linspace(-1.0, 2.0, n)[None].repeat(2, axis=0)
            x[0, i] = bad
            for level in (1, 2):
                expected = quiet(pywt.wavedec, x, wavelet, mode, level=level)
                for route, fn in ROUTES_1D.items():
                    got = quiet(fn, x, wavelet, mode, level)
                    if got is not None:
                        assert_same_locality(got, expected, f"{route} {wavelet} {i} {bad} L{level}")
                        ran += 1
    assert ran >= 100


def fused2d_one_level(x, wavelet, mode):
    banks, modes = banks_modes(wavelet, mode, 2)
    if not _fused.supports("dwt2", x, [0, 1], banks, modes):
        return None
    c = _fused.dwt2_level(x, [0, 1], banks, modes)
    return c["aa"], (c["da"], c["ad"], c["dd"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("route", ["separable", "fused 2D", "two-level 2D"])
def test_a_non_finite_sample_spreads_as_in_pywt_2d(route, mode):
    """Every position of a small image (corners extend along both axes), one
    level (not the two-level kernel) and two."""
    one_level = {"separable": cw.dwt2, "fused 2D": fused2d_one_level}.get(route)
    ran = 0
    for wavelet, shape in (("db2", (6, 7)), ("sym4", (4, 5))):
        for (i, j), bad in itertools.product(np.ndindex(shape), (np.inf, np.nan)):
            if (i + j) % 2 != (bad == np.inf):  # each position once, alternating the kind
                continue
            x = np.add.outer(np.linspace(0, 1, shape[0]), np.linspace(-1, 3, shape[1]))
            x[i, j] = bad
            where = f"{route} {wavelet} ({i}, {j}) {bad}"
            if one_level is not None:
                got = quiet(one_level, x, wavelet, mode)
                if got is not None:
                    assert_same_locality(got, quiet(pywt.dwt2, x, wavelet, mode), where)
            got = quiet(ROUTES_2D[route], x, wavelet, mode)
            if got is not None:
                assert_same_locality(got, quiet(pywt.wavedec2, x, wavelet, mode, level=2), where)
                ran += 1
    assert ran >= 10


def test_the_reported_antireflect_case():
    a = np.arange(8.0)
    a[0] = np.inf
    assert cw.dwt(a, "db2", "antireflect")[0][-1] == pytest.approx(
        pywt.dwt(a, "db2", "antireflect")[0][-1], rel=1e-12)


# --- the adjoints fold the same terms -----------------------------------------------------

def adjoint_routes_1d(y, wavelet, mode, data_len):
    """wavedec's adjoint by the separable route and the fused coarse-to-fine one."""
    bank, m = _wavelets.as_filter_bank(wavelet), _wavelets.as_mode(mode)
    data_shape = y[0].shape[:-1] + (data_len,)
    yield "separable", cw.adjoint.wavedec(y, wavelet, mode, data_shape=data_shape)
    lens = [data_len]
    for _ in range(len(y) - 1):
        lens.append(pywt.dwt_coeff_len(lens[-1], bank.length, mode))

    def per_level(a_bar, d_bar, n):
        d = {k: v for k, v in (("a", a_bar), ("d", d_bar)) if v is not None}
        return _multilevel.dwtn_adjoint(d, [1], [bank], [m], data_shape[:1] + (n,))
    yield "coarse-to-fine", c2f.wavedec_adjoint(y[0], y[1:], 1, bank, m, lens, per_level)


@pytest.mark.parametrize("mode", MODES)
def test_adjoints_in_float32_fold_the_extension_accurately(mode):
    """Against the float64 transpose of pywt's matrix, on the scale |A|^T |y|
    that bounds the rounding of any evaluation of A^T y."""
    for wavelet, n, level in (("db2", 9, 2), ("coif2", 5, 3), ("sym4", 30, 2)):
        if n < 2 and mode in ("reflect", "antireflect"):
            continue
        A = quiet(pywt_matrix, lambda v: pywt.wavedec(v, wavelet, mode, level=level), (n,))
        shapes = [c.shape for c in quiet(pywt.wavedec, np.zeros(n), wavelet, mode, level=level)]
        rng = np.random.default_rng(n)
        flat = (50 + rng.standard_normal((2, A.shape[0]))).astype(np.float32)
        y = np.split(flat, np.cumsum([s[0] for s in shapes])[:-1], axis=1)
        ref = flat.astype(np.float64) @ A
        scale = (np.abs(flat).astype(np.float64) @ np.abs(A)).max()
        for route, got in quiet(lambda: list(adjoint_routes_1d(y, wavelet, mode, n))):
            err = np.abs(got - ref).max() / scale
            assert err <= 8 * EPS32, f"{route} {wavelet}: {err / EPS32:.1f} eps"

    # dwt2's adjoint: the separable sweep and the fused kernel
    for wavelet, shape in (("db2", (5, 6)), ("sym4", (3, 9))):
        if min(shape) < 2 and mode in ("reflect", "antireflect"):
            continue
        A = pywt_matrix(lambda v: pywt.dwt2(v, wavelet, mode), shape)
        template = pywt.dwt2(np.zeros(shape), wavelet, mode)
        flat = (50 + np.random.default_rng(1).standard_normal(A.shape[0])).astype(np.float32)
        sizes = np.cumsum([c.size for c in leaves(template)])[:-1]
        parts = [p.reshape(c.shape) for p, c in zip(np.split(flat, sizes), leaves(template))]
        c = {"aa": parts[0], "da": parts[1], "ad": parts[2], "dd": parts[3]}
        ref = (flat.astype(np.float64) @ A).reshape(shape)
        scale = (np.abs(flat).astype(np.float64) @ np.abs(A)).max()
        banks, modes = banks_modes(wavelet, mode, 2)
        routes = {"separable": cw.adjoint.dwtn(c, wavelet, mode, data_shape=shape)}
        if _fused.supports("dwt2_adjoint", c, [0, 1], banks, modes, shape):
            routes["fused 2D"] = _fused.dwt2_adjoint_level(c, [0, 1], banks, modes, shape)
        for route, got in routes.items():
            err = np.abs(got - ref).max() / scale
            assert err <= 8 * EPS32, f"{route} {wavelet}: {err / EPS32:.1f} eps"
