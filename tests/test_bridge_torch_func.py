"""bridges.torch beyond reverse-mode autograd: forward mode, torch.func,
vmap, jit.trace, complex32, waverec's trimming and the public surface.

Oracles: forward mode against the transform of the tangent (every transform
is linear); torch.func's Jacobians against pywt's explicit matrices; vmap
against a loop over the mapped dimension.
"""
import warnings

import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")

import torch.autograd.forward_ad as fwAD  # noqa: E402
from torch.func import grad, jacfwd, jacrev, jvp, vjp, vmap  # noqa: E402

from bridges import _torch_ops as ops  # noqa: E402
from conftest import leaves, pywt_matrix, rebuild, requires_torch_cuda  # noqa: E402
from cuwavelet import _multilevel as ml  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

F64 = torch.float64
MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]


def randn(*shape, seed=0, dtype=F64):
    return torch.randn(shape, dtype=dtype, generator=torch.Generator().manual_seed(seed))


def flat(structure):
    return torch.cat([t.reshape(-1) for t in leaves(structure)])


def close(a, b, scale=None):
    """Equal on the scale of the values: |a - b| <= 64 eps max|b|."""
    a, b = flat(a), flat(b)
    scale = float(b.abs().max()) if scale is None else scale
    assert a.shape == b.shape
    assert float((a - b).abs().max()) <= 64 * torch.finfo(b.dtype).eps * max(scale, 1.0)


# Every public function as (f, an input): the inverses take coefficients.
def _coeffs(fn, x, *args, **kwargs):
    return fn(x, *args, **kwargs)


FUNCTIONS = {
    "dwt": (lambda x: bt.dwt(x, "db2", "smooth", axis=0), lambda: randn(9, 3)),
    "idwt": (lambda c: bt.idwt(c[0], c[1], "db2", "smooth", axis=0),
             lambda: list(bt.dwt(randn(9, 3), "db2", "smooth", axis=0))),
    "wavedec": (lambda x: bt.wavedec(x, "sym3", "antireflect", level=2), lambda: randn(2, 23)),
    "waverec": (lambda c: bt.waverec(c, "sym3", "antireflect"),
                lambda: bt.wavedec(randn(2, 23), "sym3", "antireflect", level=2)),
    "dwt2": (lambda x: bt.dwt2(x, "bior2.2", "periodization"), lambda: randn(2, 7, 6)),
    "idwt2": (lambda c: bt.idwt2(c, "bior2.2", "periodization"),
              lambda: bt.dwt2(randn(2, 7, 6), "bior2.2", "periodization")),
    "wavedec2": (lambda x: bt.wavedec2(x, "db2", "reflect", level=2), lambda: randn(2, 11, 9)),
    "waverec2": (lambda c: bt.waverec2(c, "db2", "reflect"),
                 lambda: bt.wavedec2(randn(2, 11, 9), "db2", "reflect", level=2)),
    "dwtn": (lambda x: bt.dwtn(x, "db1", "symmetric", axes=(0, 2)), lambda: randn(4, 2, 6)),
    "idwtn": (lambda c: bt.idwtn(c, "db1", "symmetric", axes=(0, 2)),
              lambda: bt.dwtn(randn(4, 2, 6), "db1", "symmetric", axes=(0, 2))),
    "wavedecn": (lambda x: bt.wavedecn(x, "haar", "constant", level=2), lambda: randn(5, 6, 4)),
    "waverecn": (lambda c: bt.waverecn(c, "haar", "constant"),
                 lambda: bt.wavedecn(randn(5, 6, 4), "haar", "constant", level=2)),
}


def _tangent_like(structure, seed=7):
    return rebuild(structure, [randn(*t.shape, seed=seed + i) for i, t in
                               enumerate(leaves(structure))])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_forward_mode_is_the_transform_of_the_tangent(name):
    """torch.func.jvp and forward_ad give f(tangent): never zeros or None."""
    f, make = FUNCTIONS[name]
    primal = make()
    tangent = _tangent_like(primal)
    expected = f(tangent)
    out, tan = jvp(f, (primal,), (tangent,))
    close(out, f(primal))
    close(tan, expected)
    assert float(flat(tan).abs().max()) > 0
    with fwAD.dual_level():
        dual = rebuild(primal, [fwAD.make_dual(p, t) for p, t in
                                zip(leaves(primal), leaves(tangent))])
        got = [fwAD.unpack_dual(t).tangent for t in leaves(f(dual))]
    assert all(t is not None for t in got)
    close(got, expected)


