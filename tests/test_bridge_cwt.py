"""bridges.torch.cwt and bridges.jax.cwt: pywt.cwt's values, and gradients that
are the transposes of pywt's explicit matrix.

Oracles: pywt.cwt for values; its matrix A (columns: pywt.cwt of the unit
vectors) for derivatives: for real data and a loss L, the gradient is
Re(A^H dL/dy) (torch's convention: conjugate Wirtinger), JAX's transpose is
A^T (unconjugated), real for real data."""
import doctest

import numpy as np
import pytest
import pywt

from conftest import quiet, random, requires_torch_cuda

SCALES = [0.4, 1, 2.5, 7]
WAVELETS = ["mexh", "gaus3", "cmor1.5-1.0", "cgau2"]


def pywt_matrix(wavelet, n, scales=SCALES):
    """pywt.cwt's matrix: its columns are the transforms of the unit vectors."""
    columns = [quiet(pywt.cwt, e.astype(np.complex128), scales, wavelet)[0].ravel()
               for e in np.eye(n)]
    return np.stack(columns, axis=1)


def assert_close(got, expected, rtol=1e-12):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=rtol * np.abs(expected).max())


# --- torch --------------------------------------------------------------------------------

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")


@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.complex128])
def test_torch_values(wavelet, dtype):
    x = torch.as_tensor(random((3, 50), np.dtype(str(dtype).split(".")[1]), seed=1))
    coefs, freqs = bt.cwt(x, SCALES, wavelet, sampling_period=0.5, axis=-1)
    ref, ref_freqs = quiet(pywt.cwt, x.numpy(), SCALES, wavelet, sampling_period=0.5)
    assert coefs.dtype == getattr(torch, str(ref.dtype))
    assert_close(coefs.numpy(), ref, 1e-12 if ref.dtype in (np.float64, np.complex128) else 1e-5)
    np.testing.assert_array_equal(freqs, ref_freqs)


def test_torch_half_precision_and_integers():
    x = torch.randn(2, 64).to(torch.bfloat16)
    y, _ = bt.cwt(x, [1, 3], "morl")
    assert y.dtype == torch.bfloat16  # real results cast back
    z, _ = bt.cwt(x, [1, 3], "cmor1.5-1.0")
    assert z.dtype == torch.complex64
    ref, _ = pywt.cwt(x.float().numpy(), [1, 3], "cmor1.5-1.0")
    assert_close(z.numpy(), ref, 1e-5)
    i, _ = bt.cwt(torch.arange(30), [2], "mexh")
    assert i.dtype == torch.float64
    assert_close(i.numpy(), pywt.cwt(np.arange(30), [2], "mexh")[0])


@pytest.mark.parametrize("wavelet", WAVELETS)
@pytest.mark.parametrize("n", [1, 9, 16])
def test_torch_gradient_is_the_adjoint_of_pywts_matrix(wavelet, n):
    A = pywt_matrix(wavelet, n)
    x = torch.as_tensor(random(n, seed=n), dtype=torch.float64).requires_grad_()
    y, _ = bt.cwt(x, SCALES, wavelet)
    w = torch.as_tensor(random(tuple(y.shape), np.complex128 if y.is_complex() else np.float64,
                               seed=2))
    (y * w.conj()).real.sum().backward()  # dL/dy = w (conjugate Wirtinger)
    assert x.grad.dtype == torch.float64
    assert_close(x.grad.numpy(), np.real(A.conj().T @ w.numpy().ravel()))
    z = torch.as_tensor(random(n, np.complex128, seed=3)).requires_grad_()
    yz, _ = bt.cwt(z, SCALES, wavelet)
    wz = torch.as_tensor(random(tuple(yz.shape), np.complex128, seed=4))
    (yz * wz.conj()).real.sum().backward()
    assert_close(z.grad.numpy(), A.conj().T @ wz.numpy().ravel())


