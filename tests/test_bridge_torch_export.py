"""bridges.torch.portable(): transforms captured as plain torch operations.

Every program here is captured by torch.export inside portable(), must hold
no cuwavelet operation, and is run by torch alone (the exported module; ONNX
Runtime where installed), its values checked against pywt's, learned banks'
against pywt with a Wavelet made of the same filters."""
import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")

import cuwavelet as cw  # noqa: E402
from bridges import torch as bt  # noqa: E402
from conftest import (assert_dwt_and_idwt_every_length, assert_same_structure,  # noqa: E402
                      pywt_matrix, quiet, random, requires_torch_cuda)

MODES = list(pywt.Modes.modes)


def exported(fn, *inputs):
    """fn captured by torch.export inside portable(), as a callable module."""
    class Model(torch.nn.Module):
        def forward(self, *xs):
            return fn(*xs)
    with bt.portable():
        program = torch.export.export(Model(), tuple(inputs))
    assert_portable(program)
    return program.module()


def assert_portable(program):
    targets = [str(node.target) for node in program.graph.nodes]
    assert not [t for t in targets if "cuwavelet" in t], targets


def tensors(structure):
    """A pywt structure with its arrays as tensors."""
    if isinstance(structure, dict):
        return {k: tensors(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(tensors(v) for v in structure)
    return None if structure is None else torch.from_numpy(np.ascontiguousarray(structure))


def tensors_to_numpy(structure):
    if isinstance(structure, dict):
        return {k: tensors_to_numpy(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(tensors_to_numpy(v) for v in structure)
    return structure.detach().numpy()


def run_exported(fn, *arrays):
    inputs = [torch.from_numpy(a) for a in arrays]
    return exported(fn, *inputs)(*inputs)


@pytest.mark.parametrize("mode", MODES)
def test_dwt_and_idwt_every_mode_and_length(mode):
    assert_dwt_and_idwt_every_length(
        lambda fn, *arrays: tensors_to_numpy(run_exported(fn, *arrays)), bt, mode)


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization", "smooth",
                                  "antireflect"])
def test_multilevel_transforms_in_one_two_and_three_axes(mode):
    x = random((2, 13, 10, 6), np.float32, seed=1)
    cases = [
        (lambda x: bt.wavedec(x, "db2", mode=mode, level=2),
         lambda x: pywt.wavedec(x, "db2", mode=mode, level=2)),
        (lambda x: bt.wavedec2(x, "sym3", mode=mode, level=2),
         lambda x: pywt.wavedec2(x, "sym3", mode=mode, level=2)),
        (lambda x: bt.wavedecn(x, "db2", mode=mode, level=1, axes=(0, 1, 3)),
         lambda x: pywt.wavedecn(x, "db2", mode=mode, level=1, axes=(0, 1, 3))),
        (lambda x: bt.dwt2(x, "haar", mode=mode, axes=(1, 3)),
         lambda x: pywt.dwt2(x, "haar", mode=mode, axes=(1, 3))),
    ]
    for ours, theirs in cases:
        got = run_exported(ours, x)
        assert_same_structure(tensors_to_numpy(got), theirs(x), 1e-5)


@pytest.mark.parametrize("mode", ["zero", "symmetric", "periodization", "reflect"])
def test_inverses_with_absent_coefficients(mode):
    x = random((3, 21, 18), seed=2)
    c1 = pywt.wavedec(x, "db3", mode=mode, level=3)
    inverse = exported(lambda a, d2, d1: bt.waverec([a, None, d2, d1], "db3", mode=mode),
                       *tensors([c1[0], c1[2], c1[3]]))
    assert_same_structure(inverse(*tensors([c1[0], c1[2], c1[3]])).numpy(),
                          pywt.waverec([c1[0], None, c1[2], c1[3]], "db3", mode=mode), 1e-12)
    c2 = pywt.wavedec2(x, "db2", mode=mode, level=2)
    expected = pywt.waverec2([c2[0], (None, c2[1][1], None), c2[2]], "db2", mode=mode)
    inverse = exported(lambda a, v, h1, v1, d1: bt.waverec2([a, (None, v, None), (h1, v1, d1)],
                                                             "db2", mode=mode),
                       *tensors([c2[0], c2[1][1], *c2[2]]))
    assert_same_structure(inverse(*tensors([c2[0], c2[1][1], *c2[2]])).numpy(), expected, 1e-12)
    cn = pywt.dwtn(x, "db2", mode=mode, axes=(0, 2))
    keys = ["aa", "da", "dd"]
    expected = pywt.idwtn({k: cn[k] for k in keys}, "db2", mode=mode, axes=(0, 2))
    inverse = exported(lambda *c: bt.idwtn(dict(zip(keys, c)), "db2", mode=mode, axes=(0, 2)),
                       *tensors([cn[k] for k in keys]))
    assert_same_structure(inverse(*tensors([cn[k] for k in keys])).numpy(), expected, 1e-12)


def test_stationary_transforms():
    x = random((3, 16), seed=3)
    for wavelet in ("haar", "db2", "sym4"):
        assert_same_structure(
            tensors_to_numpy(run_exported(lambda x: bt.swt(x, wavelet, level=3), x)),
            pywt.swt(x, wavelet, level=3), 1e-12)
        assert_same_structure(
            tensors_to_numpy(run_exported(
                lambda x: bt.swt(x, wavelet, level=2, start_level=1, norm=True), x)),
            pywt.swt(x, wavelet, level=2, start_level=1, norm=True), 1e-12)
        coeffs = pywt.swt(x, wavelet, level=3)
        flat = [c for pair in coeffs for c in pair]
        got = run_exported(lambda *c: bt.iswt(list(zip(c[::2], c[1::2])), wavelet), *flat)
        assert_same_structure(got.numpy(), pywt.iswt(coeffs, wavelet), 1e-12)
    image = random((2, 8, 12), seed=4)
    assert_same_structure(tensors_to_numpy(run_exported(lambda x: bt.swt2(x, "db2", 2), image)),
                          pywt.swt2(image, "db2", 2), 1e-12)
    coeffs = pywt.swt2(image, "db2", 2)
    flat = [c for a, details in coeffs for c in (a, *details)]
    got = run_exported(lambda *c: bt.iswt2([(c[0], c[1:4]), (c[4], c[5:8])], "db2"), *flat)
    assert_same_structure(got.numpy(), pywt.iswt2(coeffs, "db2"), 1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_pad(mode):
    x = random((3, 4, 5), seed=5)
    widths = ((1, 2), (7, 3), (4, 1))  # wider than the data along the middle axis
    got = run_exported(lambda x: bt.pad(x, widths, mode), x)
    assert_same_structure(got.numpy(), pywt.pad(x, widths, mode), 1e-12)


def test_packets_mra_and_single_subbands():
    x = random((4, 12, 10), seed=6)
    nodes = cw.packet_decompose(x, "db2", level=2, axes=(-2, -1))
    got = run_exported(lambda x: bt.packet_decompose(x, "db2", level=2, axes=(-2, -1)), x)
    assert_same_structure(tensors_to_numpy(got), nodes, 1e-12)
    keys = list(nodes)
    got = run_exported(lambda *v: bt.packet_reconstruct(dict(zip(keys, v)), "db2",
                                                        axes=(-2, -1), data_shape=x.shape),
                       *[nodes[k] for k in keys])
    assert_same_structure(got.numpy(), x, 1e-12)
    signal = random((2, 30), seed=7)
    for transform in ("dwt", "swt"):
        s = signal[:, :32] if transform == "dwt" else np.pad(signal, ((0, 0), (0, 2)))
        got = run_exported(lambda x: bt.mra(x, "db2", level=2, transform=transform), s)
        assert_same_structure(tensors_to_numpy(got),
                              pywt.mra(s, "db2", level=2, transform=transform), 1e-12)
    got = run_exported(lambda x: bt.downcoef("d", x, "db2", level=2), signal[0])
    assert_same_structure(got.numpy(), pywt.downcoef("d", signal[0], "db2", level=2), 1e-12)
    c = signal[0, :9]
    got = run_exported(lambda c: bt.upcoef("a", c, "db2", level=2, take=20), c)
    assert_same_structure(got.numpy(), pywt.upcoef("a", c, "db2", level=2, take=20), 1e-12)


def test_complex_and_half_precision():
    x = random((2, 17), np.complex128, seed=8)
    got = run_exported(lambda x: bt.wavedec(x, "db3", mode="reflect", level=2), x)
    assert_same_structure(tensors_to_numpy(got), pywt.wavedec(x, "db3", mode="reflect", level=2),
                          1e-12)
    h = torch.from_numpy(random((2, 16, 16), np.float32, seed=9)).half()
    got = exported(lambda x: bt.dwt2(x, "db2"), h)(h)
    assert got[0].dtype == torch.float16
    expected = pywt.dwt2(h.float().numpy(), "db2")
    assert_same_structure((got[0].float().numpy(), tuple(d.float().numpy() for d in got[1])),
                          expected, 2e-3)


def perturbed(module, seed=0):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=generator, dtype=p.dtype))
    return module.eval()


def as_wavelet(module):
    """pywt's Wavelet of a learnable module's current filters."""
    bank = [f.detach().cpu().numpy().tolist() for f in module.filter_bank]
    return pywt.Wavelet("learned", filter_bank=bank)


def test_learned_filter_banks_are_pywts_with_the_same_filters():
    x = torch.from_numpy(random((3, 40), seed=10))
    dwt = perturbed(bt.DWT1D("db2", level=3, learnable=True, mode="periodization",
                             dtype=torch.float64))
    with bt.portable():
        program = torch.export.export(dwt, (x,))
    assert_portable(program)
    # the filters are parameters of the program, not constants
    assert {name for name, _ in program.named_parameters()} >= {"dec_lo", "dec_hi"}
    coeffs = program.module()(x)
    expected = pywt.wavedec(x.numpy(), as_wavelet(dwt), mode="periodization", level=3)
    assert_same_structure(tensors_to_numpy(coeffs), expected, 1e-12)

    idwt = perturbed(bt.IDWT1D("db2", learnable=True, mode="symmetric", dtype=torch.float64), 1)
    c = [t.detach() for t in bt.wavedec(x, "db2", level=2)]
    with bt.portable():
        program = torch.export.export(idwt, (c,))
    assert_portable(program)
    assert_same_structure(program.module()(c).detach().numpy(),
                          pywt.waverec([t.numpy() for t in c], as_wavelet(idwt)), 1e-12)

    swt = perturbed(bt.SWT1D("db2", level=2, learnable=True, dtype=torch.float64), 2)
    with bt.portable():
        program = torch.export.export(swt, (x[:, :32],))
    assert_portable(program)
    assert_same_structure(tensors_to_numpy(program.module()(x[:, :32])),
                          pywt.swt(x[:, :32].numpy(), as_wavelet(swt), level=2), 1e-12)


def test_lattice_module():
    dwt = perturbed(bt.DWT2D("db2", level=2, learnable="lattice", dtype=torch.float64))
    x = torch.from_numpy(random((2, 16, 12), seed=11))
    with bt.portable():
        program = torch.export.export(dwt, (x,))
    assert_portable(program)
    assert_same_structure(tensors_to_numpy(program.module()(x)),
                          pywt.wavedec2(x.numpy(), as_wavelet(dwt), level=2), 1e-12)


def test_gradients_through_the_captured_graph_are_pywts_transposes():
    shape = (2, 9)
    matrix = pywt_matrix(lambda x: pywt.wavedec(x, "db2", mode="smooth", level=2), shape)
    module = exported(lambda x: bt.wavedec(x, "db2", mode="smooth", level=2),
                      torch.zeros(shape, dtype=torch.float64))
    x = torch.from_numpy(random(shape, seed=12)).requires_grad_()
    coeffs = module(x)
    cotangents = [torch.from_numpy(random(tuple(c.shape), seed=13 + i))
                  for i, c in enumerate(coeffs)]
    (grad,) = torch.autograd.grad(coeffs, x, cotangents)
    flat = np.concatenate([np.ravel(g.numpy()) for g in cotangents])
    np.testing.assert_allclose(grad.numpy(), (matrix.T @ flat).reshape(shape), atol=1e-12)


def test_other_captures_record_plain_operations_and_eager_calls_are_unchanged():
    x = torch.from_numpy(random((2, 20, 20), seed=14))
    expected = pywt.wavedec2(x.numpy(), "db2", level=2)[0]
    fn = lambda x: bt.wavedec2(x, "db2", level=2)[0]  # noqa: E731
    with bt.portable():
        traced = torch.jit.trace(fn, (x,))
        eager = fn(x)
        assert eager.grad_fn is None
    assert "cuwavelet" not in str(traced.graph)
    np.testing.assert_allclose(traced(x).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(eager.numpy(), expected, atol=1e-12)
    # outside the context (or with enabled=False) the capture records the operation again
    assert "cuwavelet" in str(torch.jit.trace(fn, (x,)).graph)
    with bt.portable(enabled=False):
        assert "cuwavelet" in str(torch.jit.trace(fn, (x,)).graph)


def test_strict_export_and_compile():
    class Model(torch.nn.Module):
        def forward(self, x):
            return bt.wavedec(x, "sym4", mode="antisymmetric", level=2)
    x = torch.from_numpy(random((2, 25), seed=15))
    expected = pywt.wavedec(x.numpy(), "sym4", mode="antisymmetric", level=2)
    with bt.portable():
        program = torch.export.export(Model(), (x,), strict=True)
        compiled = torch.compile(Model(), fullgraph=True, backend="aot_eager")
        assert_same_structure(tensors_to_numpy(compiled(x)), expected, 1e-12)
    assert_portable(program)
    assert_same_structure(tensors_to_numpy(program.module()(x)), expected, 1e-12)


def test_onnx_runtime_runs_a_denoiser_and_a_learned_bank(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")

    class Denoise(torch.nn.Module):
        def forward(self, x):
            a, *details = bt.wavedec2(x, "db4", mode="symmetric", level=3)
            details = [tuple(bt.threshold(d, 0.1, "soft") for d in lvl) for lvl in details]
            return bt.waverec2([a, *details], "db4", mode="symmetric")

    def onnx_outputs(model, x, dynamo=True):
        path = str(tmp_path / "model.onnx")
        with bt.portable():
            quiet(torch.onnx.export, model, (x,), path, dynamo=dynamo, verbose=False)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return session.run(None, {session.get_inputs()[0].name: x.numpy()})

    x = torch.from_numpy(random((2, 3, 64, 48), np.float32, seed=16))
    c = pywt.wavedec2(x.numpy(), "db4", mode="symmetric", level=3)
    c = [c[0]] + [tuple(pywt.threshold(d, 0.1, "soft") for d in lvl) for lvl in c[1:]]
    for dynamo in (True, False):  # (False: the TorchScript exporter)
        (got,) = onnx_outputs(Denoise(), x, dynamo)
        assert_same_structure(got, pywt.waverec2(c, "db4", mode="symmetric"), 1e-5)

    dwt = perturbed(bt.DWT1D("db2", level=3, learnable=True, mode="periodization"))
    x = torch.from_numpy(random((4, 100), np.float32, seed=17))
    expected = pywt.wavedec(x.numpy(), as_wavelet(dwt), mode="periodization", level=3)
    assert_same_structure(onnx_outputs(dwt, x), expected, 1e-5)

    class Wavedec(torch.nn.Module):  # float64 (ONNX Runtime has no float64 convolution)
        def forward(self, x):
            return bt.wavedec(x, "sym4", mode="antireflect", level=2)
    x = torch.from_numpy(random((3, 57), seed=18))
    assert_same_structure(onnx_outputs(Wavedec(), x),
                          pywt.wavedec(x.numpy(), "sym4", mode="antireflect", level=2), 1e-12)


@requires_torch_cuda()
def test_on_cuda_the_program_runs_on_the_device():
    x = torch.from_numpy(random((4, 3, 40, 36), np.float32, seed=18)).cuda()
    got = exported(lambda x: bt.wavedec2(x, "sym4", mode="periodization", level=2), x)(x)
    assert {t.device.type for level in got[1:] for t in (got[0], *level)} == {"cuda"}
    assert_same_structure(tensors_to_numpy(to_cpu(got)),
                          pywt.wavedec2(x.cpu().numpy(), "sym4", mode="periodization", level=2),
                          1e-5)
    dwt = perturbed(bt.DWT2D("db3", level=2, learnable=True, mode="reflect")).cuda()
    with bt.portable():
        program = torch.export.export(dwt, (x,))
    assert_portable(program)
    assert_same_structure(tensors_to_numpy(to_cpu(program.module()(x))),
                          pywt.wavedec2(x.cpu().numpy(), as_wavelet(dwt), mode="reflect", level=2),
                          1e-5)


def to_cpu(structure):
    if isinstance(structure, (list, tuple)):
        return type(structure)(to_cpu(v) for v in structure)
    return structure.cpu()


def test_example_trains_a_denoiser_and_runs_it_in_onnx_runtime(tmp_path):
    pytest.importorskip("onnxscript")
    pytest.importorskip("onnxruntime")
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "examples" / "export_onnx.py"
    spec = importlib.util.spec_from_file_location("export_onnx", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model, history = example.train(steps=40, report=lambda line: None)
    assert sum(history[-5:]) < 0.5 * sum(history[:5])
    lines = []
    assert example.export_and_run(model, str(tmp_path / "denoiser.onnx"), lines.append) < 1e-5
    assert "ONNX Runtime ran" in lines[0]


def test_aot_inductor_compiles_the_program(tmp_path):
    class Model(torch.nn.Module):
        def forward(self, x):
            return bt.wavedec2(x, "db2", mode="reflect", level=2)
    x = torch.from_numpy(random((2, 32, 24), np.float32, seed=20))
    with bt.portable():
        program = torch.export.export(Model(), (x,))
    path = torch._inductor.aoti_compile_and_package(program,
                                                    package_path=str(tmp_path / "model.pt2"))
    got = torch._inductor.aoti_load_package(path)(x)
    assert_same_structure(tensors_to_numpy(got),
                          pywt.wavedec2(x.numpy(), "db2", mode="reflect", level=2), 1e-5)


@pytest.mark.parametrize("wavelet", ["morl", "gaus3", "cmor1.5-1.0", "fbsp2-1.0-0.5"])
def test_cwt(wavelet):
    """Values (float32, float64, complex data; an inner axis; scales below a
    sample and past the data's length), gradients (the real part of pywt's
    conjugate transpose for real data), strict export and compile."""
    scales = [0.4, 1, 2.5, 9, 60]
    for dtype in (np.float32, np.float64, np.complex128):
        x = random((2, 37, 3), dtype, seed=21)
        expected = quiet(pywt.cwt, x, scales, wavelet, axis=1)[0]
        got = run_exported(lambda t: bt.cwt(t, scales, wavelet, axis=1)[0], x).detach().numpy()
        assert got.dtype == expected.dtype
        tolerance = 3e-5 if dtype == np.float32 else 1e-12  # (pywt's float32 sums)
        np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance * np.abs(expected).max())
    n = 13
    matrix = np.stack([quiet(pywt.cwt, e.astype(np.complex128), scales, wavelet)[0].ravel()
                       for e in np.eye(n)], axis=1)
    module = exported(lambda t: bt.cwt(t, scales, wavelet)[0], torch.zeros(n, dtype=torch.float64))
    x = torch.from_numpy(random(n, seed=22)).requires_grad_()
    y = module(x)
    cotangent = torch.from_numpy(random(tuple(y.shape), np.complex128 if y.is_complex()
                                        else np.float64, seed=23))
    (grad,) = torch.autograd.grad(y, x, cotangent)
    np.testing.assert_allclose(grad.numpy(), np.real(matrix.conj().T @ cotangent.numpy().ravel()),
                               rtol=0, atol=1e-12 * np.abs(matrix).max() * n)

    class Model(torch.nn.Module):
        def forward(self, t):
            return bt.cwt(t, scales, wavelet)[0]
    x = torch.from_numpy(random((3, 40), seed=24))
    expected = quiet(pywt.cwt, x.numpy(), scales, wavelet)[0]
    with bt.portable():
        program = torch.export.export(Model(), (x,), strict=True)
        compiled = torch.compile(Model(), fullgraph=True, backend="aot_eager")
        np.testing.assert_allclose(compiled(x).numpy(), expected, rtol=0, atol=1e-12)
    assert_portable(program)
    np.testing.assert_allclose(program.module()(x).numpy(), expected, rtol=0, atol=1e-12)


def test_cwt_scalograms_in_onnx_runtime(tmp_path):
    """Real and complex wavelets (their coefficients' magnitude: ONNX
    Runtime's tensors are real) through the dynamo exporter. Its DFT is less
    exact than torch's FFTs: float32 to ~1e-5 of the largest value, float64
    to ~1e-8."""
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")

    class Scalogram(torch.nn.Module):
        def __init__(self, wavelet):
            super().__init__()
            self.wavelet = wavelet

        def forward(self, x):
            return bt.cwt(x, [0.5, 1, 3, 8.5], self.wavelet)[0].abs()

    for wavelet in ("mexh", "cmor1.5-1.0"):
        for dtype, tolerance in ((np.float32, 5e-5), (np.float64, 1e-7)):
            x = torch.from_numpy(random((2, 45), dtype, seed=25))
            path = str(tmp_path / "model.onnx")
            with bt.portable():
                quiet(torch.onnx.export, Scalogram(wavelet), (x,), path, dynamo=True,
                      verbose=False)
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
            expected = np.abs(pywt.cwt(x.numpy(), [0.5, 1, 3, 8.5], wavelet)[0])
            np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance * expected.max())
