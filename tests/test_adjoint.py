"""cuwavelet.adjoint is the exact transpose of each transform.

Two independent oracles: on small sizes the explicit matrix of pywt's
transform (pywt applied to unit vectors) must equal the transpose of the
matrix of our adjoint (our adjoint applied to unit cotangents); on larger and
complex inputs, the dot-product identity <F x, y> = <x, F* y> must hold to
rounding.
"""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import to_numpy

MODES = pywt.Modes.modes
WAVELETS = ["haar", "db2", "db3", "sym4", "coif1", "bior2.2", "bior3.1", "rbio3.3"]


# --- flattening of coefficient structures ---------------------------------

def is_shape(s):
    return isinstance(s, tuple) and all(isinstance(v, int) for v in s)


def leaves(s):
    if is_shape(s):
        return [s]
    if isinstance(s, dict):
        return [x for k in sorted(s) for x in leaves(s[k])]
    if isinstance(s, (list, tuple)):
        return [x for v in s for x in leaves(v)]
    return [s]


def flatten(s):
    return np.concatenate([np.ravel(to_numpy(a)) for a in leaves(s)])


def unflatten(vec, like, xp=np):
    """vec -> a structure shaped like `like` (arrays or shape tuples)."""
    pos = [0]

    def build(s):
        if isinstance(s, dict):
            return {k: build(s[k]) for k in sorted(s)}
        if isinstance(s, list):
            return [build(v) for v in s]
        if isinstance(s, tuple) and not is_shape(s):
            return tuple(build(v) for v in s)
        shape = tuple(s) if isinstance(s, tuple) else s.shape
        size = int(np.prod(shape))
        out = vec[pos[0]:pos[0] + size].reshape(shape)
        pos[0] += size
        return xp.asarray(out)

    return build(like)


def matrix(fn, n_in, make_input):
    """Columns fn(e_i) flattened."""
    cols = []
    for i in range(n_in):
        e = np.zeros(n_in)
        e[i] = 1.0
        cols.append(flatten(fn(make_input(e))))
    return np.stack(cols, axis=1)


def pywt_refuses(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), False
        except ValueError:
            return None, True


def assert_transpose(forward_matrix, adjoint_matrix):
    assert adjoint_matrix.shape == forward_matrix.T.shape
    np.testing.assert_allclose(adjoint_matrix, forward_matrix.T, rtol=0,
                               atol=1e-12 * max(1.0, np.abs(forward_matrix).max()))


# --- explicit matrices -------------------------------------------------------

@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("mode", MODES)
def test_dwt_and_idwt_adjoint_equal_transpose_of_pywt_matrix(wavelet, mode):
    for n in list(range(1, 11)) + [13]:
        out, refused = pywt_refuses(pywt.dwt, np.zeros(n), wavelet, mode)
        if refused:
            continue
        fwd = matrix(lambda x: pywt.dwt(x, wavelet, mode), n, lambda e: e)
        adj = matrix(lambda c: cw.adjoint.dwt(*c, wavelet, mode, data_shape=(n,)),
                     fwd.shape[0], lambda e: unflatten(e, [o.shape for o in out]))
        assert_transpose(fwd, adj)

        m = out[0].size  # idwt from coefficients of that length
        if pywt_refuses(pywt.idwt, np.zeros(m), np.zeros(m), wavelet, mode)[1]:
            continue
        fwd = matrix(lambda c: pywt.idwt(*c, wavelet, mode), 2 * m,
                     lambda e: (e[:m], e[m:]))
        adj = matrix(lambda y: cw.adjoint.idwt(y, wavelet, mode), fwd.shape[0], lambda e: e)
        assert_transpose(fwd, adj)


@pytest.mark.parametrize("wavelet", ["db2", "bior2.2", "sym3"])
@pytest.mark.parametrize("mode", MODES)
def test_multilevel_1d_adjoint_matrices(wavelet, mode):
    for n, level in [(7, 2), (12, 3), (16, 2)]:
        coeffs, refused = pywt_refuses(pywt.wavedec, np.zeros(n), wavelet, mode, level=level)
        if refused:
            continue
        shapes = [c.shape for c in coeffs]
        fwd = matrix(lambda x: pywt.wavedec(x, wavelet, mode, level=level), n, lambda e: e)
        adj = matrix(lambda c: cw.adjoint.wavedec(c, wavelet, mode, data_shape=(n,)),
                     fwd.shape[0], lambda e: unflatten(e, shapes))
        assert_transpose(fwd, adj)

        fwd = matrix(lambda c: pywt.waverec(c, wavelet, mode), fwd.shape[0],
                     lambda e: unflatten(e, shapes))
        adj = matrix(lambda y: cw.adjoint.waverec(y, wavelet, mode, coeff_shapes=shapes),
                     fwd.shape[0], lambda e: e)
        assert_transpose(fwd, adj)


