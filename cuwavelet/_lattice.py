"""Orthogonal filter banks from lattice angles.

Every two-channel orthogonal (paraunitary) FIR filter bank of length 2K is a
cascade of K plane rotations with a delay between each two (Vaidyanathan's
lattice): with rotation angles t_1, ..., t_K the low pass h0 and high pass
h1 start as (cos t_1, sin t_1) and (-sin t_1, cos t_1), and each further
angle t maps them to

    h0 <- cos t * h0 + sin t * z**-2 h1,    h1 <- -sin t * h0 + cos t * z**-2 h1.

Any angles give an orthogonal bank (h0 orthonormal to its even shifts), so
idwt(dwt(x)) == x in every mode, to rounding. With t_K = pi/4 - (t_1 + ... +
t_{K-1}) the low pass sums to sqrt(2) and the high pass to 0 (one vanishing
moment), as a wavelet's must; the K - 1 free angles then reach every such
bank: none is Haar, (pi/3,) is db2. A learned bank parametrized by its
angles stays invertible whatever a training step does to them, where free
filters need a penalty (filter_bank_errors) to stay near it.

The bank is pywt's orthogonal_filter_bank of h0: rec_lo = h0, rec_hi its
quadrature mirror, dec_* both reversed. The arithmetic is written once for
any array library with cos, sin, concatenate, zeros_like and flip of the
array API (NumPy here, torch and jax.numpy in the bridges, so that autograd
reaches the angles).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["lattice_filter_bank"]


def quadrature_mirror(f, xp):
    """pywt's qmf: f reversed, its odd taps negated (an odd length padded by
    one zero for the interleaving, then cut)."""
    n = f.shape[0]
    q = xp.flip(f, (0,))
    if n % 2:
        q = xp.concatenate([q, xp.zeros_like(q[:1])])
    return xp.stack([q[0::2], -q[1::2]], 1).reshape(-1)[:n]


def orthogonal_bank(rec_lo, xp) -> tuple:
    """(dec_lo, dec_hi, rec_lo, rec_hi) of an orthogonal bank from its
    reconstruction low pass, as pywt's orthogonal_filter_bank arranges them."""
    rec_hi = quadrature_mirror(rec_lo, xp)
    return xp.flip(rec_lo, (0,)), xp.flip(rec_hi, (0,)), rec_lo, rec_hi


def lattice(angles, xp) -> tuple:
    """The four filters of the bank whose lattice angles are `angles` (K - 1
    of them, a 1-D array of xp) and pi/4 minus their sum."""
    thetas = [angles[k] for k in range(angles.shape[0])] + [math.pi / 4 - angles.sum()]
    c, s = xp.cos(thetas[0]), xp.sin(thetas[0])
    h0, h1 = xp.stack([c, s]), xp.stack([-s, c])
    for theta in thetas[1:]:
        c, s = xp.cos(theta), xp.sin(theta)
        pad = xp.zeros_like(h0[:2])
        a, b = xp.concatenate([h0, pad]), xp.concatenate([pad, h1])
        h0, h1 = c * a + s * b, -s * a + c * b
    return orthogonal_bank(h0, xp)


def check_vector(shape, is_real_floating: bool, what: str) -> None:
    """A construction's argument: a 1-D array of real floating-point numbers."""
    if len(shape) != 1:
        raise ValueError(f"{what} must be a 1-D array; got shape {tuple(shape)}")
    if not is_real_floating:
        raise TypeError(f"{what} must be real floating-point numbers")


def orthogonal_filter_bank_of(scaling_filter, xp) -> tuple:
    """pywt's orthogonal_filter_bank of a 1-D array of xp."""
    if scaling_filter.shape[0] % 2:
        raise ValueError("`scaling_filter` length has to be even.")
    return orthogonal_bank(2 ** 0.5 * scaling_filter / scaling_filter.sum(), xp)


def lattice_filter_bank(angles) -> tuple:
    """The orthogonal wavelet filter bank with the given lattice angles.

    An orthogonal two-channel filter bank of length 2K is K plane rotations
    with delays between them (a lattice). `angles` gives K - 1 of them and
    the last is pi/4 minus their sum, so that the low pass sums to sqrt(2)
    and the high pass to 0: every such bank is reached, and every angle
    vector gives one that reconstructs perfectly. The bridges' version is
    differentiable in the angles: a learned orthogonal wavelet.

    Parameters
    ----------
    angles : array_like
        K - 1 angles in radians (a 1-D array; empty for Haar).

    Returns
    -------
    filter_bank : tuple of 4 ndarrays
        ``(dec_lo, dec_hi, rec_lo, rec_hi)`` of length 2K in pywt's order and
        conventions (``pywt.orthogonal_filter_bank(rec_lo)``), float64; a
        ``pywt.Wavelet(filter_bank=...)`` or any function's `wavelet`
        argument takes it.

    Examples
    --------
    >>> import numpy as np, pywt
    >>> import cuwavelet as cw
    >>> bank = cw.lattice_filter_bank([np.pi / 3])
    >>> np.allclose(bank, pywt.Wavelet("db2").filter_bank)
    True
    >>> bank = cw.lattice_filter_bank([0.3, -1.2, 0.5])  # any angles: 8 taps
    >>> x = np.random.default_rng(0).standard_normal(64)
    >>> np.allclose(cw.waverec(cw.wavedec(x, bank, "symmetric"), bank, "symmetric"), x)
    True
    """
    a = np.asarray(angles)
    a = a.astype(np.float64) if a.dtype.kind in "iub" else a
    check_vector(a.shape, a.dtype.kind == "f", "lattice angles (K - 1 for 2K taps)")
    return tuple(np.asarray(f, dtype=np.float64) for f in lattice(a.astype(np.float64), np))
