"""bridges.jax.portable(): transforms traced as jax.numpy operations.

Every program here is exported by jax.export inside portable(), serialized
and deserialized (which fails on the primitives' host callbacks, so a
program that comes back holds none of cuwavelet), then called; its values
are checked against pywt's, learned banks' against pywt with a Wavelet made
of the same filters."""
import numpy as np
import pytest
import pywt

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # float64 oracles to 1e-12
import jax.numpy as jnp  # noqa: E402
from jax import export  # noqa: E402

bj = pytest.importorskip("bridges.jax")

from conftest import (assert_dwt_and_idwt_every_length, assert_same_structure,  # noqa: E402
                      pywt_matrix, random)

MODES = list(pywt.Modes.modes)


def restored(fn, *arrays, vjp_order=0):
    """fn exported inside portable(), serialized (with its derivatives up to
    vjp_order) and read back."""
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in arrays]
    with bj.portable():
        program = export.export(jax.jit(fn))(*specs)
    return export.deserialize(program.serialize(vjp_order=vjp_order))


def run_restored(fn, *arrays):
    return to_numpy(restored(fn, *arrays).call(*[jnp.asarray(a) for a in arrays]))


def to_numpy(structure):
    if isinstance(structure, dict):
        return {k: to_numpy(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(to_numpy(v) for v in structure)
    return np.asarray(structure)


def test_without_the_context_the_program_cannot_be_serialized():
    x = random((2, 16))
    with pytest.raises(NotImplementedError, match="host_callbacks"):
        export.export(jax.jit(lambda x: bj.wavedec(x, "db2", level=2)))(
            jax.ShapeDtypeStruct(x.shape, x.dtype)).serialize()


def test_a_function_jitted_on_either_side_is_traced_again_on_the_other():
    x = jnp.asarray(random((2, 32), seed=19))
    fn = jax.jit(lambda x: bj.wavedec(x, "db2", level=2))

    def calls_back():
        return "callback" in fn.lower(x).as_text()
    fn(x)
    assert calls_back()  # the kernels, through a callback
    with bj.portable():
        assert not calls_back()
        program = export.export(fn)(jax.ShapeDtypeStruct(x.shape, x.dtype))
        fn(x)
    assert calls_back()
    restored_program = export.deserialize(program.serialize())
    assert_same_structure(to_numpy(restored_program.call(x)),
                          pywt.wavedec(np.asarray(x), "db2", level=2), 1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_dwt_and_idwt_every_mode_and_length(mode):
    assert_dwt_and_idwt_every_length(run_restored, bj, mode)


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization", "smooth"])
def test_multilevel_transforms_and_their_inverses(mode):
    x = random((2, 13, 10, 6), np.float32, seed=1)
    for ours, theirs in [
            (lambda x: bj.wavedec(x, "db2", mode=mode, level=2),
             lambda x: pywt.wavedec(x, "db2", mode=mode, level=2)),
            (lambda x: bj.wavedec2(x, "sym3", mode=mode, level=2),
             lambda x: pywt.wavedec2(x, "sym3", mode=mode, level=2)),
            (lambda x: bj.wavedecn(x, "db2", mode=mode, level=1, axes=(0, 1, 3)),
             lambda x: pywt.wavedecn(x, "db2", mode=mode, level=1, axes=(0, 1, 3)))]:
        assert_same_structure(run_restored(ours, x), theirs(x), 1e-5)
    x = random((3, 21, 18), seed=2)
    c = pywt.wavedec2(x, "db2", mode=mode, level=2)
    expected = pywt.waverec2([c[0], (None, c[1][1], None), c[2]], "db2", mode=mode)
    got = run_restored(lambda a, v, h1, v1, d1: bj.waverec2([a, (None, v, None), (h1, v1, d1)],
                                                            "db2", mode=mode),
                       c[0], c[1][1], *c[2])
    assert_same_structure(got, expected, 1e-12)
    c1 = pywt.wavedec(x, "db3", mode=mode, level=3)
    got = run_restored(lambda a, d2, d1: bj.waverec([a, None, d2, d1], "db3", mode=mode),
                       c1[0], c1[2], c1[3])
    assert_same_structure(got, pywt.waverec([c1[0], None, c1[2], c1[3]], "db3", mode=mode),
                          1e-12)


def test_stationary_transforms_packets_and_pad():
    x = random((3, 16), seed=3)
    assert_same_structure(run_restored(lambda x: bj.swt(x, "db2", level=3), x),
                          pywt.swt(x, "db2", level=3), 1e-12)
    coeffs = pywt.swt(x, "sym4", level=2)
    flat = [c for pair in coeffs for c in pair]
    got = run_restored(lambda *c: bj.iswt(list(zip(c[::2], c[1::2])), "sym4"), *flat)
    assert_same_structure(got, pywt.iswt(coeffs, "sym4"), 1e-12)
    image = random((2, 8, 12), seed=4)
    assert_same_structure(run_restored(lambda x: bj.swt2(x, "db2", 2), image),
                          pywt.swt2(image, "db2", 2), 1e-12)
    x3 = random((4, 12, 10), seed=6)
    nodes = pywt.WaveletPacket(x3, "db2", mode="symmetric", maxlevel=2)
    got = run_restored(lambda x: bj.packet_decompose(x, "db2", level=2), x3)
    assert_same_structure(got, {n.path: n.data for n in nodes.get_level(2, "natural")}, 1e-12)
    keys = list(got)
    rec = run_restored(lambda *v: bj.packet_reconstruct(dict(zip(keys, v)), "db2",
                                                        data_shape=x3.shape),
                       *[got[k] for k in keys])
    assert_same_structure(rec, x3, 1e-12)
    for mode in MODES:
        widths = ((1, 2), (7, 3), (4, 1))
        assert_same_structure(run_restored(lambda x: bj.pad(x, widths, mode), x3[:3, :4, :5]),
                              pywt.pad(x3[:3, :4, :5], widths, mode), 1e-12)


def learned_bank(seed):
    rng = np.random.default_rng(seed)
    return [np.asarray(f) + 0.05 * rng.standard_normal(len(f))
            for f in pywt.Wavelet("db2").filter_bank]


def test_learned_filter_banks_are_pywts_with_the_same_filters():
    bank = learned_bank(7)
    wavelet = pywt.Wavelet("learned", filter_bank=[f.tolist() for f in bank])
    x = random((3, 40), seed=8)
    got = run_restored(lambda x, *f: bj.wavedec(x, tuple(f), mode="periodization", level=3),
                       x, *bank)
    assert_same_structure(got, pywt.wavedec(x, wavelet, mode="periodization", level=3), 1e-12)
    image = random((2, 16, 12), seed=9)
    got = run_restored(lambda x, *f: bj.wavedec2(x, tuple(f), mode="reflect", level=2),
                       image, *bank)
    assert_same_structure(got, pywt.wavedec2(image, wavelet, mode="reflect", level=2), 1e-12)
    c = pywt.wavedec(x, "db2", level=2)
    got = run_restored(lambda a, d2, d1, *f: bj.waverec([a, d2, d1], tuple(f)), *c, *bank)
    assert_same_structure(got, pywt.waverec(c, wavelet), 1e-12)
    got = run_restored(lambda x, *f: bj.swt(x, tuple(f), level=2), x[:, :32], *bank)
    assert_same_structure(got, pywt.swt(x[:, :32], wavelet, level=2), 1e-12)


def test_gradients_of_the_traced_forms_are_pywts_transposes():
    shape = (2, 9)
    matrix = pywt_matrix(lambda x: pywt.wavedec(x, "db2", mode="smooth", level=2), shape)
    x = random(shape, seed=12)
    with bj.portable():
        coeffs, pullback = jax.vjp(lambda x: bj.wavedec(x, "db2", mode="smooth", level=2),
                                   jnp.asarray(x))
        cotangents = [random(c.shape, seed=13 + i) for i, c in enumerate(coeffs)]
        (grad,) = pullback([jnp.asarray(c) for c in cotangents])
    flat = np.concatenate([c.ravel() for c in cotangents])
    np.testing.assert_allclose(np.asarray(grad), (matrix.T @ flat).reshape(shape), atol=1e-12)


@pytest.mark.parametrize("wavelet", ["mexh", "cmor1.5-1.0"])
def test_cwt(wavelet):
    scales = [0.4, 1, 2.5, 9, 60]
    for dtype in (np.float32, np.float64, np.complex128):
        x = random((2, 37, 3), dtype, seed=26)
        expected = pywt.cwt(x, scales, wavelet, axis=1)[0]
        got = run_restored(lambda t: bj.cwt(t, scales, wavelet, axis=1)[0], x)
        assert got.dtype == expected.dtype
        tolerance = 3e-5 if dtype == np.float32 else 1e-12  # (pywt's float32 sums)
        np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance * np.abs(expected).max())
    n = 11
    matrix = np.stack([pywt.cwt(e.astype(np.complex128), scales, wavelet)[0].ravel()
                       for e in np.eye(n)], axis=1)
    x = random(n, seed=27)
    program = restored(lambda t: jnp.sum(jnp.abs(bj.cwt(t, scales, wavelet)[0]) ** 2), x,
                       vjp_order=1)
    grad = jax.grad(program.call)(jnp.asarray(x))
    np.testing.assert_allclose(grad, 2 * np.real(matrix.conj().T @ (matrix @ x)), rtol=0,
                               atol=1e-12 * np.abs(matrix).max() ** 2 * n)
