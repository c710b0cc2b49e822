"""A learned transform through the JAX bridge as whole primitives
(bridges/jax.py: RUN, TANGENT, BACKWARD over bridges/_learned_kinds.py)
against the same transform through the per-operation route (the kind's
by_operations: the same level loops through the bilinear per-axis
primitives, whose values and derivatives test_bridge_jax_learnable.py checks
against pywt and central differences).

Checked: the route taken (the whole primitives in the jaxpr, no per-axis
ones), outputs, the arrays the forward keeps (the structure both routes
share), reverse mode (jax.vjp with every input a primal), forward mode,
second order, vmap over data (one call) and over banks (per-item banks),
complex data, and absent details."""
import numpy as np
import pytest
import pywt

from conftest import gpu_skip, random

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
bj = pytest.importorskip("bridges.jax")
import jax.numpy as jnp  # noqa: E402
from bridges import _learned_kinds as kinds  # noqa: E402
from cuwavelet._wavelets import as_mode  # noqa: E402

BANK = [np.asarray(f) for f in pywt.Wavelet("sym3").filter_bank]


def _pair(synthesis, scale=1.0):
    lo, hi = (BANK[2], BANK[3]) if synthesis else (BANK[0], BANK[1])
    return jnp.asarray(np.stack([lo, hi]) * scale)


def _coefficients(shape, mode, axes, level, seed, drop=()):
    """(cA, the details flat: coarsest first, key order) of pywt's wavedecn
    of random data, None at the flat indices in `drop`."""
    c = pywt.wavedecn(random(shape, seed=seed), "sym3", mode, level, axes=axes)
    flat = [jnp.asarray(d[key]) for d in c[1:] for key in sorted(d)]
    return [jnp.asarray(c[0])] + [None if i in drop else d for i, d in enumerate(flat)]


def _case(name, dtype=np.float64):
    """(kind with axes counted from the end, ts) of a named case."""
    def data(shape, seed):
        return jnp.asarray(random(shape, dtype, seed=seed))
    sym, per, zero = as_mode("symmetric"), as_mode("periodization"), as_mode("zero")
    if name == "wavedec 1D":
        return kinds.Wavedec((sym,), (-1,), 3), [data((2, 40), 1), _pair(False)]
    if name == "wavedec2":
        return kinds.Wavedec((per, zero), (-2, -1), 2), [data((2, 16, 19), 2), _pair(False),
                                                        _pair(False, 1.1)]
    if name == "wavedecn over two axes":
        return kinds.Wavedec((sym, sym), (-3, -1), 1), [data((9, 2, 10), 3), _pair(False),
                                                       _pair(False)]
    if name == "waverec 1D":
        return kinds.Waverec((sym,), (-1,), True, 2), \
            [*_coefficients((2, 31), "symmetric", (-1,), 2, 4), _pair(True)]
    if name == "waverec2, details absent":
        return kinds.Waverec((zero, zero), (-2, -1), False, 2), \
            [*_coefficients((3, 21, 18), "zero", (-2, -1), 2, 6, drop=(2, 4, 5)),
             _pair(True), _pair(True, 0.9)]
    if name == "swt2":
        return kinds.Swt((-2, -1), 0, 2), [data((3, 8, 8), 8), _pair(False), _pair(False)]
    if name == "iswt":
        return kinds.Waverec((), (-1,), False, 2, True), \
            [data((2, 16), 9), *[data((2, 16), 10 + i) for i in range(2)], _pair(True) / 2]
    raise KeyError(name)


CASES = ["wavedec 1D", "wavedec2", "wavedecn over two axes", "waverec 1D",
         "waverec2, details absent", "swt2", "iswt"]


def _present(ts):
    return [t for t in ts if t is not None]


def _routes(kind, ts):
    """(whole, per-operation): functions of the present entries of ts."""
    mask = [t is not None for t in ts]

    def whole(*given):
        return bj._whole(kind, bj._filled(given, mask))

    def by_operations(*given):
        return bj._by_operations(kind, bj._filled(given, mask))[0]
    return whole, by_operations


def _close(got, want, scale=None):
    for g, w in zip(got, want):
        w = np.asarray(w)
        s = np.abs(w).max() if scale is None else scale
        np.testing.assert_allclose(np.asarray(g), w, rtol=0, atol=1e-12 * max(s, 1e-300))


def _cotangents(outputs, seed):
    return [jnp.asarray(random(o.shape, o.dtype, seed=seed + i)) for i, o in enumerate(outputs)]


