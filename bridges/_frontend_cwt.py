"""pywt.cwt in the bridges: its arguments and its docstring, written once for
torch and JAX (each bridge declares the operation itself: _torch_ops.CWT,
jax._CWT)."""
from __future__ import annotations

from typing import NamedTuple

from cuwavelet import _cwt

from ._docstrings import numpydoc

GRADIENT = ("the transform's exact adjoint (``cuwavelet.adjoint.cwt``), its real "
            "part for real data with a complex wavelet")

DOCS = {"cwt": (
    """Continuous wavelet transform along one axis (``pywt.cwt``).

    The values are ``cuwavelet.cwt``'s: pywt's, computed by FFTs in the
    data's precision (cuFFT on the GPU, on the framework's stream), with
    pywt's float32 sampling grid for float32 data. Works under graph capture
    and vectorization (the scales stay the first axis), and inside
    ``portable()`` (the framework's own FFTs).""",
    """data : {array}
        The signal, any number of other dimensions (a batch). float16 and
        bfloat16 are computed in float32 (real results cast back; complex
        ones stay complex64); integers and bools in float64.
    scales : float or sequence of float
        The positive scales, in samples.
    wavelet : str, pywt.ContinuousWavelet or tuple
        A name from ``pywt.wavelist(kind="continuous")`` (``"cmorB-C"``,
        ``"shanB-C"``, ``"fbspM-B-C"`` with their parameters) or a
        ``pywt.ContinuousWavelet`` (its parameters and bounds as set); or
        ``("cmor", B, C)``, ``("shan", B, C)``, ``("fbsp", M, B, C)`` with
        the bandwidth B and center frequency C {array}s (0-d), learned:
        gradients reach them (the filters are computed from them as pywt
        computes its own, by the framework's operations; B must stay
        positive); or a wavelet object whose ``bandwidth`` and ``center``
        are such {array}s (ptwt's learnable wavelets; sampled between its
        ``lower_bound`` and ``upper_bound``).
    sampling_period : float, optional
        For the frequencies returned.
    method : {{'conv', 'fft'}}, optional
        Accepted for pywt's signature; both compute the same values.
    axis : int, optional
        The axis to transform (default the last).
    precision : int, optional
        The wavelet is sampled at ``2**precision`` points (default 12).""",
    """coefs : {array}
        Shape ``(len(scales),) + data.shape``, on the data's device: complex
        for complex wavelets and complex data.
    frequencies : numpy.ndarray or None
        The scales' frequencies over ``sampling_period``; None for a
        learned wavelet (they move with its parameters: pywt's
        ``scale2frequency`` of the wavelet their current values name).""")}


def docstring(array: str, examples: str) -> str:
    return numpydoc(DOCS, "cwt", array, examples, GRADIENT)


class Learned(NamedTuple):
    """A wavelet whose parameters are framework arrays: its family, the
    parameters (the lead integers first: fbsp's order) and the bounds it
    is sampled on (checked)."""
    family: str
    parameters: tuple
    bounds: tuple


def route(wavelet, is_array) -> tuple:
    """(fixed, learned), one of them None: the wavelet the core's filters
    serve (a name or pywt.ContinuousWavelet as given; (family, *numbers):
    the wavelet they name), or a learned one (Learned): given as
    (family, *parameters) with framework arrays among the parameters
    (sampled on the family's default bounds), or as an object whose
    ``bandwidth`` and ``center`` are arrays (ptwt's learnable wavelets,
    which pywt's own values would otherwise silently replace; sampled on
    its bounds as set)."""
    if isinstance(wavelet, Learned):
        return None, wavelet
    bandwidth, center = (getattr(wavelet, name, None) for name in ("bandwidth", "center"))
    if is_array(bandwidth) or is_array(center):
        family = getattr(wavelet, "short_family_name", None)
        order = (wavelet.fbsp_order,) if family == "fbsp" else ()
        return None, Learned(family, (*order, bandwidth, center),
                             _cwt.learned_bounds(family, wavelet))
    if not (isinstance(wavelet, tuple) and wavelet and isinstance(wavelet[0], str)):
        return wavelet, None
    family, *parameters = wavelet
    if any(is_array(p) for p in parameters):
        return None, Learned(family, tuple(parameters), _cwt.learned_bounds(family))
    return _cwt.parametric_name(family, parameters), None


def learned_call(learned: Learned, scales, method, axis, ndim: int, precision,
                 check=_cwt.learned_arguments) -> tuple:
    """A learned wavelet's call checked (`check`: _cwt.learned_arguments, or
    a bridge's wrapping of it): (family, the parameters with the lead
    integers as ints, bounds, static_scales', axis >= 0, precision)."""
    family, parameters, bounds = learned
    integers = _cwt.learnable_family(family)[1]
    lead, scales_static, ax, prec = check(family, len(parameters), tuple(parameters[:integers]),
                                          scales, method, axis, ndim, precision)
    return family, lead + tuple(parameters[integers:]), bounds, scales_static, ax, prec


def arguments(scales, wavelet, sampling_period, method, axis, ndim: int, precision) -> tuple:
    """pywt.cwt's arguments checked, as the bridges' operations take them:
    (wavelet spec, (scale values, their dtype's name), precision, the axis
    counted from the end, the frequencies)."""
    spec, s, ax, prec, freqs = _cwt.arguments(scales, wavelet, sampling_period, method, axis,
                                              ndim, precision)
    return spec, _cwt.static_scales(s), prec, ax - ndim, freqs
