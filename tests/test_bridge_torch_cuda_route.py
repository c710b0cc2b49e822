"""The torch bridge's CUDA route, run without a GPU (tests/host_only_cuda.py):
the core's GPU plans run on the tensors' memory, their fused kernels on the
thread-block emulator with the GPU launches' own records. Values against
pywt, gradients against the CPU route's (proven exact elsewhere: explicit
matrices, dot-product tests), and the route itself: no CuPy view per call,
outputs with storages of their own."""
import numpy as np
import pytest
import pywt

torch = pytest.importorskip("torch")
bt = pytest.importorskip("bridges.torch")
pytest.importorskip("cupy")

from conftest import fused_kind, leaves  # noqa: E402
from host_only_cuda import host_only_cuda  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Level value of")

CASES = [  # (function, shape, wavelet, level): the bench workloads' shapes, smaller
    ("wavedec2", (2, 3, 40, 36), "db2", 3),
    ("wavedec2", (2, 37, 45), "db5", 2),
    ("wavedec", (3, 300), "db3", 4),
    ("wavedec", (2, 777), "db5", 5),
]
MODES = ["zero", "symmetric", "periodization", "reflect"]


def _flat(c):
    return [v for x in c for v in (x if isinstance(x, tuple) else (x,))]


def _scale(ref) -> float:
    return max(float(np.abs(v).max()) for v in leaves(ref))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn,shape,wavelet,level", CASES)
def test_forward_and_backward_on_the_cuda_route(fn, shape, wavelet, level, mode, dtype):
    rng = np.random.default_rng(len(shape) * 100 + level)
    x = rng.standard_normal(shape)
    ref = getattr(pywt, fn)(x, wavelet, mode, level=level)
    ref_flat = [ref[0]] + [d for level_d in ref[1:] for d in
                           (level_d if isinstance(level_d, tuple) else (level_d,))]
    cots = [torch.from_numpy(rng.standard_normal(r.shape)).to(dtype) for r in ref_flat]
    tol = 1e-11 if dtype == torch.float64 else 2e-5

    # the CPU route's gradient: the reference for the emulated CUDA route's
    x_cpu = torch.from_numpy(x).to(dtype).requires_grad_(True)
    (g_cpu,) = torch.autograd.grad(_flat(getattr(bt, fn)(x_cpu, wavelet, mode, level=level)),
                                   x_cpu, cots)

    xt = torch.from_numpy(x).to(dtype).requires_grad_(True)
    with host_only_cuda(emulate=True) as counts:
        counts.update(launches=0, views=0)
        out = _flat(getattr(bt, fn)(xt, wavelet, mode, level=level))
        (g,) = torch.autograd.grad(out, xt, cots)
        launches, views = counts["launches"], counts["views"]

    assert launches > 0 and views == 0  # the GPU plans ran, on the tensors themselves
    scale = _scale(ref)
    assert len(out) == len(ref_flat)
    for o, r in zip(out, ref_flat):
        assert o.dtype == dtype and tuple(o.shape) == r.shape
        np.testing.assert_allclose(o.detach().double().numpy(), r, rtol=0, atol=tol * scale)
    storages = {o.untyped_storage().data_ptr() for o in out}
    assert len(storages) == len(out)  # no output aliases another (the dispatcher's rule)
    g_scale = float(g_cpu.abs().max())
    np.testing.assert_allclose(g.double().numpy(), g_cpu.double().numpy(), rtol=0,
                               atol=tol * g_scale)


@pytest.mark.parametrize("fn,shape,level", [("wavedec2", (2, 3, 40, 36), 3),
                                            ("wavedec", (3, 300), 4)])
