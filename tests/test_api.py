"""The public API as a pywt user meets it: pywt's vocabulary, what dir() shows,
arrays of other libraries (DLPack, __cuda_array_interface__), torch tensors
sent to the bridge, the version."""
import subprocess
import sys

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import random, requires_cuda


def test_filter_bank_helpers_make_banks_the_transforms_take():
    bank = cw.orthogonal_filter_bank(pywt.Wavelet("db3").rec_lo)
    x = random((2, 37))
    ours = cw.wavedec(x, bank, "symmetric", level=2)
    theirs = pywt.wavedec(x, pywt.Wavelet("from_bank", filter_bank=bank), "symmetric", level=2)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_pywt_vocabulary_is_pywts_own():
    assert cw.Modes is pywt.Modes and cw.Wavelet is pywt.Wavelet
    assert cw.wavelist is pywt.wavelist and cw.families is pywt.families
    assert cw.qmf is pywt.qmf and cw.orthogonal_filter_bank is pywt.orthogonal_filter_bank
    x = random(37)
    for name in pywt.Modes.modes:
        np.testing.assert_allclose(cw.dwt(x, cw.Wavelet("db3"), getattr(cw.Modes, name)),
                                   pywt.dwt(x, "db3", name), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module", ["cuwavelet", "cuwavelet.adjoint"])
def test_dir_shows_the_api(module):
    mod = sys.modules[module]
    shown = dir(mod)
    assert set(mod.__all__) <= set(shown)
    assert {"annotations", "ml", "np", "on_input_device", "transforms"}.isdisjoint(shown)
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_version_on_the_command_line():
    result = subprocess.run([sys.executable, "-m", "cuwavelet", "--version"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0
    assert result.stdout.strip() == f"cuwavelet {cw.__version__}"


# --- arrays of other libraries ------------------------------------------------

class DLPackOnly:
    """An array of a library cuwavelet does not know: DLPack and nothing else."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


class CudaArrayInterfaceOnly:
    """A CUDA array of a library cuwavelet does not know (numba's, say)."""

    def __init__(self, array):
        self.__cuda_array_interface__ = array.__cuda_array_interface__


def test_dlpack_array_of_an_unknown_library():
    x = random((3, 40))
    cA, cD = cw.dwt(DLPackOnly(x), "db2")  # no namespace to return to: NumPy results
    eA, eD = pywt.dwt(x, "db2")
    assert type(cA) is np.ndarray
    np.testing.assert_allclose(cA, eA, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cD, eD, rtol=1e-12, atol=1e-12)


def test_dlpack_array_on_an_unsupported_device():
    class OnAnotherDevice(DLPackOnly):
        def __dlpack_device__(self):
            return (14, 0)  # kDLOneAPI
    with pytest.raises(TypeError, match="DLPack device type 14"):
        cw.dwt(OnAnotherDevice(random(8)), "db1")


def test_cuda_array_without_cupy_says_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy raises ImportError
    fake = CudaArrayInterfaceOnly.__new__(CudaArrayInterfaceOnly)
    fake.__cuda_array_interface__ = {"shape": (8,), "typestr": "<f8", "data": (0, False), "version": 3}
    with pytest.raises(TypeError, match=r"cuwavelet\[cuda12\]"):
        cw.wavedec(fake, "db1")


@requires_cuda
@pytest.mark.gpu
def test_cuda_array_interface_array():
    import cupy
    x = random((4, 64))
    coeffs = cw.wavedec(CudaArrayInterfaceOnly(cupy.asarray(x)), "sym3", level=2)
    for got, expected in zip(coeffs, pywt.wavedec(x, "sym3", level=2)):
        assert isinstance(got, cupy.ndarray)
        np.testing.assert_allclose(got.get(), expected, rtol=1e-12, atol=1e-12)


def test_jax_arrays_come_back_as_jax_arrays():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    x = random((2, 16, 16), np.float32)
    coeffs = cw.wavedec2(jnp.asarray(x), "db2", level=2)
    expected = pywt.wavedec2(x, "db2", level=2)
    assert isinstance(coeffs[0], jax.Array) and all(isinstance(d, jax.Array) for d in coeffs[1])
    scale = max(np.abs(e).max() for e in [expected[0], *expected[1]])
    np.testing.assert_allclose(np.asarray(coeffs[1][2]), expected[1][2], atol=1e-5 * scale)
    y = cw.waverec2(coeffs, "db2")
    assert isinstance(y, jax.Array)
    np.testing.assert_allclose(np.asarray(y), x, atol=1e-5 * np.abs(x).max())
    level0 = cw.wavedec2(jnp.asarray(x), "db2", level=0)[0]  # the data itself, as pywt
    assert isinstance(level0, jax.Array)
    np.testing.assert_array_equal(np.asarray(level0), x)
    arr, slices = cw.coeffs_to_array(coeffs, axes=(-2, -1))
    assert isinstance(arr, jax.Array) and arr.shape == pywt.coeffs_to_array(expected, axes=(-2, -1))[0].shape
    unpacked = cw.array_to_coeffs(arr, slices, output_format="wavedec2")  # views of a read-only buffer
    assert isinstance(unpacked[0], jax.Array)
    np.testing.assert_array_equal(np.asarray(unpacked[1][0]), np.asarray(coeffs[1][0]))


def test_torch_tensors_are_sent_to_the_bridge():
    torch = pytest.importorskip("torch")
    for t in (torch.randn(4, 32), torch.randn(4, 32, requires_grad=True)):
        with pytest.raises(TypeError, match=r"from bridges import torch"):
            cw.wavedec(t, "db2", level=2)
    with pytest.raises(TypeError, match=r"from bridges import torch"):
        cw.waverec([torch.zeros(4), torch.zeros(4)], "db1")
    with pytest.raises(TypeError, match=r"from bridges import torch"):
        cw.adjoint.dwt(torch.zeros(4), None, "db1", data_shape=(8,))
