"""Learned filter banks in bridges.torch: a filter bank given as four tensors
(or a module with learnable=True) gets gradients with respect to its filters.

Oracles: with fixed values the coefficients are pywt's; single-level filter
gradients equal pywt applied with unit filters (the transforms are linear in
their filters); multilevel ones, which are polynomial in the filters, are
checked by gradcheck and gradgradcheck in every mode in 1D, 2D and nD.
"""
import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")

from torch.func import grad, jacfwd, jacrev, vmap  # noqa: E402

from conftest import (assert_leaves_match, filter_central_differences, fused_kind, leaves,  # noqa: E402
                      requires_torch_cuda)

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

F64 = torch.float64
MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]


def randn(*shape, seed=0, dtype=F64):
    return torch.randn(shape, dtype=dtype, generator=torch.Generator().manual_seed(seed))


def tensor_bank(name, requires_grad=True, dtype=F64):
    return tuple(torch.tensor(f, dtype=dtype, requires_grad=requires_grad)
                 for f in pywt.Wavelet(name).filter_bank)


def host(t):
    return t.detach().numpy()


# --- values: a bank given as tensors computes pywt's coefficients ---------------------

VALUES = {
    "wavedec": (lambda m, x, w: m.wavedec(x, w, "smooth", level=2), (3, 21)),
    "waverec": (lambda m, x, w: m.waverec(m.wavedec(x, w, "reflect", level=2), w, "reflect"),
                (2, 17)),
    "dwt2": (lambda m, x, w: m.dwt2(x, w, "antireflect", axes=(0, 2)), (7, 2, 6)),
    "wavedec2": (lambda m, x, w: m.wavedec2(x, w, "periodization", level=2), (2, 12, 10)),
    "waverec2": (lambda m, x, w: m.waverec2(m.wavedec2(x, w, "symmetric", level=2), w,
                                            "symmetric"), (2, 9, 11)),
    "wavedecn": (lambda m, x, w: m.wavedecn(x, w, "periodic", level=1), (4, 5, 6)),
    "waverecn": (lambda m, x, w: m.waverecn(m.wavedecn(x, w, "zero", level=2, axes=(0, 2)), w,
                                            "zero", axes=(0, 2)), (9, 2, 8)),
    "idwt_none": (lambda m, x, w: m.idwt(None, x, w, "constant"), (3, 6)),
}


@pytest.mark.parametrize("name", VALUES)
@pytest.mark.parametrize("wavelet", ["db2", "bior2.2"])
def test_tensor_bank_values_are_pywts(name, wavelet):
    fn, shape = VALUES[name]
    x = np.random.default_rng(0).standard_normal(shape)
    ref = fn(pywt, x, wavelet)
    ours = fn(bt, torch.from_numpy(x), tensor_bank(wavelet))
    assert_leaves_match(ours, ref, 1e-12, torch.Tensor, host)


# --- single level: filter gradients against pywt with unit filters ------------------------

def unit(F, j):
    e = np.zeros(F)
    e[j] = 1.0
    return pywt.Wavelet("unit", filter_bank=(e, e, e, e))


@pytest.mark.parametrize("mode", MODES)
def test_dwt_and_idwt_filter_gradients_are_pywts_unit_filter_transforms(mode):
    F = 4
    x = np.random.default_rng(1).standard_normal((3, 11))
    bank = tensor_bank("db2")
    cA, cD = bt.dwt(torch.from_numpy(x), bank, mode)
    ga, gd = randn(*cA.shape, seed=2), randn(*cD.shape, seed=3)
    grads = torch.autograd.grad((cA, cD), bank[:2], (ga, gd))
    for k, g in enumerate((ga, gd)):  # lo, hi
        expected = [float((g.numpy() * pywt.dwt(x, unit(F, j), mode)[0]).sum())
                    for j in range(F)]
        np.testing.assert_allclose(grads[k].numpy(), expected, rtol=0, atol=1e-12 * 40)
    a, d = randn(3, 6, seed=4), randn(3, 6, seed=5)
    y = bt.idwt(a, d, bank, mode)
    gy = randn(*y.shape, seed=6)
    grads = torch.autograd.grad(y, bank[2:], gy)
    for k, c in enumerate((a, d)):
        expected = [float((gy.numpy() * pywt.idwt(c.numpy() if k == 0 else None,
                                                  c.numpy() if k == 1 else None,
                                                  unit(F, m), mode)).sum()) for m in range(F)]
        np.testing.assert_allclose(grads[k].numpy(), expected, rtol=0, atol=1e-12 * 40)


# --- every mode, 1D / 2D / nD: gradcheck and gradgradcheck, data and filters ---------------

def round_trip(dims, mode):
    """Coefficients and a reconstruction from re-weighted coefficients: one
    function whose Jacobian holds analysis and synthesis, with respect to the
    data and all four filters."""
    def f(x, *bank):
        if dims == 1:
            c = bt.wavedec(x, bank, mode, level=2)
            y = bt.waverec([t * (i + 1) for i, t in enumerate(c)], bank, mode)
        elif dims == 2:
            c = bt.wavedec2(x, bank, mode, level=2)
            y = bt.waverec2([c[0] * 2] + [tuple(t * 0.5 for t in d) for d in c[1:]], bank, mode)
        else:
            c = bt.wavedecn(x, bank, mode, level=1)
            y = bt.waverecn([c[0] * 3, {k: v * (i + 1) for i, (k, v) in enumerate(c[1].items())}],
                            bank, mode)
        return tuple(leaves(c)) + (y,)
    return f


