"""mra, mra2, mran (both transforms) and their inverses equal pywt's."""
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import assert_same_structure, random


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def check(name, xp, data, *args, **kwargs):
    expected = quiet(getattr(pywt, name), data, *args, **kwargs)
    got = quiet(getattr(cw, name), xp.asarray(data), *args, **kwargs)
    assert_same_structure(got, expected, 1e-12)
    return got


@pytest.mark.parametrize("wavelet", ["haar", "db2", "sym4", "bior2.2", "coif1"])
def test_mra_both_transforms(xp, wavelet):
    x = random((3, 32), seed=1)
    for level in (None, 1, 3):
        parts = check("mra", xp, x, wavelet, level)
        np.testing.assert_allclose(cw.imra(parts).get() if xp is not np else cw.imra(parts), x,
                                   atol=1e-10)
        for mode in ("symmetric", "periodization", "zero", "smooth", "antireflect"):
            for n in (32, 29):  # odd lengths: waverec trims as it goes
                check("mra", xp, x[:, :n], wavelet, level, transform="dwt", mode=mode)
    check("mra", xp, x.T.copy(), wavelet, 2, axis=0)


@pytest.mark.parametrize("wavelet", ["haar", "db2", ("db1", "sym3")])
def test_mra2_both_transforms(xp, wavelet):
    x = random((4, 16, 16), seed=2)
    for level in (None, 1, 2):
        check("mra2", xp, x[0], wavelet, level)
        check("mra2", xp, x, wavelet, 2, axes=(0, 2))
        for mode in ("symmetric", "periodization", "reflect"):
            check("mra2", xp, x[0, :13, :15], wavelet, level, transform="dwt2", mode=mode)


def test_mran_both_transforms(xp):
    x = random((8, 8, 8), seed=3)
    for level in (None, 1, 2):
        check("mran", xp, x, "db2", level)
        check("mran", xp, x, "db2", level, axes=(0, 2))
        check("mran", xp, x[:7], ("db1", "db2", "sym2"), level, transform="dwtn",
              mode=("smooth", "zero", "periodization"))


def test_inverses_are_sums_and_leave_inputs_alone():
    x = random((16, 16))
    parts = cw.mra2(x, "db2", 2)
    first = parts[0].copy()
    np.testing.assert_allclose(cw.imra2(parts), x, atol=1e-10)
    np.testing.assert_array_equal(parts[0], first)  # pywt adds into parts[0]
    partsn = cw.mran(x, "db2", 2)
    np.testing.assert_allclose(cw.imran(partsn), x, atol=1e-10)


def test_refusals_as_pywt():
    x = random(16)
    for name, kwargs in [("mra", {"transform": "swt", "mode": "symmetric"}),
                         ("mra", {"transform": "foo"}),
                         ("mra2", {"transform": "swt"}),
                         ("mran", {"transform": "dwt2"})]:
        data = x if name == "mra" else x.reshape(4, 4)
        with pytest.raises(ValueError):
            getattr(pywt, name)(data, "db1", **kwargs)
        with pytest.raises(ValueError):
            getattr(cw, name)(data, "db1", **kwargs)
