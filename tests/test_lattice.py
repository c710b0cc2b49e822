"""Orthogonal filter banks from lattice angles (cuwavelet/_lattice.py) and the
bridges' differentiable filter-bank constructions (lattice_filter_bank,
orthogonal_filter_bank, qmf).

Oracles: pywt's Haar and db2 filters; pywt's own transforms (idwt(dwt(x))
== x in every mode, with the bank as a pywt.Wavelet) and
pywt.orthogonal_filter_bank / pywt.qmf for the banks' structure and values;
central differences of the core's NumPy construction (and of pywt's
transforms through it) for the bridges' gradients.
"""
import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
bt = pytest.importorskip("bridges.torch")
bj = pytest.importorskip("bridges.jax")
import jax.numpy as jnp  # noqa: E402

EPS = np.finfo(np.float64).eps


def test_haar_and_db2():
    assert np.allclose(cw.lattice_filter_bank([]), pywt.Wavelet("haar").filter_bank,
                       rtol=0, atol=4 * EPS)
    assert np.allclose(cw.lattice_filter_bank([np.pi / 3]), pywt.Wavelet("db2").filter_bank,
                       rtol=0, atol=8 * EPS)


@pytest.mark.parametrize("K", [1, 2, 3, 5])
def test_any_angles_give_an_orthogonal_wavelet(K):
    angles = np.random.default_rng(K).uniform(-3, 3, K - 1)
    bank = cw.lattice_filter_bank(angles)
    dec_lo, dec_hi, rec_lo, rec_hi = bank
    assert all(f.shape == (2 * K,) and f.dtype == np.float64 for f in bank)
    # pywt's arrangement of an orthogonal bank around its rec_lo
    for got, want in zip(bank, pywt.orthogonal_filter_bank(rec_lo)):
        np.testing.assert_allclose(got, want, rtol=0, atol=16 * EPS)
    # orthonormal to its even shifts; a wavelet's sums (one vanishing moment)
    for m in range(K):
        inner = np.dot(rec_lo[2 * m:], rec_lo[:2 * K - 2 * m])
        assert abs(inner - (m == 0)) <= 64 * EPS
    assert abs(rec_lo.sum() - np.sqrt(2)) <= 64 * EPS and abs(rec_hi.sum()) <= 64 * EPS
    # pywt's own transforms reconstruct, in every mode
    w = pywt.Wavelet("lattice", filter_bank=bank)
    x = random((3, 37), seed=K)
    for mode in pywt.Modes.modes:
        y = pywt.waverec(pywt.wavedec(x, w, mode, level=2), w, mode)[:, :37]
        assert np.abs(y - x).max() <= 1e3 * EPS * np.abs(x).max(), mode
    r, a = cw.filter_bank_errors(bank)
    assert r < 1e-25 and a < 1e-25


