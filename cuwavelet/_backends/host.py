"""CPU backend: the kernel source built by the host compiler (cuwavelet._host_kernels)."""
from __future__ import annotations

import os
import warnings

import numpy as np

from .. import _program
from .._geometry import GEOMETRY_DTYPE

try:
    from .. import _host_kernels
except ImportError as exc:  # pragma: no cover - only when the package was not built
    raise ImportError("cuwavelet's host extension is not built; install the package with "
                      "`pip install -e .` (it compiles cuwavelet/kernels/dwt_host.cpp)") from exc

if _host_kernels.geometry_size != GEOMETRY_DTYPE.itemsize:  # pragma: no cover - build mismatch
    raise ImportError("cuwavelet._host_kernels was built from another kernel source; rebuild it")

if _host_kernels.requested_threads() > _host_kernels.machine_cores():
    warnings.warn(f"CUWAVELET_NUM_THREADS={os.environ.get('CUWAVELET_NUM_THREADS')} is more than "
                  f"this machine's {_host_kernels.machine_cores()} cores; using "
                  f"{_host_kernels.machine_cores()} threads.", RuntimeWarning, stacklevel=2)


def launch(op, mode, geometry, signal, lo, hi, filters):
    f_lo, f_hi = filters
    _program.launch("per-axis", _host_kernels.apply, int(op), int(mode),
                    signal.dtype in (np.float64, np.complex128), geometry.tobytes(),
                    signal, lo, hi, f_lo, f_hi, int(f_lo.shape[-1]))
