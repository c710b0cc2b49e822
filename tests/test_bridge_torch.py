"""bridges.torch: values against pywt, gradients against the explicit transpose
of pywt's forward matrix, autograd/compile machinery, dtypes, zero copy, CUDA."""
import warnings

import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")

from conftest import (assert_leaves_match, leaves, pywt_matrix, random, requires_torch_cuda,  # noqa: E402
                      rebuild)
from cuwavelet import _multilevel as ml  # noqa: E402
from cuwavelet._wavelets import as_filter_bank  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

MODES = ["zero", "constant", "symmetric", "periodic", "smooth", "periodization", "reflect",
         "antisymmetric", "antireflect"]
WAVELETS = ["db2", "bior2.2"]
F64 = torch.float64


requires_cuda = requires_torch_cuda()


# --- structure helpers ------------------------------------------------------------

def host(t):
    return t.detach().cpu().resolve_conj().numpy()


def assert_matches(ours, ref, atol):
    assert_leaves_match(ours, ref, atol, torch.Tensor, host)


def forward_case(dims, shape, wavelet, mode):
    """(pywt on one signal, ours on a batch with a leading axis)."""
    if dims == 1:
        return (lambda x: pywt.wavedec(x, wavelet, mode, level=2),
                lambda x: bt.wavedec(x, wavelet, mode, level=2, axis=-1))
    if dims == 2:
        return (lambda x: pywt.wavedec2(x, wavelet, mode, level=2),
                lambda x: bt.wavedec2(x, wavelet, mode, level=2, axes=(-2, -1)))
    return (lambda x: pywt.wavedecn(x, wavelet, mode, level=1),
            lambda x: bt.wavedecn(x, wavelet, mode, level=1, axes=(-3, -2, -1)))


def inverse_case(dims, wavelet, mode):
    if dims == 1:
        return (lambda c: pywt.waverec(c, wavelet, mode),
                lambda c: bt.waverec(c, wavelet, mode, axis=-1))
    if dims == 2:
        return (lambda c: pywt.waverec2(c, wavelet, mode),
                lambda c: bt.waverec2(c, wavelet, mode, axes=(-2, -1)))
    return (lambda c: pywt.waverecn(c, wavelet, mode),
            lambda c: bt.waverecn(c, wavelet, mode, axes=(-3, -2, -1)))