def test_learned_decomposition_runs_as_two_plans_on_the_cuda_route(fn, shape, level):
    """A learned bank's decomposition on the fused route: forward and
    backward one plan each, on the tensors themselves (no CuPy view), one
    launch per analysis forward and, backward, per split an adjoint and a
    filter gradient (reduction and sum, the sum added into the axis's
    gradient: no launch of its own). (host_only_cuda emulates the fused kernels only: the values of
    this route are checked on the CPU, tests/test_bridge_torch_learnable.py;
    its kernels are the per-operation route's.)"""
    x = torch.zeros(shape, dtype=torch.float32, requires_grad=True)
    bank = tuple(torch.tensor(f, dtype=torch.float32, requires_grad=True)
                 for f in pywt.Wavelet("db3").filter_bank)
    k = 2 if fn == "wavedec2" else 1  # (axes)
    splits = level * (2 ** k - 1)  # (each level splits 1 + 2 + ... + 2**(k-1) nodes)
    with host_only_cuda(emulate=False) as counts:
        for _ in range(2):  # recorded, then replayed
            counts.update(launches=0, views=0)
            out = _flat(getattr(bt, fn)(x, bank, "symmetric", level=level))
            forward = counts["launches"]
            grads = torch.autograd.grad(out, (x, *bank[:2]), [torch.ones_like(o) for o in out])
            assert forward == splits and counts["views"] == 0
            assert counts["launches"] - forward == 3 * splits
    assert fused_kind(out[0]) == "Wavedec"
    assert len({o.untyped_storage().data_ptr() for o in out}) == len(out)
    assert [tuple(g.shape) for g in grads] == [shape, (6,), (6,)]


@pytest.mark.parametrize("fn,shape,wavelet,level", [("waverec2", (2, 40, 36), "db2", 3),
                                                    ("waverec", (3, 304), "db3", 4)])
@pytest.mark.parametrize("mode", ["zero", "periodization", "symmetric"])
def test_inverse_and_its_backward_on_the_cuda_route(fn, shape, wavelet, level, mode):
    rng = np.random.default_rng(7)
    dec = "wavedec2" if fn == "waverec2" else "wavedec"
    c_np = getattr(pywt, dec)(rng.standard_normal(shape), wavelet, mode, level=level)
    ref = getattr(pywt, fn)(c_np, wavelet, mode)
    cot = torch.from_numpy(rng.standard_normal(ref.shape))

    def coeffs():
        return [torch.from_numpy(c_np[0]).requires_grad_(True)] + [
            tuple(torch.from_numpy(d).requires_grad_(True) for d in level_d)
            if isinstance(level_d, tuple) else torch.from_numpy(level_d).requires_grad_(True)
            for level_d in c_np[1:]]

    c_cpu = coeffs()
    g_cpu = torch.autograd.grad(getattr(bt, fn)(c_cpu, wavelet, mode), _flat(c_cpu), cot)
    c = coeffs()
    with host_only_cuda(emulate=True) as counts:
        counts.update(launches=0, views=0)
        y = getattr(bt, fn)(c, wavelet, mode)
        g = torch.autograd.grad(y, _flat(c), cot)
        launches, views = counts["launches"], counts["views"]
    assert launches > 0 and views == 0
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=0,
                               atol=1e-11 * float(np.abs(ref).max()))
    for a, b in zip(g, g_cpu):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0,
                                   atol=1e-11 * float(b.abs().max()))


def test_the_harness_leaves_no_plan_behind():
    """Plans recorded with the emulated kernels must not serve a later call."""
    from cuwavelet import _program
    with host_only_cuda(emulate=False):
        bt.wavedec2(torch.zeros(2, 32, 32), "db2", level=2)
        assert _program.cache_info()["plans"] > 0
    assert _program.cache_info()["plans"] == 0