@pytest.mark.parametrize("name", CASES)
def test_whole_route_matches_the_per_operation_route(name):
    kind, ts = _case(name)
    given = _present(ts)
    whole, by_operations = _routes(kind, ts)
    out = whole(*given)
    _close(out, by_operations(*given))
    # the arrays the core keeps are the per-operation route's, in its order
    at, mask = bj._at(kind, ts[0].ndim), [t is not None for t in ts]
    core_kept = at.forward([np.asarray(t) if t is not None else None for t in ts], True,
                           bj._direct)[1]
    ref_kept = bj._by_operations(kind, ts, keep=True)[1]
    assert [k is None for k in core_kept] == [k is None for k in ref_kept]
    _close([k for k in core_kept if k is not None], [k for k in ref_kept if k is not None])
    # reverse mode, every input a primal, under jit
    cts = _cotangents(out, 20)
    got = jax.jit(lambda *g: jax.vjp(whole, *g)[1](cts))(*given)
    want = jax.vjp(by_operations, *given)[1](cts)
    _close(got, want)
    # forward mode
    tangents = _cotangents(given, 40)
    _close(jax.jvp(whole, given, tangents)[1], jax.jvp(by_operations, given, tangents)[1])
    assert len(mask) == len(ts)


def test_grad_runs_one_call_each_way():
    """jax.grad of a learned wavedec2 of three levels: one RUN (with keep) and
    one BACKWARD, no per-axis primitive; eagerly and under jit alike."""
    x = jnp.asarray(random((2, 32, 32), seed=1))
    fs = tuple(jnp.asarray(f) for f in BANK)

    def loss(x, fs):
        c = bj.wavedec2(x, fs, "symmetric", level=3)
        return sum((v ** 2).sum() for v in jax.tree_util.tree_leaves(c))
    jaxpr = str(jax.make_jaxpr(jax.grad(loss, argnums=(0, 1)))(x, fs))
    assert jaxpr.count("cuwavelet_learned_run") == 1
    assert jaxpr.count("cuwavelet_learned_backward") == 1
    assert "learned_analysis" not in jaxpr and "learned_tangent" not in jaxpr
    eager = jax.grad(loss, argnums=(0, 1))(x, fs)
    jitted = jax.jit(jax.grad(loss, argnums=(0, 1)))(x, fs)
    _close(jax.tree_util.tree_leaves(eager), jax.tree_util.tree_leaves(jitted))


@pytest.mark.parametrize("name", ["wavedec2", "waverec2, details absent", "swt2"])
def test_second_order(name):
    """A Hessian-vector product of a loss with respect to every input: the
    whole route's rules (RUN's and BACKWARD's JVPs) against the per-operation
    route's."""
    kind, ts = _case(name)
    given = _present(ts)
    whole, by_operations = _routes(kind, ts)
    weights = _cotangents(by_operations(*given), 60)

    def loss(route):
        return lambda *g: sum(jnp.vdot(w, v ** 2) for w, v in zip(weights, route(*g)))
    v = tuple(_cotangents(given, 80))

    def hvp(route):
        return jax.jvp(jax.grad(loss(route), argnums=tuple(range(len(given)))), tuple(given),
                       v)[1]
    _close(jax.jit(lambda: hvp(whole))(), hvp(by_operations))


def test_vmap_over_data_is_one_call_and_over_banks_per_item():
    """vmap of grad over data with one bank: the batch is a batch axis of
    one call (per-example filter gradients where asked for); over banks:
    per-item banks. Both against one call per example."""
    from cuwavelet import _program
    kind, (x, lo_hi, lo_hi2) = _case("wavedec2")
    xs = jnp.stack([x * (1 + 0.1 * i) for i in range(3)])

    def loss(x, f, g):
        return sum((v ** 2).sum() for v in bj._whole(kind, [x, f, g]))
    grad_x = jax.jit(jax.vmap(jax.grad(loss), (0, None, None)))
    grad_x(xs, lo_hi, lo_hi2)
    with _program.counting() as found:
        got = grad_x(xs, lo_hi, lo_hi2)
    # forward: 2 levels x (1 + 2) analyses; backward: as many adjoints
    assert sum(e["kind"] == "per-axis" for e in found) == 12
    assert not any(e["kind"] == "filter-grad" for e in found)
    per_example = jax.vmap(jax.grad(loss, argnums=(0, 1, 2)), (0, None, None))(
        xs, lo_hi, lo_hi2)
    banks = jnp.stack([lo_hi * (1 + 0.05 * i) for i in range(3)])
    per_bank = jax.vmap(jax.grad(loss, argnums=(0, 1, 2)), (None, 0, None))(x, banks, lo_hi2)
    for i in range(3):
        _close([got[i]], [jax.grad(loss)(xs[i], lo_hi, lo_hi2)])
        _close([g[i] for g in per_example], jax.grad(loss, argnums=(0, 1, 2))(
            xs[i], lo_hi, lo_hi2))
        _close([g[i] for g in per_bank], jax.grad(loss, argnums=(0, 1, 2))(
            x, banks[i], lo_hi2))