SHAPES = {1: (2, 9), 2: (6, 5), 3: (3, 2, 4)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_gradcheck_and_gradgradcheck_with_respect_to_filters(dims, mode):
    x = randn(*SHAPES[dims]).requires_grad_(True)
    inputs = (x,) + tensor_bank("db2")
    f = round_trip(dims, mode)
    assert torch.autograd.gradcheck(f, inputs)
    # second order on random projections (the full Jacobian of the gradient
    # costs minutes per case; first order is checked in full above)
    assert torch.autograd.gradgradcheck(f, inputs, fast_mode=True)


def test_complex_data_with_real_filters():
    z = (randn(2, 10) + 1j * randn(2, 10, seed=1)).requires_grad_(True)
    bank = tensor_bank("db2")
    f = lambda v, *b: tuple(bt.wavedec(v, b, "symmetric", level=2))  # noqa: E731
    assert torch.autograd.gradcheck(f, (z,) + bank)


def test_per_axis_banks_mix_learned_and_fixed():
    x = randn(5, 8).requires_grad_(True)
    learned = tensor_bank("db1")
    c = bt.dwt2(x, [learned, "db2"], "smooth")
    ref = pywt.dwt2(x.detach().numpy(), ["db1", "db2"], "smooth")
    assert_leaves_match(c, ref, 1e-12, torch.Tensor, host)
    assert torch.autograd.gradcheck(lambda v, *b: tuple(leaves(bt.dwt2(v, [b, "db2"], "smooth"))),
                                    (x,) + learned)


# --- the fused eager route against the per-operation route ---------------------------------
# An eager learned decomposition with reverse-mode autograd runs as one
# autograd node (bridges/_torch_ops.py: _LearnedRun), its backward one
# planned call; the per-operation route (each level's analyses as ops, proven
# above by gradcheck and against pywt) is its oracle, to rounding.

FUSED = {
    "wavedec": (lambda x, w, m: bt.wavedec(x, w, m, level=3), (2, 29)),
    "dwt": (lambda x, w, m: bt.dwt(x, w, m), (3, 12)),
    "wavedec2": (lambda x, w, m: bt.wavedec2(x, w, m, level=2), (2, 13, 11)),
    "dwt2 mixed banks": (lambda x, w, m: bt.dwt2(x, [w, "db3"], m, axes=(0, 2)), (9, 2, 8)),
    "wavedecn": (lambda x, w, m: bt.wavedecn(x, w, m, level=1), (5, 6, 7)),
    "wavedec2 modes per axis": (lambda x, w, m: bt.wavedec2(x, w, (m, "periodization"),
                                                           level=2), (2, 13, 10)),
    "empty batch": (lambda x, w, m: bt.wavedec2(x[:0], w, m, level=2), (2, 13, 11)),
}


def _per_operation_route(monkeypatch):
    from bridges import _torch_ops
    monkeypatch.setattr(_torch_ops, "fused_route", lambda ts: False)


def _values_and_gradients(fn, x, bank, mode, used):
    """Coefficients, and the gradients of a loss that uses the coefficients
    flagged in `used` with respect to the data and the four filters."""
    xg = x.clone().requires_grad_(True)
    out = leaves(fn(xg, bank, mode))
    loss = sum((t * torch.linspace(-1, 2, t.numel(), dtype=t.dtype).reshape(t.shape)).sum()
               for t, u in zip(out, used) if u)
    grads = torch.autograd.grad(loss, (xg, *bank[:2]))
    return [t.detach() for t in out], grads, out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FUSED)
def test_fused_route_equals_the_per_operation_route(name, mode, monkeypatch):
    fn, shape = FUSED[name]
    x = randn(*shape, seed=7)
    bank = tensor_bank("db2")
    n = len(leaves(fn(x, bank, mode)))
    used = [i % 4 != 2 for i in range(n)]  # some coefficients unused: None cotangents
    values, grads, out = _values_and_gradients(fn, x, bank, mode, used)
    assert fused_kind(out[0]) == "Wavedec"  # the fused node ran
    _per_operation_route(monkeypatch)
    ref_values, ref_grads, ref_out = _values_and_gradients(fn, x, bank, mode, used)
    assert fused_kind(ref_out[0]) is None
    for a, b in zip(values + list(grads), ref_values + list(ref_grads)):
        assert a.shape == b.shape
        if b.numel():
            assert float((a - b).abs().max()) <= 1e-13 * max(1.0, float(b.abs().max()))


def _coefficients(fn, shape, mode, seed):
    """pywt's coefficients of a random signal as tensors, one detail dropped
    (None: zero) where the structure allows it."""
    x = np.random.default_rng(seed).standard_normal(shape)
    if fn == "waverecn":
        c = pywt.wavedecn(x, "db2", mode, level=2, axes=(0, 2))
        return [torch.from_numpy(c[0])] + [{k: torch.from_numpy(v) for k, v in d.items()}
                                           for d in c[1:]]
    c = getattr(pywt, "wavedec2" if fn == "waverec2" else "wavedec")(x, "db2", mode, level=3)
    out = [torch.from_numpy(c[0])]
    for i, d in enumerate(c[1:]):
        if isinstance(d, tuple):
            out.append(tuple(None if (i, j) == (1, 2) else torch.from_numpy(v)
                             for j, v in enumerate(d)))
        else:
            # (a level without details does not trim: pywt's rule, so only where nothing is cut)
            out.append(None if i == 0 else torch.from_numpy(d))
    return out


