"""bridges.torch under torch's older vmap: ``torch.autograd.functional``'s
``jacobian``/``hessian`` with ``vectorize=True`` and ``torch.autograd.grad``
with ``is_grads_batched=True`` (their batched tensors have no storage).

Oracles: pywt's explicit matrices (Jacobians, Hessians of a cubic loss,
batched vector-Jacobian products), the derivative of pywt's transform with
respect to one filter tap (pywt run with a unit filter: the transform is
linear in each filter) and a loop of pywt calls for nested vmaps.
"""
import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")

from torch._vmap_internals import _vmap  # noqa: E402  (the older vmap itself)

from conftest import leaves, pywt_matrix  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

F64 = torch.float64
jacobian = torch.autograd.functional.jacobian
hessian = torch.autograd.functional.hessian


def randn(*shape, seed=0):
    return torch.randn(shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


def flat(structure):
    return torch.cat([torch.as_tensor(t).reshape(-1) for t in leaves(structure)])


def close(a, b):
    """Equal on the scale of b: |a - b| <= 64 eps max|b|."""
    a, b = torch.as_tensor(a, dtype=F64).reshape(-1), torch.as_tensor(b, dtype=F64).reshape(-1)
    assert a.shape == b.shape
    assert float((a - b).abs().max()) <= 64 * torch.finfo(F64).eps * max(float(b.abs().max()), 1)


CASES = [("wavedec", lambda x, m: bt.wavedec(x, "db2", m, level=2),
          lambda x, m: pywt.wavedec(x, "db2", m, level=2), (11,)),
         ("wavedec2", lambda x, m: bt.wavedec2(x, "sym3", m, level=1),
          lambda x, m: pywt.wavedec2(x, "sym3", m, level=1), (6, 5)),
         ("wavedecn", lambda x, m: bt.wavedecn(x, "db1", m, level=1),
          lambda x, m: pywt.wavedecn(x, "db1", m, level=1), (3, 2, 4)),
         ("swt", lambda x, m: bt.swt(x, "db2", level=2),
          lambda x, m: pywt.swt(x, "db2", level=2), (8,))]


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization"])
@pytest.mark.parametrize("name,ours,ref,shape", CASES)
def test_vectorized_jacobians_are_pywt_matrices(name, ours, ref, shape, mode, strategy):
    A = torch.from_numpy(pywt_matrix(lambda v: ref(v, mode), shape))
    J = jacobian(lambda v: flat(ours(v, mode)), randn(*shape), vectorize=True, strategy=strategy)
    close(J.reshape(A.shape), A)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_vectorized_jacobian_of_an_inverse(strategy):
    shape = (13,)
    coeffs = pywt.wavedec(np.zeros(shape), "bior2.2", "smooth", level=2)
    sizes = [c.size for c in coeffs]
    A = torch.from_numpy(pywt_matrix(
        lambda v: pywt.waverec(np.split(v, np.cumsum(sizes)[:-1]), "bior2.2", "smooth"),
        (sum(sizes),)))

    def f(v):
        return bt.waverec(list(torch.split(v, sizes)), "bior2.2", "smooth")
    close(jacobian(f, randn(sum(sizes)), vectorize=True, strategy=strategy), A)


@pytest.mark.parametrize("outer", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("name,ours,ref,shape", CASES[:3])
def test_vectorized_hessians_of_a_cubic_loss(name, ours, ref, shape, outer):
    """sum(c^3) over the coefficients c = W x has Hessian W^T diag(6 c) W."""
    W = torch.from_numpy(pywt_matrix(lambda v: ref(v, "symmetric"), shape))
    x = randn(*shape, seed=1)
    c = W @ x.reshape(-1)
    H = hessian(lambda v: (flat(ours(v, "symmetric")) ** 3).sum(), x, vectorize=True,
                outer_jacobian_strategy=outer)
    close(H.reshape(W.shape[1], W.shape[1]), W.T @ torch.diag(6 * c) @ W)


def _unit_filter_columns(x, wavelet, which, mode, level):
    """The derivative of pywt.wavedec(x) with respect to each tap of one
    filter: the transform is linear in each filter, so column k is the
    transform with that filter set to the k-th unit vector and the other
    filter of the same side (analysis) to zero."""
    bank = [np.asarray(f) for f in pywt.Wavelet(wavelet).filter_bank]
    columns = []
    for e in np.eye(len(bank[which])):
        taps = list(bank)
        taps[which], taps[1 - which] = e, np.zeros_like(e)
        columns.append(flat(pywt.wavedec(x, pywt.Wavelet("unit", filter_bank=taps), mode,
                                         level=level)))
    return torch.stack(columns, dim=1)


def test_vectorized_jacobian_with_respect_to_a_learned_filter():
    """One level: the approximation is linear in dec_lo alone."""
    x = np.asarray(randn(12, seed=2))
    bank = [torch.tensor(f, dtype=F64) for f in pywt.Wavelet("db3").filter_bank]
    expected = _unit_filter_columns(x, "db3", 0, "periodization", 1)[:6]

    def approximation(lo):
        return bt.wavedec(torch.from_numpy(x), (lo, *bank[1:]), "periodization", level=1)[0]
    for strategy in ("reverse-mode", "forward-mode"):
        close(jacobian(approximation, bank[0], vectorize=True, strategy=strategy), expected)


def test_batched_cotangents_through_a_whole_learned_transform(monkeypatch):
    """An eager learned wavedec is one autograd node whose backward is one
    core call; is_grads_batched hands it a batch of cotangents at once,
    still one call (a bank per cotangent: per-item filter gradients)."""
    from bridges import _learned_kinds
    calls, original = [], _learned_kinds.Wavedec.backward
    monkeypatch.setattr(_learned_kinds.Wavedec, "backward",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    x = randn(2, 16, seed=3)
    bank = [torch.tensor(f, dtype=F64) for f in pywt.Wavelet("db2").filter_bank]
    lo = bank[0].clone().requires_grad_()
    xr = x.clone().requires_grad_()
    out = bt.wavedec(xr, (lo, *bank[1:]), "zero", level=1)
    cot = [randn(5, *c.shape, seed=4 + i) for i, c in enumerate(out)]
    gx, glo = torch.autograd.grad(out, (xr, lo), cot, is_grads_batched=True)
    assert len(calls) == 1
    # the data gradient: W^T v per row of x; the filter gradient: J^T v summed over rows
    W = torch.from_numpy(pywt_matrix(lambda v: pywt.wavedec(v, "db2", "zero", level=1), (16,)))
    for b in range(5):
        v = torch.stack([torch.cat([c[b, r] for c in cot]) for r in range(2)])
        close(gx[b], v @ W)
        J = [_unit_filter_columns(np.asarray(x[r]), "db2", 0, "zero", 1) for r in range(2)]
        close(glo[b], sum(Jr.T @ vr for Jr, vr in zip(J, v)))


def test_nested_older_vmaps_equal_a_loop_of_pywt():
    """Two levels, one tensor batched at the outer level only."""
    a, d = randn(3, 2, 7, seed=5), randn(3, 4, 2, 7, seed=6)
    got = _vmap(lambda u, w: _vmap(lambda z: bt.idwt(u, z, "db2", "symmetric"))(w))(a, d)
    for i in range(3):
        for j in range(4):
            close(got[i, j], pywt.idwt(a[i].numpy(), d[i, j].numpy(), "db2", "symmetric"))
    x = randn(2, 3, 10, seed=7)
    got = _vmap(_vmap(lambda v: tuple(bt.wavedec(v, "db1", "zero", level=2))))(x)
    for i in range(2):
        for j in range(3):
            close(flat([g[i, j] for g in got]),
                  flat(pywt.wavedec(x[i, j].numpy(), "db1", "zero", level=2)))