@pytest.mark.parametrize("wavelet", ["db2", "bior2.2"])
@pytest.mark.parametrize("mode", MODES)
def test_2d_adjoint_matrices(wavelet, mode):
    for shape in [(5, 6), (4, 7)]:
        size = int(np.prod(shape))
        out, refused = pywt_refuses(pywt.wavedec2, np.zeros(shape), wavelet, mode, level=2)
        if refused:
            continue
        shapes = cw.adjoint.shapes_of(out)
        fwd = matrix(lambda x: pywt.wavedec2(x, wavelet, mode, level=2), size,
                     lambda e: e.reshape(shape))
        adj = matrix(lambda c: cw.adjoint.wavedec2(c, wavelet, mode, data_shape=shape),
                     fwd.shape[0], lambda e: unflatten(e, shapes))
        assert_transpose(fwd, adj)

        fwd = matrix(lambda c: pywt.waverec2(c, wavelet, mode), fwd.shape[0],
                     lambda e: unflatten(e, shapes))
        adj = matrix(lambda y: cw.adjoint.waverec2(y, wavelet, mode, coeff_shapes=shapes),
                     fwd.shape[0], lambda e: e.reshape(fwd.shape[0] and _rec_shape(fwd, shape)))
        assert_transpose(fwd, adj)

        single = pywt.dwt2(np.zeros(shape), wavelet, mode)
        s_shapes = cw.adjoint.shapes_of(single)
        fwd = matrix(lambda x: pywt.dwt2(x, wavelet, mode), size, lambda e: e.reshape(shape))
        adj = matrix(lambda c: cw.adjoint.dwt2(c, wavelet, mode, data_shape=shape),
                     fwd.shape[0], lambda e: unflatten(e, s_shapes))
        assert_transpose(fwd, adj)
        rec = pywt.idwt2(single, wavelet, mode).shape
        fwd = matrix(lambda c: pywt.idwt2(c, wavelet, mode), fwd.shape[0],
                     lambda e: unflatten(e, s_shapes))
        adj = matrix(lambda y: cw.adjoint.idwt2(y, wavelet, mode), fwd.shape[0],
                     lambda e: e.reshape(rec))
        assert_transpose(fwd, adj)


def _rec_shape(fwd, data_shape):
    """waverec2 may return one more sample per axis than the data had."""
    rows = fwd.shape[0]
    for extra in [(0, 0), (1, 0), (0, 1), (1, 1)]:
        s = (data_shape[0] + extra[0], data_shape[1] + extra[1])
        if s[0] * s[1] == rows:
            return s
    raise AssertionError("unexpected reconstruction size")


# --- dot-product identities -------------------------------------------------

def random_like(like, rng, complex_=False, xp=np):
    vec = rng.standard_normal(sum(int(np.prod(s if is_shape(s) else s.shape)) for s in leaves(like)))
    if complex_:
        vec = vec + 1j * rng.standard_normal(vec.shape)
    return unflatten(vec, like, xp)


def dot(a, b):
    return np.vdot(flatten(a), flatten(b))


def assert_dot(fx, y, x, fty):
    lhs, rhs = dot(fx, y), dot(x, fty)
    bound = 1e-12 * np.linalg.norm(flatten(fx)) * np.linalg.norm(flatten(y))
    assert abs(lhs - rhs) <= bound, (lhs, rhs, bound)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", ["db3", "bior3.5", "coif2"])