INVERSES = {
    "waverec": (lambda c, w, m: bt.waverec(c, w, m), (2, 29)),
    "waverec2": (lambda c, w, m: bt.waverec2(c, w, m), (2, 13, 11)),
    "waverecn": (lambda c, w, m: bt.waverecn(c, w, m, axes=(0, 2)), (9, 2, 12)),
    "idwt2": (lambda c, w, m: bt.idwt2((c[0], c[1]), w, m), (2, 12, 10)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", INVERSES)
def test_fused_inverse_equals_the_per_operation_route(name, mode, monkeypatch):
    fn, shape = INVERSES[name]
    c = _coefficients("waverec2" if name == "idwt2" else name, shape, mode, 3)
    if name == "idwt2":  # one level: the approximation as long as the details
        c = [c[-1][0] * 0.5, c[-1]]
    bank = tensor_bank("db2")

    def run():
        cg = [t.clone().requires_grad_(True) for t in leaves(c) if t is not None]
        it = iter(cg)
        structure = [next(it)] + [
            {k: next(it) for k in sorted(d)} if isinstance(d, dict) else
            tuple(None if v is None else next(it) for v in d) if isinstance(d, tuple) else
            (None if d is None else next(it)) for d in c[1:]]
        y = fn(structure, bank, mode)
        gy = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)
        return y, torch.autograd.grad(y, (*cg, *bank[2:]), gy)
    y, grads = run()
    assert fused_kind(y) == "Waverec"
    _per_operation_route(monkeypatch)
    ref_y, ref_grads = run()
    assert fused_kind(ref_y) is None
    for a, b in zip((y.detach(), *grads), (ref_y.detach(), *ref_grads)):
        assert a.shape == b.shape
        assert float((a - b).abs().max()) <= 1e-13 * max(1.0, float(b.abs().max()))


STATIONARY = {
    "swt": (lambda x, w: bt.swt(x, w, level=3), (2, 32)),
    "swt trim_approx norm": (lambda x, w: bt.swt(x, w, level=2, start_level=1,
                                                  trim_approx=True, norm=True), (3, 24)),
    "swt2": (lambda x, w: bt.swt2(x, w, level=2), (2, 8, 12)),
    "swtn axes apart": (lambda x, w: bt.swtn(x, w, level=1, axes=(0, 2)), (8, 3, 4)),
    "iswt(swt)": (lambda x, w: [bt.iswt(bt.swt(x, w, level=3), w)], (2, 32)),
    "iswt2(swt2) norm": (lambda x, w: [bt.iswt2(bt.swt2(x, w, level=2, norm=True), w,
                                                norm=True)], (2, 8, 12)),
    "iswtn(swtn) axes apart": (lambda x, w: [bt.iswtn(bt.swtn(x, w, level=1, axes=(0, 2)), w,
                                                      axes=(0, 2))], (8, 3, 4)),
}


@pytest.mark.parametrize("name", STATIONARY)
def test_fused_stationary_route_equals_the_per_operation_route(name, monkeypatch):
    fn, shape = STATIONARY[name]
    x = randn(*shape, seed=10)
    bank = tensor_bank("db2")

    def run():
        xg = x.clone().requires_grad_(True)
        out = leaves(fn(xg, bank))
        loss = sum((t * torch.linspace(-1, 2, t.numel(), dtype=t.dtype).reshape(t.shape)).sum()
                   for i, t in enumerate(out) if i % 3 != 1)
        return out, torch.autograd.grad(loss, (xg, *bank), allow_unused=True)
    out, grads = run()
    assert fused_kind(out[0]) == ("Waverec" if name.startswith("iswt") else "Swt")
    _per_operation_route(monkeypatch)
    ref_out, ref_grads = run()
    assert fused_kind(ref_out[0]) is None
    assert len(out) == len(ref_out)
    assert [g is None for g in grads] == [g is None for g in ref_grads]
    for a, b in zip([t.detach() for t in out] + [g for g in grads if g is not None],
                    [t.detach() for t in ref_out] + [g for g in ref_grads if g is not None]):
        assert a.shape == b.shape
        assert float((a - b).abs().max()) <= 1e-13 * max(1.0, float(b.abs().max()))


def test_fused_route_data_only_filters_only_and_no_grad(monkeypatch):
    x = randn(2, 12, 10, seed=8)
    fixed = tensor_bank("db3", requires_grad=False)
    learned = tensor_bank("db3")
    with torch.no_grad():
        c = bt.wavedec2(x, learned, "reflect", level=2)
    assert_leaves_match(c, pywt.wavedec2(x.numpy(), "db3", "reflect", level=2), 1e-12,
                        torch.Tensor, host)
    xg = x.clone().requires_grad_(True)
    (gx,) = torch.autograd.grad(sum(t.sum() for t in leaves(bt.wavedec2(xg, fixed, "reflect",
                                                                        level=2))), xg)
    gf = torch.autograd.grad(sum(t.sum() for t in leaves(bt.wavedec2(x, learned, "reflect",
                                                                     level=2))), learned[:2])
    _per_operation_route(monkeypatch)
    (rx,) = torch.autograd.grad(sum(t.sum() for t in leaves(bt.wavedec2(xg, fixed, "reflect",
                                                                        level=2))), xg)
    rf = torch.autograd.grad(sum(t.sum() for t in leaves(bt.wavedec2(x, learned, "reflect",
                                                                     level=2))), learned[:2])
    for a, b in zip((gx, *gf), (rx, *rf)):
        assert float((a - b).abs().max()) <= 1e-13 * float(b.abs().max())


def test_fused_route_second_order_equals_the_per_operation_route(monkeypatch):
    """A backward that builds a graph (create_graph) differentiates the
    per-operation route: Hessian-vector products agree."""
    x = randn(2, 17, seed=9)
    bank = tensor_bank("sym3")

    def hvp():
        xg = x.clone().requires_grad_(True)
        loss = sum(t.pow(2).sum() for t in bt.wavedec(xg, bank, "antireflect", level=2))
        g = torch.autograd.grad(loss, (xg, *bank[:2]), create_graph=True)
        return torch.autograd.grad(sum((t * t.detach()).sum() for t in g), (xg, *bank[:2]))
    fused = hvp()
    _per_operation_route(monkeypatch)
    for a, b in zip(fused, hvp()):
        assert float((a - b).abs().max()) <= 1e-12 * float(b.abs().max())


CREATE_GRAPH = {  # (ours, pywt's, data shape): a bank used along one, two and three axes
    "wavedec": (lambda m, x, w: m.wavedec(x, w, "antireflect", level=2), (2, 17)),
    "wavedec2": (lambda m, x, w: m.wavedec2(x, w, "reflect", level=2), (9, 10)),
    "waverec2": (lambda m, x, w: [m.waverec2(m.wavedec2(x, w, "smooth", level=1), w, "smooth")],
                 (7, 8)),
    "swt2": (lambda m, x, w: m.swt2(x, w, level=1), (8, 6)),
    "wavedecn": (lambda m, x, w: m.wavedecn(x, w, "zero", level=1), (4, 3, 5)),
}


@pytest.mark.parametrize("name", CREATE_GRAPH)
def test_create_graph_gradients_are_pywts_central_differences(name, monkeypatch):
    """With create_graph the backward is a graph of the per-operation route.
    A bank used along several axes fills several slots of the whole
    transform, and each slot's gradient is that slot's part only (not the
    total, counted once per axis). First order: central differences of
    pywt's loss; second order: v^T H v against pywt's second difference,
    and H v against the per-operation route."""
    fn, shape = CREATE_GRAPH[name]
    x = randn(*shape, seed=4)
    rng = np.random.default_rng(5)
    weights = [torch.from_numpy(rng.standard_normal(c.shape))
               for c in leaves(fn(pywt, x.numpy(), "db2"))]
    bank = tensor_bank("db2")

    def loss(filters):
        return sum((t * t * w).sum() for t, w in zip(leaves(fn(bt, x, filters)), weights))

    def pywt_loss(filters):
        w = pywt.Wavelet("learned", filter_bank=filters)
        return sum(float((c * c * u.numpy()).sum())
                   for c, u in zip(leaves(fn(pywt, x.numpy(), w)), weights))

    every = dict(allow_unused=True, materialize_grads=True)  # (an analysis uses no rec_*)
    g = torch.autograd.grad(loss(bank), bank, create_graph=True, **every)
    central = filter_central_differences(pywt_loss, [host(f) for f in bank])
    np.testing.assert_allclose(np.stack([host(t) for t in g]), central, rtol=0,
                               atol=1e-6 * max(1.0, np.abs(central).max()))
    v = [torch.from_numpy(rng.standard_normal(f.shape)) for f in bank]
    hv = torch.autograd.grad(sum((t * u).sum() for t, u in zip(g, v)), bank, **every)
    h = 2e-4
    second = (pywt_loss([host(f) + h * u.numpy() for f, u in zip(bank, v)]) - 2 * pywt_loss(
        [host(f) for f in bank]) + pywt_loss([host(f) - h * u.numpy() for f, u in zip(bank, v)]))
    vhv = float(sum((a * u).sum() for a, u in zip(hv, v)))
    assert abs(vhv - second / h ** 2) <= 1e-5 * max(1.0, abs(vhv))
    _per_operation_route(monkeypatch)
    g_ops = torch.autograd.grad(loss(bank), bank, create_graph=True, **every)
    hv_ops = torch.autograd.grad(sum((t * u).sum() for t, u in zip(g_ops, v)), bank, **every)
    for a, b in zip(hv, hv_ops):
        assert float((a - b).abs().max()) <= 1e-12 * float(b.abs().max())


# --- torch.func with respect to filters ------------------------------------------------------

def test_func_jacobians_with_respect_to_filters():
    x = randn(3, 14)
    filters = torch.stack([f.detach() for f in tensor_bank("sym3")])

    def f(fl):
        return torch.cat([t.reshape(-1) for t in bt.wavedec(x, tuple(fl), "smooth", level=2)])
    J1, J2 = jacrev(f)(filters), jacfwd(f)(filters)
    assert float((J1 - J2).abs().max()) <= 1e-12 * float(J1.abs().max())
    assert float(J1[:, 2:].abs().max()) == 0  # the forward transform uses dec_lo, dec_hi only


def test_vmap_per_sample_filter_gradients_fold_into_one_reduction():
    """Per-sample gradients of one shared bank: one filter-gradient launch
    per level for the whole batch (per-item gradients), as a loop gives."""
    from cuwavelet import _program
    x = randn(6, 20)
    filters = torch.stack([f.detach() for f in tensor_bank("db2")])

    def loss(xi, fl):
        return sum(t.square().sum() for t in bt.wavedec(xi, tuple(fl), "periodic", level=2))
    with _program.counting() as found:
        per_sample = vmap(grad(loss, argnums=1), in_dims=(0, None))(x, filters)
    assert sum(e["kind"] == "filter-grad" for e in found) == 2  # (two levels, not 12)
    loop = torch.stack([grad(loss, argnums=1)(x[i], filters) for i in range(6)])
    assert float((per_sample - loop).abs().max()) <= 1e-12 * float(loop.abs().max())


@pytest.mark.parametrize("in_dims", [(None, 0), (0, 0)], ids=["one signal", "per example"])
def test_vmap_over_banks_launches_each_level_once(in_dims):
    """A batch of filter banks (one per example) goes to the core as per-item
    banks: one launch per operation and level, not one per bank; values,
    data gradients and filter gradients (to second order) against a loop."""
    from cuwavelet import _program
    x = randn(4, 3, 21, seed=2) if in_dims[0] == 0 else randn(3, 21, seed=2)
    base = torch.stack([f.detach() for f in tensor_bank("db2")])
    banks = torch.stack([base * (1 + 0.05 * i) for i in range(4)])

    def loss(xi, fl):
        c = bt.wavedec(xi, tuple(fl), "symmetric", level=2)
        return sum(t.square().sum() for t in c) + bt.waverec(c, tuple(fl), "symmetric").pow(3).sum()
    with _program.counting() as found:
        values = vmap(loss, in_dims=in_dims)(x, banks)
    # two levels of analysis and two of synthesis, not four banks' worth
    assert sum(e["kind"] == "per-axis" for e in found) == 4
    grads = vmap(grad(loss, argnums=(0, 1)), in_dims=in_dims)(x, banks)
    hvp = vmap(lambda xi, fl: jacrev(grad(loss, argnums=1), argnums=1)(xi, fl).sum((0, 1)),
               in_dims=in_dims)(x, banks)
    for i in range(4):
        xi = x[i] if in_dims[0] == 0 else x
        assert abs(float(values[i] - loss(xi, banks[i]))) <= 1e-12 * abs(float(values[i]))
        for got, one in zip(grads, grad(loss, argnums=(0, 1))(xi, banks[i])):
            assert float((got[i] - one).abs().max()) <= 1e-12 * float(one.abs().max())
        one = jacrev(grad(loss, argnums=1), argnums=1)(xi, banks[i]).sum((0, 1))
        assert float((hvp[i] - one).abs().max()) <= 1e-12 * float(one.abs().max())


# --- torch.func on the fused route ------------------------------------------------------------
# torch.func's grad and vmap run a learned transform whole too (_LearnedRun
# and _LearnedBackward, with the core's per-item banks under vmap); the
# backward's own gradients (Hessians) differentiate the per-operation route.
# That route (the ops proven above by gradcheck) is the oracle, to rounding.

FUNC = {
    "wavedec2": (lambda x, fl, m: leaves(bt.wavedec2(x, tuple(fl), m, level=2)), (3, 13, 11)),
    "waverec(wavedec)": (lambda x, fl, m: [bt.waverec(bt.wavedec(x, tuple(fl), m, level=2),
                                                      tuple(fl), m)], (3, 29)),
    "swt": (lambda x, fl, m: leaves(bt.swt(x, tuple(fl), level=2)), (3, 24)),
}


def _func_loss(fn, mode):
    def loss(x, fl):  # (not quadratic: its Hessian depends on the point)
        return sum((t * torch.linspace(-1, 2, t.numel(), dtype=t.dtype).reshape(t.shape)).sum()
                   + t.pow(4).sum() for t in fn(x, fl, mode))
    return loss


def _whole_calls(monkeypatch) -> list:
    """A list that grows by one per whole learned forward."""
    from bridges import _torch_ops
    calls, original = [], _torch_ops._whole_forward

    def spy(kind, ts, keep):
        calls.append(type(kind).__name__)
        return original(kind, ts, keep)
    monkeypatch.setattr(_torch_ops, "_whole_forward", spy)
    return calls


def _func_results(loss, xs, banks):
    """grad, vmap of grad over banks (per example) and over data with one
    bank (per-sample gradients), and a Hessian with respect to the filters."""
    both = grad(loss, argnums=(0, 1))
    hessian = jacrev(grad(loss, argnums=1), argnums=1)
    return [*both(xs[0], banks[0]), *vmap(both)(xs, banks),
            *vmap(both, in_dims=(0, None))(xs, banks[0]), hessian(xs[1], banks[1])]


@pytest.mark.parametrize("mode", ["symmetric", "periodization", "zero"])
@pytest.mark.parametrize("name", FUNC)
def test_func_runs_whole_and_equals_the_per_operation_route(name, mode, monkeypatch):
    fn, shape = FUNC[name]
    xs = randn(3, *shape, seed=4)
    base = torch.stack([f.detach() for f in tensor_bank("db2")])
    banks = torch.stack([base * (1 + 0.05 * i) for i in range(3)])
    loss = _func_loss(fn, mode)
    calls = _whole_calls(monkeypatch)
    got = _func_results(loss, xs, banks)
    assert calls  # the whole route ran
    _per_operation_route(monkeypatch)
    calls.clear()
    ref = _func_results(loss, xs, banks)
    assert not calls
    for a, b in zip(got, ref):
        assert a.shape == b.shape
        assert float((a - b).abs().max()) <= 1e-12 * float(b.abs().max())


def test_func_nested_vmaps_over_banks_merge_into_one_call(monkeypatch):
    """vmap of vmap over banks: the inner level's items and the outer ones
    merge (one whole call each way), against a loop."""
    xs = randn(2, 3, 4, 19, seed=5)
    base = torch.stack([f.detach() for f in tensor_bank("sym3")])
    banks = torch.stack([torch.stack([base * (1 + 0.03 * (i + 3 * j)) for i in range(3)])
                         for j in range(2)])
    loss = _func_loss(FUNC["waverec(wavedec)"][0], "reflect")
    calls = _whole_calls(monkeypatch)
    got = vmap(vmap(grad(loss, argnums=(0, 1))))(xs, banks)
    assert calls == ["Wavedec", "Waverec"]
    for j in range(2):
        for i in range(3):
            for g, one in zip(got, grad(loss, argnums=(0, 1))(xs[j, i], banks[j, i])):
                assert float((g[j, i] - one).abs().max()) <= 1e-12 * float(one.abs().max())


def _higher_orders(x, base):
    """Derivatives that differentiate a learned transform's gradient (or a
    vjp's pullback) in every way torch offers, each a tensor."""
    def loss(xi, fl):
        return sum(t.pow(4).sum() for t in bt.wavedec(xi, tuple(fl), "zero", level=2))
    g = grad(loss, argnums=1)
    out = [jacrev(g, argnums=1)(x, base), torch.func.hessian(loss, argnums=1)(x, base),
           torch.autograd.functional.hessian(lambda f: loss(x, f), base)]
    _, pullback = torch.func.vjp(g, x, base)
    out += list(pullback(torch.ones_like(base)))
    _, pullback = torch.func.vjp(lambda f: g(x, f), base)  # (the data: a constant)
    out += list(pullback(torch.ones_like(base)))
    y, pullback = torch.func.vjp(lambda f: bt.wavedec(x, tuple(f), "zero", level=2)[0], base)
    ct = randn(*y.shape, seed=3)
    out += [jacrev(lambda c: pullback(c)[0])(ct), grad(lambda c: pullback(c)[0].pow(2).sum())(ct)]
    tracked = base.clone().requires_grad_(True)  # (eager autograd around torch.func)
    out += torch.autograd.grad(grad(loss, argnums=0)(x, tracked).pow(2).sum(), tracked)
    g1 = torch.autograd.grad(loss(x, tracked), tracked, create_graph=True)[0]
    g2 = torch.autograd.grad(g1.pow(2).sum(), tracked, create_graph=True)[0]
    out += torch.autograd.grad(g2.pow(2).sum(), tracked)  # (third order)
    return [t.detach() for t in out]


def test_func_vjp_pullback_gives_plain_gradients(monkeypatch):
    """A pullback called after its vjp, with grad mode on (torch.func then
    asks for a graph), has nothing left to differentiate: the whole
    backward runs, and its results are plain tensors equal to eager
    autograd's gradients."""
    x = randn(2, 18, seed=3)
    base = torch.stack([f.detach() for f in tensor_bank("db3")])
    y, pullback = torch.func.vjp(lambda f: bt.wavedec2(x, tuple(f), "smooth", level=1), base)
    cot = [randn(*t.shape, seed=8 + i) for i, t in enumerate(leaves(y))]
    from bridges import _torch_ops
    calls, original = [], _torch_ops._whole_backward
    monkeypatch.setattr(_torch_ops, "_whole_backward",
                        lambda kind, *args: calls.append(kind) or original(kind, *args))
    (got,) = pullback([cot[0], tuple(cot[1:])])
    assert len(calls) == 1 and not got.requires_grad
    tracked = base.clone().requires_grad_(True)
    out = leaves(bt.wavedec2(x, tuple(tracked), "smooth", level=1))
    (expected,) = torch.autograd.grad(out, tracked, cot)
    assert float((got - expected).abs().max()) <= 1e-12 * float(expected.abs().max())


def test_higher_orders_equal_the_per_operation_route(monkeypatch):
    x = randn(3, 20, seed=2)
    base = torch.stack([f.detach() for f in tensor_bank("db2")])
    got = _higher_orders(x, base)
    _per_operation_route(monkeypatch)
    for a, b in zip(got, _higher_orders(x, base), strict=True):
        assert float((a - b).abs().max()) <= 1e-12 * float(b.abs().max())


def test_func_forward_mode_takes_the_per_operation_route(monkeypatch):
    xs = randn(2, 21, seed=6)
    filters = torch.stack([f.detach() for f in tensor_bank("db3")])
    loss = _func_loss(FUNC["waverec(wavedec)"][0], "smooth")
    calls = _whole_calls(monkeypatch)
    forward = jacfwd(loss, argnums=1)(xs, filters)
    assert not calls
    reverse = grad(loss, argnums=1)(xs, filters)
    assert calls
    assert float((forward - reverse).abs().max()) <= 1e-12 * float(reverse.abs().max())


def test_vmap_under_eager_autograd_keeps_what_backward_reads(monkeypatch):
    """vmap inside an eager autograd graph (the filters are leaves that
    require grad): the whole route below vmap keeps its arrays."""
    xs = randn(4, 2, 16, seed=7)
    bank = tensor_bank("db2")

    def run():
        def loss(x):
            return sum(t.square().sum() for t in bt.wavedec(x, bank, "periodic", level=2))
        return torch.autograd.grad(vmap(loss)(xs).sum(), bank[:2])
    calls = _whole_calls(monkeypatch)
    got = run()
    assert calls
    _per_operation_route(monkeypatch)
    for a, b in zip(got, run()):
        assert float((a - b).abs().max()) <= 1e-12 * float(b.abs().max())


# --- modules -------------------------------------------------------------------------------

def test_learnable_modules_have_filter_parameters_that_train():
    dwt = bt.DWT2D("db2", level=2, learnable=True, dtype=F64)
    idwt = bt.IDWT2D(dwt.filter_bank)  # tied to the same parameters
    assert [n for n, _ in dwt.named_parameters()] == ["dec_lo", "dec_hi", "rec_lo", "rec_hi"]
    assert list(idwt.parameters()) == []
    x = randn(2, 1, 16, 16)
    ref = pywt.wavedec2(x.numpy(), "db2", level=2)
    assert_leaves_match(dwt(x), ref, 1e-12, torch.Tensor, host)
    y = idwt(dwt(x))
    torch.testing.assert_close(y, x)
    (y - x).square().sum().backward()
    assert all(p.grad is not None for p in dwt.parameters())
    assert "learnable" in repr(dwt)


def test_compile_fullgraph_with_learned_filters():
    torch._dynamo.reset()
    m = bt.DWT1D("db3", level=3, mode="smooth", learnable=True, dtype=F64)

    def loss(x):
        return sum(t.abs().sum() for t in m(x))
    x = randn(4, 50)
    compiled = torch.compile(loss, fullgraph=True, backend="aot_eager")
    l_compiled = compiled(x)
    g_compiled = torch.autograd.grad(l_compiled, list(m.parameters())[:2])
    l_eager = loss(x)
    g_eager = torch.autograd.grad(l_eager, list(m.parameters())[:2])
    torch.testing.assert_close(l_compiled, l_eager)
    for a, b in zip(g_compiled, g_eager):
        torch.testing.assert_close(a, b)


def _captured(fn, *args):
    """fn compiled (aot_eager): its value, and the call targets of the forward
    and backward graphs AOTAutograd made."""
    from functorch.compile import make_boxed_func
    from torch._dynamo.backends.common import aot_autograd
    graphs = {}

    def keep(name):
        def compiler(gm, _):
            graphs[name] = [str(n.target) for n in gm.graph.nodes if n.op == "call_function"]
            return make_boxed_func(gm)
        return compiler
    torch._dynamo.reset()
    compiled = torch.compile(fn, fullgraph=True,
                             backend=aot_autograd(fw_compiler=keep("fw"), bw_compiler=keep("bw")))
    return compiled(*args), graphs


@pytest.mark.parametrize("family", ["wavedec2, waverec2", "swt, iswt", "waverec2 of some details"])
def test_compiled_learned_transforms_are_one_op_each_way(family):
    """Under torch.compile a learned transform is the learned_whole op and its
    backward the learned_whole_backward op (one graph node each, not one per
    level, axis and subband), with the eager route's values and gradients."""
    bank = tensor_bank("sym3")
    x = randn(2, 21, 18, seed=4).requires_grad_()

    def loss(x, *fs):
        if family == "wavedec2, waverec2":
            c = bt.wavedec2(x, fs, "smooth", level=2)
            return sum(t.square().sum() for t in leaves(c)) + \
                bt.waverec2(c, fs, "smooth").pow(3).sum()
        if family == "swt, iswt":
            c = bt.swt(x[..., :16], fs, level=2)
            return sum(t.pow(3).sum() for t in leaves(c)) + bt.iswt(c, fs).square().sum()
        c = bt.wavedec2(x, fs, "zero", level=2)
        c[1] = (None, c[1][1], None)  # (some details absent: zeros)
        return bt.waverec2(c, fs, "zero").square().sum()
    value, graphs = _captured(loss, x, *bank)
    wrt = (x, *bank)
    got = torch.autograd.grad(value, wrt, allow_unused=True)
    want = torch.autograd.grad(loss(x, *bank), wrt, allow_unused=True)
    torch.testing.assert_close(value, loss(x, *bank), rtol=1e-12, atol=0)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if w is not None:
            torch.testing.assert_close(g, w, rtol=0, atol=1e-12 * float(w.abs().max()))
    assert graphs["fw"].count("cuwavelet.learned_whole.default") == 2  # (each way)
    assert graphs["bw"].count("cuwavelet.learned_whole_backward.default") == 2
    assert not any(t.startswith("cuwavelet.") and "whole" not in t
                   for t in graphs["fw"] + graphs["bw"])


def test_traced_learned_transform_is_one_op_each_way():
    """torch.jit.trace of a learned decomposition and reconstruction records
    the learned_whole op (once each) and replays with the eager route's
    values and gradients, for new data."""
    import warnings
    bank = tensor_bank("db2")

    def f(x, *fs):
        return bt.waverec2(bt.wavedec2(x, fs, "zero", level=2), fs, "zero")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the tracer's notes on Python values)
        traced = torch.jit.trace(f, (randn(2, 16, 16), *bank), check_trace=False)
    kinds = [n.kind() for n in traced.graph.nodes() if n.kind().startswith("cuwavelet::")]
    assert kinds == ["cuwavelet::learned_whole"] * 2
    x = randn(2, 16, 16, seed=3).requires_grad_()
    got = traced(x, *bank)
    want = f(x, *bank)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-12)
    wrt = (x, *bank)
    for g, w in zip(torch.autograd.grad(got.pow(2).sum(), wrt),
                    torch.autograd.grad(want.pow(2).sum(), wrt)):
        torch.testing.assert_close(g, w, rtol=0, atol=1e-12 * float(w.abs().max()))


