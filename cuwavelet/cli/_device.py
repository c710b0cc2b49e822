"""Which device a CLI run uses, and moving results back to the host."""
from __future__ import annotations

import os

import numpy as np


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # CuPy missing, no driver, no device: all mean "no GPU"
        return False


def resolve(requested: str | None) -> str:
    """'cpu' or 'cuda': the request, or the GPU when there is one.
    Raises ValueError when CUDA is asked for and there is none."""
    if requested == "cuda" and not cuda_available():
        raise ValueError("--device cuda: CuPy sees no CUDA device here (use --device cpu)")
    if requested is None:
        return "cuda" if cuda_available() else "cpu"
    return requested


def xp(device: str):
    if device == "cuda":
        import cupy
        return cupy
    return np


def label(device: str) -> str:
    if device == "cuda":
        import cupy
        dev = cupy.cuda.Device()
        name = cupy.cuda.runtime.getDeviceProperties(dev.id)["name"].decode()
        return f"cuda:{dev.id} {name} (CuPy {cupy.__version__})"
    return f"cpu, {os.cpu_count()} cores (NumPy {np.__version__}, host kernels)"


def to_host(obj):
    """A coefficient structure (lists, tuples, dicts of arrays or tensors) as NumPy."""
    if isinstance(obj, dict):
        return {k: to_host(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):  # named tuples (ptwt's) become plain ones
        return (list if isinstance(obj, list) else tuple)(to_host(v) for v in obj)
    if type(obj).__module__.startswith("cupy"):
        return obj.get()
    if type(obj).__module__.startswith("torch"):
        return obj.detach().cpu().numpy()
    return np.asarray(obj)


def leaves(obj) -> list:
    """The arrays of a coefficient structure, in order (dict keys sorted)."""
    if isinstance(obj, dict):
        return [a for k in sorted(obj) for a in leaves(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [a for v in obj for a in leaves(v)]
    return [obj]
