"""Dask arrays through every transform, inverse and adjoint: lazy graphs with
known shapes whose results are pywt's (adjoints: the NumPy adjoints', proven
exact in test_adjoint.py), for chunkings that split batch axes and transform
axes. The sweeps run on the synchronous scheduler; the multi-process
distributed.LocalCluster runs the 2D, 1D and nD decompositions, their
inverses and adjoints again as a real cluster would."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import pywt

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import cuwavelet as cw  # noqa: E402
from conftest import assert_same_structure, leaves, random, rebuild  # noqa: E402

MODES = pywt.Modes.modes
RTOL = 1e-12


def chunk(structure, chunks):
    """Every array of a coefficient structure as a dask array of `chunks`."""
    return rebuild(structure, [da.from_array(a, chunks=chunks) for a in leaves(structure)])


def randn_like(structure, seed):
    return rebuild(structure, [random(a.shape, seed=seed + i) for i, a in enumerate(leaves(structure))])


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# name, data shape, transform arguments, data chunks, coefficient chunks: the
# transform axes are split (odd chunk boundaries included) and so are the batch axes
PROBLEMS = {
    "1d": ("wavedec", "dwt", (3, 301), {"level": 3}, (2, 37), (2, 29)),
    "2d": ("wavedec2", "dwt2", (2, 97, 130), {"level": 2}, (1, 40, 45), (1, 26, 33)),
    "nd": ("wavedecn", "dwtn", (70, 3, 66), {"level": 2, "axes": (0, 2)}, (35, 2, 33), (20, 2, 17)),
}
WAVELETS = {"1d": ["haar", "db3", "sym4", "bior2.4"], "2d": ["haar", "db2", "bior2.4"],
            "nd": ["db2", "coif1"]}
INVERSE = {"wavedec": "waverec", "wavedec2": "waverec2", "wavedecn": "waverecn",
           "dwt": "idwt", "dwt2": "idwt2", "dwtn": "idwtn"}


def call(module, name, arg, wavelet, mode, kwargs, **extra):
    """module.name(arg, ...), with (cA, cD) unpacked for idwt and dwt's adjoint."""
    unpack = name == ("dwt" if module is cw.adjoint else "idwt")
    args = (*arg, wavelet, mode) if unpack else (arg, wavelet, mode)
    return quiet(getattr(module, name), *args, **kwargs, **extra)


def single_level(kwargs):
    return {k: v for k, v in kwargs.items() if k != "level"}


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("mode", MODES)
def test_every_function_matches_pywt_and_the_numpy_adjoints(problem, mode):
    multi, single, shape, kwargs, data_chunks, coeff_chunks = PROBLEMS[problem]
    x = random(shape, seed=1)
    xd = da.from_array(x, chunks=data_chunks)
    for wavelet in WAVELETS[problem]:
        lazy, expected = {}, {}
        for name, kw in ((multi, kwargs), (single, single_level(kwargs))):
            coeffs = quiet(getattr(pywt, name), x, wavelet, mode, **kw)
            expected[name] = coeffs
            lazy[name] = call(cw, name, xd, wavelet, mode, kw)
            inv_kw = single_level(kw)
            inverse = INVERSE[name]
            expected[inverse] = call(pywt, inverse, coeffs, wavelet, mode, inv_kw)
            lazy[inverse] = call(cw, inverse, chunk(coeffs, coeff_chunks), wavelet, mode, inv_kw)
            # adjoints on random cotangents, against the NumPy adjoints
            cots = randn_like(coeffs, seed=7)
            expected["adj " + name] = call(cw.adjoint, name, cots, wavelet, mode, inv_kw,
                                           data_shape=shape)
            lazy["adj " + name] = call(cw.adjoint, name, chunk(cots, coeff_chunks), wavelet, mode,
                                       inv_kw, data_shape=shape)
            y = random(expected[inverse].shape, seed=3)
            extra = {"coeff_shapes": cw.adjoint.shapes_of(coeffs)} if name == multi else {}
            expected["adj " + inverse] = call(cw.adjoint, inverse, y, wavelet, mode, inv_kw, **extra)
            lazy["adj " + inverse] = call(cw.adjoint, inverse, da.from_array(y, chunks=data_chunks),
                                          wavelet, mode, inv_kw, **extra)
        for leaf in leaves(lazy):
            assert isinstance(leaf, da.Array) and not any(np.isnan(c).any() for c in leaf.chunks)
        got = dask.compute(lazy, scheduler="synchronous")[0]
        for key in expected:
            assert_same_structure(got[key], expected[key], RTOL)