@requires_torch_cuda()
@pytest.mark.gpu
def test_cuda_compiled_learned_transform_matches_eager():
    """torch.compile of a learned wavedec2 and waverec2 on the GPU (the
    learned_whole ops on CUDA tensors, inductor): values and gradients of
    the data and the filters against the eager CPU route."""
    results = []
    for device in ("cpu", "cuda"):
        bank = tuple(t.to(device).detach().requires_grad_() for t in tensor_bank("db3"))
        x = randn(2, 3, 37, 30, seed=15).to(device).requires_grad_()

        def loss(x, *fs):
            c = bt.wavedec2(x, fs, "symmetric", level=3)
            return sum(t.square().sum() for t in leaves(c)) + \
                bt.waverec2(c, fs, "symmetric").pow(3).sum()
        run = loss if device == "cpu" else torch.compile(loss, fullgraph=True)
        value = run(x, *bank)
        grads = torch.autograd.grad(value, (x, *bank), allow_unused=True)
        results.append([value.detach().cpu()] + [g.detach().cpu() for g in grads])
    for a, b in zip(*results):
        assert float((a - b).abs().max()) <= 1e-11 * max(1.0, float(b.abs().max()))


@pytest.mark.parametrize("kind, ts_present", [
    ("Wavedec", None), ("Swt", None),
    ("Waverec", (True,) * 7), ("Waverec", (True, False, True, False, False, True, False)),
    ("Waverec", (True, False, False, False, True, True, True))])
