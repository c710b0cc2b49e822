"""What a call into cuwavelet costs through each of torch's extension
mechanisms, on one small transform (not a test).

    python benchmarks/bench_torch_dispatch.py [--rounds N]

The same core call (one dwt level of a (4, 64) float64 array, db2,
symmetric: ``cuwavelet._multilevel.dwtn`` and, backward,
``dwtn_adjoint``) behind:

    custom_op            torch.library.custom_op with register_fake and
                         register_autograd (backward calls the core adjoint)
    Library op           a torch.library.Library op with a plain
                         CompositeExplicitAutograd kernel, a fake kernel and an
                         Autograd kernel applying an autograd.Function (the
                         bridge's graph-capture route)
    Function.apply       the autograd.Function (setup_context, backward, jvp,
                         vmap) through its Python apply (the torch.func route)
    Function C++ apply   the same Function through torch._C._FunctionBase.apply,
                         skipping the Python wrapper's argument binding (the
                         bridge's autograd route)
    core                 the core call alone (the bridge's route without autograd)
    C++ op floor         dispatching one C++ aten op (alias) and, for
                         fwd+bwd, x * 1 through autograd: what an op
                         registered from C++ could at best cost before it
                         calls back into Python for the core

Forward on a tensor without requires_grad; fwd+bwd with requires_grad and
torch.autograd.grad of both subbands. Medians of interleaved rounds.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_latency import interleaved  # noqa: E402

from bridges import _torch_ops as ops  # noqa: E402
from cuwavelet import _multilevel as ml  # noqa: E402
from cuwavelet._wavelets import MODES, as_filter_bank  # noqa: E402

warnings.filterwarnings("ignore")

BANK = as_filter_bank("db2")
SYM = MODES.index("symmetric")


def custom_op_route():
    """The previous design: torch.library.custom_op around the same core call."""
    @torch.library.custom_op("cuwavelet_bench::dwt", mutates_args=())
    def dwt(x: torch.Tensor) -> list[torch.Tensor]:
        sub = ml.dwtn(x.detach().numpy(), [1], [BANK], [SYM])
        return [torch.from_numpy(sub["a"]), torch.from_numpy(sub["d"])]

    @dwt.register_fake
    def _(x):
        n = (x.shape[1] + 3) // 2
        return [x.new_empty((x.shape[0], n)), x.new_empty((x.shape[0], n))]

    def backward(ctx, grads):
        c = {k: g.numpy() for k, g in zip("ad", grads)}
        return torch.from_numpy(ml.dwtn_adjoint(c, [1], [BANK], [SYM], ctx.shape))

    def setup(ctx, inputs, output):
        ctx.shape = tuple(inputs[0].shape)
    dwt.register_autograd(backward, setup_context=setup)
    return dwt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((4, 64)))
    xg = x.clone().requires_grad_(True)
    static = ((1,), (SYM,)) + ops.encode_banks([BANK])
    ones = torch.ones(4, 33, dtype=torch.float64)
    custom = custom_op_route()
    routes = {
        "custom_op": lambda t: custom(t),
        "Library op": lambda t: ops.DWTN.dispatch(static, (t,)),
        "Function.apply": lambda t: ops.DWTN.fn.apply(static, t),
        "Function C++ apply": lambda t: ops.DWTN.capply(static, t),
        "core": lambda t: ops.DWTN.run(static, (t,)),
    }
    calls = {}
    for name, route in routes.items():
        calls[(name, "forward")] = lambda route=route: route(x)
        if name != "core":
            calls[(name, "fwd+bwd")] = lambda route=route: torch.autograd.grad(
                list(route(xg)), xg, [ones, ones])
    calls[("C++ op floor", "forward")] = lambda: torch.ops.aten.alias.default(x)
    calls[("C++ op floor", "fwd+bwd")] = lambda: torch.autograd.grad(xg * 1, xg, x)
    med = interleaved(calls, args.rounds)
    print("one dwt level (4, 64) float64 db2 through each mechanism, CPU, microseconds per call")
    print(f"{'mechanism':22s} {'forward':>9s} {'fwd+bwd':>9s}")
    for name in list(routes) + ["C++ op floor"]:
        fb = med.get((name, "fwd+bwd"))
        print(f"{name:22s} {med[(name, 'forward')] * 1e6:9.1f} "
              f"{'' if fb is None else f'{fb * 1e6:9.1f}'}")


if __name__ == "__main__":
    main()