def test_forward_mode_complex_and_partial_tangents():
    z = randn(3, 10) + 1j * randn(3, 10, seed=1)
    t = randn(3, 10, seed=2) + 1j * randn(3, 10, seed=3)
    _, tan = jvp(lambda v: bt.wavedec(v, "db2", "symmetric", level=2), (z,), (t,))
    close(tan, bt.wavedec(t, "db2", "symmetric", level=2))
    # a tangent on one coefficient only: the others' tangents are zeros
    a, d = bt.dwt(randn(2, 12), "db3")
    ta = randn(*a.shape, seed=4)
    _, tan = jvp(lambda u: bt.idwt(u, d, "db3"), (a,), (ta,))
    close(tan, bt.idwt(ta, None, "db3"))


def test_forward_mode_of_a_multilevel_inverse_with_one_tangent():
    """A tangent on the approximation alone: the inverse of it with zero
    details, pywt's trims included (the absent details' levels keep their
    shapes)."""
    c = pywt.wavedec2(np.asarray(randn(2, 13, 11)), "db2", "symmetric", level=3)
    primal = [torch.from_numpy(c[0])] + [tuple(torch.from_numpy(d) for d in lv) for lv in c[1:]]
    ta = randn(*c[0].shape, seed=5)
    _, tan = jvp(lambda a: bt.waverec2([a] + primal[1:], "db2", "symmetric"), (primal[0],), (ta,))
    zeros = [tuple(np.zeros_like(d) for d in lv) for lv in c[1:]]
    close(tan, torch.from_numpy(pywt.waverec2([ta.numpy()] + zeros, "db2", "symmetric")))


CASES_1D = [("wavedec", lambda x, m: bt.wavedec(x, "db2", m, level=2),
             lambda x, m: pywt.wavedec(x, "db2", m, level=2), (9,)),
            ("wavedec2", lambda x, m: bt.wavedec2(x, "db2", m, level=1),
             lambda x, m: pywt.wavedec2(x, "db2", m, level=1), (5, 4)),
            ("wavedecn", lambda x, m: bt.wavedecn(x, "db1", m, level=1),
             lambda x, m: pywt.wavedecn(x, "db1", m, level=1), (3, 2, 4))]


@pytest.mark.parametrize("mode", ["zero", "smooth", "periodization", "antireflect"])
@pytest.mark.parametrize("name,ours,ref,shape", CASES_1D)
def test_func_jacobians_are_pywt_matrices(name, ours, ref, shape, mode):
    A = torch.from_numpy(pywt_matrix(lambda v: ref(v, mode), shape))
    x = randn(*shape)

    def f(v):
        return flat(ours(v, mode))
    close(jacrev(f)(x).reshape(A.shape), A)
    close(jacfwd(f)(x).reshape(A.shape), A)
    cot = randn(A.shape[0], seed=1)
    close(grad(lambda v: (f(v) * cot).sum())(x).reshape(-1), A.T @ cot)
    out, pullback = vjp(f, x)
    close(pullback(cot)[0].reshape(-1), A.T @ cot)
    close(out, A @ x.reshape(-1))


def test_hessian_vector_products_through_func():
    """Second order: the loss |W x|^2 has Hessian 2 W^T W; grad of grad works."""
    x = randn(2, 16)
    v = randn(2, 16, seed=1)

    def loss(u):
        return sum(t.square().sum() for t in bt.wavedec(u, "db2", "periodization", level=2))
    hvp = jvp(grad(loss), (x,), (v,))[1]
    # orthogonal wavelet in periodization with even lengths: W^T W = I
    close(hvp, 2 * v)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("in_dim", [0, 1])
def test_vmap_equals_a_loop(name, in_dim):
    f, make = FUNCTIONS[name]
    items = [make() for _ in range(3)]
    items = [rebuild(p, [t * (i + 1) for t in leaves(p)]) for i, p in enumerate(items)]
    stacked = rebuild(items[0], [torch.stack(ts, dim=in_dim) for ts in
                                 zip(*(leaves(p) for p in items))])
    got = vmap(f, in_dims=(in_dim,))(stacked)
    expected = rebuild(f(items[0]), [torch.stack(ts) for ts in
                                     zip(*(leaves(f(p)) for p in items))])
    close(got, expected)


def test_fswavedecn_results_through_vmap_and_jacrev():
    """fswavedecn's result is a pytree (its coefficients the leaf): vmap
    against a loop and against pywt, jacrev against pywt's explicit matrix."""
    x = torch.randn(3, 12, 10, dtype=F64)
    mapped = vmap(lambda v: bt.fswavedecn(v, "db2", "periodic", levels=2))(x)
    assert isinstance(mapped, bt.FswavedecnResult) and mapped.coeffs.shape[0] == 3
    for i in range(3):
        ref = pywt.fswavedecn(x[i].numpy(), "db2", "periodic", levels=2)
        close(mapped.coeffs[i], torch.from_numpy(ref.coeffs))
        assert mapped.coeff_slices == ref.coeff_slices
    close(vmap(bt.fswaverecn)(mapped), x)
    u = torch.randn(6, 5, dtype=F64)
    jac = jacrev(lambda v: bt.fswavedecn(v, "db1", "zero", levels=1).coeffs)(u)
    matrix = np.stack([pywt.fswavedecn(e.reshape(6, 5), "db1", "zero", levels=1).coeffs.ravel()
                       for e in np.eye(30)], axis=1)
    close(jac.reshape(matrix.shape[0], 30), torch.from_numpy(matrix))