def test_kept_arrays_are_where_the_forward_keeps_them(kind, ts_present):
    """kind.kept_mask (what a dispatcher op that returns arrays only needs)
    against the None entries of what the core's forward keeps."""
    from bridges import _learned_kinds as kinds
    from cuwavelet._wavelets import as_mode
    zero = as_mode("zero")
    f = np.stack([np.asarray(v) for v in pywt.Wavelet("db2").filter_bank[:2]])
    x = np.random.default_rng(0).standard_normal((2, 12, 10))
    if kind == "Wavedec":
        k, ts = kinds.Wavedec((zero, zero), (1, 2), 2), [x, f, f]
    elif kind == "Swt":
        k, ts = kinds.Swt((1, 2), 0, 2), [x[:, :8, :8], f, f]
    else:
        c = pywt.wavedecn(x, "db2", "zero", 2, axes=(1, 2))
        flat = [c[0]] + [d[key] for d in c[1:] for key in sorted(d)]
        k = kinds.Waverec((zero, zero), (1, 2), True, 2)
        ts = [t if p else None for t, p in zip(flat, ts_present)] + [f, f]
    outputs, kept = k.forward(ts, True, lambda _ref, fn, *args: fn(*args))
    present = [t is not None for t in ts]
    assert k.kept_mask(present) == tuple(a is not None for a in kept)
    assert len(outputs) == k.count
    # what an op returns beside the outputs: no output again, and kept back from them
    returned = k.kept_returned(outputs, kept)
    assert not any(r is o for r in returned for o in outputs)
    assert [id(a) for a in k.kept_joined(outputs, returned, present)] == [id(a) for a in kept]


