"""Per-example learned filter banks: vmap over a batch of banks against a loop
of one call per bank, through both bridges (not a test).

    python benchmarks/bench_per_example_banks.py [--banks 8 64] [--length 256]

Each example has its own bank (a hyper-network's filters, an ensemble): the
gradient of a wavelet loss with respect to every bank, for data of shape
(banks, 8, length), db4 level 3, symmetric, float32. 'vmap' is one call for
the whole batch (torch.func.vmap of grad; jax.jit of vmap of grad), where the
core runs each level operation once with one bank per item; 'loop' is one
call per bank (the same functions unbatched). Medians of interleaved rounds,
ms per batch; both sides in one process.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pywt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LEVEL, WAVELET, MODE = 3, "db4", "symmetric"


def torch_calls(x, banks):
    import torch
    from bridges import torch as bt

    def loss(xi, fl):
        return sum(t.square().sum() for t in bt.wavedec(xi, tuple(fl), MODE, level=LEVEL))
    xt, ft = torch.from_numpy(x), torch.from_numpy(banks)
    batched, one = torch.func.vmap(torch.func.grad(loss, argnums=1)), torch.func.grad(loss, 1)
    return {"vmap": lambda: batched(xt, ft),
            "loop": lambda: [one(xt[i], ft[i]) for i in range(len(ft))]}


def jax_calls(x, banks):
    import jax
    import jax.numpy as jnp
    from bridges import jax as bj

    def loss(fl, xi):
        return sum((t ** 2).sum() for t in bj.wavedec(xi, tuple(fl), MODE, LEVEL))
    xj, fj = jnp.asarray(x), jnp.asarray(banks)
    batched, one = jax.jit(jax.vmap(jax.grad(loss))), jax.jit(jax.grad(loss))
    return {"vmap": lambda: batched(fj, xj).block_until_ready(),
            "loop": lambda: [one(fj[i], xj[i]).block_until_ready() for i in range(len(fj))]}


def median_ms(calls: dict, rounds: int) -> dict:
    for call in calls.values():  # warm up: compile, plan
        call(), call()
    samples = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1e3)
    return {name: statistics.median(s) for name, s in samples.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    base = np.array(pywt.Wavelet(WAVELET).filter_bank, np.float32)
    print(f"gradient with respect to per-example banks, {WAVELET} level {LEVEL} {MODE}, "
          f"float32, ms per batch (median of {args.rounds})")
    print(f"{'bridge':8s} {'banks':>5s} {'vmap':>9s} {'loop':>9s} {'loop / vmap':>12s}")
    for b in args.banks:
        banks = np.stack([base * (1 + 0.01 * i) for i in range(b)])
        x = np.random.default_rng(0).standard_normal((b, 8, args.length)).astype(np.float32)
        for name, make in (("torch", torch_calls), ("jax", jax_calls)):
            t = median_ms(make(x, banks), args.rounds)
            print(f"{name:8s} {b:5d} {t['vmap']:9.2f} {t['loop']:9.2f} {t['loop'] / t['vmap']:12.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