@pytest.mark.parametrize("wavelet", ["morl", "cmor1.5-1.0"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_torch_gradcheck_every_order_and_forward_mode(wavelet, dtype):
    x = torch.randn(2, 19, dtype=dtype, requires_grad=True)

    def f(t):
        return bt.cwt(t, SCALES, wavelet, axis=1)[0]
    assert torch.autograd.gradcheck(f, (x,), check_forward_ad=True, check_batched_grad=True)
    assert torch.autograd.gradgradcheck(f, (x,))


def test_torch_compile_vmap_and_func():
    x = torch.randn(3, 5, 40, dtype=torch.float64)

    def f(t):
        coefs, freqs = bt.cwt(t, [1, 2, 4], "cmor1.5-1.0", axis=1)
        return coefs
    expected = f(x)
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    assert torch.equal(compiled(x), expected)
    mapped = torch.func.vmap(f, in_dims=2)(x)  # (40, scales, 3, 5)
    assert torch.allclose(mapped.movedim(0, -1), expected, rtol=0, atol=1e-12)
    grads = torch.func.vmap(torch.func.grad(lambda t: f(t).abs().square().sum()))(x)
    for i in range(3):
        xi = x[i].clone().requires_grad_()
        f(xi).abs().square().sum().backward()
        assert torch.allclose(grads[i], xi.grad, rtol=0, atol=1e-10)


def test_torch_bad_arguments():
    with pytest.raises(TypeError, match="torch.Tensor"):
        bt.cwt(np.zeros(8), [1], "morl")
    with pytest.raises(ValueError, match="continuous wavelet"):
        bt.cwt(torch.zeros(8), [1], "db2")
    with pytest.raises(ValueError, match="positive"):
        bt.cwt(torch.zeros(8), [0], "morl")


def test_torch_compile_guards_the_scales():
    """torch.compile cannot guard NumPy values or tensors: scales given so are
    refused while a graph is captured (a graph break, or an error under
    fullgraph), never taken as constants that a later call with other values
    would reuse; Python numbers are guarded, and so are a module's scales and
    a wavelet object's attributes."""
    x = torch.from_numpy(random(64, seed=40))

    def reference(scales):
        return pywt.cwt(x.numpy(), scales, "mexh")[0]

    f = torch.compile(lambda t, s: bt.cwt(t, s, "mexh")[0], backend="aot_eager")
    for scales in (np.array([1.0, 2.0]), np.array([4.0, 8.0])):
        assert_close(f(x, scales).numpy(), reference(scales))
    strict = torch.compile(lambda t, s: bt.cwt(t, s, "mexh")[0], fullgraph=True,
                           backend="aot_eager")
    with pytest.raises(Exception) as raised:
        strict(x, np.array([1.0, 2.0]))
    assert "must be given as Python numbers" in repr(raised.value.__cause__)
    padded = torch.compile(lambda t, w: bt.pad(t, w, "symmetric"), backend="aot_eager")
    for widths in (np.array([1, 2]), np.array([3, 1])):
        assert_close(padded(x, widths).numpy(), pywt.pad(x.numpy(), widths, "symmetric"))
    module = bt.CWT(np.array([1, 2, 4], dtype=np.float32), "mexh")
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    ref = pywt.cwt(x.float().numpy(), np.array([1, 2, 4], dtype=np.float32), "mexh")[0]
    assert_close(compiled(x.float()).numpy(), ref, 3e-6)
    # a wavelet whose attributes are set after a capture: the capture guards them
    w = pywt.ContinuousWavelet("cmor1.5-1.0")
    g = torch.compile(lambda t: bt.cwt(t, [1.0, 2.0], w)[0], fullgraph=True,
                      backend="aot_eager")
    for center in (1.0, 2.0):
        w.center_frequency = center
        assert_close(g(x).numpy(), pywt.cwt(x.numpy(), [1.0, 2.0], w)[0])


def test_torch_empty_data():
    """No samples along the axis: refused, as pywt and the core refuse it; an
    empty batch: an empty result, learned wavelets too."""
    b, c = torch.tensor(1.5), torch.tensor(1.0)
    for wavelet in ("morl", ("cmor", b, c)):
        with pytest.raises(ValueError, match="no samples"):
            bt.cwt(torch.zeros(3, 0), [1], wavelet)
        y, _ = bt.cwt(torch.zeros(0, 5), [1, 2], wavelet)
        assert tuple(y.shape) == (2, 0, 5)


@pytest.mark.gpu
@requires_torch_cuda()
def test_torch_on_cuda():
    x = torch.randn(4, 300, dtype=torch.float32, device="cuda", requires_grad=True)
    y, _ = bt.cwt(x, np.geomspace(0.5, 60, 12), "cmor1.5-1.0")
    ref, _ = pywt.cwt(x.detach().cpu().numpy(), np.geomspace(0.5, 60, 12), "cmor1.5-1.0")
    assert y.is_cuda
    assert_close(y.detach().cpu().numpy(), ref, 3e-5)
    y.abs().square().sum().backward()
    xc = x.detach().cpu().double().requires_grad_()
    bt.cwt(xc, np.geomspace(0.5, 60, 12), "cmor1.5-1.0")[0].abs().square().sum().backward()
    assert_close(x.grad.cpu().double().numpy(), xc.grad.numpy(), 1e-4)


# --- JAX ----------------------------------------------------------------------------------

@pytest.fixture
def jx():
    jax = pytest.importorskip("jax")
    bj = pytest.importorskip("bridges.jax")
    return jax, jax.numpy, bj


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_jax_values_under_jit(jx, wavelet):
    jax, jnp, bj = jx
    x = random((2, 3, 41), np.float32, seed=5)
    ref, ref_freqs = quiet(pywt.cwt, x, SCALES, wavelet, axis=1)
    eager, freqs = bj.cwt(jnp.asarray(x), SCALES, wavelet, axis=1)
    jitted = jax.jit(lambda t: bj.cwt(t, SCALES, wavelet, axis=1)[0])(jnp.asarray(x))
    for got in (eager, jitted):
        assert got.dtype == ref.dtype
        assert_close(got, ref, 1e-5)
    np.testing.assert_array_equal(freqs, ref_freqs)


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_jax_derivatives_are_pywts_matrix(jx, wavelet):
    jax, jnp, bj = jx
    with jax.enable_x64(True):
        n = 13
        A = pywt_matrix(wavelet, n)
        x = random(n, seed=6)
        t = random(n, seed=7)

        def f(u):
            return bj.cwt(u, SCALES, wavelet)[0]
        _, tangent = jax.jvp(f, (jnp.asarray(x),), (jnp.asarray(t),))
        assert_close(np.asarray(tangent).ravel(), A @ t)
        ct = random((len(SCALES), n), np.complex128 if A.imag.any() else np.float64, seed=8)
        (transposed,) = jax.linear_transpose(f, jnp.asarray(x))(jnp.asarray(ct))
        assert transposed.dtype == np.float64  # real data: real cotangent
        assert_close(transposed, np.real(A.T @ ct.ravel()))
        g = jax.jit(jax.grad(lambda u: jnp.sum(jnp.abs(f(u)) ** 2)))(jnp.asarray(x))
        assert_close(g, 2 * np.real(A.conj().T @ (A @ x)))
        z = random(n, np.complex128, seed=9)
        (tz,) = jax.linear_transpose(f, jnp.asarray(z))(jnp.asarray(ct.astype(np.complex128)))
        assert_close(tz, A.T @ ct.ravel())
        hvp = jax.jvp(jax.grad(lambda u: jnp.sum(jnp.abs(f(u)) ** 2)), (jnp.asarray(x),),
                      (jnp.asarray(t),))[1]
        assert_close(hvp, 2 * np.real(A.conj().T @ (A @ t)))


def test_jax_bad_scales_raise_at_the_call(jx):
    """A scale too small for pywt's sampling is a ValueError when the call is
    made (traced or not), not an error inside XLA's callback."""
    jax, jnp, bj = jx
    with pytest.raises(ValueError, match="too small"):
        bj.cwt(jnp.zeros(5), [0.01], "morl")
    with pytest.raises(ValueError, match="too small"):
        jax.jit(lambda x: bj.cwt(x, [0.01], "morl")[0])(jnp.zeros(5))


def test_jax_vmap_any_axis(jx):
    jax, jnp, bj = jx
    x = random((4, 30, 3), np.float32, seed=10)

    def f(u):
        return bj.cwt(u, [1, 3], "cmor1.5-1.0", axis=1)[0]
    mapped = jax.vmap(f, in_axes=2, out_axes=3)(jnp.asarray(x))
    assert_close(mapped, pywt.cwt(x, [1, 3], "cmor1.5-1.0", axis=1)[0], 1e-5)
    grads = jax.vmap(jax.grad(lambda u: jnp.sum(jnp.abs(f(u)) ** 2)), in_axes=2,
                     out_axes=2)(jnp.asarray(x))
    for i in range(3):
        expected = jax.grad(lambda u: jnp.sum(jnp.abs(f(u)) ** 2))(jnp.asarray(x[..., i]))
        assert_close(grads[..., i], expected, 1e-5)


def test_jax_half_precision(jx):
    jax, jnp, bj = jx
    x = jnp.asarray(random(64, np.float32, seed=11)).astype(jnp.bfloat16)
    assert bj.cwt(x, [2], "morl")[0].dtype == jnp.bfloat16
    assert bj.cwt(x, [2], "cmor1.5-1.0")[0].dtype == jnp.complex64


def test_jax_docstring_example_runs(jx):
    jax, jnp, bj = jx
    tests = doctest.DocTestFinder().find(bj.cwt, "cwt", globs={"cwt": bj.cwt})
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert tests[0].examples and runner.failures == 0


def test_example_recovers_a_signal_from_its_scalogram():
    """examples/scalogram_inversion.py: L-BFGS through the exact adjoint fits
    the scalogram and finds the signal (up to its sign)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "examples" / "scalogram_inversion.py"
    spec = importlib.util.spec_from_file_location("scalogram_inversion", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    x = example.chirps(512, "cpu")
    y, losses = example.invert(x, np.geomspace(1, 64, 48), steps=200, report=lambda line: None)
    assert losses[-1] < 1e-4 * losses[0]
    assert example.sign_free_error(y, x) < 0.1


# --- learned wavelets (parameters as arrays) ------------------------------------------------

LEARNED = [("cmor", (), 1.5, 1.0), ("shan", (), 0.7, 1.3), ("fbsp", (2,), 1.25, 0.5)]


def learned_name(family, lead, bandwidth, center):
    return family + "-".join(repr(v) for v in (*lead, float(bandwidth), float(center)))


def test_learnable_families_sample_where_pywt_does():
    from cuwavelet import _cwt
    for family, (names, integers, bounds) in _cwt.LEARNABLE.items():
        w = quiet(pywt.ContinuousWavelet, family)
        assert bounds == (w.lower_bound, w.upper_bound)
        assert len(names) == 2 + integers


@pytest.mark.parametrize("family, lead, bandwidth, center", LEARNED)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_learned_wavelets_are_pywts(family, lead, bandwidth, center, dtype, jx):
    """Parameters given as tensors / JAX arrays (values pywt rounds to
    float32: 0.7, 1.3) give pywt's coefficients of the wavelet they name."""
    jax, jnp, bj = jx
    x = random((2, 70), dtype, seed=30)
    scales = [0.4, 1, 2.5, 9, 40]
    expected = quiet(pywt.cwt, x, scales, learned_name(family, lead, bandwidth, center))[0]
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    got, freqs = bt.cwt(torch.from_numpy(x), scales,
                        (family, *lead, torch.tensor(bandwidth), torch.tensor(center)))
    assert freqs is None and got.dtype == getattr(torch, str(expected.dtype))
    assert_close(got.detach().numpy(), expected, tolerance)
    with jax.enable_x64(True):
        got, _ = bj.cwt(jnp.asarray(x), scales,
                        (family, *lead, jnp.asarray(bandwidth), jnp.asarray(center)))
        assert got.dtype == expected.dtype
        assert_close(got, expected, tolerance)


def central_derivative(f, at, h=2.0 ** -12):
    """Fourth-order central difference (h and the points exact in float32,
    where pywt keeps the parameters)."""
    return (f(at - 2 * h) - 8 * f(at - h) + 8 * f(at + h) - f(at + 2 * h)) / (12 * h)


@pytest.mark.parametrize("family, lead, bandwidth, center",
                         [("cmor", (), 1.5, 1.0), ("shan", (), 0.75, 1.25),
                          ("fbsp", (2,), 1.25, 0.5)])
def test_learned_parameters_gradients_are_pywts_central_differences(family, lead, bandwidth,
                                                                    center, jx):
    jax, jnp, bj = jx
    x = random((2, 60), seed=31)
    scales = [0.5, 1, 2.5, 9]
    weights = random((len(scales), 2, 60), np.complex128, seed=32)

    def loss_pywt(b, c):  # a real functional of the coefficients: Re <w, y>
        y = quiet(pywt.cwt, x, scales, learned_name(family, lead, b, c))[0]
        return float(np.real(np.vdot(weights, y)))
    expected = (central_derivative(lambda b: loss_pywt(b, center), bandwidth),
                central_derivative(lambda c: loss_pywt(bandwidth, c), center))

    b = torch.tensor(bandwidth, dtype=torch.float64, requires_grad=True)
    c = torch.tensor(center, dtype=torch.float64, requires_grad=True)
    y, _ = bt.cwt(torch.from_numpy(x), scales, (family, *lead, b, c))
    (y * torch.from_numpy(weights).conj()).real.sum().backward()
    scale = 1e-7 * np.abs(expected).max()  # (the differences' truncation: ~1e-8)
    np.testing.assert_allclose([float(b.grad), float(c.grad)], expected, rtol=0, atol=scale)

    def loss(b, c):
        y = bj.cwt(jnp.asarray(x), scales, (family, *lead, b, c))[0]
        return jnp.real(jnp.vdot(jnp.asarray(weights), y))
    with jax.enable_x64(True):
        grads = jax.jit(jax.grad(loss, argnums=(0, 1)))(jnp.asarray(bandwidth),
                                                       jnp.asarray(center))
    np.testing.assert_allclose([float(g) for g in grads], expected, rtol=0, atol=scale)


def test_learned_wavelets_gradient_in_the_data_and_capture():
    """The data's gradient is pywt's matrix's adjoint as with fixed wavelets;
    torch.compile(fullgraph=True) and torch.export record plain operations."""
    n, scales = 12, [0.5, 1, 3]
    A = pywt_matrix("cmor1.5-1.0", n, scales)
    b = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    c = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    x = torch.from_numpy(random(n, seed=33)).requires_grad_()
    y, _ = bt.cwt(x, scales, ("cmor", b, c))
    w = torch.from_numpy(random(tuple(y.shape), np.complex128, seed=34))
    (y * w.conj()).real.sum().backward()
    assert_close(x.grad.numpy(), np.real(A.conj().T @ w.numpy().ravel()))

    def f(x, b, c):
        return bt.cwt(x, scales, ("cmor", b, c))[0].abs().square().sum()
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    assert torch.allclose(compiled(x, b, c), f(x, b, c), rtol=1e-12)

    module = bt.CWT(scales, "cmor1.5-1.0", learnable=True, dtype=torch.float64)
    program = torch.export.export(module, (x.detach(),))
    assert not [n for n in program.graph.nodes if "cuwavelet" in str(n.target)]
    assert torch.allclose(program.module()(x.detach()), module(x.detach()), rtol=1e-12)


def test_a_module_learns_a_center_frequency():
    """CWT(learnable=True) fitted to the scalogram of a cmor1.5-1.25 transform,
    from cmor1.5-1.0: the center frequency moves to 1.25."""
    x = torch.from_numpy(random((4, 128), seed=35))
    scales = np.geomspace(1, 16, 12)
    target = torch.from_numpy(np.abs(pywt.cwt(x.numpy(), scales, "cmor1.5-1.25")[0]))
    module = bt.CWT(scales, "cmor1.5-1.0", learnable=True, dtype=torch.float64)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.02)
    for _ in range(150):
        optimizer.zero_grad()
        loss = (module(x).abs() - target).square().mean()
        loss.backward()
        optimizer.step()
    assert abs(float(module.center) - 1.25) < 0.01 and abs(float(module.bandwidth) - 1.5) < 0.05
    fixed = bt.CWT(scales, "morl")
    assert not list(fixed.parameters())
    np.testing.assert_array_equal(fixed.frequencies, pywt.cwt(x.numpy(), scales, "morl")[1])


def test_learned_wavelet_arguments_are_checked():
    x, b = torch.zeros(16), torch.tensor(1.0)
    with pytest.raises(ValueError, match="one of"):
        bt.cwt(x, [1], ("morl", b))
    with pytest.raises(ValueError, match="takes its parameters"):
        bt.cwt(x, [1], ("cmor", b))
    with pytest.raises(ValueError, match="positive integer"):
        bt.cwt(x, [1], ("fbsp", 1.5, b, b))
    with pytest.raises(ValueError, match="one of"):
        bt.CWT([1], "morl", learnable=True)


def test_learned_wavelets_are_sampled_on_their_bounds():
    """A learnable module made from a wavelet with bounds set, and a learnable
    wavelet object carrying bounds, sample the wavelet there, as pywt does."""
    w = pywt.ContinuousWavelet("cmor1.5-1.0")
    w.lower_bound, w.upper_bound = -1.0, 2.0
    x = torch.from_numpy(random((2, 80), seed=41))
    scales = [1, 2, 5]
    ref = pywt.cwt(x.numpy(), scales, w)[0]
    module = bt.CWT(scales, w, learnable=True, dtype=torch.float64)
    assert_close(module(x).detach().numpy(), ref)
    np.testing.assert_allclose(module.frequencies, pywt.cwt(x.numpy(), scales, w)[1])

    class Learnable:  # the attributes bt.cwt reads of such objects (ptwt's have them)
        short_family_name, lower_bound, upper_bound = "cmor", -1.0, 2.0
        bandwidth = torch.tensor(1.5, dtype=torch.float64)
        center = torch.tensor(1.0, dtype=torch.float64)
    assert_close(bt.cwt(x, scales, Learnable())[0].numpy(), ref)


def test_plain_parameters_of_any_size():
    """(family, *numbers) names pywt's wavelet with those values, however
    small; negative ones are refused (pywt has none: its name could not
    carry a sign)."""
    x = torch.from_numpy(random(64, seed=42))
    w = pywt.ContinuousWavelet("cmor1.5-1.0")
    w.center_frequency = 1e-5
    assert_close(bt.cwt(x, [1, 2], ("cmor", 1.5, 1e-5))[0].numpy(),
                 pywt.cwt(x.numpy(), [1, 2], w)[0])
    with pytest.raises(ValueError, match="positive"):
        bt.cwt(x, [1], ("cmor", 1.5, -1.0))


def test_ptwts_learnable_wavelets_are_learned():
    """An object whose bandwidth and center are tensors (ptwt's learnable
    wavelets) is learned, not read as pywt's wavelet of its name (which
    would drop its parameters' gradients): pywt's values for its parameters,
    and the gradients ptwt's own transform gives them."""
    continuous = pytest.importorskip("ptwt.continuous_transform")
    import ptwt
    kinds = [getattr(continuous, name, None) for name in ("_ComplexMorletWavelet",
                                                           "_ShannonWavelet")]
    if None in kinds:
        pytest.skip("this ptwt has no learnable continuous wavelets")
    x = torch.from_numpy(random((3, 100), seed=36))
    scales = np.arange(1, 9)
    for kind, name in zip(kinds, ("cmor1.5-1.0", "shan1.5-1.0")):
        ours, theirs = kind(name), kind(name)
        y, frequencies = bt.cwt(x, scales, ours)
        assert frequencies is None
        assert_close(y.detach().numpy(), pywt.cwt(x.numpy(), scales, name)[0])
        y.abs().square().sum().backward()
        ptwt.cwt(x, scales, theirs)[0].abs().square().sum().backward()
        for p, q in ((ours.bandwidth_par, theirs.bandwidth_par),
                     (ours.center_par, theirs.center_par)):
            assert p.grad is not None and float(p.grad) != 0
            np.testing.assert_allclose(float(p.grad), float(q.grad), rtol=1e-9)


def test_one_learned_wavelet_per_example_under_vmap(jx):
    jax, jnp, bj = jx
    x = random((2, 60), seed=37)
    scales, bandwidths = [0.5, 1, 2.5], [1.5, 2.0, 0.75]
    expected = [pywt.cwt(x, scales, f"cmor{b!r}-1.0")[0] for b in bandwidths]
    with jax.enable_x64(True):
        got = jax.vmap(lambda b: bj.cwt(jnp.asarray(x), scales, ("cmor", b, 1.0))[0])(
            jnp.asarray(bandwidths))
    center = torch.tensor(1.0, dtype=torch.float64)
    got_torch = torch.func.vmap(
        lambda b: bt.cwt(torch.from_numpy(x), scales, ("cmor", b, center))[0])(
        torch.tensor(bandwidths, dtype=torch.float64))
    for i, e in enumerate(expected):
        assert_close(got[i], e)
        assert_close(got_torch[i].numpy(), e)