def test_float32_filters_with_float64_data_and_back():
    bank = tensor_bank("db2", dtype=torch.float32)
    x = randn(2, 32)
    c = bt.wavedec(x, bank, "zero", level=2)
    assert all(t.dtype == F64 for t in c)
    sum(t.sum() for t in c).backward()
    assert bank[0].grad.dtype == torch.float32


@pytest.mark.parametrize("wavelet,error,match", [
    ((torch.ones(4), torch.ones(4), torch.ones(4), torch.ones(6)), ValueError, "one length"),
    ((torch.ones(0),) * 4, ValueError, "at least one tap"),
    ((torch.ones(4, dtype=torch.complex64),) * 4, TypeError, "real floating"),
    ((torch.ones(2, 2),) * 4, ValueError, "1-D"),
])
def test_bad_filter_banks_are_named(wavelet, error, match):
    with pytest.raises(error, match=match):
        bt.wavedec(torch.ones(2, 16), wavelet, level=1)


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization"])
def test_odd_length_banks_are_padded_as_pywt_pads_them(mode):
    """pywt.Wavelet appends a zero to filters of odd length; a learned bank
    of odd length computes the same coefficients, and its taps' gradients
    are central differences of pywt's transform (the padded zero gets none)."""
    rng = np.random.default_rng(12)
    bank = [rng.standard_normal(3) for _ in range(4)]
    x = rng.standard_normal((2, 19))
    tensors = tuple(torch.tensor(f, requires_grad=True) for f in bank)
    c = bt.wavedec(torch.from_numpy(x), tensors, mode, level=2)
    y = bt.waverec(c, tensors, mode)
    weights = [rng.standard_normal(t.shape) for t in (*c, y)]

    def pywt_loss(filters):
        w = pywt.Wavelet("odd", filter_bank=filters)
        cp = pywt.wavedec(x, w, mode, level=2)
        return sum(float((a * b).sum()) for a, b in zip((*cp, pywt.waverec(cp, w, mode)),
                                                         weights))
    for ours, theirs in zip(c, pywt.wavedec(x, pywt.Wavelet("odd", filter_bank=bank), mode,
                                            level=2)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs, rtol=0, atol=1e-12)
    loss = sum((t * torch.from_numpy(w)).sum() for t, w in zip((*c, y), weights))
    got = np.stack([g.numpy() for g in torch.autograd.grad(loss, tensors)])
    central = filter_central_differences(pywt_loss, bank)
    np.testing.assert_allclose(got, central, rtol=0, atol=1e-6 * max(1.0, np.abs(central).max()))