def test_host_cost_benchmark_runs_end_to_end(capsys):
    """benchmarks/bench_torch_host.py: both routes run and the direct one makes no view."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_torch_host
    bench_torch_host.main(["--workloads", "W3", "L3", "--modes", "zero", "--repeats", "1"])
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("W3 zero")]
    assert len(rows) == 2
    for row in rows:  # "... launches, empties, views -> launches, empties, 0"
        before, after = row.split("->")
        assert after.split(",")[2].strip() == "0" and int(before.split(",")[-1]) > 0
    learned = [line.split() for line in out if line.startswith("L3 zero")]
    assert len(learned) == 2 and all(float(r[3]) > 0 and float(r[4]) > 0 for r in learned)


_BASE = torch.from_numpy(np.random.default_rng(3).standard_normal((4, 6, 40)))
LAYOUTS = {  # tensors the CUDA route must take as they are
    "empty batch": lambda: torch.zeros(0, 40, 40, dtype=torch.float64),
    "transposed": lambda: _BASE.transpose(0, 2).contiguous().transpose(0, 2),
    "strided": lambda: _BASE[:, ::2, 3:35],
    "expanded": lambda: _BASE[:1, :5].expand(3, 5, 40),
    "complex": lambda: torch.complex(_BASE, -2 * _BASE),
    "conjugate view": lambda: torch.complex(_BASE, _BASE.flip(1)).conj(),
    "float32": lambda: _BASE.float(),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_cuda_route_takes_any_layout(layout):
    """The CUDA route's results equal the CPU route's (pywt-checked elsewhere)
    for strided, expanded, complex and conjugated tensors."""
    x = LAYOUTS[layout]()
    ref = _flat(bt.wavedec2(x, "db2", "symmetric", level=2))
    with host_only_cuda(emulate=True) as counts:
        counts.update(views=0)
        got = _flat(bt.wavedec2(x, "db2", "symmetric", level=2))
        views = counts["views"]
    assert views == 0
    scale = max([1.0] + [float(r.abs().max()) for r in ref if r.numel()])
    tol = 1e-5 if x.dtype == torch.float32 else 1e-12
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype
        if r.numel():
            assert float((g - r).abs().max()) <= tol * scale


STATIONARY_AND_PACKETS = {  # forward and backward of every stationary and packet op
    "swt": lambda x: bt.swt(x, "db2", level=2),
    "swt2": lambda x: bt.swt2(x, "db2", level=2),
    "iswt": lambda x: bt.iswt(bt.swt(x, "db2", level=2, trim_approx=True), "db2"),
    "iswt2": lambda x: bt.iswt2(bt.swt2(x, "db2", level=1), "db2"),
    "packets": lambda x: bt.packet_reconstruct(bt.packet_decompose(x, "db2", level=2), "db2"),
    "packets 2D": lambda x: bt.packet_reconstruct(
        bt.packet_decompose(x, "db2", level=1, axes=(-2, -1)), "db2", axes=(-2, -1)),
}


@pytest.mark.parametrize("name", list(STATIONARY_AND_PACKETS))
def test_stationary_and_packet_ops_run_their_plans_on_the_tensors(monkeypatch, name):
    """The stationary and packet level functions are planned: on the CUDA
    route they run on the tensors' memory (never the route that views every
    tensor as a CuPy array), and the SWT and its inverse view nothing at
    all (every subband a buffer of its own)."""
    from bridges import _torch_ops as ops

    def refused(*args):
        raise AssertionError("the views route was taken")
    call = STATIONARY_AND_PACKETS[name]
    x = torch.randn(2, 16, 32, dtype=torch.float64, requires_grad=True)
    with host_only_cuda(emulate=False) as counts:
        monkeypatch.setattr(ops._Scope, "call_on_views", refused)
        for _ in range(3):  # recorded, compiled, replayed
            counts.update(launches=0, views=0)
            torch.autograd.grad(sum(t.sum() for t in leaves(call(x))), x)
            launches, views = counts["launches"], counts["views"]
    assert launches > 0
    if not name.startswith("packets"):
        assert views == 0


def test_learned_operations_replay_with_each_calls_filters():
    """The learned level operations and the filters' gradients run as plans
    on the CUDA route (no CuPy view): a replay must launch with the filters
    and arrays of its own call, not the ones the plan was recorded with."""
    from bridges import _torch_ops as ops
    from cuwavelet._backends import cuda as cuda_backend
    launched = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def __call__(self, grid, block, args, shared_mem=0, stream=None):
            launched.append((self.name, args))
    x = torch.zeros(3, 40, dtype=torch.float64)
    banks = [torch.randn(2, 6, dtype=torch.float64) for _ in range(3)]
    with host_only_cuda(emulate=False) as counts:
        cuda_backend.KernelModule.function = lambda self, name: Recorder(name)
        counts.update(views=0)
        for f in banks:  # one layout: recorded once, then replayed
            launched.clear()
            a, d = ops.ANALYSIS((1, 2), x, f)
            (y,) = ops.SYNTHESIS((1, 2), a, d, f)
            signal = torch.randn(3, 40, dtype=torch.float64)  # a new one each call
            ops.ANALYSIS_FILTER_GRAD((1, 2, 6, False), signal, a, d)
            per_axis = [args for name, args in launched if name.startswith("dwt_kernel")]
            assert len(per_axis) == 2
            for args in per_axis:  # (geometry, signal, lo, hi, f_lo, f_hi, taps)
                assert (int(args[4]), int(args[5])) == (f.data_ptr(), f.data_ptr() + 6 * 8)
            (grad_args,) = [args for name, args in launched if name.startswith("filter_grad_kernel")]
            # (geometry, items record, chunks, taps, signal, lo, hi, partial sums)
            assert (int(grad_args[4]), int(grad_args[5]), int(grad_args[6])) == \
                (signal.data_ptr(), a.data_ptr(), d.data_ptr())
        assert counts["views"] == 0
    assert y.shape == x.shape


def test_learned_round_trip_makes_no_view_on_the_cuda_route():
    """waverec2 of wavedec2 with a learned bank (both fused) and its backward:
    the tensors go to the core as they are, and a replay launches as much as
    the recording did."""
    x = torch.zeros((2, 3, 40, 37), dtype=torch.float32, requires_grad=True)
    bank = tuple(torch.tensor(f, dtype=torch.float32, requires_grad=True)
                 for f in pywt.Wavelet("db2").filter_bank)
    seen = []
    with host_only_cuda(emulate=False) as counts:
        for _ in range(2):
            counts.update(launches=0, views=0)
            y = bt.waverec2(bt.wavedec2(x, bank, "reflect", level=3), bank, "reflect")
            grads = torch.autograd.grad(y, (x, *bank), torch.ones_like(y))
            seen.append((counts["launches"], counts["views"]))
    assert fused_kind(y) == "Waverec"
    assert seen[0] == seen[1] and seen[0][0] > 0 and seen[0][1] == 0
    assert tuple(y.shape) == (2, 3, 40, 38) and [tuple(g.shape) for g in grads[1:]] == [(4,)] * 4


@pytest.mark.parametrize("mode", ["symmetric", "periodic"])
def test_wavedec2_backward_keeps_a1_cotangent_on_chip_in_the_modes_that_fold(mode):
    """The backward of a 2-level wavedec2 in a mode that folds, planned on the
    tensors' stand-ins (the GPU plan): the level-2 adjoint on a ring of a1's
    cotangent, the level-1 adjoint on the image's edge ring, the two-level
    synthesis on the interior; the gradient equals the CPU route's."""
    from cuwavelet import _program
    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 300, 280))
    ref = pywt.wavedec2(x, "db2", mode, level=2)
    cots = [torch.from_numpy(rng.standard_normal(r.shape)).float() for r in leaves(ref)]
    x_cpu = torch.from_numpy(x).float().requires_grad_(True)
    (g_cpu,) = torch.autograd.grad(_flat(bt.wavedec2(x_cpu, "db2", mode, level=2)), x_cpu, cots)
    xt = torch.from_numpy(x).float().requires_grad_(True)
    with host_only_cuda(emulate=True):
        out = _flat(bt.wavedec2(xt, "db2", mode, level=2))
        with _program.counting(sample=False) as found:
            (g,) = torch.autograd.grad(out, xt, cots)
    assert [e["kind"] for e in found] == ["dwt2", "dwt2", "idwt2_two_levels"]
    np.testing.assert_allclose(g.numpy(), g_cpu.numpy(), rtol=0,
                               atol=2e-5 * float(g_cpu.abs().max()))
