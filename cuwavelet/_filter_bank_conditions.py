"""How far a two-channel filter bank is from reconstructing what it
decomposes: two sums of squares, zero for every PR bank and differentiable
in the filters, so that a learned bank can be held to them (a loss term).

With pywt's conventions (dec_* filter the signal in dwt, rec_* the
coefficients in idwt), a bank of length F gives idwt(dwt(x)) == x in every
mode when, as polynomials (full convolutions, 2F - 1 taps),

    P = rec_lo * dec_lo + rec_hi * dec_hi     is 2 at tap F - 1, 0 elsewhere
    A = rec_lo * alt(dec_lo) + rec_hi * alt(dec_hi)   is 0

where alt(h)[n] = (-1)**n h[n] (h(-z): the spectrum shifted by pi, what
decimation folds onto the band). P is the distortion (a delay of F - 1
taps, pywt's alignment), A the aliasing. Every discrete wavelet in pywt
meets both to rounding, except 'dmey', an FIR approximation (its P is off
by about 4e-3).

The arithmetic is written once for any array library (`conditions`): the
core evaluates it with NumPy, the bridges with torch and JAX operations so
that autograd reaches the filters.
"""
from __future__ import annotations

import numpy as np

from ._wavelets import as_filter_bank

__all__ = ["filter_bank_errors"]


def conditions(dec_lo, dec_hi, rec_lo, rec_hi, convolve, signs):
    """(reconstruction, aliasing): the squared distances of P from 2 delayed
    by F - 1 taps and of A from 0, for filters of one array library whose
    full convolution is convolve(a, b); signs: (+1, -1, ...) of length F."""
    F = dec_lo.shape[-1]
    p = convolve(rec_lo, dec_lo) + convolve(rec_hi, dec_hi)
    a = convolve(rec_lo, dec_lo * signs) + convolve(rec_hi, dec_hi * signs)
    reconstruction = (p[:F - 1] ** 2).sum() + (p[F - 1] - 2) ** 2 + (p[F:] ** 2).sum()
    return reconstruction, (a ** 2).sum()


def alternating_signs(F: int) -> np.ndarray:
    return np.where(np.arange(F) % 2 == 0, 1.0, -1.0)


def filter_bank_errors(wavelet) -> tuple:
    """How far a filter bank is from perfect reconstruction.

    Parameters
    ----------
    wavelet : Wavelet object, name string or filter bank
        A discrete wavelet, or four filters ``(dec_lo, dec_hi, rec_lo,
        rec_hi)`` of one even length F.

    Returns
    -------
    reconstruction : float
        ``sum((P - 2 delta[n - (F - 1)])**2)`` for ``P = rec_lo * dec_lo +
        rec_hi * dec_hi`` (full convolutions): the distortion of
        ``idwt(dwt(x))``.
    aliasing : float
        ``sum(A**2)`` for ``A = rec_lo * alt(dec_lo) + rec_hi *
        alt(dec_hi)``, ``alt(h)[n] = (-1)**n h[n]``: the aliasing left by
        decimation.

    Both are 0 (to rounding) exactly when ``idwt(dwt(x)) == x`` for every
    signal, in every mode; every pywt wavelet but the FIR approximation
    'dmey' has both at rounding level. The bridges' ``filter_bank_errors``
    computes the same sums differentiably, as loss terms that keep a learned
    bank invertible.

    Examples
    --------
    >>> import cuwavelet as cw
    >>> r, a = cw.filter_bank_errors("db4")
    >>> r < 1e-20 and a < 1e-20
    True
    >>> lo = [0.5, 0.5]  # a low pass that is not half of an orthogonal bank
    >>> r, a = cw.filter_bank_errors((lo, [-0.5, 0.5], lo, [0.5, -0.5]))
    >>> round(r, 3), round(a, 3)
    (1.0, 0.0)
    """
    bank = as_filter_bank(wavelet)
    filters = [np.asarray(f, dtype=np.float64)
               for f in (bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi)]
    r, a = conditions(*filters, np.convolve, alternating_signs(bank.length))
    return float(r), float(a)