def test_module_learnable_needs_one_wavelet():
    with pytest.raises(ValueError, match="one wavelet"):
        bt.DWT2D(["db1", "db2"], learnable=True)


# --- the six operations of learned banks, one by one -----------------------------------------

def _learned_op_cases(mode):
    """(op, static, tensors) for each operation on tiny inputs (db2: F = 4)."""
    from bridges import _torch_ops as ops
    from cuwavelet._shapes import coeff_len, rec_len
    F, N = 4, 7
    m = MODES.index(mode)
    n = coeff_len(N, F, m)
    L = rec_len(n, F, m)
    f = randn(2, F, seed=1).requires_grad_(True)
    x = randn(2, N, seed=2).requires_grad_(True)
    ga = randn(2, n, seed=3).requires_grad_(True)
    gd = randn(2, n, seed=5).requires_grad_(True)
    y = randn(2, L, seed=4).requires_grad_(True)
    return [(ops.ANALYSIS, (1, m), (x, f)),
            (ops.ANALYSIS_ADJOINT, (1, m, N), (ga, gd, f)),
            (ops.ANALYSIS_ADJOINT, (1, m, N), (None, gd, f)),
            (ops.SYNTHESIS, (-1, m), (ga, gd, f)),
            (ops.SYNTHESIS, (-1, m), (ga, None, f)),
            (ops.SYNTHESIS_ADJOINT, (-1, m), (y, f)),
            (ops.ANALYSIS_FILTER_GRAD, (-1, m, F, False), (x, ga, gd)),
            (ops.SYNTHESIS_FILTER_GRAD, (1, m, F, False), (ga, gd, y))]


