"""bridges.jax: values against pywt, gradients against the explicit transpose of
pywt's forward matrix, eager / jit / vmap paths, dtypes, zero copy, GPU."""
import numpy as np
import pytest
import pywt

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # float64 oracles to 1e-12
import jax.numpy as jnp  # noqa: E402

bj = pytest.importorskip("bridges.jax")

from conftest import assert_leaves_match, gpu_skip, leaves, pywt_matrix, rebuild  # noqa: E402
from cuwavelet import _multilevel as ml  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]
WAVELETS = ["db2", "bior2.2"]


def _jax_gpu() -> bool:
    try:
        import cupy  # noqa: F401
        return bool(jax.devices("gpu"))
    except Exception:
        return False


requires_gpu = gpu_skip(_jax_gpu(), "a JAX GPU device (jax[cuda12] or jax[cuda13])")


def assert_matches(ours, ref, atol):
    assert_leaves_match(ours, ref, atol, jax.Array, np.asarray)


def cases(dims, wavelet, mode):
    """(pywt forward, our forward on a leading batch axis, pywt inverse, our inverse)."""
    if dims == 1:
        return (lambda x: pywt.wavedec(x, wavelet, mode, level=2),
                lambda x: bj.wavedec(x, wavelet, mode, level=2, axis=-1),
                lambda c: pywt.waverec(c, wavelet, mode),
                lambda c: bj.waverec(c, wavelet, mode, axis=-1))
    if dims == 2:
        return (lambda x: pywt.wavedec2(x, wavelet, mode, level=2),
                lambda x: bj.wavedec2(x, wavelet, mode, level=2, axes=(-2, -1)),
                lambda c: pywt.waverec2(c, wavelet, mode),
                lambda c: bj.waverec2(c, wavelet, mode, axes=(-2, -1)))
    return (lambda x: pywt.wavedecn(x, wavelet, mode, level=1),
            lambda x: bj.wavedecn(x, wavelet, mode, level=1, axes=(-3, -2, -1)),
            lambda c: pywt.waverecn(c, wavelet, mode),
            lambda c: bj.waverecn(c, wavelet, mode, axes=(-3, -2, -1)))


GRAD_CASES = [(1, (7,)), (1, (8,)), (2, (5, 6)), (2, (6, 8)), (3, (3, 4, 5))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("dims,shape", GRAD_CASES)
def test_vjps_are_transposes_of_pywt_matrices(dims, shape, wavelet, mode):
    fwd_ref, fwd, inv_ref, inv = cases(dims, wavelet, mode)
    # forward: a batch of M zero inputs, cotangent e_b on batch b -> row b of A
    A = pywt_matrix(fwd_ref, shape)
    m, n = A.shape
    coeffs, vjp = jax.vjp(fwd, jnp.zeros((m,) + shape))
    eye = jnp.eye(m)
    sizes = [int(np.prod(t.shape[1:])) for t in leaves(coeffs)]
    parts = jnp.split(eye, np.cumsum(sizes)[:-1], axis=1)
    cot = rebuild(coeffs, [p.reshape(t.shape) for p, t in zip(parts, leaves(coeffs))])
    (grad,) = vjp(cot)
    np.testing.assert_allclose(np.asarray(grad).reshape(m, n), A, rtol=0, atol=1e-12)

    # inverse: coefficients with a batch of K, cotangent e_b on output b -> row b of B
    template = fwd_ref(np.zeros(shape))
    tsizes = [v.size for v in leaves(template)]

    def from_vector(v):
        ps = np.split(v, np.cumsum(tsizes)[:-1])
        return rebuild(template, [p.reshape(t.shape) for p, t in zip(ps, leaves(template))])

    B = pywt_matrix(lambda v: inv_ref(from_vector(v.ravel())), (sum(tsizes),))
    k = B.shape[0]
    zeros = rebuild(template, [jnp.zeros((k,) + t.shape) for t in leaves(template)])
    y, vjp = jax.vjp(inv, zeros)
    (gc,) = vjp(jnp.eye(k).reshape(y.shape))
    got = np.concatenate([np.asarray(g).reshape(k, -1) for g in leaves(gc)], axis=1)
    np.testing.assert_allclose(got, B, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "antireflect"])
