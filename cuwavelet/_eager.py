"""Public functions that run eagerly rather than as plans (cuwavelet/_program.py):
the packet trees, thresholds, MRA and the other compositions whose Python-level
steps (stacking, concatenating, node bookkeeping) a plan does not record. They
run on the GPU that holds their CuPy inputs, as the planned transforms do."""
from __future__ import annotations

import functools
import sys

from ._arrays import is_cupy


def _first_cupy(obj):
    if is_cupy(obj):
        return obj
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for v in obj:
            found = _first_cupy(v)
            if found is not None:
                return found
    return None


def on_input_device(fn):
    """Run fn under the CuPy device of its first CuPy argument (if any)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if "cupy" not in sys.modules:  # no CuPy array can exist (a NumPy user's every call)
            return fn(*args, **kwargs)
        ref = _first_cupy(list(args) + list(kwargs.values()))
        if ref is None:
            return fn(*args, **kwargs)
        with ref.device:
            return fn(*args, **kwargs)
    return wrapper
