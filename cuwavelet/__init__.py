"""cuwavelet: batched multi-level discrete wavelet transforms and the continuous
wavelet transform with pywt's API and coefficients, on NumPy arrays (CPU) and
CuPy arrays (CUDA), with exact adjoints.

    import cuwavelet as cw
    coeffs = cw.wavedec2(images, "db2", level=3)        # same structure as pywt
    images = cw.waverec2(coeffs, "db2")
    grad = cw.adjoint.wavedec2(coeffs, "db2", data_shape=images.shape)
"""
from pywt import (ContinuousWavelet, DiscreteContinuousWavelet, Modes, Wavelet, central_frequency,
                  families, frequency2scale, integrate_wavelet, orthogonal_filter_bank, qmf,
                  scale2frequency, wavelist)

from . import adjoint
from ._arrays import allocator
from ._program import Plan, clear_cache as clear_plan_cache, get_plan
from ._filter_bank_conditions import filter_bank_errors
from ._lattice import lattice_angles, lattice_filter_bank
from ._cwt import cwt
from ._coeff_array import (array_to_coeffs, coeffs_to_array, dwtn_max_level, ravel_coeffs,
                           unravel_coeffs, wavedecn_shapes, wavedecn_size)
from ._fully_separable import FswavedecnResult, fswavedecn, fswaverecn
from ._mra import imra, imra2, imran, mra, mra2, mran
from ._padding import pad
from ._packets import (BaseNode, Node, Node2D, NodeND, WaveletPacket, WaveletPacket2D,
                       WaveletPacketND, packet_decompose, packet_reconstruct)
from ._partial import downcoef, upcoef
from ._shapes import dwt_coeff_len, dwt_max_level
from ._stationary import iswt, iswt2, iswtn, swt, swt2, swt_max_level, swtn
from ._thresholding import threshold, threshold_firm
from .transforms import (dwt, dwt2, dwtn, idwt, idwt2, idwtn, wavedec, wavedec2, wavedecn,
                         waverec, waverec2, waverecn)

__version__ = "0.1.0"

# pywt's vocabulary (Modes, Wavelet, ContinuousWavelet, wavelist, families) and
# its helpers on host arrays (qmf, orthogonal_filter_bank; integrate_wavelet,
# central_frequency, scale2frequency, frequency2scale) are pywt's own objects,
# re-exported: cw.Modes.symmetric and cw.Wavelet("db2") are what pywt gives.
__all__ = ["dwt", "idwt", "wavedec", "waverec", "dwt2", "idwt2", "wavedec2", "waverec2",
           "dwtn", "idwtn", "wavedecn", "waverecn", "adjoint", "allocator",
           "get_plan", "Plan", "clear_plan_cache",
           "dwt_max_level", "dwt_coeff_len", "dwtn_max_level", "wavedecn_shapes", "wavedecn_size",
           "coeffs_to_array", "array_to_coeffs", "ravel_coeffs", "unravel_coeffs",
           "Modes", "Wavelet", "wavelist", "families", "qmf", "orthogonal_filter_bank",
           "filter_bank_errors", "lattice_filter_bank", "lattice_angles",
           "swt", "iswt", "swt2", "iswt2", "swtn", "iswtn", "swt_max_level",
           "WaveletPacket", "WaveletPacket2D", "WaveletPacketND", "BaseNode", "Node", "Node2D",
           "NodeND", "packet_decompose", "packet_reconstruct",
           "threshold", "threshold_firm",
           "fswavedecn", "fswaverecn", "FswavedecnResult",
           "mra", "mra2", "mran", "imra", "imra2", "imran",
           "downcoef", "upcoef", "pad",
           "cwt", "ContinuousWavelet", "DiscreteContinuousWavelet", "integrate_wavelet",
           "central_frequency", "scale2frequency", "frequency2scale"]


def __dir__():
    # dir(cuwavelet) and tab completion show the API, not the submodules.
    return sorted(__all__ + ["__version__"])