def test_grad_of_a_wavelet_loss_eager_and_jit(mode):
    x = np.random.default_rng(0).standard_normal((9, 10))
    A = pywt_matrix(lambda v: pywt.wavedec2(v, "bior2.2", mode, level=2), x.shape)
    w = np.random.default_rng(1).standard_normal(A.shape[0])
    template = bj.wavedec2(jnp.asarray(x), "bior2.2", mode, level=2)
    wc = rebuild(template, np.split(w, np.cumsum([t.size for t in leaves(template)])[:-1]))

    def loss(v):
        c = bj.wavedec2(v, "bior2.2", mode, level=2)
        return sum(jnp.vdot(jnp.asarray(wi).reshape(t.shape), t) for wi, t in
                   zip(leaves(wc), leaves(c)))

    expected = (A.T @ w).reshape(x.shape)
    for g in (jax.grad(loss)(jnp.asarray(x)), jax.jit(jax.grad(loss))(jnp.asarray(x))):
        np.testing.assert_allclose(np.asarray(g), expected, rtol=0, atol=1e-12)

    # second order: grad of <v, grad(||Ax||^2 / 2)> is A^T A v
    energy = lambda v: sum(jnp.sum(t ** 2) for t in leaves(bj.wavedec2(v, "bior2.2", mode, level=2))) / 2
    v = np.random.default_rng(2).standard_normal(x.shape)
    hv = jax.grad(lambda u: jnp.vdot(jnp.asarray(v), jax.grad(energy)(u)))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(hv).ravel(), A.T @ (A @ v.ravel()), rtol=0, atol=1e-11)


# --- values ------------------------------------------------------------------------

CUSTOM = pywt.Wavelet("custom", filter_bank=pywt.Wavelet("sym3").filter_bank)
RNG = np.random.default_rng(3)
X1, X2, X3 = RNG.standard_normal((3, 19)), RNG.standard_normal((2, 9, 12)), RNG.standard_normal((5, 6, 7))

VALUE_CASES = {
    "dwt": (lambda m, x: m.dwt(x, "db3", "smooth", axis=0), X2),
    "wavedec": (lambda m, x: m.wavedec(x, "coif1", "periodization", level=2), X1),
    "wavedec_custom": (lambda m, x: m.wavedec(x, CUSTOM, "reflect"), X1),
    "dwt2": (lambda m, x: m.dwt2(x, "bior1.3", "antireflect", axes=(0, 2)), X2),
    "wavedec2": (lambda m, x: m.wavedec2(x, "db2", "symmetric"), X2),
    "dwtn": (lambda m, x: m.dwtn(x, "db1", "periodic"), X3),
    "wavedecn": (lambda m, x: m.wavedecn(x, ["db1", "db2", "sym2"], "zero", level=1), X3),
}

INVERSE_CASES = {
    "idwt": (lambda m, c: m.idwt(None, c[1], "db3", "smooth", axis=0),
             lambda m: m.dwt(X2, "db3", "smooth", axis=0)),
    "waverec": (lambda m, c: m.waverec(c, "coif1", "periodization"),
                lambda m: m.wavedec(X1, "coif1", "periodization", level=2)),
    "idwt2": (lambda m, c: m.idwt2((c[0], (None, c[1][1], c[1][2])), "bior1.3", "antireflect",
                                    axes=(0, 2)),
              lambda m: m.dwt2(X2, "bior1.3", "antireflect", axes=(0, 2))),
    "waverec2": (lambda m, c: m.waverec2(c, "db2", "symmetric"), lambda m: m.wavedec2(X2, "db2")),
    "idwtn": (lambda m, c: m.idwtn(c, "db1", "periodic"), lambda m: m.dwtn(X3, "db1", "periodic")),
    "waverecn": (lambda m, c: m.waverecn(c, "db2", "zero", axes=(0, 2)),
                 lambda m: m.wavedecn(X3, "db2", "zero", level=2, axes=(0, 2))),
}


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", VALUE_CASES)
def test_forward_values_match_pywt(name, jit):
    fn, x = VALUE_CASES[name]
    ours = (jax.jit(lambda v: fn(bj, v)) if jit else (lambda v: fn(bj, v)))(jnp.asarray(x))
    assert_matches(ours, fn(pywt, x), atol=1e-12)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", INVERSE_CASES)
def test_inverse_values_match_pywt(name, jit):
    inv, make = INVERSE_CASES[name]
    coeffs = make(pywt)
    as_jax = rebuild(coeffs, [None if v is None else jnp.asarray(v) for v in leaves(coeffs)])
    ours = (jax.jit(lambda c: inv(bj, c)) if jit else (lambda c: inv(bj, c)))(as_jax)
    assert_matches(ours, inv(pywt, coeffs), atol=1e-12)


def test_vmap_matches_a_batched_call():
    xs = jnp.asarray(RNG.standard_normal((4, 3, 10, 11)))
    f = lambda x: bj.wavedec2(x, "db2", "reflect", level=2)
    assert_matches(jax.vmap(f)(xs), pywt.wavedec2(np.asarray(xs), "db2", "reflect", level=2),
                   atol=1e-12)
    g = jax.vmap(jax.grad(lambda x: sum(jnp.sum(jnp.sin(t)) for t in leaves(f(x)))))(xs)
    g_ref = jax.grad(lambda x: sum(jnp.sum(jnp.sin(t)) for t in leaves(f(x))))(xs)
    np.testing.assert_allclose(np.asarray(g), np.asarray(g_ref), rtol=0, atol=1e-12)


