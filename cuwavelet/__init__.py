"""cuwavelet: batched multi-level discrete wavelet transforms with pywt's API and
coefficients, on NumPy arrays (CPU) and CuPy arrays (CUDA), with exact adjoints.

    import cuwavelet as cw
    coeffs = cw.wavedec2(images, "db2", level=3)        # same structure as pywt
    images = cw.waverec2(coeffs, "db2")
    grad = cw.adjoint.wavedec2(coeffs, "db2", data_shape=images.shape)
"""
from pywt import Modes, Wavelet, families, wavelist

from . import adjoint
from ._arrays import allocator
from ._program import Plan, clear_cache as clear_plan_cache, get_plan
from ._coeff_array import (array_to_coeffs, coeffs_to_array, dwtn_max_level, ravel_coeffs,
                           unravel_coeffs, wavedecn_shapes, wavedecn_size)
from ._shapes import dwt_coeff_len, dwt_max_level
from .transforms import (dwt, dwt2, dwtn, idwt, idwt2, idwtn, wavedec, wavedec2, wavedecn,
                         waverec, waverec2, waverecn)

__version__ = "0.1.0"

# pywt's vocabulary (Modes, Wavelet, wavelist, families) is pywt's own objects,
# re-exported: cw.Modes.symmetric and cw.Wavelet("db2") are what pywt gives.
__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn", "adjoint", "allocator",
           "get_plan", "Plan", "clear_plan_cache",
           "dwt_max_level", "dwt_coeff_len", "dwtn_max_level", "wavedecn_shapes", "wavedecn_size",
           "coeffs_to_array", "array_to_coeffs", "ravel_coeffs", "unravel_coeffs",
           "Modes", "Wavelet", "wavelist", "families"]


def __dir__():
    # dir(cuwavelet) and tab completion show the API, not the submodules.
    return sorted(__all__ + ["__version__"])
