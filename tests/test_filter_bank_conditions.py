"""filter_bank_errors (cuwavelet._filter_bank_conditions) in the core and both
bridges: how far a bank is from perfect reconstruction.

Oracles: pywt's wavelets (perfect reconstruction banks: both errors vanish);
the same sums of squares computed independently from the banks' spectra
(Parseval over a DFT long enough for the full convolutions); a PR bank whose
synthesis filters are scaled by c (P scales by c: reconstruction error
4 (c - 1)**2, no aliasing); pywt's own idwt(dwt(x)) for a bank that is not
PR; central differences of the core's function for the bridges' gradients."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random

PR_WAVELETS = [w for w in pywt.wavelist(kind="discrete") if w != "dmey"]  # (an FIR approximation)


def spectral_errors(bank):
    """The two sums by Parseval: P and A evaluated on a DFT grid."""
    h0, h1, f0, f1 = (np.asarray(f, np.float64) for f in bank)
    F = len(h0)
    N = 4 * F
    alt = (-1.0) ** np.arange(F)
    dft = lambda f: np.fft.fft(f, N)  # noqa: E731
    p = dft(f0) * dft(h0) + dft(f1) * dft(h1)
    a = dft(f0) * dft(h0 * alt) + dft(f1) * dft(h1 * alt)
    delay = 2 * np.exp(-2j * np.pi * np.arange(N) * (F - 1) / N)
    return np.sum(np.abs(p - delay) ** 2) / N, np.sum(np.abs(a) ** 2) / N


def random_bank(F, seed):
    return tuple(random((F,), np.float64, seed=seed + k) for k in range(4))


def test_every_pywt_wavelet_reconstructs():
    for name in PR_WAVELETS:
        r, a = cw.filter_bank_errors(name)
        assert r < 1e-20 and a < 1e-20, name
    r, _ = cw.filter_bank_errors("dmey")
    assert 1e-6 < r < 1e-4


@pytest.mark.parametrize("F", [2, 4, 10])
def test_values_are_the_spectral_sums(F):
    for seed in range(3):
        bank = random_bank(F, 10 * seed)
        got, want = cw.filter_bank_errors(bank), spectral_errors(bank)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_scaled_synthesis_filters_and_pywts_reconstruction():
    dec_lo, dec_hi, rec_lo, rec_hi = pywt.Wavelet("sym4").filter_bank
    for c in (0.5, 1.25):
        r, a = cw.filter_bank_errors((dec_lo, dec_hi, [c * v for v in rec_lo],
                                      [c * v for v in rec_hi]))
        # (pywt's sym4 taps reconstruct to about 1e-10 of P's scale)
        assert abs(r - 4 * (c - 1) ** 2) <= 1e-9 and a < 1e-18
    bank = random_bank(6, 3)
    r, a = cw.filter_bank_errors(bank)
    x = random((64,), np.float64, seed=1)
    w = pywt.Wavelet("random", filter_bank=bank)
    assert r > 1e-3 and a > 1e-3
    assert np.abs(pywt.idwt(*pywt.dwt(x, w, "periodization"), w, "periodization") - x).max() > 1e-3


def test_refusals():
    with pytest.raises(ValueError, match="different lengths"):
        cw.filter_bank_errors(([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="Unknown wavelet"):
        cw.filter_bank_errors("db99")


def _central_differences(bank, eps=1e-6):
    """d(r + 3 a)/d(filter taps) of the core's function."""
    flat = np.concatenate(bank)
    F = len(bank[0])

    def f(v):
        r, a = cw.filter_bank_errors(tuple(np.split(v, 4)))
        return r + 3 * a
    grad = np.zeros_like(flat)
    for k in range(flat.size):
        e = np.zeros_like(flat)
        e[k] = eps
        grad[k] = (f(flat + e) - f(flat - e)) / (2 * eps)
    return grad.reshape(4, F)


def test_torch_values_gradients_vmap_and_modules():
    torch = pytest.importorskip("torch")
    bt = pytest.importorskip("bridges.torch")
    bank = random_bank(6, 20)
    filters = [torch.tensor(f, requires_grad=True) for f in bank]
    r, a = bt.filter_bank_errors(filters)
    np.testing.assert_allclose([r.item(), a.item()], cw.filter_bank_errors(bank), rtol=1e-12)
    (r + 3 * a).backward()
    got = np.stack([f.grad.numpy() for f in filters])
    want = _central_differences(bank)
    assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()
    stacked = torch.stack([torch.tensor(np.stack(random_bank(6, 30 + 4 * i))) for i in range(3)])
    per_bank = torch.func.vmap(lambda b: torch.stack(bt.filter_bank_errors(tuple(b))))(stacked)
    for i in range(3):
        np.testing.assert_allclose(per_bank[i].numpy(),
                                   cw.filter_bank_errors(tuple(stacked[i].numpy())), rtol=1e-12)
    module = bt.DWT1D("db3", level=2, learnable=True, dtype=torch.float64)
    assert all(v.item() < 1e-20 for v in bt.filter_bank_errors(module))
    assert bt.filter_bank_errors("db2")[0].dtype == torch.float64
    with pytest.raises(ValueError, match="one even length"):
        bt.filter_bank_errors([torch.ones(4)] * 3 + [torch.ones(6)])


def test_jax_values_gradients_and_vmap():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    bj = pytest.importorskip("bridges.jax")
    import jax.numpy as jnp
    bank = random_bank(8, 40)
    r, a = bj.filter_bank_errors([jnp.asarray(f) for f in bank])
    np.testing.assert_allclose([float(r), float(a)], cw.filter_bank_errors(bank), rtol=1e-12)
    grads = jax.jit(jax.grad(lambda b: (lambda r, a: r + 3 * a)(*bj.filter_bank_errors(b))))(
        [jnp.asarray(f) for f in bank])
    want = _central_differences(bank)
    assert np.abs(np.stack([np.asarray(g) for g in grads]) - want).max() <= \
        1e-6 * np.abs(want).max()
    stacked = jnp.stack([jnp.asarray(np.stack(random_bank(8, 50 + 4 * i))) for i in range(3)])
    per_bank = jax.vmap(lambda b: jnp.stack(bj.filter_bank_errors(tuple(b))))(stacked)
    for i in range(3):
        np.testing.assert_allclose(np.asarray(per_bank[i]),
                                   cw.filter_bank_errors(tuple(np.asarray(stacked[i]))),
                                   rtol=1e-12)
    assert all(float(v) < 1e-20 for v in bj.filter_bank_errors(pywt.Wavelet("coif2")))
