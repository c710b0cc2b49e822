"""The fused kernels' launch pipeline (cuwavelet/_launch.py): records read
from the C++ structs, one geometry builder for every family, and the kernel
list each CUDA source instantiates."""
import numpy as np
import pytest

from cuwavelet import _launch, _wavelets
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
    taps2d = _launch.record_dtype("_fused_host", "FilterTaps2D<double>")
    assert taps2d["tap"].base == np.float64
    assert taps2d["tap"].shape == (4, _launch.FAMILIES["dwt2"].host.max_taps)


def test_2d_filters_go_by_value_where_the_kernels_take_them():
    """Banks of even length up to max_taps go by value (the four filters, y
    then x, zeros past their length); learned filter arrays, odd and longer
    filters by address."""
    family = _launch.FAMILIES["dwt2"]
    db2, db5 = _wavelets.as_filter_bank("db2"), _wavelets.as_filter_bank("db5")
    record, held = _launch.filter_record(family, [db2, db5], False, np.float32, np)
    assert record.dtype.names == ("tap",) and held == ()
    expected = np.zeros((4, family.host.max_taps), np.float32)
    for k, f in enumerate([db2.dec_lo, db2.dec_hi, db5.dec_lo, db5.dec_hi]):
        expected[k, :len(f)] = f
    np.testing.assert_array_equal(record["tap"], expected)
    record, _ = _launch.filter_record(family, [db5, db2], True, np.float64, np)
    np.testing.assert_array_equal(record["tap"][3, :4], db2.rec_hi)
    long_bank = _wavelets.as_filter_bank("db17")  # 34 taps
    assert long_bank.length > family.host.max_taps
    pair = _wavelets.FilterPair(np.ones(4), np.ones(4))
    for banks in ([db2, long_bank], [pair, pair]):
        assert not _launch.by_value_filters(family, banks)
        record, held = _launch.filter_record(family, banks, False, np.float64, np)
        assert record.dtype.names == ("address",) and len(held) == 4


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
    # per dtype, and per filter record where the family takes taps or addresses
    assert len(names) == len(set(names)) == 2 * len(family.specializations()) * len(family.filters)
    assert all(n.startswith(family.kernel + "<") for n in names)
    module = _launch.kernel_module(family.source)
    assert set(names) <= set(module.names())