SHAPES = {1: [(7,), (8,)], 2: [(5, 6), (6, 8)], 3: [(3, 4, 5), (4, 2, 4)]}
GRAD_CASES = [(d, s) for d in SHAPES for s in SHAPES[d]]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("dims,shape", GRAD_CASES)
def test_forward_gradient_is_transpose_of_pywt_matrix(dims, shape, wavelet, mode):
    ref_fn, our_fn = forward_case(dims, shape, wavelet, mode)
    A = pywt_matrix(ref_fn, shape)  # (M, N)
    m, n = A.shape
    # Linear map: with a batch of M inputs and cotangent e_b on batch b,
    # the gradient of batch b is A^T e_b, i.e. row b of A.
    x = torch.zeros((m,) + shape, dtype=F64, requires_grad=True)
    coeffs = torch.cat([t.reshape(m, -1) for t in leaves(our_fn(x))], dim=1)
    assert coeffs.shape == (m, m)
    (grad,) = torch.autograd.grad(coeffs, x, torch.eye(m, dtype=F64))
    np.testing.assert_allclose(grad.reshape(m, n).numpy(), A, rtol=0, atol=1e-12)
    # and the forward values are pywt's
    data = np.random.default_rng(0).standard_normal((2,) + shape)
    ours = torch.cat([t.reshape(2, -1) for t in leaves(our_fn(torch.from_numpy(data)))], 1)
    np.testing.assert_allclose(ours.numpy(), data.reshape(2, -1) @ A.T, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("dims,shape", GRAD_CASES)
def test_inverse_gradient_is_transpose_of_pywt_matrix(dims, shape, wavelet, mode):
    fwd_ref, _ = forward_case(dims, shape, wavelet, mode)
    inv_ref, inv_ours = inverse_case(dims, wavelet, mode)
    template = fwd_ref(np.zeros(shape))
    sizes = [v.size for v in leaves(template)]

    def from_vector(v):
        parts = np.split(v, np.cumsum(sizes)[:-1])
        return rebuild(template, [p.reshape(t.shape) for p, t in zip(parts, leaves(template))])

    B = pywt_matrix(lambda v: inv_ref(from_vector(v.ravel())), (sum(sizes),))  # (N_out, M)
    k = B.shape[0]
    coeffs = [torch.zeros((k,) + t.shape, dtype=F64, requires_grad=True) for t in leaves(template)]
    y = inv_ours(rebuild(template, coeffs))
    grads = torch.autograd.grad(y.reshape(k, -1), coeffs, torch.eye(k, dtype=F64))
    got = torch.cat([g.reshape(k, -1) for g in grads], dim=1).numpy()
    np.testing.assert_allclose(got, B, rtol=0, atol=1e-12)


# --- values of every function against pywt --------------------------------------------

CUSTOM = pywt.Wavelet("custom", filter_bank=pywt.Wavelet("sym3").filter_bank)
RNG = np.random.default_rng(1)
X1 = RNG.standard_normal((3, 19))
X2 = RNG.standard_normal((2, 9, 12))
X3 = RNG.standard_normal((5, 6, 7))

VALUE_CASES = {
    "dwt": (lambda m, x: m.dwt(x, "db3", "smooth", axis=0), X2),
    "wavedec": (lambda m, x: m.wavedec(x, "coif1", "periodization", level=2), X1),
    "wavedec_custom_wavelet": (lambda m, x: m.wavedec(x, CUSTOM, "reflect"), X1),
    "dwt2": (lambda m, x: m.dwt2(x, "bior1.3", "antireflect", axes=(0, 2)), X2),
    "wavedec2": (lambda m, x: m.wavedec2(x, "db2", "symmetric"), X2),
    "dwtn": (lambda m, x: m.dwtn(x, "db1", "periodic"), X3),
    "wavedecn": (lambda m, x: m.wavedecn(x, "db2", "zero", level=2, axes=(0, 2)), X3),
    "wavedecn_per_axis": (lambda m, x: m.wavedecn(x, ["db1", "db2", "sym2"],
                                                  ["zero", "smooth", "antisymmetric"], level=1), X3),
}


@pytest.mark.parametrize("name", VALUE_CASES)
def test_forward_values_match_pywt(name):
    fn, x = VALUE_CASES[name]
    assert_matches(fn(bt, torch.from_numpy(x)), fn(pywt, x), atol=1e-12)


@pytest.mark.parametrize("name", VALUE_CASES)
def test_non_contiguous_input(name):
    fn, x = VALUE_CASES[name]
    t = torch.from_numpy(np.ascontiguousarray(np.swapaxes(x, 0, -1))).transpose(0, -1)
    assert not t.is_contiguous()
    assert_matches(fn(bt, t), fn(pywt, x), atol=1e-12)


INVERSE_CASES = {
    "idwt": (lambda m, c: m.idwt(c[0], c[1], "db3", "smooth", axis=0),
             lambda m: m.dwt(X2, "db3", "smooth", axis=0)),
    "idwt_none": (lambda m, c: m.idwt(None, c[1], "db2", "zero"), lambda m: m.dwt(X1, "db2", "zero")),
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


def _to_torch(c):
    return rebuild(c, [None if v is None else torch.from_numpy(np.asarray(v)) for v in leaves(c)])


@pytest.mark.parametrize("name", INVERSE_CASES)
def test_inverse_values_match_pywt(name):
    inv, make = INVERSE_CASES[name]
    coeffs = make(pywt)
    assert_matches(inv(bt, _to_torch(coeffs)), inv(pywt, coeffs), atol=1e-12)


def test_level_none_and_float32():
    x = RNG.standard_normal((4, 64)).astype(np.float32)
    ours, ref = bt.wavedec(torch.from_numpy(x), "db4"), pywt.wavedec(x, "db4")
    assert len(ours) == len(ref) and all(t.dtype == torch.float32 for t in ours)
    assert_matches(ours, ref, atol=1e-5)


def test_errors_like_pywt():
    x = torch.zeros(4, 8)
    with pytest.raises(ValueError, match="Unknown wavelet"):
        bt.wavedec(x, "nope")
    with pytest.raises(ValueError, match="Unknown mode"):
        bt.dwt(x, "db1", "nope")
    with pytest.raises(ValueError, match="3-tuple"):
        bt.waverec2([x, (x, x)], "db1")
    with pytest.raises(TypeError, match="float32, float64"):
        torch.ops.cuwavelet.dwtn(x.half(), [1], [0], [2], list(np.ones(8)))


# --- autograd machinery -----------------------------------------------------------------

def _leaf(*shape, dtype=F64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g).requires_grad_(True)


GRADCHECK = {
    "dwt": (lambda x: bt.dwt(x, "db2", "reflect", axis=0), [(6, 3)]),
    "idwt": (lambda a, d: bt.idwt(a, d, "bior2.2", "smooth"), [(2, 5), (2, 5)]),
    "dwt2": (lambda x: bt.dwt2(x, "db2", "antisymmetric"), [(5, 6)]),
    "idwt2": (lambda a, h, d: bt.idwt2((a, (h, None, d)), "db2", "zero"), [(3, 4)] * 3),
    "dwtn": (lambda x: bt.dwtn(x, "db1", "symmetric", axes=(0, 2)), [(3, 2, 5)]),
    "idwtn": (lambda a, d: bt.idwtn({"aa": a, "dd": d}, "db2", "periodization"), [(3, 3)] * 2),
    "wavedec": (lambda x: bt.wavedec(x, "db2", "antireflect", level=2), [(2, 9)]),
    "waverec": (lambda a, d2, d1: bt.waverec([a, d2, d1], "db2", "periodic"), [(4,), (4,), (5,)]),
    "wavedec2": (lambda x: bt.wavedec2(x, "bior2.2", "periodization", level=2), [(6, 7)]),
    "waverec2": (lambda a, h, v, d: bt.waverec2([a, (h, v, d)], "db2", "constant"), [(3, 4)] * 4),
    "wavedecn": (lambda x: bt.wavedecn(x, "db1", "smooth", level=1), [(3, 4, 2)]),
    "waverecn": (lambda a, d: bt.waverecn([a, {"ad": d, "da": d * 2}], "db2", "reflect"),
                 [(3, 3), (3, 3)]),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes = GRADCHECK[name]
    inputs = tuple(_leaf(*s, seed=i) for i, s in enumerate(shapes))
    assert torch.autograd.gradcheck(lambda *a: tuple(leaves(fn(*a))), inputs)
    assert torch.autograd.gradgradcheck(lambda *a: tuple(leaves(fn(*a))), inputs)


def _op_args():
    spec1 = bt._TorchBackend.spec([1], [as_filter_bank("db2")], [2])
    spec2 = bt._TorchBackend.spec([0, 2], [as_filter_bank("db2"), as_filter_bank("bior2.2")], [6, 1])
    ops = torch.ops.cuwavelet
    return [
        (ops.dwtn, (_leaf(3, 7), *spec1)),
        (ops.dwtn, (_leaf(5, 2, 6, dtype=torch.complex128), *spec2)),
        (ops.dwtn_adjoint, ([_leaf(3, 5), _leaf(3, 5, seed=1)], [0, 1], *spec1, [7])),
        (ops.dwtn_adjoint, ([_leaf(4, 2, 5, seed=i) for i in range(2)], [3, 1], *spec2, [5, 6])),
        (ops.idwtn, ([_leaf(3, 4)], [1], *spec1)),
        (ops.idwtn, ([_leaf(4, 2, 5, seed=i) for i in range(3)], [0, 1, 3], *spec2)),
        (ops.idwtn_adjoint, (_leaf(3, 6), *spec1)),
        (ops.idwtn_adjoint, (_leaf(6, 2, 8, dtype=torch.complex128), *spec2)),
        # the multilevel 1D ops: cA_3, cD_3, cD_2, cD_1 of 23 samples (db2, symmetric) are
        # 5, 5, 8, 13 long; their waverec has 24 samples (cD_2's idwt is trimmed to 13)
        (ops.wavedec, (_leaf(3, 23), 3, *spec1)),
        (ops.wavedec_adjoint, ([_leaf(3, 5), _leaf(3, 13, seed=1)], [0, 3], 3, *spec1, [23])),
        # two axes (0, 2) of (5, 2, 6): db2 reflect, bior2.2 constant; 2 levels leave
        # (4, 2, 5) then (3, 2, 5) coefficients (outputs: aa_2, 3 details of level 2, 3 of 1)
        (ops.wavedec, (_leaf(5, 2, 6), 2, *spec2)),
        (ops.wavedec_adjoint, ([_leaf(3, 2, 5), _leaf(4, 2, 5, seed=1)], [0, 4], 2, *spec2,
                               [5, 6])),
        (ops.waverec, ([_leaf(3, n, seed=i) for i, n in enumerate((5, 5, 8, 13))], [0, 1, 2, 3],
                       3, *spec1, True, [5, 5, 8, 13])),
        (ops.waverec_adjoint, (_leaf(3, 24), 3, *spec1, True, [5, 5, 8, 13])),
        # two axes: the coefficients of that wavedec (a detail of level 2 absent): level 2's
        # synthesis, (4, 2, 6), is trimmed to level 1's (4, 2, 5); the result is (6, 2, 6)
        (ops.waverec, ([_leaf(3, 2, 5), _leaf(3, 2, 5, seed=1), _leaf(3, 2, 5, seed=2),
                        _leaf(4, 2, 5, seed=3), _leaf(4, 2, 5, seed=4), _leaf(4, 2, 5, seed=5)],
                       [0, 1, 3, 4, 5, 6], 2, *spec2, True, [3, 5, 3, 5, 4, 5])),
        (ops.waverec_adjoint, (_leaf(6, 2, 6), 2, *spec2, True, [3, 5, 3, 5, 4, 5])),
    ]


@pytest.mark.parametrize("case", range(16))
def test_opcheck(case):
    op, args = _op_args()[case]
    torch.library.opcheck(op, args)


def test_multilevel_transforms_are_single_ops(monkeypatch):
    """wavedec and waverec of 2+ levels along one axis are one custom op each
    (on CUDA, the core's fused multi-level kernels), and so are their
    backward passes; one level stays on the level ops."""
    calls = []
    for name in ("_wavedec_op", "_waverec_op", "_dwtn_op", "_idwtn_op"):
        original = getattr(bt, name)

        def spy(*args, _original=original, _name=name):
            calls.append(_name)
            return _original(*args)
        monkeypatch.setattr(bt, name, spy)
    x = _leaf(4, 40)
    c = bt.wavedec(x, "db3", "smooth", level=3)
    y = bt.waverec(c, "db3", "smooth")
    assert calls == ["_wavedec_op", "_waverec_op"]
    (g,) = torch.autograd.grad(y.square().sum(), x)
    torch.testing.assert_close(y, x)
    torch.testing.assert_close(g, 2 * x)  # waverec(wavedec(x)) = x, so the gradient is 2x
    calls.clear()
    bt.wavedec(x, "db3", "smooth", level=1)
    assert calls == ["_dwtn_op"]
    calls.clear()  # 2D and nD: one op (on CUDA: levels in pairs); inverses below
    img = _leaf(2, 20, 18)
    c2 = bt.wavedec2(img, "db2", "symmetric", level=2)
    assert calls == ["_wavedec_op"]
    assert_matches(c2, pywt.wavedec2(img.detach().numpy(), "db2", "symmetric", level=2), 1e-12)


INVERSES = {  # pywt's coefficients (None: an absent detail) and the inverse, ours and pywt's
    "waverec2": (lambda: pywt.wavedec2(random((2, 13, 11)), "db2", "symmetric", level=3),
                 lambda m, c: m.waverec2(c, "db2", "symmetric")),
    "waverec2, details absent": (
        lambda: [c if i != 2 else (None, c[1], None) for i, c in enumerate(
            pywt.wavedec2(random((12, 9)), "sym3", "periodization", level=3))],
        lambda m, c: m.waverec2(c, "sym3", "periodization")),
    "waverecn": (lambda: pywt.wavedecn(random((9, 2, 10)), "bior2.2", "reflect", level=2,
                                       axes=(0, 2)),
                 lambda m, c: m.waverecn(c, "bior2.2", "reflect", axes=(0, 2))),
    "waverec": (lambda: pywt.wavedec(random((3, 23)), "db3", "zero", level=3),
                lambda m, c: m.waverec(c, "db3", "zero")),
}


@pytest.mark.parametrize("name", INVERSES)
def test_multilevel_inverses_are_single_ops(name, monkeypatch):
    """waverec, waverec2 and waverecn of 2+ levels are one custom op (on CUDA,
    the core's fused kernels: two 2D synthesis levels per launch), and so is
    their backward. Values: pywt's; gradient: the transpose of pywt's matrix."""
    make, inverse = INVERSES[name]
    coeffs = make()
    shapes = [np.shape(c) for c in leaves(coeffs) if c is not None]
    sizes = [int(np.prod(s)) for s in shapes]

    def pywt_inverse(v):
        parts = iter(np.split(v, np.cumsum(sizes)[:-1]))
        return inverse(pywt, rebuild(coeffs, [None if c is None else next(parts).reshape(c.shape)
                                              for c in leaves(coeffs)]))
    calls = []
    for op in ("_waverec_op", "_idwtn_op"):
        original = getattr(bt, op)
        monkeypatch.setattr(bt, op, lambda *a, _o=original, _n=op: calls.append(_n) or _o(*a))
    tensors = rebuild(coeffs, [None if c is None else torch.from_numpy(c).requires_grad_(True)
                               for c in leaves(coeffs)])
    y = inverse(bt, tensors)
    assert calls == ["_waverec_op"]
    expected = inverse(pywt, coeffs)
    np.testing.assert_allclose(host(y), expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    cot = random(y.shape, seed=3)
    given = [t for t in leaves(tensors) if t is not None]
    grads = torch.autograd.grad(y, given, torch.from_numpy(cot))
    A = pywt_matrix(pywt_inverse, (sum(sizes),))
    expected = A.T @ cot.reshape(-1)
    got = np.concatenate([host(g).reshape(-1) for g in grads])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_complex_values_and_gradient_is_the_core_adjoint():
    import cuwavelet.adjoint as adj
    z = RNG.standard_normal((2, 11)) + 1j * RNG.standard_normal((2, 11))
    zt = torch.from_numpy(z).requires_grad_(True)
    ours = bt.wavedec(zt, "db2", "symmetric", level=2)
    assert_matches(ours, pywt.wavedec(z, "db2", "symmetric", level=2), atol=1e-12)
    g = [RNG.standard_normal(t.shape) + 1j * RNG.standard_normal(t.shape) for t in ours]
    loss = sum((torch.from_numpy(gi).conj() * t).real.sum() for gi, t in zip(g, ours))
    (grad,) = torch.autograd.grad(loss, zt)
    expected = adj.wavedec(g, "db2", "symmetric", data_shape=z.shape)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(lambda t: tuple(bt.wavedec2(t, "db2", "smooth", level=1)[1]),
                                    (_leaf(4, 5, dtype=torch.complex128),))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_low_precision_in_and_out(dtype):
    x32 = torch.randn(2, 3, 16, 20, generator=torch.Generator().manual_seed(0))
    x = x32.to(dtype).requires_grad_(True)
    ours = bt.wavedec2(x, "db2", "symmetric", level=2)
    ref = bt.wavedec2(x.detach().float(), "db2", "symmetric", level=2)
    for o, r in zip(leaves(ours), leaves(ref)):
        assert o.dtype == dtype
        torch.testing.assert_close(o.float(), r, rtol=0, atol=0.05 * float(r.abs().max()))
    sum((t.float() ** 2).sum() for t in leaves(ours)).backward()
    assert x.grad.dtype == dtype
    x_ref = x.detach().float().requires_grad_(True)
    sum((t ** 2).sum() for t in leaves(bt.wavedec2(x_ref, "db2", "symmetric", level=2))).backward()
    torch.testing.assert_close(x.grad.float(), x_ref.grad, rtol=0,
                               atol=0.05 * float(x_ref.grad.abs().max()))
    rec = bt.waverec2(ours, "db2", "symmetric")
    assert rec.dtype == dtype
    torch.testing.assert_close(rec.float()[..., :16, :20], x32, rtol=0, atol=0.1)


def test_mixed_dtypes_promote_like_pywt():
    a = torch.zeros(2, 5, dtype=torch.float32)
    d = torch.ones(2, 5, dtype=torch.float64)
    out = bt.idwt(a, d, "db2")
    assert out.dtype == torch.float64
    assert_matches(out, pywt.idwt(a.numpy(), d.numpy(), "db2"), atol=1e-12)
    assert bt.dwt(torch.arange(8), "db1")[0].dtype == torch.float64  # ints as pywt


@pytest.mark.parametrize("name", ["wavedec", "wavedec2", "wavedecn"])
@pytest.mark.parametrize("dtype", [np.int32, np.bool_, np.float32])
def test_level_zero_returns_the_data_as_given_like_pywt(name, dtype):
    x = (np.arange(24).reshape(4, 6) % 5).astype(dtype)
    t = torch.from_numpy(x)
    (ours,), (ref,) = getattr(bt, name)(t, "db2", level=0), getattr(pywt, name)(x, "db2", level=0)
    assert ours is t and ref.dtype == dtype
    np.testing.assert_array_equal(ours.numpy(), ref)


# --- modules and torch.compile ----------------------------------------------------------

class Denoiser(torch.nn.Module):
    """Learnable per-subband gains between DWT2D and IDWT2D."""

    def __init__(self, level=2):
        super().__init__()
        self.dwt = bt.DWT2D("db2", level=level, mode="symmetric")
        self.idwt = bt.IDWT2D("db2", mode="symmetric")
        self.gains = torch.nn.Parameter(torch.ones(level, 3))

    def forward(self, x):
        c = self.dwt(x)
        out = [c[0]] + [tuple(t * self.gains[j, i] for i, t in enumerate(d))
                        for j, d in enumerate(c[1:])]
        return self.idwt(out)[..., :x.shape[-2], :x.shape[-1]]


def test_modules_have_no_parameters_and_train():
    for m in (bt.DWT1D(), bt.IDWT1D(), bt.DWT2D(), bt.IDWT2D(), bt.DWTND(), bt.IDWTND()):
        assert list(m.parameters()) == []
    gen = torch.Generator().manual_seed(0)
    clean = torch.linspace(0, 1, 16).outer(torch.linspace(0, 1, 16)).expand(8, 1, 16, 16)
    noisy = clean + 0.2 * torch.randn(clean.shape, generator=gen)
    model = Denoiser()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(noisy), clean)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert model.gains.grad is not None


def test_nd_modules_round_trip_like_pywt():
    x = torch.from_numpy(X3)
    c = bt.DWTND("db2", level=1, mode="periodization", axes=(0, 1))(x)
    assert_matches(c, pywt.wavedecn(X3, "db2", "periodization", level=1, axes=(0, 1)), atol=1e-12)
    torch.testing.assert_close(bt.IDWTND("db2", "periodization", axes=(0, 1))(c)[:5], x)
    c1 = bt.DWT1D("db2", level=2, axis=0)(x)
    assert_matches(c1, pywt.wavedec(X3, "db2", level=2, axis=0), atol=1e-12)
    assert_matches(bt.IDWT1D("db2", axis=0)(c1), pywt.waverec(pywt.wavedec(X3, "db2", level=2,
                                                                           axis=0), "db2", axis=0),
                   atol=1e-12)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's own imports under inductor
def test_torch_compile_fullgraph():
    torch._dynamo.reset()
    model = Denoiser()
    with torch.no_grad():
        model.gains.mul_(torch.tensor([[0.5, 1.5, 0.7], [1.2, 0.1, 0.9]]))
    x = torch.randn(2, 1, 16, 18, generator=torch.Generator().manual_seed(0))
    compiled = torch.compile(model, fullgraph=True)
    out = compiled(x)
    torch.testing.assert_close(out, model(x))
    (g_compiled,) = torch.autograd.grad(out.square().sum(), model.gains)
    (g_eager,) = torch.autograd.grad(model(x).square().sum(), model.gains)
    torch.testing.assert_close(g_compiled, g_eager)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("dynamic", [None, True])
def test_torch_compile_fullgraph_on_new_sizes(dynamic):
    """A compiled model meets other sizes along the transformed axes: with
    dynamic shapes (torch's automatic ones after a size changes, or
    dynamic=True) the sizes that decide the coefficients' shapes are
    specialized, so each size gets pywt's values, forward and backward."""
    torch._dynamo.reset()

    def f(x):
        a, *details = bt.wavedec2(x, "db2", mode="symmetric", level=2)
        y = bt.waverec2([a * 2] + details, "db2", mode="symmetric")
        return y, bt.wavedec(x, "db3", level=1, axis=-1)[1], bt.cwt(x, [1.0, 2.5], "mexh")[0]

    compiled = torch.compile(f, fullgraph=True, dynamic=dynamic, backend="aot_eager")
    for shape in ((2, 16, 18), (2, 23, 20), (3, 30, 17)):
        x = torch.from_numpy(random(shape, seed=sum(shape))).requires_grad_()
        got = compiled(x)
        c = pywt.wavedec2(x.detach().numpy(), "db2", mode="symmetric", level=2)
        expected = (pywt.waverec2([c[0] * 2] + c[1:], "db2", mode="symmetric"),
                    pywt.wavedec(x.detach().numpy(), "db3", level=1)[1],
                    pywt.cwt(x.detach().numpy(), [1.0, 2.5], "mexh")[0])
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g.detach().numpy(), e, rtol=0, atol=1e-12 * np.abs(e).max())
        (g_compiled,) = torch.autograd.grad(sum(t.sum() for t in got), x)
        (g_eager,) = torch.autograd.grad(sum(t.sum() for t in f(x)), x)
        torch.testing.assert_close(g_compiled, g_eager)


def test_torch_compile_fullgraph_1d_multilevel():
    """The multilevel 1D ops stay graph nodes, forward and backward."""
    torch._dynamo.reset()

    def f(x):
        c = bt.wavedec(x, "db2", "symmetric", level=3)
        return bt.waverec([c[0] * 2] + c[1:], "db2", "symmetric")
    x = _leaf(2, 37)
    compiled = torch.compile(f, fullgraph=True)
    torch.testing.assert_close(compiled(x), f(x))
    (g_compiled,) = torch.autograd.grad(compiled(x).sum(), x)
    (g_eager,) = torch.autograd.grad(f(x).sum(), x)
    torch.testing.assert_close(g_compiled, g_eager)


def test_torch_compile_fullgraph_of_a_level_beyond_the_deepest():
    """pywt's warning for a level beyond the deepest useful one is Python that
    Dynamo cannot trace: the check is a constant of the capture, so the
    function compiles whole, once (the bridge's spec cache is not read while
    capturing, so its filling does not recompile), and warns when captured."""
    torch._dynamo.reset()
    captures = []

    def backend(graph, example_inputs):
        captures.append(graph)
        return graph.forward

    def f(x):
        c = bt.wavedec2(x, "db2", level=3)
        return c[0].sum() + bt.waverec2(c, "db2").sum()
    x = torch.from_numpy(random((10, 13), seed=3))
    compiled = torch.compile(f, fullgraph=True, backend=backend)
    with pytest.warns(UserWarning, match="Level value of 3 is too high"):
        first = compiled(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        later = [compiled(x) for _ in range(2)]
    assert len(captures) == 1
    with pytest.warns(UserWarning, match="Level value of 3 is too high"):
        eager = f(x)
    for got in [first] + later:
        torch.testing.assert_close(got, eager)


# --- zero copy -------------------------------------------------------------------------

@pytest.fixture
def core_spy(monkeypatch):
    """Records the arrays the bridge hands to ml.dwtn / ml.idwtn and what they return."""
    calls = []
    for name in ("dwtn", "idwtn"):
        original = getattr(ml, name)

        def spy(data, *args, _original=original, _name=name):
            out = _original(data, *args)
            calls.append((_name, data, out))
            return out
        monkeypatch.setattr(ml, name, spy)
    return calls


def test_cpu_inputs_and_outputs_share_memory(core_spy):
    base = torch.randn(6, 4, 10, dtype=F64)
    x = base.transpose(0, 2)  # non-contiguous: passed with its strides
    cA, cD = bt.dwt(x, "db2", "symmetric", axis=1)
    name, given, out = core_spy[-1]
    assert name == "dwtn" and isinstance(given, np.ndarray)
    assert given.ctypes.data == x.data_ptr()
    assert given.strides == tuple(s * x.element_size() for s in x.stride())
    assert np.shares_memory(given, base.numpy())
    assert cA.data_ptr() == out["a"].ctypes.data and cD.data_ptr() == out["d"].ctypes.data

    y = bt.idwt(cA, cD, "db2", "symmetric", axis=1)
    name, given, out = core_spy[-1]
    assert name == "idwtn"
    assert given["a"].ctypes.data == cA.data_ptr() and given["d"].ctypes.data == cD.data_ptr()
    assert y.data_ptr() == out.ctypes.data
    torch.testing.assert_close(y, x)


def test_requires_grad_input_shares_memory(core_spy):
    x = torch.randn(3, 16, dtype=F64, requires_grad=True)
    bt.wavedec(x, "db1", level=1)
    assert core_spy[-1][1].ctypes.data == x.data_ptr()


# --- CUDA (skipped without a device) ------------------------------------------------------

@requires_cuda
@pytest.mark.gpu
def test_cuda_values_and_gradients_match_cpu():
    x = torch.randn(2, 3, 17, 20, dtype=F64, generator=torch.Generator().manual_seed(0))
    cpu = bt.wavedec2(x.requires_grad_(True), "bior2.2", "antireflect", level=2)
    xc = x.detach().cuda().requires_grad_(True)
    gpu = bt.wavedec2(xc, "bior2.2", "antireflect", level=2)
    assert_matches(gpu, pywt.wavedec2(x.detach().numpy(), "bior2.2", "antireflect", level=2),
                   atol=1e-12)
    cots = [torch.randn_like(t) for t in leaves(cpu)]
    (g_cpu,) = torch.autograd.grad(leaves(cpu), x, cots)
    (g_gpu,) = torch.autograd.grad(leaves(gpu), xc, [c.cuda() for c in cots])
    torch.testing.assert_close(g_gpu.cpu(), g_cpu, rtol=0, atol=1e-12)
    rec = bt.waverec2(gpu, "bior2.2", "antireflect")
    torch.testing.assert_close(rec[..., :17, :20].cpu(), x.detach(), rtol=0, atol=1e-10)


@requires_cuda
@pytest.mark.gpu
def test_cuda_non_default_stream_and_zero_copy(core_spy):
    import cupy
    streams = []
    original = ml.dwtn

    def record_stream(*a):
        streams.append(cupy.cuda.get_current_stream().ptr)
        return original(*a)
    ml.dwtn = record_stream  # core_spy's monkeypatch restores the attribute
    s = torch.cuda.Stream()
    x = torch.randn(8, 3, 64, 64, device="cuda")
    torch.cuda.current_stream().synchronize()
    with torch.cuda.stream(s):
        y = x * 2  # queued on s: the transform must see it
        c = bt.wavedec2(y, "db2", "zero", level=3)
        rec = bt.waverec2(c, "db2", "zero")
    s.synchronize()
    assert streams and all(p == s.cuda_stream for p in streams)
    torch.testing.assert_close(rec, 2 * x, rtol=0, atol=1e-3)
    ref = pywt.wavedec2(2 * x.cpu().numpy(), "db2", "zero", level=3)
    assert_matches(c, ref, atol=1e-3)
    name, given, out = [call for call in core_spy if call[0] == "idwtn"][-1]
    assert rec.data_ptr() == out.data.ptr  # the tensor torch allocated for the core


@requires_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("fn,shape", [("wavedec2", (4, 3, 70, 66)), ("wavedec", (5, 3000))])
def test_cuda_calls_run_on_the_tensors_without_views(monkeypatch, fn, shape):
    """Planned calls run on the tensors themselves (no CuPy view of any
    tensor), outputs with storages of their own, values and gradients exact."""
    from bridges import _torch_ops as ops
    views = []
    original = ops._cupy_view
    monkeypatch.setattr(ops, "_cupy_view", lambda t: views.append(t.shape) or original(t))
    x = torch.randn(shape, dtype=F64, generator=torch.Generator().manual_seed(1))
    xc = x.cuda().requires_grad_(True)
    out = leaves(getattr(bt, fn)(xc, "db5", "symmetric", level=3))
    ref = getattr(pywt, fn)(x.numpy(), "db5", "symmetric", level=3)
    assert_matches(rebuild(ref, [o.cpu() for o in out]), ref, atol=1e-12)
    assert len({o.untyped_storage().data_ptr() for o in out}) == len(out)
    cots = [torch.randn_like(o) for o in out]
    (g,) = torch.autograd.grad(out, xc, cots)
    x_cpu = x.clone().requires_grad_(True)
    (g_cpu,) = torch.autograd.grad(leaves(getattr(bt, fn)(x_cpu, "db5", "symmetric", level=3)),
                                   x_cpu, [c.cpu() for c in cots])
    torch.testing.assert_close(g.cpu(), g_cpu, rtol=0, atol=1e-12)
    assert views == []


@requires_cuda
@pytest.mark.gpu
def test_cuda_compile_and_low_precision():
    model = Denoiser().cuda()
    x = torch.randn(2, 1, 32, 32, device="cuda")
    # aot_eager: the graph capture and fake implementations, without needing triton
    torch.testing.assert_close(torch.compile(model, fullgraph=True, backend="aot_eager")(x),
                               model(x))
    h = bt.wavedec2(x.half(), "db2", level=2)
    assert h[0].dtype == torch.float16 and h[0].device.type == "cuda"


def test_waverecn_skips_leading_empty_levels_as_pywt():
    x = np.random.default_rng(4).standard_normal((8, 6))
    coeffs = pywt.wavedecn(x, "db2", level=2)
    expected = pywt.waverecn([None, {}, dict(coeffs[2])], "db2")
    details = {k: torch.tensor(v) for k, v in coeffs[2].items()}
    got = np.asarray(bt.waverecn([None, {}, details], "db2"), dtype=np.float64)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    with pytest.raises(ValueError, match="At least one coefficient"):
        bt.waverecn([None, {}, {}], "db2")


def test_misaligned_tensors_reach_the_kernels_as_aligned_copies():
    """A tensor at an odd byte offset (torch.frombuffer, memory another
    library allocated): the kernels load whole aligned elements, so the
    bridge hands the core an aligned copy; pywt's values, and the gradient
    lands in the tensor itself."""
    from bridges._torch_ops import _CpuScope
    values = random(40, seed=46)
    x = torch.frombuffer(bytearray(values.nbytes + 1), dtype=F64, offset=1, count=40)
    x.copy_(torch.from_numpy(values))
    assert x.data_ptr() % 8
    assert _CpuScope().foreign(x).array.data_ptr() % 8 == 0
    assert_matches(bt.wavedec(x, "db2", level=2), pywt.wavedec(values, "db2", level=2), 1e-12)
    x.requires_grad_(True)
    approx, detail = bt.dwt(x, "db2")
    (approx.sum() + 2 * detail.sum()).backward()
    lo, hi = pywt.dwt(np.eye(40), "db2")
    np.testing.assert_allclose(x.grad.numpy(), lo.sum(1) + 2 * hi.sum(1), rtol=0, atol=1e-12)
