"""What a program captured inside bridges.torch.portable() costs to run, next to
pywt and the bridge itself, on the CPU, in one process, calls interleaved
round by round. Prints medians and ratios to pywt.

    python benchmarks/bench_portable.py [--rounds N] [--quick] [--jax]

Each workload is captured once with torch.export inside portable(), then run
four ways on the same input: pywt; the bridge (cuwavelet's kernels); the
exported program in torch (gathers and convolutions, no cuwavelet); and,
where onnx, onnxscript and onnxruntime are installed, the same program
exported to ONNX and run by ONNX Runtime's CPU provider. With --jax, pywt
against bridges.jax under jax.jit (the kernels, through XLA's buffers) and
the program jax.export serializes inside bridges.jax.portable(), read back
and called (a process of its own: XLA's threads and torch's share 2 cores
badly). Every output is checked against pywt's before timing. Workloads: W1's wavedec (256, 4096)
db4 L5 symmetric and W3's wavedec2 (16, 3, 256, 256) db2 L3 (float32 here),
and a denoiser (wavedec2, soft thresholds, waverec2) on W3's images.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pywt
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bridges.torch as bt  # noqa: E402
from bench_discrete import interleaved  # noqa: E402


def denoise_pywt(x):
    a, *details = pywt.wavedec2(x, "db2", mode="symmetric", level=3)
    details = [tuple(pywt.threshold(d, 0.1, "soft") for d in lvl) for lvl in details]
    return pywt.waverec2([a, *details], "db2", mode="symmetric")


def denoise_jax(x):
    import bridges.jax as bj
    a, *details = bj.wavedec2(x, "db2", mode="symmetric", level=3)
    details = [tuple(bj.threshold(d, 0.1, "soft") for d in lvl) for lvl in details]
    return bj.waverec2([a, *details], "db2", mode="symmetric")


def denoise_torch(x):
    a, *details = bt.wavedec2(x, "db2", mode="symmetric", level=3)
    details = [tuple(bt.threshold(d, 0.1, "soft") for d in lvl) for lvl in details]
    return bt.waverec2([a, *details], "db2", mode="symmetric")


def jax_bridge():
    import bridges.jax as bj
    return bj


WORKLOADS = [  # (title, shape, pywt's, torch's, JAX's)
    ("W1 wavedec (256, 4096) f32 db4 L5 symmetric", (256, 4096),
     lambda x: pywt.wavedec(x, "db4", mode="symmetric", level=5),
     lambda x: bt.wavedec(x, "db4", mode="symmetric", level=5),
     lambda x: jax_bridge().wavedec(x, "db4", mode="symmetric", level=5)),
    ("W3 wavedec2 (16, 3, 256, 256) f32 db2 L3", (16, 3, 256, 256),
     lambda x: pywt.wavedec2(x, "db2", mode="symmetric", level=3),
     lambda x: bt.wavedec2(x, "db2", mode="symmetric", level=3),
     lambda x: jax_bridge().wavedec2(x, "db2", mode="symmetric", level=3)),
    ("denoise (16, 3, 256, 256) f32 db2 L3", (16, 3, 256, 256), denoise_pywt, denoise_torch,
     denoise_jax),
]


def leaves(c):
    if isinstance(c, (list, tuple)):
        return [x for v in c for x in leaves(v)]
    return [c]


def check(got, expected, what):
    got, expected = leaves(got), leaves(expected)
    got = [np.asarray(g) if not isinstance(g, torch.Tensor) else g for g in got]
    scale = max(float(np.abs(e).max()) for e in expected)
    for g, e in zip(got, expected, strict=True):
        g = g.detach().numpy() if isinstance(g, torch.Tensor) else g
        if g.shape != e.shape or np.abs(g - e).max() > 1e-5 * scale:
            raise SystemExit(f"{what}: the output differs from pywt's")


class Model(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def onnx_session(model, x, folder):
    try:
        import onnxruntime
        import onnxscript  # noqa: F401  (torch.onnx.export needs it)
    except ImportError:
        return None
    path = str(Path(folder) / "model.onnx")
    with bt.portable(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, dynamo=True, verbose=False)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # (its threads would spin after each call, slowing whatever runs next)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda: session.run(None, {name: x.numpy()})


def jax_runners(fn, x_np) -> dict:
    """The JAX bridge under jit and its portable program after a
    serialization round trip."""
    import jax
    import bridges.jax as bj
    from jax import export
    x = jax.numpy.asarray(x_np)
    jitted = jax.jit(fn)
    with bj.portable():
        program = export.export(jax.jit(fn))(jax.ShapeDtypeStruct(x.shape, x.dtype))
    restored = export.deserialize(program.serialize())
    return {"JAX jit (kernels)": lambda: jax.block_until_ready(jitted(x)),
            "JAX exported, portable": lambda: jax.block_until_ready(restored.call(x))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="W1 only, 3 rounds")
    parser.add_argument("--jax", action="store_true", help="the JAX bridge instead of torch")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    workloads = WORKLOADS[:1] if args.quick else WORKLOADS
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for title, shape, theirs, ours, ours_jax in workloads:
        x_np = rng.standard_normal(shape).astype(np.float32)
        if args.jax:
            fns = {"pywt": lambda: theirs(x_np), **jax_runners(ours_jax, x_np)}
            for name, fn in fns.items():
                check(fn(), theirs(x_np), f"{title}, {name}")
            report(title, interleaved(fns, 3 if args.quick else args.rounds))
            continue
        x = torch.from_numpy(x_np)
        model = Model(ours)
        t0 = time.perf_counter()
        with bt.portable():
            program = torch.export.export(model, (x,)).module()
        capture = time.perf_counter() - t0
        fns = {"pywt": lambda: theirs(x_np), "bridge (kernels)": lambda: ours(x),
               "exported, torch": lambda: program(x)}
        with tempfile.TemporaryDirectory() as folder:
            session = onnx_session(model, x, folder)
            if session is not None:
                fns["exported, ONNX Runtime"] = session
            expected = theirs(x_np)
            for name, fn in fns.items():
                check(fn(), expected, f"{title}, {name}")
            medians = interleaved(fns, 3 if args.quick else args.rounds)
        report(f"{title}  (captured in {capture:.2f} s)", medians)


def report(title, medians):
    print(title)
    base = medians["pywt"]
    for name, m in medians.items():
        ratio = "" if name == "pywt" else f"   pywt / {name} = {base / m:5.2f}x"
        print(f"  {name:24s} {m * 1e3:9.1f} ms{ratio}")


if __name__ == "__main__":
    main()