@pytest.mark.parametrize("mode", MODES)
def test_learned_bank_operations_have_exact_derivatives_of_every_order(mode):
    for op, static, ts in _learned_op_cases(mode):
        given = [i for i, t in enumerate(ts) if t is not None]

        def f(*a, op=op, static=static, ts=ts, given=given):
            args = list(ts)
            for i, t in zip(given, a):
                args[i] = t
            return op(static, *args)
        inputs = tuple(ts[i] for i in given)
        assert torch.autograd.gradcheck(f, inputs), op.name
        assert torch.autograd.gradgradcheck(f, inputs), op.name


@pytest.mark.parametrize("case", range(8))
def test_learned_bank_operations_opcheck(case):
    op, static, ts = _learned_op_cases("smooth")[case]
    torch.library.opcheck(getattr(torch.ops.cuwavelet, op.name).default, op.to_args(static, ts))


def test_example_learns_a_filter_bank():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "examples" / "learn_filter_bank.py"
    spec = importlib.util.spec_from_file_location("learn_filter_bank", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    lines = []
    history = example.train(steps=40, report=lines.append)
    assert history[-1] < 0.1 * history[0]
    assert len(lines) > 10 and "loss" in lines[0]
    # the lattice angle: orthogonal at every step (reconstruction at rounding level)
    import re
    lines = []
    history = example.train(steps=40, report=lines.append, lattice=True)
    assert history[-1] < 0.8 * history[0]
    errors = [float(m.group(1)) for m in map(re.compile(r"reconstruction error (\S+)").search,
                                             lines[:-3]) if m]
    assert len(errors) > 5 and max(errors) < 1e-10


def test_fully_separable_transform_with_a_learned_bank():
    """fswavedecn/fswaverecn: pywt's coefficients, the bank kept in the result
    (so fswaverecn uses it), exact reconstruction, and gradcheck and
    gradgradcheck in the data and the filters."""
    x = randn(8, 10, seed=3)
    bank = tensor_bank("db2")
    result = bt.fswavedecn(x, bank, "symmetric", levels=(2, 1))
    want = pywt.fswavedecn(host(x), "db2", "symmetric", levels=(2, 1))
    np.testing.assert_allclose(host(result.coeffs), want.coeffs, rtol=0, atol=1e-12)
    assert result.coeff_slices == want.coeff_slices and result.wavelet_names == ["learned"] * 2
    torch.testing.assert_close(bt.fswaverecn(result), x, rtol=0, atol=1e-12)

    def loss(v, *fs):
        r = bt.fswavedecn(v, fs, "periodization", levels=1)
        return (r.coeffs ** 3).sum() + (bt.fswaverecn(r) ** 3).sum()
    inputs = (randn(4, 6, seed=4).requires_grad_(), *tensor_bank("db1"))
    assert torch.autograd.gradcheck(loss, inputs)
    assert torch.autograd.gradgradcheck(loss, inputs)


def test_bench_per_example_banks_runs(capsys):
    pytest.importorskip("jax")
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_per_example_banks.py"
    spec = importlib.util.spec_from_file_location("bench_per_example_banks", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--banks", "2", "--length", "32", "--rounds", "1"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert [r[:2] for r in rows] == [["torch", "2"], ["jax", "2"]]
    assert all(float(v) > 0 for r in rows for v in r[2:])


# --- CUDA (skipped without a device) ------------------------------------------------------

@requires_torch_cuda()
@pytest.mark.gpu
@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization"])
def test_cuda_learned_round_trip_matches_cpu(mode):
    """A learned wavedec2 and waverec2 on the GPU (the fused route: the
    per-axis kernels and the filter-gradient block reduction) against the CPU
    route: values and the gradients of the data and all four filters, float64
    and float32 (on the transform's scale)."""
    for dtype, tol in ((F64, 1e-11), (torch.float32, 2e-5)):
        x = randn(2, 3, 37, 30, seed=14).to(dtype)
        results = []
        for device in ("cpu", "cuda"):
            bank = tuple(torch.tensor(f, dtype=dtype, device=device, requires_grad=True)
                         for f in pywt.Wavelet("db3").filter_bank)
            xd = x.to(device).requires_grad_(True)
            c = bt.wavedec2(xd, bank, mode, level=3)
            y = bt.waverec2(c, bank, mode)
            outs = leaves(c) + [y]
            cots = [torch.linspace(-1, 1, t.numel(), dtype=dtype).reshape(t.shape).to(device)
                    for t in outs]
            grads = torch.autograd.grad(outs, (xd, *bank), cots)
            assert fused_kind(y) == "Waverec"
            results.append([t.detach().cpu().double() for t in (*outs, *grads)])
        for a, b in zip(*results):
            assert float((a - b).abs().max()) <= tol * max(1.0, float(b.abs().max()))