def test_bad_angles_are_named():
    with pytest.raises(ValueError, match="1-D"):
        cw.lattice_filter_bank([[0.1, 0.2]])
    with pytest.raises(TypeError, match="real floating"):
        cw.lattice_filter_bank(np.array([0.1j]))
    assert cw.lattice_filter_bank(np.array([1]))[0].dtype == np.float64  # integers: as floats
    with pytest.raises(ValueError, match="1-D"):
        bt.lattice_filter_bank(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="real floating"):
        bt.lattice_filter_bank(torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="1-D"):
        bj.lattice_filter_bank(jnp.zeros((2, 2)))
    for m in (bt, bj):
        with pytest.raises(ValueError, match="has to be even"):
            m.orthogonal_filter_bank([1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="1-D"):
            m.qmf(np.ones((2, 2)))


def _central(fn, v, e=1e-6):
    """Central differences of a scalar function of a NumPy vector."""
    out = np.zeros(v.shape)
    for i in range(v.size):
        d = np.zeros(v.shape)
        d[i] = e
        out[i] = (fn(v + d) - fn(v - d)) / (2 * e)
    return out


def _loss_through_a_transform(bank, x, weights, m):
    """A wavelet loss: weighted squares of the details of a 2-level
    periodization wavedec with the bank (m: a bridge, or pywt)."""
    c = m.wavedec(x, bank, "periodization", level=2)
    return sum((w * d ** 2).sum() for w, d in zip(weights, c[1:]))


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_bridges_values_and_gradients(framework):
    angles = np.array([0.4, -1.1, 2.0])
    x = random((2, 32), seed=3)
    weights = [random((2, 8), seed=4), random((2, 16), seed=5)]

    def reference(v):  # pywt through the core's NumPy construction
        w = pywt.Wavelet("l", filter_bank=cw.lattice_filter_bank(v))
        return float(_loss_through_a_transform(w, x, weights, pywt))
    if framework == "torch":
        a = torch.tensor(angles, requires_grad=True)
        bank = bt.lattice_filter_bank(a)
        loss = _loss_through_a_transform(bank, torch.from_numpy(x),
                                         [torch.from_numpy(w) for w in weights], bt)
        loss.backward()
        got_bank, got_grad = [f.detach().numpy() for f in bank], a.grad.numpy()
    else:
        got_bank = [np.asarray(f) for f in bj.lattice_filter_bank(jnp.asarray(angles))]
        got_grad = np.asarray(jax.grad(lambda v: _loss_through_a_transform(
            bj.lattice_filter_bank(v), jnp.asarray(x), [jnp.asarray(w) for w in weights], bj))(
            jnp.asarray(angles)))
    for g, w in zip(got_bank, cw.lattice_filter_bank(angles)):
        np.testing.assert_allclose(g, w, rtol=0, atol=16 * EPS)
    central = _central(reference, angles)
    assert np.abs(got_grad - central).max() <= 1e-6 * max(1.0, np.abs(central).max())


def test_bridges_keep_the_angles_dtype():
    assert all(f.dtype == torch.float32
               for f in bt.lattice_filter_bank(torch.tensor([0.1], dtype=torch.float32)))
    assert all(f.dtype == jnp.float32
               for f in bj.lattice_filter_bank(jnp.asarray([0.1], dtype=jnp.float32)))


@pytest.mark.parametrize("n", [4, 6])
def test_orthogonal_filter_bank_and_qmf_match_pywt(n):
    """Values against pywt's; gradients of every filter against central
    differences (torch's gradcheck, JAX's check_grads)."""
    s = random((n,), seed=n) + 1.0
    for m, to_array, back in ((bt, torch.from_numpy, lambda t: t.detach().numpy()),
                              (bj, jnp.asarray, np.asarray)):
        for got, want in zip(m.orthogonal_filter_bank(to_array(s)), pywt.orthogonal_filter_bank(s)):
            np.testing.assert_allclose(back(got), want, rtol=0, atol=16 * EPS)
        for f in (s, s[:n - 1]):  # (pywt's qmf takes odd lengths too)
            np.testing.assert_array_equal(back(m.qmf(to_array(f))), pywt.qmf(f))
    t = torch.tensor(s, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: torch.cat(bt.orthogonal_filter_bank(v)), (t,))
    assert torch.autograd.gradcheck(lambda v: bt.qmf(v), (t,))
    from jax.test_util import check_grads
    check_grads(lambda v: jnp.concatenate(bj.orthogonal_filter_bank(v)), (jnp.asarray(s),),
                order=2)
    check_grads(bj.lattice_filter_bank, (jnp.asarray([0.3, 1.0]),), order=2)


ORTHOGONAL = [n for n in pywt.wavelist(kind="discrete")
              if pywt.Wavelet(n).orthogonal and pywt.Wavelet(n).dec_len <= 32]


@pytest.mark.parametrize("name", ORTHOGONAL)
def test_lattice_angles_factor_pywts_orthogonal_wavelets(name):
    """Every orthogonal wavelet of pywt up to 32 taps: its angles give its
    filters back (pywt's values), and are K - 1 for 2K taps."""
    w = pywt.Wavelet(name)
    angles = cw.lattice_angles(name)
    assert angles.shape == (w.dec_len // 2 - 1,)
    for got, want in zip(cw.lattice_filter_bank(angles), w.filter_bank):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_lattice_angles_round_trip_and_refusals():
    angles = np.random.default_rng(7).uniform(-3, 3, 4)
    bank = cw.lattice_filter_bank(angles)
    again = cw.lattice_angles(bank)  # (angles modulo 2 pi and joint sign changes)
    for got, want in zip(cw.lattice_filter_bank(again), bank):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    scaled = tuple(2 * f for f in bank)  # not a wavelet's normalization
    for wavelet in ("bior2.2", "dmey", "db30", scaled):
        with pytest.raises(ValueError, match="not an orthogonal wavelet bank"):
            cw.lattice_angles(wavelet)


def test_modules_learn_lattice_angles():
    """learnable="lattice": one parameter, the wavelet's angles; pywt's values
    at the start; gradients reach the angles; after a step the bank is
    still orthogonal (the tied inverse reconstructs); refusals by name."""
    dwt = bt.DWT2D("db3", level=2, learnable="lattice", dtype=torch.float64)
    assert [n for n, _ in dwt.named_parameters()] == ["angles"]
    assert dwt.angles.shape == (2,) and "lattice" in repr(dwt)
    x = torch.from_numpy(random((2, 16, 16), seed=8))
    c = dwt(x)
    want = pywt.wavedec2(x.numpy(), "db3", level=2)
    np.testing.assert_allclose(c[0].detach().numpy(), want[0], rtol=0, atol=1e-10)
    sum(t.abs().sum() for t in c[1]).backward()
    assert dwt.angles.grad is not None and dwt.angles.grad.abs().max() > 0
    with torch.no_grad():
        dwt.angles.sub_(0.5 * dwt.angles.grad)
    idwt = bt.IDWT2D(dwt.filter_bank)
    torch.testing.assert_close(idwt(dwt(x)), x, rtol=0, atol=1e-12)
    swt = bt.SWT1D("sym4", level=2, learnable="lattice", dtype=torch.float64)
    assert swt.angles.shape == (3,)
    with pytest.raises(ValueError, match="not an orthogonal wavelet bank"):
        bt.DWT1D("bior2.2", learnable="lattice")
    with pytest.raises(ValueError, match="learnable must be"):
        bt.DWT1D("db2", learnable="angles")