def test_vmap_folds_the_mapped_dimension_into_one_call(monkeypatch):
    """One core call for a whole vmapped batch, not one per index."""
    calls = []
    for name in ("wavedec", "dwtn", "idwtn", "wavedec_adjoint"):
        original = getattr(ml, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(ml, name, spy)
    x = randn(7, 2, 20)
    vmap(lambda v: bt.wavedec(v, "db2", level=2))(x)
    # one wavedec, not seven (its two levels run as dwtn steps when its plan
    # is recorded; a cached plan replays them without calling dwtn)
    assert calls.count("wavedec") == 1 and calls.count("dwtn") <= 2 and len(calls) <= 3
    calls.clear()
    per_sample = vmap(grad(lambda v: bt.wavedec(v, "db2", level=2)[0].square().sum()))(x)
    assert calls.count("wavedec") == 1 and calls.count("wavedec_adjoint") == 1
    assert len(calls) <= 4  # and at most its two levels
    loop = torch.stack([grad(lambda v: bt.wavedec(v, "db2", level=2)[0].square().sum())(x[i])
                        for i in range(7)])
    close(per_sample, loop)


def test_jit_trace_records_the_ops_and_replays_them():
    x = randn(3, 40)
    traced = torch.jit.trace(lambda v: bt.wavedec(v, "db2"), (x,))  # level=None
    assert "cuwavelet::wavedec" in str(traced.graph)
    y = randn(3, 40, seed=1)
    close(traced(y), bt.wavedec(y, "db2"))
    traced2 = torch.jit.trace(lambda v: bt.waverec2(bt.wavedec2(v, "db1", level=2), "db1"),
                              (randn(2, 8, 8),))
    close(traced2(randn(2, 8, 8, seed=2)), randn(2, 8, 8, seed=2))


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
@pytest.mark.parametrize("name", ["swt", "swt2", "mra", "iswt2", "packet_reconstruct",
                                  "waverec of 2 levels", "SWT1D", "IDWT1D"])
def test_jit_trace_of_every_kind_of_call(name):
    """torch.jit.trace reads sizes as 0-d tensors: the bridges take them as
    ints (the trace keeps the sizes it was traced at), so the stationary,
    multiresolution, packet and multilevel 1D calls trace and replay."""
    calls = {
        "swt": (lambda v: bt.swt(v, "db2", level=2)[0][1], (randn(2, 16),)),
        "swt2": (lambda v: bt.swt2(v, "db1", level=1)[0][1][2], (randn(8, 8),)),
        "mra": (lambda v: bt.mra(v, "db2", level=2)[1], (randn(16),)),
        "iswt2": (lambda v: bt.iswt2([(v, (v, v * 2, v * 3))], "db2"), (randn(8, 8),)),
        "packet_reconstruct": (lambda v: bt.packet_reconstruct(
            bt.packet_decompose(v, "db2", level=2), "db2", data_shape=(16,)), (randn(16),)),
        "waverec of 2 levels": (lambda a, d1, d2: bt.waverec([a, d1, d2], "db2"),
                                (randn(6), randn(6, seed=1), randn(9, seed=2))),
        "SWT1D": (lambda v: bt.SWT1D("db2", level=2)(v)[1][0], (randn(3, 16),)),
        "IDWT1D": (lambda v: bt.IDWT1D("db2")(bt.wavedec(v, "db2", level=2)), (randn(3, 21),)),
    }
    fn, args = calls[name]
    traced = torch.jit.trace(fn, args)
    assert "cuwavelet" in str(traced.graph)
    others = tuple(randn(*a.shape, seed=10 + i) for i, a in enumerate(args))
    close(traced(*others), fn(*others))


def test_complex32_is_computed_in_complex64_and_cast_back():
    z = (randn(2, 16, dtype=torch.float32) + 1j * randn(2, 16, seed=1, dtype=torch.float32))
    half = z.to(torch.complex32)
    c = bt.wavedec(half, "db2", level=2)
    assert all(t.dtype == torch.complex32 for t in c)
    ref = bt.wavedec(half.to(torch.complex64), "db2", level=2)
    for a, b in zip(c, ref):
        assert float((a.to(torch.complex64) - b).abs().max()) <= 2e-3 * float(b.abs().max())
    assert bt.waverec(c, "db2").dtype == torch.complex32


@pytest.mark.parametrize("call", [
    lambda: bt.waverec([torch.ones(3, 6), torch.ones(2, 6)], "db2"),
    lambda: bt.waverec([torch.ones(3, 7), torch.ones(2, 6), torch.ones(2, 9)], "db2"),
    lambda: bt.waverec([torch.ones(2, 5), torch.ones(2, 6), torch.ones(2, 9)], "db2"),
    lambda: bt.waverec2([torch.ones(3, 4, 4), (torch.ones(2, 4, 4),) * 3], "db1"),
    lambda: bt.waverec2([torch.ones(2, 5, 5), (torch.ones(2, 4, 4),) * 3,
                         (torch.ones(1, 8, 8),) * 3], "db1"),
    lambda: bt.waverecn([torch.ones(2, 3), {"d": torch.ones(2, 3)}, {"d": torch.ones(1, 6)}],
                        "db1", axes=(1,)),
])
def test_waverec_refuses_coefficients_that_disagree_outside_its_axes(call):
    """pywt's trimming of an approximation one sample longer applies to the
    transformed axes only; other mismatches are a ValueError, not a silent cut."""
    with pytest.raises(ValueError, match="shape mismatch"):
        call()


def test_waverec_still_trims_along_its_axes_like_pywt():
    x = np.random.default_rng(0).standard_normal((2, 13, 11))
    c = pywt.wavedec(x, "db2", level=2)
    ours = bt.waverec([torch.from_numpy(v) for v in c], "db2")
    close(ours, torch.from_numpy(pywt.waverec(c, "db2")))
    c2 = pywt.wavedec2(x, "db2", level=2)
    ours = bt.waverec2([torch.from_numpy(c2[0])] + [tuple(torch.from_numpy(v) for v in d)
                                                    for d in c2[1:]], "db2")
    close(ours, torch.from_numpy(pywt.waverec2(c2, "db2")))


def test_compile_fullgraph_under_vmap():
    torch._dynamo.reset()
    f = vmap(lambda v: bt.wavedec(v, "db3", "smooth", level=2)[0])
    x = randn(3, 4, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
        close(compiled(x), f(x))


def test_public_surface():
    assert set(dir(bt)) == set(bt.__all__)
    for name in bt.__all__:
        obj = getattr(bt, name)
        doc = obj.__doc__ or ""
        assert "Examples" in doc and (">>>" in doc), name
        if not isinstance(obj, type):
            assert "Parameters" in doc and "Returns" in doc, name
    assert {"annotations", "ml", "contextlib", "np", "pywt"}.isdisjoint(dir(bt))


def test_ops_list():
    assert {op.name for op in ops.ALL_OPS} >= {"dwtn", "idwtn", "analysis", "synthesis",
                                                "analysis_filter_grad"}


def test_docstring_examples_run():
    import doctest
    result = doctest.testmod(bt, extraglobs={"torch": torch}, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0


# --- CUDA (skipped without a device) ----------------------------------------------------------

requires_cuda = requires_torch_cuda()


@requires_cuda
@pytest.mark.gpu
def test_cuda_graph_capture_forward_and_backward():
    """After a warm-up call (kernels compiled, filters cached), a forward and
    backward pass captures into a CUDA graph and replays with new data."""
    x = torch.randn(4, 3, 64, 64, device="cuda", requires_grad=True)
    static_cot = None

    def step():
        c = bt.wavedec2(x, "db2", "symmetric", level=2)
        loss = sum(t.square().sum() for t in leaves(c))
        return torch.autograd.grad(loss, x)[0]
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):
            step()
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_cot = step()
    with torch.no_grad():
        x.copy_(torch.randn_like(x))
    graph.replay()
    torch.cuda.synchronize()
    expected = step()
    torch.testing.assert_close(static_cot, expected, rtol=0, atol=1e-4)


@requires_cuda
@pytest.mark.gpu
def test_cuda_func_and_learned_filters_match_cpu():
    x = randn(3, 5, 40)
    bank = tuple(torch.tensor(f, dtype=F64, requires_grad=True)
                 for f in pywt.Wavelet("db3").filter_bank)
    cbank = tuple(f.detach().cuda().requires_grad_(True) for f in bank)
    loss = lambda v, b: sum(t.square().sum() for t in bt.wavedec(v, b, "smooth", level=2))  # noqa
    g_cpu = torch.autograd.grad(loss(x, bank), bank[:2])
    g_gpu = torch.autograd.grad(loss(x.cuda(), cbank), cbank[:2])
    for a, b in zip(g_gpu, g_cpu):
        close(a.cpu(), b)
    per_sample = vmap(grad(lambda v: bt.wavedec(v, "db2", level=2)[0].square().sum()))(x.cuda())
    loop = torch.stack([grad(lambda v: bt.wavedec(v, "db2", level=2)[0].square().sum())(x[i])
                        for i in range(3)])
    close(per_sample.cpu(), loop)