def test_complex_values_and_vjp_is_core_adjoint():
    import cuwavelet.adjoint as adj
    z = RNG.standard_normal((2, 11)) + 1j * RNG.standard_normal((2, 11))
    ours, vjp = jax.vjp(lambda v: bj.wavedec(v, "db2", "symmetric", level=2), jnp.asarray(z))
    assert_matches(ours, pywt.wavedec(z, "db2", "symmetric", level=2), atol=1e-12)
    g = [RNG.standard_normal(t.shape) + 1j * RNG.standard_normal(t.shape) for t in ours]
    (grad,) = vjp([jnp.asarray(v) for v in g])
    expected = adj.wavedec(g, "db2", "symmetric", data_shape=z.shape)
    np.testing.assert_allclose(np.asarray(grad), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_low_precision_in_and_out(dtype):
    x32 = RNG.standard_normal((2, 16, 20)).astype(np.float32)
    ours = bj.wavedec2(jnp.asarray(x32, dtype=dtype), "db2", level=2)
    ref = bj.wavedec2(jnp.asarray(x32, dtype=dtype).astype(jnp.float32), "db2", level=2)
    for o, r in zip(leaves(ours), leaves(ref)):
        assert o.dtype == dtype
        np.testing.assert_allclose(np.asarray(o, np.float32), np.asarray(r), rtol=0,
                                   atol=0.05 * float(jnp.abs(r).max()))
    g = jax.grad(lambda v: sum(jnp.sum(t.astype(jnp.float32) ** 2)
                               for t in leaves(bj.wavedec2(v, "db2", level=2))))(
        jnp.asarray(x32, dtype=dtype))
    assert g.dtype == dtype


def test_float32_and_ints_like_pywt():
    x = RNG.standard_normal((4, 32)).astype(np.float32)
    ours = bj.wavedec(jnp.asarray(x), "db2", "zero")
    assert all(t.dtype == jnp.float32 for t in ours)
    assert_matches(ours, pywt.wavedec(x, "db2", "zero"), atol=1e-5)
    assert bj.dwt(jnp.arange(8), "db1")[0].dtype == jnp.float64


@pytest.mark.parametrize("name", ["wavedec", "wavedec2", "wavedecn"])
@pytest.mark.parametrize("dtype", [np.int32, np.bool_, np.float32])
def test_level_zero_returns_the_data_as_given_like_pywt(name, dtype):
    x = (np.arange(24).reshape(4, 6) % 5).astype(dtype)
    (ours,), (ref,) = getattr(bj, name)(jnp.asarray(x), "db2", level=0), \
        getattr(pywt, name)(x, "db2", level=0)
    assert ours.dtype == ref.dtype == dtype
    np.testing.assert_array_equal(np.asarray(ours), ref)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled primitive", "dlpack"])
def test_eager_cpu_path_is_zero_copy(monkeypatch, compiled):
    """Both eager routes: the compiled primitive (the core on XLA's buffers,
    writing into its outputs) and DLPack (XLA adopts the core's aligned arrays)."""
    monkeypatch.setattr(bj, "EAGER_COMPILED", compiled)
    on_buffers, original_on_buffers = [], bj._on_cpu_buffers
    monkeypatch.setattr(bj, "_on_cpu_buffers",
                        lambda *a: on_buffers.append(1) or original_on_buffers(*a))
    seen = {}
    for name in ("dwtn", "idwtn"):
        original = getattr(ml, name)

        def spy(data, *args, _original=original, _name=name):
            out = _original(data, *args)
            seen[_name] = (data, out)
            return out
        monkeypatch.setattr(ml, name, spy)
    x = jnp.asarray(RNG.standard_normal((4, 64)))
    cA, cD = bj.dwt(x, "db2", "periodization")
    given, out = seen["dwtn"]
    assert given.ctypes.data == x.unsafe_buffer_pointer()
    # 64-byte aligned subbands here (4 x 32 float64 each): adopted without a copy
    assert cA.unsafe_buffer_pointer() == out["a"].ctypes.data
    assert cD.unsafe_buffer_pointer() == out["d"].ctypes.data
    y = bj.idwt(cA, cD, "db2", "periodization")
    given, out = seen["idwtn"]
    assert given["a"].ctypes.data == cA.unsafe_buffer_pointer()
    assert y.unsafe_buffer_pointer() == out.ctypes.data
    np.testing.assert_allclose(np.asarray(y), np.asarray(x), rtol=0, atol=1e-12)
    assert bool(on_buffers) == compiled  # the route each took


@requires_gpu
@pytest.mark.gpu
def test_gpu_values_and_gradients():
    gpu = jax.devices("gpu")[0]
    x = RNG.standard_normal((2, 3, 17, 20))
    xg = jax.device_put(jnp.asarray(x), gpu)
    c = bj.wavedec2(xg, "bior2.2", "antireflect", level=2)
    assert_matches(c, pywt.wavedec2(x, "bior2.2", "antireflect", level=2), atol=1e-12)
    assert next(iter(c[0].devices())).platform == "gpu"
    loss = lambda v: sum(jnp.sum(jnp.sin(t)) for t in leaves(bj.wavedec2(v, "bior2.2",
                                                                          "antireflect", level=2)))
    g_gpu, g_jit = jax.grad(loss)(xg), jax.jit(jax.grad(loss))(xg)
    g_cpu = np.asarray(jax.grad(loss)(jnp.asarray(x)))
    # XLA may sum in another order under jit: rounding on the gradient's scale
    atol = 1e-12 * max(1.0, float(np.abs(g_cpu).max()))
    np.testing.assert_allclose(np.asarray(g_gpu), g_cpu, rtol=0, atol=atol)
    np.testing.assert_allclose(np.asarray(g_jit), g_cpu, rtol=0, atol=atol)


# --- forward mode, second order, vmap: the level operations as linear primitives ----

def _flat(c):
    return jnp.concatenate([jnp.ravel(t) for t in leaves(c)])


def _unflatten(v, template):
    """v (NumPy or JAX, 1D) cut into template's leaves (pywt structure)."""
    sizes = [t.size for t in leaves(template)]
    stops = np.cumsum(sizes)
    return rebuild(template, [v[s - n:s].reshape(t.shape)
                              for s, n, t in zip(stops, sizes, leaves(template))])


def linear_cases(mode):
    """name -> (fn(module, input), input shape): forward transforms of arrays and
    inverse transforms of a coefficient vector (pywt's structure for that shape)."""
    t1 = pywt.wavedec(np.zeros(13), "db2", mode, level=2)
    t2 = pywt.wavedec2(np.zeros((7, 6)), "db2", mode, level=2)
    tn = pywt.wavedecn(np.zeros((4, 5, 3)), "sym2", mode, level=1, axes=(0, 1))
    return {
        "wavedec": (lambda m, x: m.wavedec(x, "db2", mode, level=2), (13,)),
        "wavedec2": (lambda m, x: m.wavedec2(x, "bior2.2", mode, level=2), (5, 6)),
        "wavedecn": (lambda m, x: m.wavedecn(x, "db1", mode, level=1), (3, 4, 3)),
        "waverec": (lambda m, v: m.waverec(_unflatten(v, t1), "db2", mode),
                    (sum(t.size for t in leaves(t1)),)),
        "waverecn": (lambda m, v: m.waverecn(_unflatten(v, tn), "sym2", mode, axes=(0, 1)),
                     (sum(t.size for t in leaves(tn)),)),
        # (two levels: one primitive with pywt's trim of each approximation)
        "waverec2": (lambda m, v: m.waverec2(_unflatten(v, t2), "db2", mode),
                     (sum(t.size for t in leaves(t2)),)),
    }


def _matrix(fn, shape):
    """pywt's matrix of fn (a forward transform, or an inverse of a coefficient vector)."""
    return pywt_matrix(lambda x: fn(pywt, x), shape)


FORWARD_MODES = ["zero", "symmetric", "periodization", "antireflect", "smooth"]


@pytest.mark.parametrize("mode", FORWARD_MODES)
@pytest.mark.parametrize("name", ["wavedec", "wavedec2", "wavedecn", "waverec", "waverecn",
                                  "waverec2"])
def test_jacfwd_equals_jacrev_and_pywt_matrix_under_jit(name, mode):
    fn, shape = linear_cases(mode)[name]
    A = _matrix(fn, shape)
    g = lambda x: _flat(fn(bj, x))
    x = jnp.asarray(RNG.standard_normal(shape))
    jf = np.asarray(jax.jit(jax.jacfwd(g))(x)).reshape(A.shape)
    jr = np.asarray(jax.jit(jax.jacrev(g))(x)).reshape(A.shape)
    np.testing.assert_allclose(jf, A, rtol=0, atol=1e-12)
    np.testing.assert_allclose(jr, A, rtol=0, atol=1e-12)
    np.testing.assert_allclose(jf, jr, rtol=0, atol=1e-12)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", ["wavedec2", "waverec"])
def test_jvp_is_the_transform_of_the_tangent(name, jit):
    fn, shape = linear_cases("reflect")[name]
    x, t = RNG.standard_normal(shape), RNG.standard_normal(shape)
    ours = lambda v: fn(bj, v)
    jvp = jax.jit(lambda a, b: jax.jvp(ours, (a,), (b,))) if jit else \
        (lambda a, b: jax.jvp(ours, (a,), (b,)))
    primal, tangent = jvp(jnp.asarray(x), jnp.asarray(t))
    assert_matches(primal, fn(pywt, x), atol=1e-12)
    assert_matches(tangent, fn(pywt, t), atol=1e-12)


def test_waverec2_with_absent_details_is_one_primitive_each_way():
    """A 2D waverec of three levels with some details None (zeros) and an
    approximation one sample longer than the next details (pywt's trim): one
    waverec primitive forward and its transpose backward; values pywt's, the
    gradient of <w, y> pywt's adjoint (its matrix's transpose applied to w)."""
    c = pywt.wavedec2(RNG.standard_normal((2, 23, 18)), "db2", "smooth", level=3)
    c[1] = (None, c[1][1], None)
    c[3] = (c[3][0], None, c[3][2])
    cj = [jnp.asarray(c[0])] + [tuple(None if d is None else jnp.asarray(d) for d in level)
                                for level in c[1:]]
    want = pywt.waverec2(c, "db2", "smooth")
    w = jnp.asarray(RNG.standard_normal(want.shape))

    def loss(cs):
        return jnp.vdot(w, bj.waverec2(cs, "db2", "smooth"))
    jaxpr = str(jax.make_jaxpr(jax.grad(loss))(cj))
    assert jaxpr.count("cuwavelet_waverec[") == 1 and "cuwavelet_idwtn" not in jaxpr
    assert jaxpr.count("cuwavelet_waverec_adjoint") == 1
    np.testing.assert_allclose(np.asarray(jax.jit(lambda cs: bj.waverec2(cs, "db2", "smooth"))(
        cj)), want, rtol=0, atol=1e-12)
    grads = jax.jit(jax.grad(loss))(cj)
    # d<w, y>/d(coefficient) is the coefficient's column of the synthesis
    # matrix against w: pywt's reconstruction of each unit coefficient
    flat = [(i, j) for i, level in enumerate(cj) for j, v in
            enumerate([level] if i == 0 else level) if v is not None]
    for i, j in flat:
        g = np.asarray(grads[0] if i == 0 else grads[i][j])
        ref_shape = g.shape
        for index in [(0, 0, 0), tuple(n - 1 for n in ref_shape)]:
            unit = [np.zeros_like(c[0])] + [tuple(None if d is None else np.zeros_like(d)
                                                  for d in level) for level in c[1:]]
            target = unit[0] if i == 0 else unit[i][j]
            target[index] = 1.0
            column = pywt.waverec2(unit, "db2", "smooth")
            assert abs(g[index] - float(np.vdot(np.asarray(w), column))) <= 1e-12 * max(
                1.0, float(np.abs(column).sum() * np.abs(np.asarray(w)).max()))


def test_jvp_through_a_nonlinear_loss_is_the_chain_rule():
    x, t = RNG.standard_normal((2, 9, 10)), RNG.standard_normal((2, 9, 10))
    loss = lambda v: sum(jnp.sum(jnp.sin(c)) for c in leaves(bj.wavedec2(v, "db2", "zero", level=2)))
    _, dl = jax.jvp(loss, (jnp.asarray(x),), (jnp.asarray(t),))
    # <grad, t> from reverse mode: forward and reverse agree on every direction
    np.testing.assert_allclose(float(dl), float(jnp.vdot(jax.grad(loss)(jnp.asarray(x)), t)),
                               rtol=1e-12, atol=0)
    # and with pywt: the loss' derivative is <cos(A x), A t>
    ref = sum(np.vdot(np.cos(a), b) for a, b in zip(leaves(pywt.wavedec2(x, "db2", "zero", level=2)),
                                                    leaves(pywt.wavedec2(t, "db2", "zero", level=2))))
    np.testing.assert_allclose(float(dl), ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("mode", ["symmetric", "periodization"])
def test_hessian_of_a_weighted_quadratic_loss(mode):
    fn, shape = linear_cases(mode)["wavedec2"]
    A = _matrix(fn, shape)
    w = RNG.uniform(0.5, 2.0, A.shape[0])
    loss = lambda x: 0.5 * jnp.sum(jnp.asarray(w) * _flat(fn(bj, x)) ** 2)
    expected = A.T @ (w[:, None] * A)  # A^T diag(w) A
    x = jnp.asarray(RNG.standard_normal(shape))
    n = A.shape[1]
    for h in (jax.jit(jax.hessian(loss))(x), jax.jit(jax.jacfwd(jax.jacrev(loss)))(x),
              jax.jacrev(jax.jacfwd(loss))(x)):
        np.testing.assert_allclose(np.asarray(h).reshape(n, n), expected, rtol=0,
                                   atol=1e-12 * np.abs(expected).max())


def _count(jaxpr, name):
    return sum(eqn.primitive.name == name for eqn in jaxpr.jaxpr.eqns)


def test_vmap_is_one_batched_call_on_any_axis():
    xs = RNG.standard_normal((10, 4, 11))  # mapped over axis 1
    f = lambda x: bj.wavedec(x, "db3", "antisymmetric", level=3)
    jaxpr = jax.make_jaxpr(jax.vmap(f, in_axes=1))(jnp.asarray(xs))
    # one for the whole transform: not one per batch entry, nor per level
    assert _count(jaxpr, "cuwavelet_wavedec") == 1 and _count(jaxpr, "cuwavelet_dwtn") == 0
    ours = jax.jit(jax.vmap(f, in_axes=1))(jnp.asarray(xs))
    assert_matches(ours, pywt.wavedec(np.moveaxis(xs, 1, 0), "db3", "antisymmetric", level=3),
                   atol=1e-12)


def test_vmap_over_some_coefficients_broadcasts_the_others():
    cA, cDs = RNG.standard_normal(9), RNG.standard_normal((5, 9))  # one cA, 5 batches of cD
    f = lambda d: bj.waverec([jnp.asarray(cA), d], "sym3", "periodic")
    jaxpr = jax.make_jaxpr(jax.vmap(f))(jnp.asarray(cDs))
    assert _count(jaxpr, "cuwavelet_idwtn") == 1
    ours = np.asarray(jax.vmap(f)(jnp.asarray(cDs)))
    ref = np.stack([pywt.waverec([cA, d], "sym3", "periodic") for d in cDs])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    # its Jacobian in cD: pywt's synthesis matrix restricted to the detail columns
    B = pywt_matrix(lambda v: pywt.waverec([np.zeros(9), v], "sym3", "periodic"), (9,))
    J = jax.vmap(jax.jacfwd(f))(jnp.asarray(cDs))
    np.testing.assert_allclose(np.asarray(J), np.broadcast_to(B, J.shape), rtol=0, atol=1e-12)


# --- under jit: the core on XLA's own buffers ----------------------------------------

def _spy_core(monkeypatch, name):
    """The first argument of every call of cuwavelet._multilevel's `name`."""
    seen = []
    original = getattr(ml, name)

    def spy(data, *args):
        seen.append(data)
        return original(data, *args)
    monkeypatch.setattr(ml, name, spy)
    return seen


def test_jit_runs_the_core_on_xla_buffers(monkeypatch):
    seen = _spy_core(monkeypatch, "wavedec")  # (2+ levels: one call for the transform)
    x = jnp.asarray(RNG.standard_normal((4, 40)))
    f = jax.jit(lambda v: bj.wavedec(v, "db2", "symmetric", level=2))
    assert "xla_buffer_python_cpu_callback" in f.lower(x).as_text()
    ours = f(x)
    assert seen[0].ctypes.data == x.unsafe_buffer_pointer()  # the jit argument itself
    assert not seen[0].flags.writeable
    assert_matches(ours, pywt.wavedec(np.asarray(x), "db2", "symmetric", level=2), atol=1e-12)


def test_jit_writes_whole_results_straight_into_xla_outputs(monkeypatch):
    """Under jit a level operation whose plan allocates its results whole
    (here the CPU's inverse levels) writes them into XLA's output buffers:
    nothing is copied after the core call, and the values are pywt's."""
    copies = []
    original = np.copyto

    def counting(dst, src, *args, **kwargs):
        copies.append(dst.shape)
        return original(dst, src, *args, **kwargs)
    monkeypatch.setattr(bj.np, "copyto", counting)
    c = pywt.wavedec2(RNG.standard_normal((2, 30, 26)), "db2", "symmetric", level=2)
    cj = [jnp.asarray(c[0])] + [tuple(jnp.asarray(d) for d in level) for level in c[1:]]
    ours = jax.jit(lambda cs: bj.waverec2(cs, "db2", "symmetric"))(cj)
    np.testing.assert_allclose(np.asarray(ours), pywt.waverec2(c, "db2", "symmetric"),
                               rtol=0, atol=1e-12)
    assert copies == []
    jax.jit(lambda v: bj.wavedec2(v, "db2", "symmetric", level=1))(cj[0])  # CPU subbands: views
    assert copies  # ... copied, as before


def test_pure_callback_fallback_without_buffer_callback(monkeypatch):
    monkeypatch.setattr(bj, "_buffer_callback", None)
    x = RNG.standard_normal((3, 21))
    f = lambda v: bj.wavedec(v, "coif1", "smooth", level=2)
    text = jax.jit(f).lower(jnp.asarray(x)).as_text()
    assert "buffer_python" not in text and "callback" in text
    assert_matches(jax.jit(f)(jnp.asarray(x)), pywt.wavedec(x, "coif1", "smooth", level=2),
                   atol=1e-12)
    A = _matrix(lambda m, v: m.wavedec(v, "coif1", "smooth", level=2), (21,))
    g = lambda v: _flat(f(v))
    np.testing.assert_allclose(np.asarray(jax.jit(jax.jacfwd(g))(jnp.asarray(x[0]))), A,
                               rtol=0, atol=1e-12)


@requires_gpu
@pytest.mark.gpu
def test_gpu_jit_runs_the_kernels_on_xla_buffers_and_stream(monkeypatch):
    import cupy
    seen, streams = [], []
    original = ml.wavedec

    def spy(data, *args):
        seen.append(data)
        streams.append(cupy.cuda.get_current_stream().ptr)
        return original(data, *args)
    monkeypatch.setattr(ml, "wavedec", spy)
    gpu = jax.devices("gpu")[0]
    x = RNG.standard_normal((3, 64, 50))
    xg = jax.device_put(jnp.asarray(x), gpu)
    f = jax.jit(lambda v: bj.wavedec2(v, "db2", "symmetric", level=2))
    assert "xla_buffer_python_gpu_callback" in f.lower(xg).as_text()
    ours = f(xg)
    assert_matches(ours, pywt.wavedec2(x, "db2", "symmetric", level=2), atol=1e-12)
    assert next(iter(ours[0].devices())).platform == "gpu"
    # the transform read the jit argument's device memory in place, on XLA's stream
    assert isinstance(seen[0], cupy.ndarray) and seen[0].data.ptr == xg.unsafe_buffer_pointer()
    assert streams[0] != 0  # XLA's compute stream, not CuPy's default stream


@requires_gpu
@pytest.mark.gpu
def test_gpu_jit_writes_the_fused_subbands_into_xla_outputs(xla_landings):
    """On the GPU the fused 2D levels allocate every subband and image whole,
    so under jit (and eagerly) each lands in XLA's output buffer: no copy."""
    gpu = jax.devices("gpu")[0]
    x = RNG.standard_normal((3, 64, 50))
    xg = jax.device_put(jnp.asarray(x), gpu)
    ours = jax.jit(lambda v: bj.wavedec2(v, "db2", "symmetric", level=2))(xg)
    assert_matches(ours, pywt.wavedec2(x, "db2", "symmetric", level=2), atol=1e-12)
    rec = bj.waverec2(ours, "db2", "symmetric")  # eager: the compiled primitives
    np.testing.assert_allclose(np.asarray(rec), x, rtol=0, atol=1e-10)
    assert xla_landings and all(all(c) for c in xla_landings), xla_landings


@requires_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("mode", ["zero", "periodization", "antireflect"])
def test_gpu_jacfwd_equals_jacrev_and_vmap(mode):
    gpu = jax.devices("gpu")[0]
    for name in ("wavedec2", "waverec"):
        fn, shape = linear_cases(mode)[name]
        A = _matrix(fn, shape)
        g = lambda x: _flat(fn(bj, x))
        x = jax.device_put(jnp.asarray(RNG.standard_normal(shape)), gpu)
        jf = np.asarray(jax.jit(jax.jacfwd(g))(x)).reshape(A.shape)
        jr = np.asarray(jax.jit(jax.jacrev(g))(x)).reshape(A.shape)
        np.testing.assert_allclose(jf, A, rtol=0, atol=1e-12)
        np.testing.assert_allclose(jr, A, rtol=0, atol=1e-12)
    xs = RNG.standard_normal((6, 2, 20, 18))
    f = lambda v: bj.wavedec2(v, "bior2.2", mode, level=2)
    ours = jax.jit(jax.vmap(f))(jax.device_put(jnp.asarray(xs), gpu))
    assert_matches(ours, pywt.wavedec2(xs, "bior2.2", mode, level=2), atol=1e-12)


def test_bench_jax_runs_and_reports_both_paths(tmp_path, capsys, monkeypatch):
    import json
    import sys
    from pathlib import Path
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    monkeypatch.delitem(sys.modules, "bench_jax", raising=False)
    import bench_jax
    out, before = tmp_path / "jax.json", bj._buffer_callback
    bench_jax.main(["--devices", "cpu", "--runs", "2", "--smoke", "--json", str(out)])
    rows = json.loads(out.read_text())["results"]
    assert [r["workload"] for r in rows] == list(bench_jax.WORKLOADS)
    assert all(r[p][op] > 0 for r in rows for p in ("cpu buffers", "cpu copies")
               for op in ("forward", "grad"))
    assert "cpu cp/buf" in capsys.readouterr().out
    assert bj._buffer_callback is before  # the fallback switch was put back


def test_bench_jax_learned_runs_and_reports_both_routes(tmp_path, capsys, monkeypatch):
    """bench_jax.py --learned times the whole and per-operation routes of a
    learned bank (having checked they agree) and puts the switch back."""
    import json
    import sys
    from pathlib import Path
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    monkeypatch.delitem(sys.modules, "bench_jax", raising=False)
    import bench_jax
    out = tmp_path / "learned.json"
    bench_jax.main(["--learned", "--devices", "cpu", "--runs", "2", "--smoke", "--json", str(out)])
    rows = json.loads(out.read_text())["learned"]
    assert [r["workload"] for r in rows] == list(bench_jax.LEARNED_WORKLOADS)
    assert all(r[f"cpu {route}"][op] > 0 for r in rows for route in bench_jax.ROUTES
               for op in ("forward", "grad"))
    assert "cpu op/whole" in capsys.readouterr().out
    assert bj.WHOLE_LEARNED is True


def test_waverecn_skips_leading_empty_levels_as_pywt():
    x = np.random.default_rng(4).standard_normal((8, 6))
    coeffs = pywt.wavedecn(x, "db2", level=2)
    expected = pywt.waverecn([None, {}, dict(coeffs[2])], "db2")
    details = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in coeffs[2].items()}
    got = np.asarray(bj.waverecn([None, {}, details], "db2"), dtype=np.float64)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    with pytest.raises(ValueError, match="At least one coefficient"):
        bj.waverecn([None, {}, {}], "db2")


@pytest.mark.parametrize("jit", [False, True])
def test_a_length_the_mode_cannot_extend_is_a_value_error(jit):
    """pywt's ValueError, at trace time, eager and under jit, fixed and learned
    banks (raised inside the core's callback it would reach the caller
    wrapped in a runtime error)."""
    calls = [lambda a: bj.dwt(a, "db1", "reflect"),
             lambda a: bj.wavedec(a, "db1", "antireflect", level=1),
             lambda a: bj.dwt(a, tuple(jnp.ones(2) for _ in range(4)), "reflect")]
    for call in calls:
        with pytest.raises(ValueError, match="greater than 1 for (anti)?reflect"):
            (jax.jit(call) if jit else call)(jnp.ones(1))
    with pytest.raises(ValueError, match="greater than 1 for reflect"):
        bj.dwt2(jnp.ones((1, 4)), "db1", "reflect")


@pytest.mark.parametrize("jit", [False, True])
def test_subbands_of_different_shapes_are_a_value_error(jit):
    """The core's ValueError for subbands of one level that do not share a
    shape, when the call is traced (jax.eval_shape too), not inside the
    core's callback when it runs."""
    calls = [lambda a, d: bj.idwt(a, d, "db2"),
             lambda a, d: bj.idwt2((a, (a, d, a)), "db2"),
             lambda a, d: bj.waverec2([a, (a, d, a)], "db2")]
    shapes = [((6,), (5,)), ((4, 4), (4, 3)), ((4, 4), (4, 3))]
    for call, (sa, sd) in zip(calls, shapes):
        a, d = jnp.ones(sa), jnp.ones(sd)
        with pytest.raises(ValueError, match="subbands of one level must share a shape"):
            (jax.jit(call) if jit else call)(a, d)
        with pytest.raises(ValueError, match="subbands of one level must share a shape"):
            jax.eval_shape(call, a, d)


@pytest.mark.parametrize("name", ["waverec", "waverec2", "waverecn"])
def test_forward_mode_of_a_multilevel_inverse_with_one_tangent(name):
    """A tangent on the approximation alone (the details' tangents are
    symbolic zeros, absent from the primitive's call): the inverse of it
    with zero details, pywt's trims included, eager and under jit."""
    rng = np.random.default_rng(11)
    dec = {"waverec": pywt.wavedec, "waverec2": pywt.wavedec2, "waverecn": pywt.wavedecn}[name]
    c = dec(rng.standard_normal((2, 13, 11)), "db2", "symmetric", level=3)
    inverse = getattr(bj, name)
    rest = [jax.tree_util.tree_map(jnp.asarray, level) for level in c[1:]]
    ta = rng.standard_normal(c[0].shape)
    expected = getattr(pywt, name)([ta] + [jax.tree_util.tree_map(np.zeros_like, level)
                                           for level in c[1:]], "db2", "symmetric")

    def f(a):
        return inverse([a] + rest, "db2", "symmetric")
    for run in (jax.jvp, jax.jit(jax.jvp, static_argnums=0)):
        _, tangent = run(f, (jnp.asarray(c[0]),), (jnp.asarray(ta),))
        np.testing.assert_allclose(np.asarray(tangent), expected, rtol=0,
                                   atol=1e-12 * np.abs(expected).max())
