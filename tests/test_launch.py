"""The fused kernels' launch pipeline (cuwavelet/_launch.py): records read
from the C++ structs, one geometry builder for every family, and the kernel
list each CUDA source instantiates."""
import numpy as np
import pytest

from cuwavelet import _launch
from cuwavelet._geometry import MAX_DIMS

FAMILIES = sorted(_launch.FAMILIES)


@pytest.mark.parametrize("name", FAMILIES)
def test_records_come_from_the_structs(name):
    family = _launch.FAMILIES[name]
    g = family.geometry_dtype
    # every family walks its batch the same way
    for field in ("batch_ndim", "batch_total", "batch_shape", "stride"):
        assert field in g.names
    assert g["batch_shape"].shape == (MAX_DIMS,)
    assert g["stride"].shape[0] == family.operands
    assert family.operands_dtype.itemsize == 8 * family.operands
    assert all(g.fields[f][0].base == np.int64 for f in g.names)  # padding-free int64 records


def test_filter_records():
    taps32 = _launch.record_dtype("_fused1d_host", "FilterTaps<float>")
    taps64 = _launch.record_dtype("_fused1d_host", "FilterTaps<double>")
    assert taps32["lo"].base == np.float32 and taps64["hi"].base == np.float64
    assert taps32["lo"].shape == (_launch.FAMILIES["wavedec1d"].host.max_taps,)
    assert _launch.record_dtype("_fused_host", "FilterAddresses").itemsize == 4 * 8


def test_geometry_merges_contiguous_batch_dimensions():
    family = _launch.FAMILIES["dwt2"]
    x = np.empty((2, 3, 4, 10, 12), np.float32)
    out = np.empty((2, 3, 4, 5, 6), np.float32)
    g = _launch.geometry(family, x.shape, (3, 4), [x.strides] + [out.strides] * 4, x.dtype)
    assert g["batch_ndim"] == 1 and g["batch_total"] == 24  # three contiguous dims as one
    assert list(g["stride"][0, MAX_DIMS:]) == [12, 1]
    assert list(g["stride"][1, MAX_DIMS:]) == [6, 1]
    # a transposed batch is walked in memory order (and is contiguous there);
    # a complex array as real, with a last dimension of 2
    z = np.empty((4, 3, 10, 12), np.complex64).transpose(1, 0, 2, 3)
    g = _launch.geometry(family, z.shape, (2, 3), [z.strides, None, None, None, None], z.dtype)
    assert g["batch_ndim"] == 2
    assert list(g["batch_shape"][:2]) == [12, 2]
    assert list(g["stride"][0, :2]) == [10 * 12 * 2, 1]
    assert not g["stride"][1].any()  # an absent operand
    # a strided batch dimension does not merge
    s = np.empty((8, 3, 10, 12))[::2]
    g = _launch.geometry(family, s.shape, (2, 3), [s.strides] * 5, s.dtype)
    assert list(g["batch_shape"][:2]) == [4, 3]
    assert list(g["stride"][0, :2]) == [2 * 3 * 120, 120]


def test_geometry_refuses_strides_off_the_element_grid():
    family = _launch.FAMILIES["wavedec1d"]
    with pytest.raises(ValueError, match="multiple of the element size"):
        _launch.geometry(family, (2, 8), (1,), [(33, 4)], np.float32)


@pytest.mark.parametrize("name", FAMILIES)
def test_kernel_names_are_instantiated_per_dtype(name):
    family = _launch.FAMILIES[name]
    names = family.all_kernel_names()
    assert len(names) == len(set(names)) == 2 * len(family.specializations())
    assert all(n.startswith(family.kernel + "<") for n in names)
    module = _launch.kernel_module(family.source)
    assert set(names) <= set(module.names())
