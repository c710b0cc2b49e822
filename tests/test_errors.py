"""Bad input gets a clear exception naming the problem."""
import numpy as np
import pytest
import pywt

import cuwavelet as cw

x = np.random.default_rng(0).standard_normal((4, 16))


@pytest.mark.parametrize("call, error, match", [
    (lambda: cw.dwt(x, "db99"), ValueError, "Unknown wavelet name 'db99'"),
    (lambda: cw.dwt(x, "morl"), ValueError, "Unknown wavelet name"),
    (lambda: cw.dwt(x, pywt.ContinuousWavelet("morl")), ValueError, "continuous"),
    (lambda: cw.dwt(x, "db2", "sideways"), ValueError, "Unknown mode name 'sideways'"),
    (lambda: cw.dwt(x, "db2", 42), ValueError, "Unknown mode number"),
    (lambda: cw.dwt(x, "db2", axis=2), np.exceptions.AxisError, "out of range"),
    (lambda: cw.dwt(x, "db2", axis=1.5), TypeError, "axis must be an integer"),
    (lambda: cw.dwt(np.float64(3.0), "db2"), np.exceptions.AxisError, "at least 1-D"),
    (lambda: cw.dwt(np.ones((3, 0)), "db2"), ValueError, "greater than zero"),
    (lambda: cw.dwt(np.ones(1), "db2", "reflect"), ValueError, "greater than 1"),
    (lambda: cw.dwt(np.array(["a", "b"]), "db2"), TypeError, "numeric"),
    (lambda: cw.dwt([np.ones(3), np.ones(4)], "db2"), TypeError, "sequence of arrays"),
    (lambda: cw.dwt(None, "db2"), TypeError, "None"),
    (lambda: cw.wavedec(x, "db2", level=-1), ValueError, "Level value of -1 is too low"),
    (lambda: cw.wavedec(x, "db2", level=1.5), TypeError, "level must be an integer"),
    (lambda: cw.dwt2(x[0], "db2"), ValueError, "at least 2 dimensions"),
    (lambda: cw.wavedec2(x, "db2", axes=(0, 0)), ValueError, "unique"),
    (lambda: cw.wavedec2(x, "db2", axes=1), TypeError, "sequence of 2 axes"),
    (lambda: cw.dwt2(x, "db2", axes=1), TypeError, "sequence of 2 axes"),
    (lambda: cw.idwt2(cw.dwt2(x, "db2"), "db2", axes=1), TypeError, "sequence of 2 axes"),
    (lambda: cw.dwt(x, "db2", None), TypeError, "mode must be"),
    (lambda: cw.dwt(x, "db2", 2.5), TypeError, "mode must be"),
    (lambda: cw.wavedec(x, "db2", level=True), TypeError, "level must be an integer"),
    (lambda: cw.dwt(x, "db2", axis=True), TypeError, "axis must be an integer"),
    (lambda: cw.waverecn(cw.wavedec(x, "db2"), "db2"), ValueError,
     "Unexpected detail coefficient type"),
    (lambda: cw.dwt2(x, "db2", axes=(0,)), ValueError, "Expected 2 axes"),
    (lambda: cw.dwtn(x, "db2", axes=(0, 5)), np.exceptions.AxisError, "out of range"),
    (lambda: cw.dwtn(x, ["db2", "db3", "db4"], axes=(0, 1)), ValueError, "number of wavelets"),
    (lambda: cw.idwt(None, None, "db2"), ValueError, "At least one"),
    (lambda: cw.idwt(np.ones(4), np.ones(5), "db2"), ValueError, "same shape"),
    (lambda: cw.idwt(np.ones(1), np.ones(1), "db4"), ValueError, "Invalid coefficient arrays length"),
    (lambda: cw.idwtn({"ax": np.ones(4)}, "db2"), ValueError, "invalid keys"),
    (lambda: cw.idwtn({"a": np.ones(4), "dd": np.ones((4, 4))}, "db2"), ValueError, "equal length"),
    (lambda: cw.idwtn({"aa": np.ones((4, 4)), "dd": np.ones((4, 5))}, "db2"), ValueError,
     "shape mismatch"),
    (lambda: cw.idwtn([np.ones(4)], "db2"), TypeError, "dict"),
    (lambda: cw.waverec(np.ones(4), "db2"), ValueError, "Expected a sequence"),
    (lambda: cw.waverec([], "db2"), ValueError, "too short"),
    (lambda: cw.waverec([np.ones(9), np.ones(4)], "db2"), ValueError, "shape mismatch"),
    (lambda: cw.waverec([np.ones(4), {"d": np.ones(4)}], "db2"), ValueError,
     "Unexpected detail coefficient type"),
    (lambda: cw.waverec2([np.ones((4, 4)), np.ones((4, 4))], "db2"), ValueError,
     "Unexpected detail coefficient type"),
    (lambda: cw.waverecn([np.ones((4, 4)), {"ad": None}], "db2"), ValueError, "set to None"),
    (lambda: cw.waverecn([np.ones((4, 4)), {"ad": np.ones(4)}], "db2"), ValueError,
     "matching number of dimensions"),
    (lambda: cw.dwt(x, ([1, 1, 1],) * 3), ValueError, "Cannot use"),
    (lambda: cw.dwt(x, ([1, 1], [1, -1], [1, 1], [1, -1, 0, 0])), ValueError, "different lengths"),
    (lambda: cw.adjoint.dwt(np.ones(9), np.ones(9), "db2", data_shape=(20,)), ValueError,
     "shape mismatch"),
    (lambda: cw.adjoint.dwt(np.ones(9), np.ones(9), "db2", data_shape=None), TypeError,
     "data_shape"),
    (lambda: cw.adjoint.dwt(np.ones(9), np.ones(9), "db2", data_shape="17"), TypeError,
     "data_shape must be a tuple of integers"),
    (lambda: cw.adjoint.dwt(np.ones(9), np.ones(9), "db2", data_shape=(17.5,)), TypeError,
     "data_shape must be a tuple of integers"),
    (lambda: cw.adjoint.dwt(np.ones(9), np.ones(9), "db2", data_shape=(-17,)), ValueError,
     "negative"),
    (lambda: cw.adjoint.wavedec2([np.ones((3, 3))], "db2", data_shape="33"), TypeError,
     "data_shape"),
    (lambda: cw.adjoint.waverec(np.ones(20), "db2", coeff_shapes=["11", (11,)]), TypeError,
     "coeff_shapes must be a tuple of integers"),
    (lambda: cw.adjoint.idwt(np.ones(7), "db2"), ValueError, "always even"),
    (lambda: cw.dwt(x, None), ValueError, "wavelet is None"),
    (lambda: cw.adjoint.waverec(np.ones(20), "db2", coeff_shapes=[(5,), (5,), (11,)]), ValueError,
     "shape mismatch"),
    (lambda: cw.swt_max_level(-4), ValueError, "input_len must be non-negative; got -4"),
    (lambda: cw.swt_max_level(7.5), TypeError, "input_len must be an integer"),
    (lambda: cw.dwt_max_level(None, 2), TypeError, "data_len must be an integer; got None"),
    (lambda: cw.dwt_max_level("10", 2), TypeError, "data_len must be an integer"),
    (lambda: cw.dwt_max_level(-1, 2), ValueError, "data_len must be non-negative"),
    (lambda: cw.wavedecn_shapes((8, 8), "haar", axes=1.0), TypeError,
     "axes must be an integer or a sequence of integers; got 1.0"),
    (lambda: cw.dwtn(x, "haar", axes="01"), TypeError, "axes must be an integer or a sequence"),
    (lambda: cw.dwtn_max_level(x, "haar"), TypeError, r"a 2-d array \(the data's .shape is \(4, 16\)\)"),
    (lambda: cw.WaveletPacket2D(x, "db1", maxlevel=1, axes=(0, 5)), np.exceptions.AxisError,
     "out of range"),
    (lambda: cw.WaveletPacket2D(x, "db1", maxlevel=1, axes="ab"), TypeError,
     "axes must be a sequence of integers"),
    (lambda: cw.WaveletPacketND(x, "db1", maxlevel=1, axes=1.0), TypeError,
     "axes must be a sequence of integers"),
    (lambda: cw.WaveletPacketND(x, "db1", maxlevel=1, axes=[0, 2]), np.exceptions.AxisError,
     "out of range"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_empty_batches_and_size_one_axes_work_as_pywt():
    for shape, axis in [((0, 8), -1), ((3, 1), -1), ((1, 8), 0)]:
        data = np.ones(shape)
        for mode in ["zero", "symmetric", "periodization"]:
            got, expected = cw.dwt(data, "db2", mode, axis=axis), pywt.dwt(data, "db2", mode, axis=axis)
            assert [g.shape for g in got] == [e.shape for e in expected]
            np.testing.assert_allclose(got, expected, atol=1e-12)


def test_integer_mode_values_follow_pywt_modes():
    for name in pywt.Modes.modes:
        np.testing.assert_allclose(cw.dwt(x, "db2", getattr(pywt.Modes, name)),
                                   pywt.dwt(x, "db2", name), atol=1e-12)


# Multilevel inverses trim the approximation only along transformed axes
# (pywt's one sample); any other mismatch is refused, never trimmed away.
@pytest.mark.parametrize("call", [
    lambda: cw.waverec([np.ones((3, 6)), np.ones((2, 6))], "db2"),
    lambda: cw.waverec([np.ones((2, 6)), np.ones((2, 6)), np.ones((3, 8))], "db2"),
    lambda: cw.waverec([np.ones((6, 3)), np.ones((6, 2))], "db2", axis=0),
    lambda: cw.waverec2([np.ones((3, 6, 6)), (np.ones((2, 6, 6)),) * 3], "db2"),
    lambda: cw.waverec2([np.ones((2, 6, 6)), (np.ones((2, 6, 6)),) * 3,
                         (np.ones((3, 8, 8)),) * 3], "db2"),
    lambda: cw.waverecn([np.ones((3, 6, 6)), {"ad": np.ones((2, 6, 6))}], "db2", axes=(1, 2)),
    lambda: cw.waverecn([np.ones((2, 6, 6)), {"ad": np.ones((2, 6, 6))},
                         {"dd": np.ones((3, 8, 8))}], "db2", axes=(1, 2)),
    lambda: cw.adjoint.waverec(np.ones((2, 10)), "db2", coeff_shapes=[(3, 6), (2, 6)]),
    lambda: cw.adjoint.waverec2(np.ones((2, 10, 10)), "db2",
                                coeff_shapes=[(3, 6, 6), ((2, 6, 6),) * 3]),
    lambda: cw.adjoint.waverecn(np.ones((2, 10, 10)), "db2", axes=(1, 2),
                                coeff_shapes=[(3, 6, 6), {"dd": (2, 6, 6)}]),
])
def test_batch_axis_mismatch_is_refused(call):
    with pytest.raises(ValueError, match="shape mismatch"):
        call()


def test_the_transformed_axis_is_still_trimmed():
    rng = np.random.default_rng(1)
    c = [rng.standard_normal((2, 6)), rng.standard_normal((2, 5)), rng.standard_normal((2, 7))]
    np.testing.assert_allclose(cw.waverec(c, "db2"), pywt.waverec(c, "db2"), atol=1e-12)
    c2 = [rng.standard_normal((2, 6, 5)), tuple(rng.standard_normal((2, 5, 5)) for _ in "hvd")]
    np.testing.assert_allclose(cw.waverec2(c2, "db2"), pywt.waverec2(c2, "db2"), atol=1e-12)


def test_lengths_take_what_pywt_takes():
    """NumPy integers, 0-d integer arrays and integral floats are lengths, as
    in pywt."""
    for n in (np.int64(96), np.array(96), 96.0):
        assert cw.swt_max_level(n) == pywt.swt_max_level(96)
        assert cw.dwt_max_level(n, "db2") == pywt.dwt_max_level(96, "db2")


def test_thresholds_as_lists_broadcast_as_arrays():
    """A list or tuple of thresholds is an array of them, as in pywt's
    expressions (it said 'value must be a scalar', while arrays were taken)."""
    data = np.random.default_rng(1).standard_normal((3, 8))
    for mode in ("soft", "hard", "greater", "less"):
        for value in ([0.5], (0.2, 0.4, 0.6, 0.8) * 2, [[0.1], [0.5], [1.0]]):
            np.testing.assert_allclose(cw.threshold(data, value, mode), pywt.threshold(data, value, mode),
                                       rtol=0, atol=1e-15)
    np.testing.assert_allclose(cw.threshold_firm(data, [[0.1], [0.5], [1.0]], 2.0),
                               cw.threshold_firm(data, np.array([[0.1], [0.5], [1.0]]), 2.0),
                               rtol=0, atol=0)
