"""Recover a signal from its scalogram (the magnitudes of its continuous
wavelet transform) by gradient descent, with bridges.torch.cwt.

    python examples/scalogram_inversion.py [--steps 300] [--device cpu|cuda]

The scalogram |cwt(x)| with a complex Morlet wavelet drops every phase; x is
recovered (up to its sign, which the magnitudes cannot tell) by minimizing
|| |cwt(y)| - |cwt(x)| ||^2 over y, started from noise. Each step's gradient
is the transform's exact adjoint applied to the residual (on the GPU with
cuFFT when --device cuda). The script prints the loss and, at the end, how
far y is from x or -x.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bridges.torch as bt  # noqa: E402

WAVELET = "cmor1.5-1.0"


def chirps(n: int, device) -> torch.Tensor:
    """Two crossing chirps under a smooth envelope: a signal whose scalogram
    has structure at every scale."""
    t = torch.linspace(0, 1, n, dtype=torch.float64, device=device)
    envelope = torch.exp(-((t - 0.5) / 0.35) ** 2)
    return envelope * (torch.cos(2 * math.pi * (20 * t + 60 * t ** 2))
                       + 0.7 * torch.sin(2 * math.pi * (90 * t - 40 * t ** 2)))


def invert(x: torch.Tensor, scales, steps: int, report=print) -> tuple:
    """(y, the losses): y fitted to x's scalogram by L-BFGS from noise."""
    target = bt.cwt(x, scales, WAVELET)[0].abs()
    generator = torch.Generator(x.device.type).manual_seed(0)
    y = (0.1 * torch.randn(x.shape, dtype=x.dtype, device=x.device,
                           generator=generator)).requires_grad_()
    optimizer = torch.optim.LBFGS([y], lr=1, max_iter=20, history_size=20,
                                  line_search_fn="strong_wolfe")
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = (bt.cwt(y, scales, WAVELET)[0].abs() - target).square().sum() / target.square().sum()
        loss.backward()  # through cuwavelet.adjoint.cwt (the gradient of |cwt(y)|)
        return loss

    for step in range(steps // 20):
        losses.append(float(optimizer.step(closure)))
        report(f"step {20 * (step + 1):4d}: relative scalogram misfit {losses[-1]:.2e}")
    return y.detach(), losses


def sign_free_error(y: torch.Tensor, x: torch.Tensor) -> float:
    """min over the sign of ||y -+ x|| / ||x||."""
    return float(min((y - x).norm(), (y + x).norm()) / x.norm())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--n", type=int, default=512, help="signal length")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args(argv)
    x = chirps(args.n, args.device)
    scales = np.geomspace(1, 64, 48)
    y, _ = invert(x, scales, args.steps)
    print(f"recovered signal: {sign_free_error(y, x):.2e} of its norm from the original "
          "(up to its sign)")


if __name__ == "__main__":
    main()
