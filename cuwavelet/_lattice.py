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
filters need a penalty (filter_bank_errors) to stay near it. lattice_angles
factors a given orthogonal wavelet back into its angles (a learned bank's
starting point).

The bank is pywt's orthogonal_filter_bank of h0: rec_lo = h0, rec_hi its
quadrature mirror, dec_* both reversed. The arithmetic is written once for
any array library with cos, sin, concatenate, zeros_like and flip of the
array API (NumPy here, torch and jax.numpy in the bridges, so that autograd
reaches the angles).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["lattice_filter_bank", "lattice_angles"]


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


# A factored bank must give its filters back to within this, relative to its
# largest tap: each step of the factorization solves for its rotation in least
# squares, which reproduces every pywt orthogonal wavelet of up to 32 taps (the
# tests) and the longer symlets and coiflets up to sym20 and coif14; the
# Daubechies filters past db16 have taps below what it resolves.
FACTOR_TOLERANCE = 1e-9


def lattice_angles(wavelet) -> np.ndarray:
    """The lattice angles of an orthogonal wavelet: the inverse of
    `lattice_filter_bank`.

    Each rotation of the lattice is undone in turn, from the last: its angle
    is the one that leaves the shorter filters a lattice of one stage less
    would give (in least squares over the four taps that must vanish).

    Parameters
    ----------
    wavelet : Wavelet object, name string or filter bank
        An orthogonal wavelet of 2K taps (``pywt.Wavelet(name).orthogonal``:
        the Daubechies, symlet and coiflet families and Haar), or four
        filters ``(dec_lo, dec_hi, rec_lo, rec_hi)`` of such a bank.

    Returns
    -------
    angles : ndarray
        K - 1 angles (float64) with ``lattice_filter_bank(angles)`` equal to
        the wavelet's filters to rounding: a learned orthogonal bank's
        starting point.

    Raises
    ------
    ValueError
        When the filters are not an orthogonal wavelet bank's (a
        biorthogonal or FIR-approximated wavelet, a low pass that does not
        sum to sqrt(2)), or too long for the factorization to reproduce
        them to FACTOR_TOLERANCE (beyond about 32 taps).

    Examples
    --------
    >>> import numpy as np, pywt
    >>> import cuwavelet as cw
    >>> angles = cw.lattice_angles("db4")
    >>> angles.shape
    (3,)
    >>> np.allclose(cw.lattice_filter_bank(angles), pywt.Wavelet("db4").filter_bank)
    True
    >>> np.round(cw.lattice_angles("db2"), 6)  # pi / 3
    array([1.047198])
    """
    from ._wavelets import as_filter_bank
    bank = as_filter_bank(wavelet)
    h0 = np.asarray(bank.rec_lo, dtype=np.float64)
    h1 = -np.asarray(bank.rec_hi, dtype=np.float64)  # (the lattice's high pass: -qmf(h0))
    thetas = []
    while h0.shape[0] > 2:
        # [cos t, sin t] that zero the last two taps of the rotated-back low
        # pass and the first two of the high pass (then delayed by two)
        m = np.array([[h0[-1], -h1[-1]], [h0[-2], -h1[-2]], [h1[0], h0[0]], [h1[1], h0[1]]])
        c, s = np.linalg.eigh(m.T @ m)[1][:, 0]
        if c < 0:  # (t and t + pi give the same bank: the first rotation takes the sign)
            c, s = -c, -s
        thetas.append(math.atan2(s, c))
        h0, h1 = (c * h0 - s * h1)[:-2], (s * h0 + c * h1)[2:]
    thetas.append(math.atan2(h0[1], h0[0]))
    angles = np.array(thetas[::-1][:-1])
    given = [np.asarray(f, dtype=np.float64)
             for f in (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi)]
    scale = max(float(np.abs(f).max()) for f in given)
    error = max(float(np.abs(a - b).max()) for a, b in zip(lattice_filter_bank(angles), given))
    if error > FACTOR_TOLERANCE * scale:
        raise ValueError(f"{bank.name!r} is not an orthogonal wavelet bank that its lattice "
                         f"angles reproduce (its filters differ from theirs by {error:.1e}); "
                         f"orthogonal wavelets of up to about 32 taps factor")
    return angles