@pytest.mark.parametrize("complex_", [False, True])
def test_dot_product_nd_multilevel(xp, mode, wavelet, complex_):
    rng = np.random.default_rng(7)
    shape = (3, 19, 12, 9)
    x = random_like([shape], rng, complex_, xp)[0]
    for axes, level in [((1, 2, 3), 1), ((3, 1), 2), ((2,), 3)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fx = cw.wavedecn(x, wavelet, mode, level=level, axes=axes)
        shapes = cw.adjoint.shapes_of(fx)
        y = random_like(shapes, rng, complex_, xp)
        assert_dot(fx, y, x, cw.adjoint.wavedecn(y, wavelet, mode, axes=axes, data_shape=shape))
        # inverse: coefficients c -> waverecn(c)
        c = random_like(shapes, rng, complex_, xp)
        rc = cw.waverecn(c, wavelet, mode, axes=axes)
        g = random_like([rc.shape], rng, complex_, xp)[0]
        assert_dot(rc, g, c, cw.adjoint.waverecn(g, wavelet, mode, axes=axes, coeff_shapes=shapes))


@pytest.mark.parametrize("mode", MODES)
def test_dot_product_2d_and_1d_batched(xp, mode):
    rng = np.random.default_rng(3)
    x = xp.asarray(rng.standard_normal((4, 2, 23, 30)))
    for axes in [(-2, -1), (0, 3), (3, 2)]:
        fx = cw.wavedec2(x, "bior2.4", mode, level=2, axes=axes)
        shapes = cw.adjoint.shapes_of(fx)
        y = random_like(shapes, rng, xp=xp)
        assert_dot(fx, y, x, cw.adjoint.wavedec2(y, "bior2.4", mode, axes=axes, data_shape=x.shape))
        rc = cw.waverec2(y, "bior2.4", mode, axes=axes)
        g = xp.asarray(rng.standard_normal(rc.shape))
        assert_dot(rc, g, y, cw.adjoint.waverec2(g, "bior2.4", mode, axes=axes, coeff_shapes=shapes))
    for axis in [0, 2, -1]:
        fx = cw.wavedec(x, "sym5", mode, level=2, axis=axis)
        shapes = cw.adjoint.shapes_of(fx)
        y = random_like(shapes, rng, xp=xp)
        assert_dot(fx, y, x, cw.adjoint.wavedec(y, "sym5", mode, axis=axis, data_shape=x.shape))
        rc = cw.waverec(y, "sym5", mode, axis=axis)
        g = xp.asarray(rng.standard_normal(rc.shape))
        assert_dot(rc, g, y, cw.adjoint.waverec(g, "sym5", mode, axis=axis, coeff_shapes=shapes))


def test_adjoint_is_not_the_inverse_outside_orthogonal_periodization():
    """Guards against an 'adjoint' that is really idwt: they differ for symmetric mode."""
    x = np.random.default_rng(0).standard_normal(10)
    cA, cD = pywt.dwt(x, "db2", "symmetric")
    assert not np.allclose(cw.adjoint.dwt(cA, cD, "db2", "symmetric", data_shape=(10,)),
                           pywt.idwt(cA, cD, "db2", "symmetric")[:10])
    # ...and coincide where theory says so (orthogonal wavelet, even periodization)
    cA, cD = pywt.dwt(x, "db2", "periodization")
    np.testing.assert_allclose(cw.adjoint.dwt(cA, cD, "db2", "periodization", data_shape=(10,)),
                               pywt.idwt(cA, cD, "db2", "periodization"), atol=1e-12)


def test_zero_cotangents_as_none():
    x = np.random.default_rng(1).standard_normal((3, 16))
    cA, cD = cw.dwt(x, "db2")
    full = cw.adjoint.dwt(cA, np.zeros_like(cD), "db2", data_shape=x.shape)
    np.testing.assert_array_equal(cw.adjoint.dwt(cA, None, "db2", data_shape=x.shape), full)
    coeffs = cw.wavedec(x, "db2", level=2)
    with_none = [None, coeffs[1], None]
    zeros = [np.zeros_like(coeffs[0]), coeffs[1], np.zeros_like(coeffs[2])]
    np.testing.assert_allclose(cw.adjoint.wavedec(with_none, "db2", data_shape=x.shape),
                               cw.adjoint.wavedec(zeros, "db2", data_shape=x.shape), atol=1e-14)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "smooth", "antireflect"])
@pytest.mark.parametrize("axes", [(1, 1), (0, 1, 1), (1, 0, 1)])
def test_repeated_axes_adjoint_matrices(mode, axes):
    """dwtn and idwtn transform a repeated axis again (pywt's behaviour); their
    adjoints are the transposes of pywt's matrices."""
    shape = (3, 9)
    size = int(np.prod(shape))
    out = pywt.dwtn(np.zeros(shape), "db2", mode, axes=axes)
    shapes = {k: v.shape for k, v in out.items()}
    fwd = matrix(lambda x: pywt.dwtn(x, "db2", mode, axes=axes), size, lambda e: e.reshape(shape))
    adj = matrix(lambda c: cw.adjoint.dwtn(c, "db2", mode, axes, data_shape=shape),
                 fwd.shape[0], lambda e: unflatten(e, shapes))
    assert_transpose(fwd, adj)

    rec = pywt.idwtn(out, "db2", mode, axes=axes).shape
    fwd = matrix(lambda c: pywt.idwtn(c, "db2", mode, axes=axes), fwd.shape[0],
                 lambda e: unflatten(e, shapes))
    adj = matrix(lambda y: cw.adjoint.idwtn(y, "db2", mode, axes), fwd.shape[0],
                 lambda e: e.reshape(rec))
    assert_transpose(fwd, adj)
    if len(axes) == 2:
        c2 = pywt.dwt2(np.zeros(shape), "db2", mode, axes=axes)
        c2_shapes = cw.adjoint.shapes_of(c2)
        fwd = matrix(lambda x: pywt.dwt2(x, "db2", mode, axes=axes), size,
                     lambda e: e.reshape(shape))
        adj = matrix(lambda c: cw.adjoint.dwt2(c, "db2", mode, axes, data_shape=shape),
                     fwd.shape[0], lambda e: unflatten(e, c2_shapes))
        assert_transpose(fwd, adj)
