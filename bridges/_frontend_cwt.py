"""pywt.cwt in the bridges: its arguments and its docstring, written once for
torch and JAX (each bridge declares the operation itself: _torch_ops.CWT,
jax._CWT)."""
from __future__ import annotations

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
    wavelet : str or pywt.ContinuousWavelet
        A name from ``pywt.wavelist(kind="continuous")`` (``"cmorB-C"``,
        ``"shanB-C"``, ``"fbspM-B-C"`` with their parameters) or a
        ``pywt.ContinuousWavelet`` (its parameters and bounds as set).
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
    frequencies : numpy.ndarray
        The scales' frequencies over ``sampling_period``.""")}


def docstring(array: str, examples: str) -> str:
    return numpydoc(DOCS, "cwt", array, examples, GRADIENT)


def arguments(scales, wavelet, sampling_period, method, axis, ndim: int, precision) -> tuple:
    """pywt.cwt's arguments checked, as the bridges' operations take them:
    (wavelet spec, (scale values, their dtype's name), precision, the axis
    counted from the end, the frequencies)."""
    spec, s, ax, prec, freqs = _cwt.arguments(scales, wavelet, sampling_period, method, axis,
                                              ndim, precision)
    return spec, _cwt.static_scales(s), prec, ax - ndim, freqs
