"""Learn a wavelet filter bank with bridges.torch (CPU or CUDA).

    python examples/learn_filter_bank.py [--steps 300] [--device cpu] [--lattice]

The four filters are parameters. An orthogonal bank is parametrized by its
analysis filters (the synthesis filters are their reversals, as in pywt's
orthogonal wavelets); the loss is

    perfect reconstruction   bt.filter_bank_errors: how far the bank's
                             distortion and aliasing are from those of a bank
                             with waverec(wavedec(x)) == x (both zero exactly
                             for an orthogonal bank), and
    sparsity                 the L1 norm of the detail coefficients of
                             piecewise-linear signals, relative to their own,

both computed by the bridge, whose gradients reach the filters. Starting
from a perturbed db2, the printed loss falls; at the end the learned bank
is compared with db2 (which has two vanishing moments, so it leaves only the
breakpoints of piecewise-linear signals in its details).

With --lattice the parameter is instead the lattice angle of a 4-tap
orthogonal bank (bt.lattice_filter_bank: orthogonal for every angle; it
starts from db2's, cw.lattice_angles("db2"), perturbed): the loss is the
sparsity alone, and the reconstruction error stays at rounding level at
every step.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pywt
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bridges.torch as bt  # noqa: E402
import cuwavelet as cw  # noqa: E402


def piecewise_linear(batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """Signals made of straight segments between a few random breakpoints."""
    t = torch.linspace(0, 1, length)
    out = torch.zeros(batch, length)
    for _ in range(4):
        start = torch.rand(batch, 1, generator=generator)
        slope = torch.randn(batch, 1, generator=generator)
        out += slope * torch.clamp(t - start, min=0)  # a kink at `start`
    return out + torch.randn(batch, 1, generator=generator)


def orthogonal_bank(dec_lo: torch.Tensor, dec_hi: torch.Tensor):
    return dec_lo, dec_hi, dec_lo.flip(0), dec_hi.flip(0)


def losses(bank, signals, level=3, mode="periodization"):
    distortion, aliasing = bt.filter_bank_errors(bank)
    reconstruction = distortion + aliasing
    details = bt.wavedec(signals, bank, mode, level=level)[1:]
    sparsity = sum(d.abs().sum() for d in details) / signals.abs().sum()
    return reconstruction, sparsity


def train(steps: int = 300, device: str = "cpu", report=print, lattice: bool = False) -> list:
    """Adam on the two analysis filters (or, with lattice, on the lattice
    angle) from a perturbed db2; the losses per step."""
    gen = torch.Generator().manual_seed(0)
    db2 = pywt.Wavelet("db2")
    start = [torch.tensor(f, dtype=torch.float32) for f in db2.filter_bank[:2]]
    if lattice:
        start_angles = cw.lattice_angles("db2") + 0.3  # (db2's angle is pi / 3)
        angle = torch.nn.Parameter(torch.tensor(start_angles, dtype=torch.float32, device=device))
        params, bank_of = [angle], lambda: bt.lattice_filter_bank(angle)
    else:
        dec_lo = torch.nn.Parameter((start[0] + 0.15 * torch.randn(4, generator=gen)).to(device))
        dec_hi = torch.nn.Parameter((start[1] + 0.15 * torch.randn(4, generator=gen)).to(device))
        params, bank_of = [dec_lo, dec_hi], lambda: orthogonal_bank(dec_lo, dec_hi)
    opt = torch.optim.Adam(params, lr=0.01)
    signals = piecewise_linear(64, 256, gen).to(device)
    history = []
    for step in range(steps + 1):
        opt.zero_grad()
        bank = bank_of()
        reconstruction, sparsity = losses(bank, signals)
        loss = sparsity if lattice else 10 * reconstruction + sparsity
        history.append(loss.item())
        if step % max(1, steps // 10) == 0:
            report(f"step {step:4d}  loss {loss.item():.5f}  reconstruction error "
                   f"{reconstruction.item():.2e}  detail L1 / signal L1 {sparsity.item():.5f}")
        if step < steps:
            loss.backward()
            opt.step()
    fixed = [torch.tensor(f, dtype=torch.float32, device=device) for f in db2.filter_bank]
    ref_rec, ref_sparsity = losses(tuple(fixed), signals)
    report(f"loss {history[0]:.5f} -> {history[-1]:.5f}; db2 itself: reconstruction error "
           f"{ref_rec.item():.2e}, detail L1 / signal L1 {ref_sparsity.item():.5f}")
    report(f"learned dec_lo {[round(v, 4) for v in bank[0].detach().cpu().tolist()]}")
    report(f"db2     dec_lo {[round(v, 4) for v in db2.dec_lo]}")
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--lattice", action="store_true",
                        help="learn the lattice angle of an orthogonal bank instead")
    args = parser.parse_args()
    train(args.steps, args.device, lattice=args.lattice)


if __name__ == "__main__":
    main()