@pytest.mark.parametrize("name", ["wavedec2", "waverec2, details absent", "swt2"])
def test_forward_mode_jacobians_in_the_filters(name):
    """jacfwd in the filters (their tangents mapped, the filters not), and a
    vmap over data of a jvp in the filters: the whole route's rules against
    the per-operation route's."""
    kind, ts = _case(name)
    given = _present(ts)
    whole, by_operations = _routes(kind, ts)
    filters = tuple(range(len(given) - len(kind.axes), len(given)))
    for got, want in zip(jax.jacfwd(whole, argnums=filters)(*given),
                         jax.jacfwd(by_operations, argnums=filters)(*given)):
        _close(got, want)
    tangent = tuple(_cotangents([given[i] for i in filters], 90))

    def jvp_in_filters(route):
        def one(x):
            return jax.jvp(lambda *f: route(x, *given[1:len(given) - len(f)], *f),
                           tuple(given[i] for i in filters), tangent)[1]
        return one
    xs = jnp.stack([given[0] * (1 + 0.1 * i) for i in range(3)])
    _close(jax.vmap(jvp_in_filters(whole))(xs), jax.vmap(jvp_in_filters(by_operations))(xs))


def test_complex_data():
    """Complex data: JAX's (unconjugated) transposes, in the data's gradient
    and the filters'."""
    for name in ["wavedec 1D", "waverec 1D"]:
        kind, ts = _case(name)
        data = len(ts) - len(kind.axes)  # (the filters: the last entries)
        ts = [t + 1j * jnp.asarray(random(t.shape, seed=99 + i)) if i < data else t
              for i, t in enumerate(ts)]
        given = _present(ts)
        whole, by_operations = _routes(kind, ts)
        out = whole(*given)
        cts = _cotangents(out, 5)
        _close(jax.vjp(whole, *given)[1](cts), jax.vjp(by_operations, *given)[1](cts))


def test_per_operation_route_when_whole_is_off(monkeypatch):
    """bj.WHOLE_LEARNED = False (the benchmarks' switch) takes the
    per-operation route for every transform family: same values and
    gradients, no whole primitive."""
    x = jnp.asarray(random((2, 24, 20), seed=3))
    fs = tuple(jnp.asarray(f) for f in BANK)

    def loss(x, fs):
        c = bj.wavedec2(x, fs, "smooth", level=2)
        s = bj.swt2(x[:, :16, :16], fs, level=2)
        return sum((v ** 2).sum() for v in jax.tree_util.tree_leaves(c)) + \
            (bj.waverec2(c, fs, "smooth") ** 3).sum() + \
            sum((v ** 3).sum() for v in jax.tree_util.tree_leaves(s)) + \
            (bj.iswt2(s, fs) ** 2).sum()
    def grad():  # (a new function per route: JAX caches what it traced per function)
        return jax.grad(lambda *a: loss(*a), argnums=(0, 1))
    whole = jax.tree_util.tree_leaves(grad()(x, fs))
    assert "cuwavelet_learned_run" in str(jax.make_jaxpr(grad())(x, fs))
    monkeypatch.setattr(bj, "WHOLE_LEARNED", False)
    jaxpr = str(jax.make_jaxpr(grad())(x, fs))
    assert "cuwavelet_learned_run" not in jaxpr and "learned_analysis" in jaxpr
    _close(whole, jax.tree_util.tree_leaves(grad()(x, fs)))


def _jax_gpu() -> bool:
    try:
        import cupy  # noqa: F401
        return bool(jax.devices("gpu"))
    except Exception:
        return False


@gpu_skip(_jax_gpu(), "a JAX GPU device (jax[cuda12] or jax[cuda13])")
@pytest.mark.gpu
@pytest.mark.parametrize("name", ["wavedec2", "waverec2, details absent", "swt2"])
def test_gpu_whole_route_matches_cpu(name):
    """On a GPU the whole primitives run the core's CUDA kernels on XLA's
    buffers and stream: outputs and vjp (under jit) against the CPU's."""
    kind, ts = _case(name)
    given = _present(ts)
    whole, _ = _routes(kind, ts)
    cts = _cotangents(whole(*given), 20)
    gpu = jax.devices("gpu")[0]

    def run(arrays, cotangents):
        out, pullback = jax.vjp(whole, *arrays)
        return out, pullback(cotangents)
    want = run(given, cts)
    got = jax.jit(run)([jax.device_put(a, gpu) for a in given],
                       [jax.device_put(c, gpu) for c in cts])
    assert next(iter(got[0][0].devices())).platform == "gpu"
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        _close([g], [w])
